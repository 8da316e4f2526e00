//! A commune's status: its current level (the highest unrevoked recognition), its latest
//! assessment visible to the caller with the QĐ 18/2022 revocation risk, and the agencies
//! sponsoring it on the day.
use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use utoipa::ToSchema;

use crate::access::Caller;
use crate::domain::assessment::{at_risk, CriterionResult, Summary};
use crate::domain::criteria::CriteriaLevel;
use crate::domain::units::Level;
use crate::error::Result;
use crate::services::{assessments, recognitions as service, units};

/// A recognition as the status shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusRecognition {
    pub id: i32,
    pub level: CriteriaLevel,
    pub decision_number: String,
    pub decided_on: NaiveDate,
    pub revoked: bool,
}

/// The latest assessment the caller may see.
#[derive(Debug, Serialize, ToSchema)]
pub struct LatestAssessment {
    pub id: i32,
    pub assessed_on: NaiveDate,
    pub status: crate::domain::assessment::Status,
    pub summary: Summary,
    /// Documents of its dossier (not removed): `GET /assessments/{id}/documents`.
    pub documents: u64,
}

/// `GET /communes/{code}/status`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommuneStatus {
    pub code: String,
    pub name: String,
    /// `none`, `commune`, `commune_advanced` or `commune_model`: the highest unrevoked
    /// recognition of this commune version.
    #[schema(value_type = crate::services::recognitions::CurrentLevel)]
    pub level: String,
    pub recognitions: Vec<StatusRecognition>,
    pub latest_assessment: Option<LatestAssessment>,
    /// A recognised commune whose latest assessment fails the QĐ 18/2022 thresholds
    /// (50% or more of the criteria unmet, or 30-50% including income, environment or
    /// security).
    pub at_risk: bool,
    /// Agencies sponsoring the commune on the status day.
    pub sponsors: Vec<StatusSponsor>,
}

/// A current sponsor of a commune.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusSponsor {
    pub agency_id: i32,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// The status of the commune `code` on `on` (default: today's version, or the last).
pub async fn commune_status(
    db: &DatabaseConnection,
    trees: &crate::services::criteria::trees::Trees,
    caller: Option<&Caller>,
    code: &str,
    on: Option<NaiveDate>,
) -> Result<CommuneStatus> {
    let unit = units::get_on(db, Level::Commune, code, on).await?;
    let recognitions = service::of_unit(db, &unit).await?;
    let level = service::current_level(&recognitions);
    let period = units::period_of(&unit);
    let latest = entity::assessment::Entity::find()
        .filter(entity::assessment::Column::UnitCode.eq(unit.code.as_str()))
        .filter(entity::assessment::Column::UnitLevel.eq(Level::Commune))
        .filter(assessments::visible_condition(caller))
        .order_by_desc(entity::assessment::Column::AssessedOn)
        .order_by_desc(entity::assessment::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .find(|a| period.contains(a.assessed_on));
    let mut risk = false;
    let latest_assessment = match latest {
        None => None,
        Some(a) => {
            if level != "none" {
                let (outcomes, _, _) = assessments::evaluate_stored(db, trees, &a).await?;
                // Only what is known: an undetermined criterion is not a failure.
                let unmet: Vec<String> = outcomes
                    .iter()
                    .filter(|o| !o.met && o.result != CriterionResult::Unknown)
                    .map(|o| o.code.clone())
                    .collect();
                risk = at_risk(outcomes.len() as i32, &unmet);
            }
            Some(LatestAssessment {
                id: a.id,
                assessed_on: a.assessed_on,
                status: a.status,
                summary: Summary::new(a.met_count, a.unknown_count.unwrap_or(0), a.total_count),
                documents: crate::services::documents::count_of_assessment(db, a.id).await?,
            })
        }
    };
    // Sponsors on the status day: the date asked for, or today (the last day of a retired
    // commune).
    let day = on.unwrap_or_else(|| {
        let today = units::today();
        unit.valid_to.map_or(today, |to| to.min(today))
    });
    let running = entity::sponsorship::Entity::find()
        .filter(entity::sponsorship::Column::CommuneCode.eq(unit.code.as_str()))
        .filter(entity::sponsorship::Column::StartsOn.lte(day))
        .filter(entity::sponsorship::Column::EndsOn.gte(day))
        .order_by_asc(entity::sponsorship::Column::StartsOn)
        .all(db)
        .await?;
    // The agencies' names in one query, whatever the number of sponsors.
    let names: HashMap<i32, String> = entity::agency::Entity::find()
        .filter(entity::agency::Column::Id.is_in(running.iter().map(|s| s.agency_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let sponsors = running
        .into_iter()
        .map(|s| StatusSponsor {
            name: names.get(&s.agency_id).cloned().unwrap_or_default(),
            agency_id: s.agency_id,
            starts_on: s.starts_on,
            ends_on: s.ends_on,
        })
        .collect();
    Ok(CommuneStatus {
        sponsors,
        code: unit.code.clone(),
        name: unit.name.clone(),
        level: level.to_string(),
        recognitions: recognitions
            .iter()
            .map(|r| StatusRecognition {
                id: r.id,
                level: r.level,
                decision_number: r.decision_number.clone(),
                decided_on: r.decided_on,
                revoked: r.revoked,
            })
            .collect(),
        latest_assessment,
        at_risk: risk,
    })
}
