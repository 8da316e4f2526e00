//! Administrative units: levels, their types, code formats and version resolution.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The last day of the pre-reform structure (districts abolished, provinces merged).
pub fn reform_eve() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 30).expect("valid date")
}

/// Level of an administrative unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
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

    pub fn parse(s: &str) -> Option<Level> {
        [
            Level::Province,
            Level::District,
            Level::Commune,
            Level::Village,
        ]
        .into_iter()
        .find(|l| l.as_str() == s)
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
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

    pub fn parse(s: &str) -> Option<Region> {
        Region::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Full name as people write it: "Xã Kỳ Lạc", "Thành phố Hà Nội", "Phường 1".
pub fn full_name(unit_type: &str, name: &str) -> String {
    let type_word = match unit_type {
        "thành phố trung ương" => "thành phố",
        other => other,
    };
    let mut chars = type_word.chars();
    let capitalized: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    format!("{capitalized} {name}")
}

/// A validity period; `None` ends are open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl Period {
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from.is_none_or(|f| f <= day) && self.to.is_none_or(|t| day <= t)
    }

    pub fn overlaps(&self, other: &Period) -> bool {
        let starts_before_other_ends = match (self.from, other.to) {
            (Some(f), Some(t)) => f <= t,
            _ => true,
        };
        let ends_after_other_starts = match (self.to, other.from) {
            (Some(t), Some(f)) => t >= f,
            _ => true,
        };
        starts_before_other_ends && ends_after_other_starts
    }

    /// The day on which the unit's parent is looked up: its first day, or (open start) the
    /// earlier of today and its last day.
    pub fn reference_day(&self, today: NaiveDate) -> NaiveDate {
        match (self.from, self.to) {
            (Some(f), _) => f,
            (None, Some(t)) => t.min(today),
            (None, None) => today,
        }
    }
}

/// Which of a code's versions answers a request: the one valid on `on` when given (none if
/// no version was valid that day); otherwise the one valid today, or else the latest one
/// (a retired code answers its last version).
pub fn resolve_version<T>(
    versions: &[T],
    period: impl Fn(&T) -> Period,
    on: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<usize> {
    let valid_on = |day: NaiveDate| versions.iter().position(|v| period(v).contains(day));
    match on {
        Some(day) => valid_on(day),
        None => valid_on(today).or_else(|| {
            versions
                .iter()
                .enumerate()
                .max_by_key(|(_, v)| {
                    let p = period(v);
                    (p.to.is_none(), p.to, p.from)
                })
                .map(|(i, _)| i)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn code_formats() {
        assert!(Level::Province.code_is_valid("42"));
        assert!(!Level::Province.code_is_valid("442"));
        assert!(Level::District.code_is_valid("443"));
        assert!(Level::Commune.code_is_valid("18850"));
        assert!(!Level::Commune.code_is_valid("1885a"));
        assert!(Level::Village.code_is_valid("18850-thon-1"));
        assert!(!Level::Village.code_is_valid("thôn 1"));
    }

    #[test]
    fn full_names() {
        assert_eq!(full_name("xã", "Kỳ Lạc"), "Xã Kỳ Lạc");
        assert_eq!(
            full_name("thành phố trung ương", "Hà Nội"),
            "Thành phố Hà Nội"
        );
        assert_eq!(full_name("phường", "1"), "Phường 1");
    }

    #[test]
    fn resolves_versions_of_a_reused_code() {
        let old = Period {
            from: None,
            to: Some(d(2025, 6, 30)),
        };
        let new = Period {
            from: Some(d(2025, 7, 1)),
            to: None,
        };
        let versions = [old, new];
        let today = d(2026, 11, 23);
        assert_eq!(resolve_version(&versions, |p| *p, None, today), Some(1));
        assert_eq!(
            resolve_version(&versions, |p| *p, Some(d(2021, 9, 25)), today),
            Some(0)
        );
        assert_eq!(
            resolve_version(&versions, |p| *p, Some(d(2025, 7, 1)), today),
            Some(1)
        );
        // A retired code answers its last version; a date outside every version answers none.
        let retired = [old];
        assert_eq!(resolve_version(&retired, |p| *p, None, today), Some(0));
        assert_eq!(
            resolve_version(&retired, |p| *p, Some(d(2026, 1, 1)), today),
            None
        );
    }

    #[test]
    fn periods_overlap() {
        let a = Period {
            from: None,
            to: Some(d(2025, 6, 30)),
        };
        let b = Period {
            from: Some(d(2025, 7, 1)),
            to: None,
        };
        let c = Period {
            from: Some(d(2020, 1, 1)),
            to: Some(d(2025, 7, 1)),
        };
        assert!(!a.overlaps(&b));
        assert!(c.overlaps(&a) && c.overlaps(&b));
        assert_eq!(a.reference_day(d(2026, 1, 1)), d(2025, 6, 30));
        assert_eq!(b.reference_day(d(2026, 1, 1)), d(2025, 7, 1));
    }
}
