//! A unit's standing: the highest unrevoked recognition, for lists filtered by level.
use super::*;

/// A commune's current level, as the `level` filter of `GET /communes` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CurrentLevel {
    None,
    Commune,
    CommuneAdvanced,
    CommuneModel,
}

impl CurrentLevel {
    pub(super) fn rank(self) -> u8 {
        match self {
            CurrentLevel::None => 0,
            CurrentLevel::Commune => 1,
            CurrentLevel::CommuneAdvanced => 2,
            CurrentLevel::CommuneModel => 3,
        }
    }
}

pub(super) fn rank_of(level: CriteriaLevel) -> u8 {
    match level {
        CriteriaLevel::CommuneModel => 3,
        CriteriaLevel::CommuneAdvanced => 2,
        CriteriaLevel::Commune => 1,
        _ => 0,
    }
}

/// The standing recognitions of communes, to keep those at one current level.
#[derive(Debug, Clone)]
pub struct Standing {
    pub level: CurrentLevel,
    /// Per commune code: (decided on, rank) of each unrevoked recognition.
    pub decided: std::sync::Arc<std::collections::HashMap<String, Vec<(NaiveDate, u8)>>>,
}

impl Standing {
    /// Whether a commune version is at the wanted level: its highest unrevoked recognition
    /// decided within the version's period.
    pub fn matches(&self, u: &entity::unit::Model) -> bool {
        let period = units::period_of(u);
        let best = self
            .decided
            .get(&u.code)
            .and_then(|v| {
                v.iter()
                    .filter(|(d, _)| period.contains(*d))
                    .map(|(_, r)| *r)
                    .max()
            })
            .unwrap_or(0);
        best == self.level.rank()
    }
}

pub async fn standing<C: ConnectionTrait>(db: &C, level: CurrentLevel) -> Result<Standing> {
    let rows: Vec<(String, CriteriaLevel, NaiveDate)> = recognition::Entity::find()
        .select_only()
        .column(recognition::Column::UnitCode)
        .column(recognition::Column::Level)
        .column(recognition::Column::DecidedOn)
        .filter(recognition::Column::UnitLevel.eq(Level::Commune))
        .filter(recognition::Column::Revoked.eq(false))
        .into_tuple()
        .all(db)
        .await?;
    let mut decided: std::collections::HashMap<String, Vec<(NaiveDate, u8)>> =
        std::collections::HashMap::new();
    for (code, l, on) in rows {
        decided.entry(code).or_default().push((on, rank_of(l)));
    }
    Ok(Standing {
        level,
        decided: std::sync::Arc::new(decided),
    })
}
