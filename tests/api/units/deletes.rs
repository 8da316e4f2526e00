//! Deleting units: what keeps a unit from going.
use super::*;

#[tokio::test]
async fn referenced_units_cannot_be_deleted() {
    let app = TestApp::spawn().await;
    let ha_tinh = app.province(HA_TINH).await;
    let district = app.district(KY_ANH).await;
    let admin = Some(app.admin_token.as_str());
    app.expect_refusals_changing_nothing(
        &["units"],
        &[
            (
                Method::DELETE,
                "/api/v1/districts/447",
                Some(&ha_tinh),
                NO_BODY,
                409,
                "conflict",
            ),
            (
                Method::DELETE,
                "/api/v1/provinces/42?on=2024-01-01",
                admin,
                NO_BODY,
                409,
                "conflict",
            ),
            (
                Method::DELETE,
                "/api/v1/districts/447",
                None,
                NO_BODY,
                401,
                "unauthorized",
            ),
            (
                Method::DELETE,
                "/api/v1/communes/18850?on=2021-01-01",
                Some(&district),
                NO_BODY,
                403,
                "forbidden",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_commune_with_assessments_cannot_be_deleted() {
    let app = TestApp::spawn().await;
    let version = app.ha_tinh_version().await;
    let ky_lac = app.commune(KY_LAC).await;
    app.draft_assessment(&ky_lac, version, KY_LAC).await;
    app.expect_refusals_changing_nothing(
        &["units"],
        &[(
            Method::DELETE,
            "/api/v1/communes/18850",
            Some(&app.admin_token),
            NO_BODY,
            409,
            "conflict",
        )],
    )
    .await;
}

#[tokio::test]
async fn a_village_keeps_its_commune_until_the_village_goes() {
    let app = TestApp::spawn().await;
    let ha_tinh = app.province(HA_TINH).await;
    let district = app.district(KY_ANH).await;
    let before = count_rows(&app.db, "units").await;
    // Kỳ Lạc (18850) ended with the reform, so its village does too.
    let village =
        json!({"code": "18850-thon-1", "name": "Thôn 1", "type": "thôn", "valid_to": "2025-06-30"});
    let villages = "/api/v1/communes/18850/villages";
    app.expect_refusals_changing_nothing(
        &["units"],
        &[
            (Method::POST, villages, None, &village, 401, "unauthorized"),
            (
                Method::POST,
                villages,
                Some(&district),
                &village,
                403,
                "forbidden",
            ),
        ],
    )
    .await;
    let created = app.created(villages, &ha_tinh, &village).await;
    assert_eq!(created["commune_code"], KY_LAC);
    assert_eq!(created["province_code"], HA_TINH);
    let listed = app.get_ok(villages, None).await;
    assert_eq!(codes(&listed), ["18850-thon-1"]);
    app.expect_refusals(&[(
        Method::DELETE,
        "/api/v1/communes/18850",
        Some(&ha_tinh),
        NO_BODY,
        409,
        "conflict",
    )])
    .await;
    assert_eq!(
        app.delete("/api/v1/villages/18850-thon-1", Some(&ha_tinh))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    app.expect_refusals(&[(
        Method::GET,
        "/api/v1/villages/18850-thon-1",
        None,
        NO_BODY,
        404,
        "not-found",
    )])
    .await;
    assert_eq!(count_rows(&app.db, "units").await, before);
}
