//! The role table (DESIGN.md section 2, `Permission::allowed_roles` in `src/auth/mod.rs`)
//! over every write endpoint of `openapi/openapi.json`, and the reads of drafts, as one
//! matrix on one app and one database.
//!
//! Each row is an operation of the document with a concrete path and body, and one
//! expected status per grant, in the order of [`GRANTS`]:
//!
//! ```text
//!   anon  admin  viewer  prov  prov'  dist  dist'  comm  comm'  spon  spon'
//! ```
//!
//! `prov` is Hà Tĩnh (42), `prov'` Nghệ An (40); `dist` Kỳ Anh (447, in Hà Tĩnh), `dist'`
//! Can Lộc (443, in Hà Tĩnh too); `comm` Kỳ Lạc (18850, in Kỳ Anh), `comm'` Kỳ Tây (18793,
//! in Kỳ Anh too); `spon` the user of the agency that sponsors Kỳ Lạc, `spon'` the user
//! of another agency of Hà Tĩnh. The rows' targets (units, assessments, agencies…) are all
//! inside `prov`, `dist` and `comm`.
//!
//! Conventions:
//! * `U` (401) and `F` (403) are refusals; their problem type is checked too.
//! * Any other status means "passes the permission check": the rows are built so that the
//!   request then fails without writing (a stale `If-Match: "0-0"` is sent with every
//!   write, so handlers that check it answer 412; bodies repeat what exists, 409, or are
//!   invalid past the permission check, 422; sync batches hold only bad items, 207), so
//!   one database serves the whole matrix. The exact status is asserted all the same, so
//!   a change in the order of the checks shows here.
//! * `// NOTE:` marks rows where the server's current behaviour differs from the summary
//!   role table; the row keeps the current behaviour.
use std::collections::BTreeSet;

use ntm_api::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{
    values_meeting, version_draft, TestApp, CAN_LOC, HA_TINH, KY_ANH, KY_LAC, KY_TAY, NGHE_AN,
};

/// Refused: no or a bad token.
const U: u16 = 401;
/// Refused: the role may not, or the target is outside the scope.
const F: u16 = 403;
/// Not found: what the caller may not see (a user outside its reach).
const N: u16 = 404;

#[derive(Debug, Clone, Copy)]
enum Grant {
    Anonymous,
    Admin,
    Viewer,
    Province,
    OtherProvince,
    District,
    OtherDistrict,
    Commune,
    OtherCommune,
    Sponsor,
    OtherSponsor,
}

const GRANTS: [Grant; 11] = [
    Grant::Anonymous,
    Grant::Admin,
    Grant::Viewer,
    Grant::Province,
    Grant::OtherProvince,
    Grant::District,
    Grant::OtherDistrict,
    Grant::Commune,
    Grant::OtherCommune,
    Grant::Sponsor,
    Grant::OtherSponsor,
];

/// One operation, a concrete request of it, and the status each grant gets.
struct Row {
    method: Method,
    /// The path as the OpenAPI document names it.
    template: &'static str,
    /// The path requested; `{victim}` is replaced by a user made for the grant.
    path: String,
    body: Option<Value>,
    expect: [u16; 11],
}

fn row(
    method: Method,
    template: &'static str,
    path: impl Into<String>,
    body: Option<Value>,
    expect: [u16; 11],
) -> Row {
    Row {
        method,
        template,
        path: path.into(),
        body,
        expect,
    }
}

/// What the rows point at, all in Hà Tĩnh, Kỳ Anh, Kỳ Lạc.
struct World {
    app: TestApp,
    tokens: Vec<Option<String>>,
    /// Per grant, a district user of Kỳ Anh that grant may try to delete.
    victims: Vec<i64>,
    set: i64,
    version: i64,
    draft_version: i64,
    submitted: i64,
    draft: i64,
    recognition: i64,
    registration: i64,
    designation: i64,
    agency: i64,
    sponsorship: i64,
    activity: i64,
    /// A document of the draft assessment.
    document: i64,
    user: i64,
}

