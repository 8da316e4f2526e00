//! Sponsoring agencies (đơn vị đỡ đầu), sponsorships (đỡ đầu) and their activities, with
//! totals from aggregate queries.
use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, JoinType,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

use entity::{agency, sponsorship, sponsorship_activity as activity};

use crate::access::Scope;
use crate::domain::text::{contains_pattern, fold};
use crate::domain::units::Level;
use crate::error::{check_text, ApiError, DbResultExt, FieldError, Result};
use crate::pagination::{Page, PageRequest};
use crate::services::{changes, units};

/// The largest amount of one activity (VND).
pub const MAX_AMOUNT_VND: i64 = 100_000_000_000_000;

/// Kinds of sponsoring agency and of sponsorship activity: defined with the
/// `agencies.kind` and `sponsorship_activities.kind` columns.
pub use entity::enums::{ActivityKind, AgencyKind};

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Ban Dân vận Tỉnh ủy Hà Tĩnh", "kind": "party", "province_code": "42"}))]
pub struct NewAgency {
    pub name: String,
    pub kind: AgencyKind,
    /// The province it belongs to (null: a central agency; admins only).
    #[serde(default)]
    pub province_code: Option<String>,
    #[serde(default)]
    pub contact: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgencyPatch {
    pub name: Option<String>,
    pub kind: Option<AgencyKind>,
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schema(value_type = Option<String>)]
    pub contact: Option<Option<String>>,
}

/// Sums over an agency's sponsorships.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct AgencyTotals {
    pub sponsorships: i64,
    pub activities: i64,
    /// Sum of funding activities, integer VND.
    pub funding_vnd: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AgencyView {
    pub id: i32,
    pub name: String,
    pub kind: AgencyKind,
    pub province_code: Option<String>,
    pub contact: Option<String>,
    pub totals: AgencyTotals,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"agency_id": 3, "commune_code": "18724", "starts_on": "2016-01-01", "ends_on": "2020-12-31",
    "signed_on": "2016-08-19", "commitments": ["Tập huấn cán bộ cốt cán"]}))]
pub struct NewSponsorship {
    pub agency_id: i32,
    pub commune_code: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    #[serde(default)]
    pub signed_on: Option<NaiveDate>,
    /// The decision assigning the sponsor, e.g. "863/QĐ-UBND".
    #[serde(default)]
    pub decision_number: Option<String>,
    #[serde(default)]
    pub commitments: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SponsorshipPatch {
    pub ends_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub signed_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schema(value_type = Option<String>)]
    pub decision_number: Option<Option<String>>,
    pub commitments: Option<Vec<String>>,
}

/// Sums over a sponsorship's activities.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct SponsorshipTotals {
    pub activities: i64,
    pub funding_vnd: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SponsorshipView {
    pub id: i32,
    pub agency_id: i32,
    pub agency_name: String,
    pub commune_code: String,
    pub province_code: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub signed_on: Option<NaiveDate>,
    pub decision_number: Option<String>,
    pub commitments: Vec<String>,
    pub totals: SponsorshipTotals,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"happened_on": "2017-05-10", "kind": "funding", "amount_vnd": 150000000, "description": "Hỗ trợ mô hình nuôi ong"}))]
