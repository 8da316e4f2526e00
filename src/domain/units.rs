//! Administrative units: levels, their types, code formats and version resolution.
use chrono::NaiveDate;

/// The last day of the pre-reform structure (districts abolished, provinces merged).
pub fn reform_eve() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 30).expect("valid date")
}

/// Level of an administrative unit: defined with the `units.level` column.
pub use entity::enums::Level;

/// The seven socio-economic regions: defined with the `units.region` column.
pub use entity::enums::Region;

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