/// A mark on Kỳ Lạc after the matrix's assessments (it changes none of them).
fn designation() -> Value {
    json!({"kind": "safe_zone", "valid_from": "2024-01-01", "valid_to": "2024-12-31", "basis": "QĐ 1/QĐ-TTg"})
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    let version = app.ha_tinh_version().await;
    let set = app
        .get_ok(&format!("/api/v1/criteria-versions/{version}"), None)
        .await["set_id"]
        .as_i64()
        .unwrap();
    let draft_version = app.draft_version(&admin, set, "2022").await["id"]
        .as_i64()
        .unwrap();
    let submitted = app
        .submitted_assessment(version, KY_LAC, "2021-09-25", 12)
        .await;
    let ky_lac = app.commune(KY_LAC).await;
    let draft = app
        .draft_assessment_on(&ky_lac, version, KY_LAC, "2021-10-25")
        .await["id"]
        .as_i64()
        .unwrap();
    // A recognition, already revoked.
    let appraised = app
        .submitted_assessment(version, KY_LAC, "2021-11-25", 20)
        .await;
    app.act_ok(&admin, appraised, "review", None).await;
    app.act_ok(&admin, appraised, "appraise", None).await;
    let recognition = app
        .created("/api/v1/recognitions", &admin, &recognition_of(appraised))
        .await["id"]
        .as_i64()
        .unwrap();
    let revoked = app
        .post(
            &format!("/api/v1/recognitions/{recognition}/revoke"),
            Some(&admin),
            &revocation(),
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    let registration = app
        .created("/api/v1/registrations", &admin, &registration())
        .await["id"]
        .as_i64()
        .unwrap();
    let designation = app
        .created(
            &format!("/api/v1/communes/{KY_LAC}/designations"),
            &admin,
            &designation(),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let agency = app
        .agency(&admin, "Sở Khoa học và Công nghệ Hà Tĩnh", "state")
        .await;
    let other_agency = app
        .agency(&admin, "Hội Nông dân tỉnh", "mass_organisation")
        .await;
    let sponsorship = app.ky_lac_sponsorship(agency).await;
    let activity = app
        .created(
            &format!("/api/v1/sponsorships/{sponsorship}/activities"),
            &admin,
            &json!({"happened_on": "2021-05-01", "kind": "training", "description": "Tập huấn"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let document = {
        let response = app
            .upload(
                &format!("/api/v1/assessments/{draft}/documents"),
                Some(&ky_lac),
                crate::helpers::pdf("matrix"),
                "bien-ban.pdf",
                &[("kind", "minutes")],
            )
            .await;
        crate::helpers::expect_json(response, StatusCode::CREATED).await["id"]
            .as_i64()
            .unwrap()
    };
    app.created("/api/v1/communes/18850/villages", &admin, &village())
        .await;
    let user = app.create_user(Role::District, Some(KY_ANH)).await.id as i64;
    let mut victims = Vec::new();
    for _ in GRANTS {
        victims.push(app.create_user(Role::District, Some(KY_ANH)).await.id as i64);
    }
    let mut tokens = Vec::new();
    for grant in GRANTS {
        tokens.push(match grant {
            Grant::Anonymous => None,
            Grant::Admin => Some(admin.clone()),
            Grant::Viewer => Some(app.viewer().await),
            Grant::Province => Some(app.province(HA_TINH).await),
            Grant::OtherProvince => Some(app.province(NGHE_AN).await),
            Grant::District => Some(app.district(KY_ANH).await),
            Grant::OtherDistrict => Some(app.district(CAN_LOC).await),
            Grant::Commune => Some(ky_lac.clone()),
            Grant::OtherCommune => Some(app.commune(KY_TAY).await),
            Grant::Sponsor => Some(app.sponsor(agency).await),
            Grant::OtherSponsor => Some(app.sponsor(other_agency).await),
        });
    }
    World {
        app,
        tokens,
        victims,
        set,
        version,
        draft_version,
        submitted,
        draft,
        recognition,
        registration,
        designation,
        agency,
        sponsorship,
        activity,
        document,
        user,
    }
}

fn recognition_of(assessment: i64) -> Value {
    json!({"unit_code": KY_LAC, "level": "commune", "assessment_id": assessment,
        "decision_number": "1234/QĐ-UBND", "decided_on": "2021-12-30", "signer": "Chủ tịch UBND tỉnh Hà Tĩnh", "recognition_year": 2021})
}

fn revocation() -> Value {
    json!({"decision_number": "99/QĐ-UBND", "decided_on": "2024-05-01", "reason": "không duy trì tiêu chí 17"})
}

fn registration() -> Value {
    json!({"unit_code": KY_LAC, "level": "commune", "target_year": 2021})
}

fn village() -> Value {
    json!({"code": "18850-thon-1", "name": "Thôn 1", "type": "thôn", "valid_to": "2025-06-30"})
}

/// Every write of the document, and the draft reads.
fn rows(w: &World) -> Vec<Row> {
    use Method as M;
    let (set, version, submitted) = (w.set, w.version, w.submitted);
    let assessment = format!("/api/v1/assessments/{submitted}");
    let criteria = format!("/api/v1/criteria-versions/{version}");
    let mut stale_draft = version_draft(set, "x");
    stale_draft["effective_to"] = json!("2000-01-01");
    let note = json!({"note": "x"});
    #[rustfmt::skip]
    let rows = vec![
        // Units: provinces are the admins'; the rest the admins' and their province's.
        //                                                                   anon admin view prov  prov' dist  dist' comm  comm' spon  spon'
        row(M::POST, "/api/v1/provinces", "/api/v1/provinces",
            Some(json!({"code": "42", "name": "Hà Tĩnh", "type": "tỉnh", "region": "north_central_coast", "valid_from": "2025-07-01"})),
                                                                            [U,   409,  F,   F,    F,    F,    F,    F,    F,    F,    F]),
        row(M::PATCH, "/api/v1/provinces/{code}", "/api/v1/provinces/42", Some(json!({"name": "X"})),
                                                                            [U,   412,  F,   F,    F,    F,    F,    F,    F,    F,    F]),
        row(M::DELETE, "/api/v1/provinces/{code}", "/api/v1/provinces/42", None,
                                                                            [U,   412,  F,   F,    F,    F,    F,    F,    F,    F,    F]),
        row(M::POST, "/api/v1/districts", "/api/v1/districts",
            Some(json!({"code": "447", "name": "Kỳ Anh", "type": "huyện", "province_code": "42", "valid_from": "2020-01-01", "valid_to": "2025-06-30"})),
                                                                            [U,   409,  F,   409,  F,    F,    F,    F,    F,    F,    F]),
        row(M::PATCH, "/api/v1/districts/{code}", "/api/v1/districts/447", Some(json!({"name": "X"})),
                                                                            [U,   412,  F,   412,  F,    F,    F,    F,    F,    F,    F]),
        row(M::DELETE, "/api/v1/districts/{code}", "/api/v1/districts/447", None,
                                                                            [U,   412,  F,   412,  F,    F,    F,    F,    F,    F,    F]),
        row(M::POST, "/api/v1/communes", "/api/v1/communes",
            Some(json!({"code": "18850", "name": "Kỳ Lạc", "type": "xã", "province_code": "42", "district_code": "447", "valid_from": "2020-01-01", "valid_to": "2025-06-30"})),
                                                                            [U,   409,  F,   409,  F,    F,    F,    F,    F,    F,    F]),
        row(M::PATCH, "/api/v1/communes/{code}", "/api/v1/communes/18850?on=2021-01-01", Some(json!({"name": "X"})),
                                                                            [U,   412,  F,   412,  F,    F,    F,    F,    F,    F,    F]),
        row(M::DELETE, "/api/v1/communes/{code}", "/api/v1/communes/18850?on=2021-01-01", None,
                                                                            [U,   412,  F,   412,  F,    F,    F,    F,    F,    F,    F]),
        row(M::POST, "/api/v1/communes/{code}/villages", "/api/v1/communes/18850/villages", Some(village()),
                                                                            [U,   409,  F,   409,  F,    F,    F,    F,    F,    F,    F]),
        row(M::PATCH, "/api/v1/villages/{code}", "/api/v1/villages/18850-thon-1", Some(json!({"name": "X"})),
                                                                            [U,   412,  F,   412,  F,    F,    F,    F,    F,    F,    F]),
        row(M::DELETE, "/api/v1/villages/{code}", "/api/v1/villages/18850-thon-1", None,
                                                                            [U,   412,  F,   412,  F,    F,    F,    F,    F,    F,    F]),
        // Criteria: a provincial set is its province's (and the admins').
        row(M::POST, "/api/v1/criteria-sets", "/api/v1/criteria-sets",
            Some(json!({"code": "HT-XA-NTM-2021", "name": "x", "level": "commune", "scope": "42"})),
                                                                            [U,   409,  F,   409,  F,    F,    F,    F,    F,    F,    F]),
        row(M::POST, "/api/v1/criteria-versions", "/api/v1/criteria-versions", Some(stale_draft.clone()),
                                                                            [U,   422,  F,   422,  F,    F,    F,    F,    F,    F,    F]),
        row(M::PUT, "/api/v1/criteria-versions/{id}", criteria.clone(), Some(version_draft(set, "x")),
                                                                            [U,   412,  F,   412,  F,    F,    F,    F,    F,    F,    F]),
        row(M::PUT, "/api/v1/criteria-versions/{id}/criteria", format!("{criteria}/criteria"), Some(json!("criterion_number\n")),
                                                                            [U,   412,  F,   412,  F,    F,    F,    F,    F,    F,    F]),
        row(M::DELETE, "/api/v1/criteria-versions/{id}", criteria.clone(), None,
                                                                            [U,   409,  F,   409,  F,    F,    F,    F,    F,    F,    F]),
        row(M::POST, "/api/v1/criteria-versions/{id}/publish", format!("{criteria}/publish"), Some(json!({})),
                                                                            [U,   409,  F,   409,  F,    F,    F,    F,    F,    F,    F]),
        row(M::POST, "/api/v1/criteria-versions/{id}/revisions", format!("{criteria}/revisions"),
            Some(json!({"label": "1990", "legal_document": {"number": "1/QĐ", "title": "x", "issuer": "x"}, "effective_from": "1990-01-01"})),
                                                                            [U,   422,  F,   422,  F,    F,    F,    F,    F,    F,    F]),
        // Assessments (Kỳ Lạc's, submitted): the commune authors, the district reviews,
        // the province appraises.
        row(M::POST, "/api/v1/assessments", "/api/v1/assessments",
            Some(json!({"unit_code": KY_LAC, "criteria_version_id": version, "assessed_on": "2021-09-25", "kind": "self"})),
                                                                            [U,   409,  F,   F,    F,    F,    F,    409,  F,    F,    F]),
        row(M::PATCH, "/api/v1/assessments/{id}", assessment.clone(), Some(json!({"assessed_on": "2021-10-01"})),
                                                                            [U,   412,  F,   F,    F,    F,    F,    412,  F,    F,    F]),
        row(M::DELETE, "/api/v1/assessments/{id}", assessment.clone(), None,
                                                                            [U,   412,  F,   F,    F,    F,    F,    412,  F,    F,    F]),
        row(M::PUT, "/api/v1/assessments/{id}/indicator-values", format!("{assessment}/indicator-values"), Some(values_meeting(1)),
                                                                            [U,   412,  F,   F,    F,    F,    F,    412,  F,    F,    F]),
        row(M::POST, "/api/v1/assessments/{id}/submit", format!("{assessment}/submit"), Some(note.clone()),
                                                                            [U,   412,  F,   F,    F,    F,    F,    412,  F,    F,    F]),
        // NOTE: the province reviews and returns too (`Permission::ReviewAssessments`,
        // `ReturnAssessments`); the summary table names the district only. A level returns
        // only what waits on its own decision: this assessment is submitted, so the
        // district may return it and the province may not (`Caller::ensure_may_return`).
        row(M::POST, "/api/v1/assessments/{id}/review", format!("{assessment}/review"), Some(note.clone()),
                                                                            [U,   412,  F,   412,  F,    412,  F,    F,    F,    F,    F]),
        row(M::POST, "/api/v1/assessments/{id}/appraise", format!("{assessment}/appraise"), Some(note.clone()),
                                                                            [U,   412,  F,   412,  F,    F,    F,    F,    F,    F,    F]),
        row(M::POST, "/api/v1/assessments/{id}/return", format!("{assessment}/return"), Some(note.clone()),
                                                                            [U,   412,  F,   F,    F,    412,  F,    F,    F,    F,    F]),
        // NOTE: on a draft, those who may not see it get 404, not 403: the draft is
        // hidden from them (the other commune, district and province, sponsors).
        row(M::PUT, "/api/v1/assessments/{id}/indicator-values", format!("/api/v1/assessments/{}/indicator-values", w.draft), Some(values_meeting(1)),
                                                                            [U,   412,  F,   F,    404,  F,    404,  412,  404,  404,  404]),
        // Recognitions: the province's (the assessment is not appraised: 422; the
        // recognition is revoked already: 409).
        row(M::POST, "/api/v1/recognitions", "/api/v1/recognitions", Some(recognition_of(submitted)),
                                                                            [U,   422,  F,   422,  F,    F,    F,    F,    F,    F,    F]),
        row(M::POST, "/api/v1/recognitions/{id}/revoke", format!("/api/v1/recognitions/{}/revoke", w.recognition), Some(revocation()),
                                                                            [U,   409,  F,   409,  F,    F,    F,    F,    F,    F,    F]),
        // NOTE: the province records registrations too (`Permission::ManageRegistrations`);
        // the summary table names the district only.
        row(M::POST, "/api/v1/registrations", "/api/v1/registrations", Some(registration()),
                                                                            [U,   409,  F,   409,  F,    409,  F,    F,    F,    F,    F]),
        row(M::PATCH, "/api/v1/registrations/{id}", format!("/api/v1/registrations/{}", w.registration), Some(json!({"target_year": 2022})),
                                                                            [U,   412,  F,   412,  F,    412,  F,    F,    F,    F,    F]),
        row(M::DELETE, "/api/v1/registrations/{id}", format!("/api/v1/registrations/{}", w.registration), None,
                                                                            [U,   412,  F,   412,  F,    412,  F,    F,    F,    F,    F]),
        // Designations (special regional rule): the province's (a second mark over the
        // same days: 409).
        row(M::POST, "/api/v1/communes/{code}/designations", format!("/api/v1/communes/{KY_LAC}/designations"), Some(designation()),
                                                                            [U,   409,  F,   409,  F,    F,    F,    F,    F,    F,    F]),
        row(M::DELETE, "/api/v1/designations/{id}", format!("/api/v1/designations/{}", w.designation), None,
                                                                            [U,   412,  F,   412,  F,    F,    F,    F,    F,    F,    F]),
        // Agencies and sponsorships: the province's; activities: the agency's own users too.
        row(M::POST, "/api/v1/agencies", "/api/v1/agencies", Some(json!({"name": "", "kind": "state", "province_code": "42"})),
                                                                            [U,   422,  F,   422,  F,    F,    F,    F,    F,    F,    F]),
        row(M::PATCH, "/api/v1/agencies/{id}", format!("/api/v1/agencies/{}", w.agency), Some(json!({"contact": "x"})),
                                                                            [U,   412,  F,   412,  F,    F,    F,    F,    F,    F,    F]),
        row(M::DELETE, "/api/v1/agencies/{id}", format!("/api/v1/agencies/{}", w.agency), None,
                                                                            [U,   412,  F,   412,  F,    F,    F,    F,    F,    F,    F]),
        row(M::POST, "/api/v1/sponsorships", "/api/v1/sponsorships",
            Some(json!({"agency_id": w.agency, "commune_code": KY_LAC, "starts_on": "2021-01-01", "ends_on": "2021-12-31"})),
                                                                            [U,   409,  F,   409,  F,    F,    F,    F,    F,    F,    F]),
        row(M::PATCH, "/api/v1/sponsorships/{id}", format!("/api/v1/sponsorships/{}", w.sponsorship), Some(json!({"ends_on": "2021-11-30"})),
                                                                            [U,   412,  F,   412,  F,    F,    F,    F,    F,    F,    F]),
        row(M::POST, "/api/v1/sponsorships/{id}/activities", format!("/api/v1/sponsorships/{}/activities", w.sponsorship),
            Some(json!({"happened_on": "2022-06-01", "kind": "funding", "amount_vnd": 1, "description": "x"})),
                                                                            [U,   422,  F,   422,  F,    F,    F,    F,    F,    422,  F]),
        // Documents follow their parent (the body here is not a form: 415 past the
        // checks). On a draft, those who may not see it get 404; who sees it but may not
        // edit it, 403. A revoked recognition's dossier is fixed: 409.
        row(M::POST, "/api/v1/assessments/{id}/documents", format!("/api/v1/assessments/{}/documents", w.draft), Some(json!({})),
                                                                            [U,   415,  F,   F,    404,  F,    404,  415,  404,  404,  404]),
        row(M::POST, "/api/v1/recognitions/{id}/documents", format!("/api/v1/recognitions/{}/documents", w.recognition), Some(json!({})),
                                                                            [U,   409,  F,   409,  F,    F,    F,    F,    F,    F,    F]),
        row(M::POST, "/api/v1/registrations/{id}/documents", format!("/api/v1/registrations/{}/documents", w.registration), Some(json!({})),
                                                                            [U,   415,  F,   415,  F,    415,  F,    F,    F,    F,    F]),
        row(M::POST, "/api/v1/sponsorships/{id}/activities/{activity}/documents", format!("/api/v1/sponsorships/{}/activities/{}/documents", w.sponsorship, w.activity), Some(json!({})),
                                                                            [U,   415,  F,   415,  F,    F,    F,    F,    F,    415,  F]),
        // A viewer never sees a draft's documents (404), unlike the draft itself.
        row(M::DELETE, "/api/v1/documents/{id}", format!("/api/v1/documents/{}", w.document), None,
                                                                            [U,   412,  404, F,    404,  F,    404,  412,  404,  404,  404]),
        // Sync: the role is checked for the batch (403), the scope per item (in the 207).
        // NOTE: another province passes the batch check and gets its refusals per item.
        row(M::POST, "/api/v1/sync/units", "/api/v1/sync/units",
            Some(json!({"items": [{"level": "commune", "code": "99903", "name": "", "type": "xã", "province_code": "42", "valid_from": "2025-07-01"}]})),
                                                                            [U,   207,  F,   207,  207,  F,    F,    F,    F,    F,    F]),
        row(M::POST, "/api/v1/sync/assessments", "/api/v1/sync/assessments",
            Some(json!({"items": [{"unit_code": "99999", "criteria_version_id": version, "assessed_on": "2021-09-25", "kind": "self"}]})),
                                                                            [U,   207,  F,   207,  207,  207,  207,  207,  207,  F,    F]),
        row(M::POST, "/api/v1/sync/sponsorships", "/api/v1/sync/sponsorships",
            Some(json!({"items": [{"agency_id": 999999, "commune_code": KY_LAC, "starts_on": "2021-01-01", "ends_on": "2021-12-31"}]})),
                                                                            [U,   207,  F,   207,  207,  F,    F,    F,    F,    F,    F]),
        // Users: admins everyone; province officers the district, commune and sponsor
        // users inside their province. A user outside the caller's reach is not found
        // (404), so user ids cannot be probed.
        row(M::POST, "/api/v1/users", "/api/v1/users",
            Some(json!({"username": "admin", "password": "long-enough-pw", "role": "district", "scope": "447"})),
                                                                            [U,   409,  F,   409,  F,    F,    F,    F,    F,    F,    F]),
        row(M::PATCH, "/api/v1/users/{id}", format!("/api/v1/users/{}", w.user), Some(json!({"password": "new-password-1"})),
                                                                            [U,   412,  N,   412,  N,    N,    N,    N,    N,    N,    N]),
        row(M::DELETE, "/api/v1/users/{id}", "/api/v1/users/{victim}", None,
                                                                            [U,   204,  N,   204,  N,    N,    N,    N,    N,    N,    N]),
        // NOTE: logging in, refreshing and revoking are open to all, tokens or not (the
        // bodies here are incomplete: 422).
        row(M::POST, "/api/v1/auth/token", "/api/v1/auth/token", Some(json!({"username": "admin"})),
                                                                            [422, 422,  422, 422,  422,  422,  422,  422,  422,  422,  422]),
        row(M::POST, "/api/v1/auth/refresh", "/api/v1/auth/refresh", Some(json!({})),
                                                                            [422, 422,  422, 422,  422,  422,  422,  422,  422,  422,  422]),
        row(M::POST, "/api/v1/auth/revoke", "/api/v1/auth/revoke", Some(json!({})),
                                                                            [422, 422,  422, 422,  422,  422,  422,  422,  422,  422,  422]),
        // Drafts are read by admins, viewers and those whose scope covers them.
        row(M::GET, "/api/v1/assessments/{id}", format!("/api/v1/assessments/{}", w.draft), None,
                                                                            [404, 200,  200, 200,  404,  200,  404,  200,  404,  404,  404]),
        row(M::GET, "/api/v1/assessments/{id}/documents", format!("/api/v1/assessments/{}/documents", w.draft), None,
                                                                            [404, 200,  404, 200,  404,  200,  404,  200,  404,  404,  404]),
        row(M::GET, "/api/v1/documents/{id}/content", format!("/api/v1/documents/{}/content", w.document), None,
                                                                            [404, 200,  404, 200,  404,  200,  404,  200,  404,  404,  404]),
        row(M::GET, "/api/v1/assessments/{id}/dossier", format!("/api/v1/assessments/{}/dossier", w.draft), None,
                                                                            [404, 200,  404, 200,  404,  200,  404,  200,  404,  404,  404]),
        row(M::GET, "/api/v1/criteria-versions/{id}", format!("/api/v1/criteria-versions/{}", w.draft_version), None,
                                                                            [404, 200,  200, 200,  404,  404,  404,  404,  404,  404,  404]),
    ];
    rows
}

/// Sends the row as `grant`; the status and the body.
async fn send(w: &World, row: &Row, n: usize) -> (u16, String) {
    let path = row.path.replace("{victim}", &w.victims[n].to_string());
    let mut request = w
        .app
        .request(row.method.clone(), &path, w.tokens[n].as_deref());
    if row.method != Method::GET {
        request = request.header("If-Match", "\"0-0\"");
    }
    match &row.body {
        // A JSON string is a spreadsheet upload: sent as CSV.
        Some(Value::String(csv)) => {
            request = request.header("Content-Type", "text/csv").body(csv.clone())
        }
        Some(body) => request = request.json(body),
        None => {}
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

#[tokio::test]
async fn the_role_matrix_over_every_write_endpoint_and_the_draft_reads() {
    let w = world().await;
    let rows = rows(&w);
    // Every write of the document has a row; every row is an operation of the document.
    let documented = documented_writes();
    let covered: BTreeSet<(String, String)> = rows
        .iter()
        .filter(|r| r.method != Method::GET)
        .map(|r| (r.method.to_string(), r.template.to_string()))
        .collect();
    let missing: Vec<_> = documented.difference(&covered).collect();
    let unknown: Vec<_> = covered.difference(&documented).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "operations without a row: {missing:?}; rows of no operation: {unknown:?}"
    );
    let mut wrong = Vec::new();
    for row in &rows {
        for (n, grant) in GRANTS.iter().enumerate() {
            let (status, body) = send(&w, row, n).await;
            let expected = row.expect[n];
            let problem = match expected {
                U => Some("/problems/unauthorized"),
                F => Some("/problems/forbidden"),
                _ => None,
            };
            let typed = problem
                .is_none_or(|p| serde_json::from_str::<Value>(&body).is_ok_and(|b| b["type"] == p));
            if status != expected || !typed {
                wrong.push(format!(
                    "{} {} as {grant:?}: expected {expected}, got {status}: {body:.200}",
                    row.method, row.path
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of the matrix's cells differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// `(METHOD, path)` of every POST, PUT, PATCH and DELETE of `openapi/openapi.json`.
fn documented_writes() -> BTreeSet<(String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let text = std::fs::read_to_string(path).expect("openapi/openapi.json");
    let document: Value = serde_json::from_str(&text).expect("JSON");
    let mut writes = BTreeSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            if ["post", "put", "patch", "delete"].contains(&method.as_str()) {
                writes.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    assert!(
        writes.len() > 40,
        "the document lists {} writes",
        writes.len()
    );
    writes
}
