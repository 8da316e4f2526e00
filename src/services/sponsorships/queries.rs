//! Reading agencies, sponsorships and activities: one by id, filtered pages.
use super::*;

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

/// One activity, 404 when there is none.
pub async fn find_activity<C: ConnectionTrait>(db: &C, id: i32) -> Result<activity::Model> {
    activity::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("activity {id}")))
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
