//! The enum-typed columns. Each enum is stored as its snake_case name in a `VARCHAR` column
//! (no database enum type): `DeriveActiveEnum` maps it to the column, serde to the JSON and
//! utoipa to the OpenAPI schema, all three with the same strings. A value in the database
//! that is none of them fails to decode (`DbErr::Type`) instead of falling back to a default.
//!
//! `as_str` gives the same string without allocating, for messages, CSV cells, cache keys and
//! logs; the tests below check it against sea-orm's and serde's forms.
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

mod assessments;
mod criteria;
mod documents;
mod sponsorships;
mod units;
mod users;

pub use assessments::*;
pub use criteria::*;
pub use documents::*;
pub use sponsorships::*;
pub use units::*;
pub use users::*;

macro_rules! display_as_str {
    ($($t:ty),*) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}

display_as_str!(
    Role,
    Level,
    Region,
    DesignationKind,
    Status,
    Kind,
    CriterionResult,
    CriteriaLevel,
    VersionStatus,
    AgencyKind,
    ActivityKind,
    DocumentKind,
    DocumentParent
);

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::Iterable;

    /// `as_str`, the stored value and the JSON string agree for every variant, and the
    /// stored value reads back.
    fn same_strings<E>(as_str: fn(E) -> &'static str)
    where
        E: ActiveEnum<Value = String> + Iterable + Serialize + Copy + PartialEq + std::fmt::Debug,
    {
        let mut n = 0;
        for v in E::iter() {
            let stored = v.to_value();
            assert_eq!(as_str(v), stored);
            assert_eq!(serde_json::to_value(v).unwrap(), stored.as_str());
            assert_eq!(E::try_from_value(&stored).unwrap(), v);
            n += 1;
        }
        assert!(n > 0);
        assert!(E::try_from_value(&"no such value".to_string()).is_err());
    }

    #[test]
    fn as_str_matches_the_stored_and_the_json_strings() {
        same_strings(Role::as_str);
        same_strings(Level::as_str);
        same_strings(Region::as_str);
        same_strings(DesignationKind::as_str);
        same_strings(Status::as_str);
        for k in Kind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
            assert_eq!(k.as_str().parse::<Kind>().unwrap(), k);
            assert_eq!(sea_orm::Value::from(k), sea_orm::Value::from(k.as_str()));
        }
        assert!("no such value".parse::<Kind>().is_err());
        same_strings(CriterionResult::as_str);
        same_strings(CriteriaLevel::as_str);
        same_strings(VersionStatus::as_str);
        same_strings(AgencyKind::as_str);
        same_strings(ActivityKind::as_str);
        same_strings(DocumentKind::as_str);
        same_strings(DocumentParent::as_str);
        assert_eq!(Role::ALL.len(), Role::iter().count());
        assert_eq!(Region::ALL.len(), Region::iter().count());
        assert_eq!(Status::ALL.len(), Status::iter().count());
        assert_eq!(CriteriaLevel::ALL.len(), CriteriaLevel::iter().count());
    }
}
