//! Sponsorships in a sync batch (`POST /sync/sponsorships`).

use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};

use entity::sponsorship;

use super::{Applied, ItemStatus, Upserter};
use crate::access::{Caller, Permission};
use crate::error::Result;
use crate::services::sponsorships::{self, NewSponsorship, SponsorshipPatch};
use crate::services::units::{self};

pub struct SponsorshipUpserter<'a> {
    pub caller: &'a Caller,
}

impl Upserter for SponsorshipUpserter<'_> {
    /// Matched by `agency_id`, `commune_code` and `starts_on`.
    type Item = NewSponsorship;
    /// Written one by one.
    type Ready = std::convert::Infallible;
    const KEY_FIELD: &'static str = "commune_code";
    const ENTITY: &'static str = "sponsorship";

    fn key(item: &NewSponsorship) -> String {
        format!(
            "{}/{}/{}",
            item.agency_id, item.commune_code, item.starts_on
        )
    }

    async fn apply(&mut self, txn: &DatabaseTransaction, item: NewSponsorship) -> Result<Applied> {
        let key = Self::key(&item);
        let (agency, commune) = sponsorships::validate_sponsorship(txn, &item).await?;
        self.caller
            .ensure(Permission::ManageSponsorships, &units::scope_of(&commune))?;
        self.caller
            .ensure_may_use_agency(agency.id, agency.province_code.as_deref())?;
        let stored = sponsorship::Entity::find()
            .filter(sponsorship::Column::AgencyId.eq(item.agency_id))
            .filter(sponsorship::Column::CommuneCode.eq(&item.commune_code))
            .filter(sponsorship::Column::StartsOn.eq(item.starts_on))
            .one(txn)
            .await?;
        let Some(m) = stored else {
            let model = sponsorships::create_sponsorship(txn, &item, &commune).await?;
            return Ok(Applied {
                status: ItemStatus::Created,
                id: Some(model.id.into()),
                key,
            });
        };
        let commitments: Vec<String> =
            serde_json::from_value(m.commitments.clone()).unwrap_or_default();
        let status = if m.ends_on == item.ends_on
            && m.signed_on == item.signed_on
            && m.decision_number == item.decision_number
            && commitments == item.commitments
        {
            ItemStatus::Unchanged
        } else {
            let patch = SponsorshipPatch {
                ends_on: Some(item.ends_on),
                signed_on: Some(item.signed_on),
                decision_number: Some(item.decision_number),
                commitments: Some(item.commitments),
            };
            sponsorships::update_sponsorship(txn, &m, &patch, m.row_version).await?;
            ItemStatus::Updated
        };
        Ok(Applied {
            status,
            id: Some(m.id.into()),
            key,
        })
    }
}
