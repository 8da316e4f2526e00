//! Views with totals (activities, funding in VND), read for a whole page in grouped
//! queries; where an agency or a sponsorship sits for scope checks.
use super::*;

#[derive(Debug, FromQueryResult)]
pub(super) struct Sums {
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
pub(super) async fn activity_sums<C: ConnectionTrait>(
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