pub struct NewActivity {
    pub happened_on: NaiveDate,
    pub kind: ActivityKind,
    /// Integer VND; required for funding. At most 10^14 (a hundred trillion đồng), so the
    /// sums over an agency's activities cannot overflow.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100_000_000_000_000_i64)]
    pub amount_vnd: Option<i64>,
    /// What was given in kind.
    #[serde(default)]
    pub in_kind: Option<String>,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ActivityView {
    pub id: i32,
    pub sponsorship_id: i32,
    pub happened_on: NaiveDate,
    pub kind: ActivityKind,
    pub amount_vnd: Option<i64>,
    pub in_kind: Option<String>,
    pub description: String,
    pub recorded_by: String,
}

impl From<&activity::Model> for ActivityView {
    fn from(m: &activity::Model) -> Self {
        ActivityView {
            id: m.id,
            sponsorship_id: m.sponsorship_id,
            happened_on: m.happened_on,
            kind: m.kind,
            amount_vnd: m.amount_vnd,
            in_kind: m.in_kind.clone(),
            description: m.description.clone(),
            recorded_by: m.recorded_by.clone(),
        }
    }
}

#[derive(Debug, FromQueryResult)]
struct Sums {
    owner: i32,
    n: i64,
    funding: Option<i64>,
}

pub fn agency_scope(m: &agency::Model) -> Scope {
    Scope {
        province: m.province_code.clone(),
        agency: Some(m.id),
        ..Default::default()
    }
}

pub fn sponsorship_scope(m: &sponsorship::Model) -> Scope {
    Scope {
        province: m.province_code.clone(),
        district: m.district_code.clone(),
        commune: Some(m.commune_code.clone()),
        agency: Some(m.agency_id),
    }
}

/// Activity count and funding, grouped by `owner` (a column of the sponsorship: its id or its
/// agency), for the sponsorships whose `owner` is in `owners`. One query, whatever the number
/// of owners, so a page of a list costs the same as one item.
async fn activity_sums<C: ConnectionTrait>(
    db: &C,
    owner: sponsorship::Column,
    owners: &[i32],
) -> Result<HashMap<i32, (i64, i64)>> {
    if owners.is_empty() {
        return Ok(HashMap::new());
    }
    // The kind is spelled from the enum rather than bound: with a bound value
    // (`Expr::cust_with_values`) this grouped query failed on PostgreSQL (cause not yet
    // investigated); SQLite accepted it.
    let funding = Expr::cust(format!(
        "SUM(CASE WHEN kind = '{}' THEN amount_vnd ELSE 0 END)",
        ActivityKind::Funding.as_str()
    ));
    let join = activity::Entity::belongs_to(sponsorship::Entity)
        .from(activity::Column::SponsorshipId)
        .to(sponsorship::Column::Id)
        .into();
    let sums = activity::Entity::find()
        .select_only()
        .join(JoinType::InnerJoin, join)
        .column_as(Expr::col((sponsorship::Entity, owner)), "owner")
        .column_as(activity::Column::Id.count(), "n")
        .column_as(funding.cast_as("BIGINT"), "funding")
        .filter(Expr::col((sponsorship::Entity, owner)).is_in(owners.iter().copied()))
        .group_by(Expr::col((sponsorship::Entity, owner)))
        .into_model::<Sums>()
        .all(db)
        .await?;
    Ok(sums
        .into_iter()
        .map(|s| (s.owner, (s.n, s.funding.unwrap_or(0))))
        .collect())
}

/// The views of a page of agencies, with their totals, in three queries.
pub async fn agency_views<C: ConnectionTrait>(
    db: &C,
    models: &[agency::Model],
) -> Result<Vec<AgencyView>> {
    let ids: Vec<i32> = models.iter().map(|m| m.id).collect();
    let counts: HashMap<i32, i64> = if ids.is_empty() {
        HashMap::new()
    } else {
        sponsorship::Entity::find()
            .select_only()
            .column(sponsorship::Column::AgencyId)
            .column_as(sponsorship::Column::Id.count(), "n")
            .filter(sponsorship::Column::AgencyId.is_in(ids.iter().copied()))
            .group_by(sponsorship::Column::AgencyId)
            .into_tuple::<(i32, i64)>()
            .all(db)
            .await?
            .into_iter()
            .collect()
    };
    let sums = activity_sums(db, sponsorship::Column::AgencyId, &ids).await?;
    Ok(models
        .iter()
        .map(|m| {
            let (activities, funding_vnd) = sums.get(&m.id).copied().unwrap_or_default();
            AgencyView {
                id: m.id,
                name: m.name.clone(),
                kind: m.kind,
                province_code: m.province_code.clone(),
                contact: m.contact.clone(),
                totals: AgencyTotals {
                    sponsorships: counts.get(&m.id).copied().unwrap_or(0),
                    activities,
                    funding_vnd,
                },
            }
        })
        .collect())
}

pub async fn agency_view<C: ConnectionTrait>(db: &C, m: &agency::Model) -> Result<AgencyView> {
    Ok(agency_views(db, std::slice::from_ref(m)).await?.remove(0))
}

/// The views of a page of sponsorships, with agency names and totals, in two queries.
pub async fn sponsorship_views<C: ConnectionTrait>(
    db: &C,
    models: &[sponsorship::Model],
) -> Result<Vec<SponsorshipView>> {
    let ids: Vec<i32> = models.iter().map(|m| m.id).collect();
    let mut agency_ids: Vec<i32> = models.iter().map(|m| m.agency_id).collect();
    agency_ids.sort_unstable();
    agency_ids.dedup();
    let names: HashMap<i32, String> = if agency_ids.is_empty() {
        HashMap::new()
    } else {
        agency::Entity::find()
            .select_only()
            .column(agency::Column::Id)
            .column(agency::Column::Name)
            .filter(agency::Column::Id.is_in(agency_ids))
            .into_tuple::<(i32, String)>()
            .all(db)
            .await?
            .into_iter()
            .collect()
    };
    let sums = activity_sums(db, sponsorship::Column::Id, &ids).await?;
    Ok(models
        .iter()
        .map(|m| {
            let (activities, funding_vnd) = sums.get(&m.id).copied().unwrap_or_default();
            SponsorshipView {
                id: m.id,
                agency_id: m.agency_id,
                agency_name: names.get(&m.agency_id).cloned().unwrap_or_default(),
                commune_code: m.commune_code.clone(),
                province_code: m.province_code.clone(),
                starts_on: m.starts_on,
                ends_on: m.ends_on,
                signed_on: m.signed_on,
                decision_number: m.decision_number.clone(),
                commitments: serde_json::from_value(m.commitments.clone()).unwrap_or_default(),
                totals: SponsorshipTotals {
                    activities,
                    funding_vnd,
                },
            }
        })
        .collect())
}

pub async fn sponsorship_view<C: ConnectionTrait>(
    db: &C,
    m: &sponsorship::Model,
) -> Result<SponsorshipView> {
    Ok(sponsorship_views(db, std::slice::from_ref(m))
        .await?
        .remove(0))
}

pub async fn validate_agency<C: ConnectionTrait>(db: &C, input: &NewAgency) -> Result<()> {
    let mut errors = Vec::new();
    check_text(&input.name, "name", 300, &mut errors);
    if input
        .contact
        .as_deref()
        .is_some_and(|c| c.chars().count() > 300)
    {
        errors.push(FieldError::new("contact", "at most 300 characters"));
    }
    if let Some(p) = &input.province_code {
        if units::find_current(db, Level::Province, p).await?.is_none() {
            errors.push(FieldError::new(
                "province_code",
                format!("no province has the code {p}"),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

pub async fn create_agency<C: ConnectionTrait>(db: &C, input: &NewAgency) -> Result<agency::Model> {
    let now = Utc::now();
    let model = agency::ActiveModel {
        name: Set(input.name.clone()),
        name_ascii: Set(fold(&input.name)),
        kind: Set(input.kind),
        province_code: Set(input.province_code.clone()),
        contact: Set(input.contact.clone()),
        row_version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    changes::record(
        db,
        "agency",
        &model.id.to_string(),
        model.province_code.as_deref(),
        changes::Op::Upsert,
        Some(&agency_view(db, &model).await?),
    )
    .await?;
    Ok(model)
}

pub async fn update_agency<C: ConnectionTrait>(
    db: &C,
    m: &agency::Model,
    patch: &AgencyPatch,
    expected: i32,
) -> Result<agency::Model> {
    let mut errors = Vec::new();
    if let Some(name) = &patch.name {
        check_text(name, "name", 300, &mut errors);
    }
    if let Some(Some(c)) = &patch.contact {
        if c.chars().count() > 300 {
            errors.push(FieldError::new("contact", "at most 300 characters"));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let name = patch.name.clone().unwrap_or_else(|| m.name.clone());
    let result = agency::Entity::update_many()
        .col_expr(agency::Column::Name, Expr::value(name.clone()))
        .col_expr(agency::Column::NameAscii, Expr::value(fold(&name)))
        .col_expr(
            agency::Column::Kind,
            Expr::value(patch.kind.unwrap_or(m.kind)),
        )
        .col_expr(
            agency::Column::Contact,
            Expr::value(patch.contact.clone().unwrap_or_else(|| m.contact.clone())),
        )
        .col_expr(agency::Column::RowVersion, Expr::value(expected + 1))
        .col_expr(agency::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(agency::Column::Id.eq(m.id))
        .filter(agency::Column::RowVersion.eq(expected))
        .exec(db)
        .await?;
    let fresh =
        crate::services::reload_updated::<_, agency::Entity>(db, result, m.id, "agency").await?;
    changes::record(
        db,
        "agency",
        &m.id.to_string(),
        m.province_code.as_deref(),
        changes::Op::Upsert,
        Some(&agency_view(db, &fresh).await?),
    )
    .await?;
    Ok(fresh)
}

pub async fn delete_agency<C: ConnectionTrait>(
    db: &C,
    m: &agency::Model,
    expected: i32,
) -> Result<()> {
    let n = sponsorship::Entity::find()
        .filter(sponsorship::Column::AgencyId.eq(m.id))
        .count(db)
        .await?;
    if n > 0 {
        return Err(ApiError::conflict(format!(
            "the agency still has {n} sponsorships"
        )));
    }
    let delete = agency::Entity::delete_many()
        .filter(agency::Column::Id.eq(m.id))
        .filter(agency::Column::RowVersion.eq(expected));
    let key = m.id.to_string();
    changes::delete_recorded(db, delete, "agency", &key, m.province_code.as_deref()).await
}

fn check_commitments(commitments: &[String], errors: &mut Vec<FieldError>) {
    for (i, c) in commitments.iter().enumerate() {
        check_text(c, &format!("commitments[{i}]"), 1000, errors);
    }
}

/// Validates a new sponsorship; returns the agency and the commune as it was when the
/// sponsorship started.
pub async fn validate_sponsorship<C: ConnectionTrait>(
    db: &C,
    input: &NewSponsorship,
) -> Result<(agency::Model, entity::unit::Model)> {
    let mut errors = Vec::new();
    if input.ends_on <= input.starts_on {
        errors.push(FieldError::new("ends_on", "must be after starts_on"));
    }
    if input.signed_on.is_some_and(|s| s > input.ends_on) {
        errors.push(FieldError::new("signed_on", "must not be after ends_on"));
    }
    if let Some(d) = &input.decision_number {
        check_text(d, "decision_number", 64, &mut errors);
    }
    check_commitments(&input.commitments, &mut errors);
    let agency = agency::Entity::find_by_id(input.agency_id).one(db).await?;
    if agency.is_none() {
        errors.push(FieldError::new(
            "agency_id",
            format!("no agency has the id {}", input.agency_id),
        ));
    }
    let commune = units::find_on(
        db,
        Level::Commune,
        &input.commune_code,
        Some(input.starts_on),
    )
    .await?;
    match &commune {
        None => errors.push(FieldError::new(
            "commune_code",
            format!(
                "no commune {} existed on {}",
                input.commune_code, input.starts_on
            ),
        )),
        // A sponsorship cannot outlast the commune version it sponsors.
        Some(c) => {
            if let Some(last) = c.valid_to.filter(|last| *last < input.ends_on) {
                errors.push(FieldError::new(
                    "ends_on",
                    format!(
                        "commune {} ended on {last}; end the sponsorship by then",
                        input.commune_code
                    ),
                ));
            }
        }
    }
    match (errors.is_empty(), agency, commune) {
        (true, Some(a), Some(c)) => Ok((a, c)),
        _ => Err(ApiError::Validation(errors)),
    }
}

pub async fn create_sponsorship<C: ConnectionTrait>(
    db: &C,
    input: &NewSponsorship,
    commune: &entity::unit::Model,
) -> Result<sponsorship::Model> {
    let now = Utc::now();
    let scope = units::scope_of(commune);
    let model = sponsorship::ActiveModel {
        agency_id: Set(input.agency_id),
        commune_code: Set(input.commune_code.clone()),
        province_code: Set(scope.province),
        district_code: Set(scope.district),
        starts_on: Set(input.starts_on),
        ends_on: Set(input.ends_on),
        signed_on: Set(input.signed_on),
        decision_number: Set(input.decision_number.clone()),
        commitments: Set(
            serde_json::to_value(&input.commitments).map_err(|e| ApiError::Internal(e.into()))?
        ),
        row_version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .on_unique(
        "starts_on",
        "this agency already sponsors this commune from this date",
    )?;
    changes::record(
        db,
        "sponsorship",
        &model.id.to_string(),
        model.province_code.as_deref(),
        changes::Op::Upsert,
        Some(&sponsorship_view(db, &model).await?),
    )
    .await?;
    Ok(model)
}

pub async fn update_sponsorship<C: ConnectionTrait>(
    db: &C,
    m: &sponsorship::Model,
    patch: &SponsorshipPatch,
    expected: i32,
) -> Result<sponsorship::Model> {
    let mut errors = Vec::new();
    let ends_on = patch.ends_on.unwrap_or(m.ends_on);
    if ends_on <= m.starts_on {
        errors.push(FieldError::new("ends_on", "must be after starts_on"));
    }
    let last = activity::Entity::find()
        .filter(activity::Column::SponsorshipId.eq(m.id))
        .filter(activity::Column::HappenedOn.gt(ends_on))
        .count(db)
        .await?;
    if last > 0 {
        errors.push(FieldError::new(
            "ends_on",
            "activities are recorded after that date",
        ));
    }
    if let Some(c) = &patch.commitments {
        check_commitments(c, &mut errors);
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let commitments = match &patch.commitments {
        Some(c) => serde_json::to_value(c).map_err(|e| ApiError::Internal(e.into()))?,
        None => m.commitments.clone(),
    };
    let result = sponsorship::Entity::update_many()
        .col_expr(sponsorship::Column::EndsOn, Expr::value(ends_on))
        .col_expr(
            sponsorship::Column::SignedOn,
            Expr::value(patch.signed_on.unwrap_or(m.signed_on)),
        )
        .col_expr(
            sponsorship::Column::DecisionNumber,
            Expr::value(
                patch
                    .decision_number
                    .clone()
                    .unwrap_or_else(|| m.decision_number.clone()),
            ),
        )
        .col_expr(sponsorship::Column::Commitments, Expr::value(commitments))
        .col_expr(sponsorship::Column::RowVersion, Expr::value(expected + 1))
        .col_expr(sponsorship::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(sponsorship::Column::Id.eq(m.id))
        .filter(sponsorship::Column::RowVersion.eq(expected))
        .exec(db)
        .await?;
    let fresh =
        crate::services::reload_updated::<_, sponsorship::Entity>(db, result, m.id, "sponsorship")
            .await?;
    changes::record(
        db,
        "sponsorship",
        &m.id.to_string(),
        m.province_code.as_deref(),
        changes::Op::Upsert,
        Some(&sponsorship_view(db, &fresh).await?),
    )
    .await?;
    Ok(fresh)
}

pub async fn record_activity<C: ConnectionTrait>(
    db: &C,
    s: &sponsorship::Model,
    input: &NewActivity,
    by: &str,
) -> Result<activity::Model> {
    let mut errors = Vec::new();
    if input.happened_on < s.starts_on || input.happened_on > s.ends_on {
        errors.push(FieldError::new(
            "happened_on",
            format!(
                "must be within the sponsorship, {} to {}",
                s.starts_on, s.ends_on
            ),
        ));
    }
    match (input.kind, input.amount_vnd) {
        (_, Some(a)) if a < 0 => errors.push(FieldError::new("amount_vnd", "must not be negative")),
        (_, Some(a)) if a > MAX_AMOUNT_VND => errors.push(FieldError::new(
            "amount_vnd",
            format!("at most {MAX_AMOUNT_VND} VND for one activity"),
        )),
        (ActivityKind::Funding, None) => errors.push(FieldError::new(
            "amount_vnd",
            "a funding activity needs its amount in VND",
        )),
        _ => {}
    }
    if input.kind == ActivityKind::InKind
        && input.in_kind.as_deref().is_none_or(|t| t.trim().is_empty())
    {
        errors.push(FieldError::new("in_kind", "say what was given"));
    }
    check_text(&input.description, "description", 2000, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let now = Utc::now();
    Ok(activity::ActiveModel {
        sponsorship_id: Set(s.id),
        happened_on: Set(input.happened_on),
        kind: Set(input.kind),
        amount_vnd: Set(input.amount_vnd),
        in_kind: Set(input.in_kind.clone()),
        description: Set(input.description.clone()),
        recorded_by: Set(by.to_string()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Filters of `GET /agencies`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgencyQuery {
    pub province: Option<String>,
    pub kind: Option<AgencyKind>,
    /// Search in names, ignoring diacritics and case.
    pub q: Option<String>,
}

/// Filters of `GET /sponsorships`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SponsorshipQuery {
    pub agency: Option<i32>,
    pub commune: Option<String>,
    pub province: Option<String>,
}

/// One agency, 404 when there is none.
pub async fn find_agency<C: ConnectionTrait>(db: &C, id: i32) -> Result<agency::Model> {
    agency::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("agency {id}")))
}

/// One sponsorship, 404 when there is none.
pub async fn find_sponsorship<C: ConnectionTrait>(db: &C, id: i32) -> Result<sponsorship::Model> {
    sponsorship::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("sponsorship {id}")))
}

/// Agencies, filtered, in id order.
pub async fn list_agencies<C: ConnectionTrait>(
    db: &C,
    q: &AgencyQuery,
    request: PageRequest,
) -> Result<Page<agency::Model>> {
    let mut select = agency::Entity::find();
    if let Some(p) = &q.province {
        select = select.filter(agency::Column::ProvinceCode.eq(p.as_str()));
    }
    if let Some(k) = q.kind {
        select = select.filter(agency::Column::Kind.eq(k));
    }
    if let Some(text) = q.q.as_deref().map(fold).filter(|t| !t.is_empty()) {
        select = select.filter(
            Expr::col(agency::Column::NameAscii)
                .like(LikeExpr::new(contains_pattern(&text)).escape('\\')),
        );
    }
    let select = select.order_by_asc(agency::Column::Id);
    Ok(crate::services::fetch_page(db, select, request).await?)
}

/// Sponsorships, filtered, in id order.
pub async fn list_sponsorships<C: ConnectionTrait>(
    db: &C,
    q: &SponsorshipQuery,
    request: PageRequest,
) -> Result<Page<sponsorship::Model>> {
    let mut select = sponsorship::Entity::find();
    if let Some(a) = q.agency {
        select = select.filter(sponsorship::Column::AgencyId.eq(a));
    }
    if let Some(c) = &q.commune {
        select = select.filter(sponsorship::Column::CommuneCode.eq(c.as_str()));
    }
    if let Some(p) = &q.province {
        select = select.filter(sponsorship::Column::ProvinceCode.eq(p.as_str()));
    }
    let select = select.order_by_asc(sponsorship::Column::Id);
    Ok(crate::services::fetch_page(db, select, request).await?)
}

/// A sponsorship's activities, newest first.
pub async fn list_activities<C: ConnectionTrait>(
    db: &C,
    sponsorship_id: i32,
    request: PageRequest,
) -> Result<Page<activity::Model>> {
    let select = activity::Entity::find()
        .filter(activity::Column::SponsorshipId.eq(sponsorship_id))
        .order_by_desc(activity::Column::HappenedOn)
        .order_by_desc(activity::Column::Id);
    Ok(crate::services::fetch_page(db, select, request).await?)
}
