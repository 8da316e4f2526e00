//! Administrative levels and regions (`units.level`, `units.region`, and the
//! `unit_level` of assessments, recognitions and registrations).
use super::*;

/// Level of an administrative unit.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    EnumIter,
    DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(16))",
    rename_all = "snake_case"
)]
pub enum Level {
    /// Tỉnh / thành phố trực thuộc trung ương.
    Province,
    /// Huyện / quận / thị xã / thành phố thuộc tỉnh (abolished 2025-07-01).
    District,
    /// Xã / phường / thị trấn / đặc khu.
    Commune,
    /// Thôn / xóm / ấp / bản / khu dân cư.
    Village,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::District => "district",
            Level::Commune => "commune",
            Level::Village => "village",
        }
    }

    /// Vietnamese name of the level, for messages.
    pub fn noun(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::District => "district",
            Level::Commune => "commune",
            Level::Village => "village",
        }
    }

    /// The unit types allowed at this level.
    pub fn types(self) -> &'static [&'static str] {
        match self {
            Level::Province => &["tỉnh", "thành phố trung ương"],
            Level::District => &["huyện", "quận", "thị xã", "thành phố"],
            Level::Commune => &["xã", "phường", "thị trấn", "đặc khu"],
            Level::Village => &[
                "thôn",
                "xóm",
                "ấp",
                "bản",
                "buôn",
                "làng",
                "plei",
                "sóc",
                "khóm",
                "khu dân cư",
                "khu phố",
                "tổ dân phố",
            ],
        }
    }

    /// Whether `code` has this level's official format (GSO/NSO: 2, 3 and 5 digits;
    /// villages: 1 to 32 letters, digits, `.`, `-` or `_`).
    pub fn code_is_valid(self, code: &str) -> bool {
        let digits = |n: usize| code.len() == n && code.bytes().all(|b| b.is_ascii_digit());
        match self {
            Level::Province => digits(2),
            Level::District => digits(3),
            Level::Commune => digits(5),
            Level::Village => {
                (1..=32).contains(&code.len())
                    && code
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
            }
        }
    }

    pub fn code_format(self) -> &'static str {
        match self {
            Level::Province => "2 digits, e.g. \"42\"",
            Level::District => "3 digits, e.g. \"443\"",
            Level::Commune => "5 digits, e.g. \"18850\"",
            Level::Village => "1 to 32 letters, digits, '.', '-' or '_'",
        }
    }
}

/// The seven socio-economic regions used by region-dependent thresholds.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    EnumIter,
    DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(32))",
    rename_all = "snake_case"
)]
pub enum Region {
    /// Trung du và miền núi phía Bắc.
    NorthernMidlandsMountains,
    /// Đồng bằng sông Hồng.
    RedRiverDelta,
    /// Bắc Trung Bộ.
    NorthCentralCoast,
    /// Duyên hải Nam Trung Bộ.
    SouthCentralCoast,
    /// Tây Nguyên.
    CentralHighlands,
    /// Đông Nam Bộ.
    Southeast,
    /// Đồng bằng sông Cửu Long.
    MekongDelta,
}

impl Region {
    pub const ALL: [Region; 7] = [
        Region::NorthernMidlandsMountains,
        Region::RedRiverDelta,
        Region::NorthCentralCoast,
        Region::SouthCentralCoast,
        Region::CentralHighlands,
        Region::Southeast,
        Region::MekongDelta,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Region::NorthernMidlandsMountains => "northern_midlands_mountains",
            Region::RedRiverDelta => "red_river_delta",
            Region::NorthCentralCoast => "north_central_coast",
            Region::SouthCentralCoast => "south_central_coast",
            Region::CentralHighlands => "central_highlands",
            Region::Southeast => "southeast",
            Region::MekongDelta => "mekong_delta",
        }
    }
}

/// A dated mark a province puts on a commune that changes how it is judged. Under QĐ
/// 318/QĐ-TTg (2021-2025), especially difficult communes and safe-zone communes of poor
/// districts and of districts that left poverty in 2018-2020 are judged at the level of the
/// Northern Midlands and Mountains region (`unit_designations.kind`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    EnumIter,
    DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(32))",
    rename_all = "snake_case"
)]
pub enum DesignationKind {
    /// Xã đặc biệt khó khăn.
    EspeciallyDifficult,
    /// Xã an toàn khu (ATK).
    SafeZone,
}

impl DesignationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DesignationKind::EspeciallyDifficult => "especially_difficult",
            DesignationKind::SafeZone => "safe_zone",
        }
    }

    /// The region whose thresholds apply to a commune with this mark.
    pub fn judged_as(self) -> Region {
        Region::NorthernMidlandsMountains
    }
}
