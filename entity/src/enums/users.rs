//! The role of a user (`users.role`).
use super::*;

/// Role of a user (`docs/ROLES.md`).
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
pub enum Role {
    /// Everything.
    Admin,
    /// Sở/UBND tỉnh — scope: a province code.
    Province,
    /// Huyện — scope: a district code.
    District,
    /// Xã — scope: a commune code.
    Commune,
    /// Đơn vị đỡ đầu — scope: a sponsoring agency id.
    Sponsor,
    /// Reads everything, drafts included; writes nothing.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Province,
        Role::District,
        Role::Commune,
        Role::Sponsor,
        Role::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Province => "province",
            Role::District => "district",
            Role::Commune => "commune",
            Role::Sponsor => "sponsor",
            Role::Viewer => "viewer",
        }
    }

    /// Whether this role is bound to a scope (a unit code or an agency id).
    pub fn needs_scope(self) -> bool {
        !matches!(self, Role::Admin | Role::Viewer)
    }
}
