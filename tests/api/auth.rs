//! `/auth`: tokens, refresh and revocation, bad tokens, throttling.
use base64::Engine;
use chrono::{Duration, Utc};
use ntm_api::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{
    expect_json, expect_problem, TestApp, ADMIN_PASSWORD, NO_BODY, USER_PASSWORD,
};

#[tokio::test]
async fn admin_logs_in_and_reads_itself() {
    let app = TestApp::spawn().await;
    let tokens = expect_json(
        app.post(
            "/api/v1/auth/token",
            None,
            &json!({"username": "admin", "password": ADMIN_PASSWORD}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 900);
    assert!(tokens["refresh_token"].as_str().unwrap().len() >= 40);
    let me = app
        .get_ok("/api/v1/auth/me", tokens["access_token"].as_str())
        .await;
    assert_eq!(me["username"], "admin");
    assert_eq!(me["role"], "admin");
    assert!(me["scope"].is_null());
}

#[tokio::test]
async fn wrong_credentials_are_401_and_say_nothing_more() {
    let app = TestApp::spawn().await;
    let wrong = expect_problem(
        app.post(
            "/api/v1/auth/token",
            None,
            &json!({"username": "admin", "password": "not-the-password"}),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    let unknown = expect_problem(
        app.post(
            "/api/v1/auth/token",
            None,
            &json!({"username": "nobody", "password": "whatever-it-is"}),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert_eq!(wrong["detail"], unknown["detail"]);
    let missing = expect_problem(
        app.post("/api/v1/auth/token", None, &json!({"username": "admin"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(missing["errors"][0]["field"], "password");
}

#[tokio::test]
async fn refresh_tokens_rotate_and_reuse_revokes_the_family() {
    let app = TestApp::spawn().await;
    let user = app.create_user(Role::Commune, Some("18850")).await;
    let first = expect_json(
        app.post(
            "/api/v1/auth/token",
            None,
            &json!({"username": user.username, "password": USER_PASSWORD}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let second = expect_json(
        app.post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": first["refresh_token"]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_ne!(first["refresh_token"], second["refresh_token"]);
    assert_eq!(
        app.get_ok("/api/v1/auth/me", second["access_token"].as_str())
            .await["scope"],
        "18850"
    );
    // The first refresh token is spent; reusing it also revokes the second.
    let (spent, next) = (
        json!({"refresh_token": first["refresh_token"]}),
        json!({"refresh_token": second["refresh_token"]}),
    );
    let refresh = "/api/v1/auth/refresh";
    app.expect_refusals(&[
        (Method::POST, refresh, None, &spent, 401, "unauthorized"),
        (Method::POST, refresh, None, &next, 401, "unauthorized"),
    ])
    .await;
}

#[tokio::test]
async fn revoked_refresh_tokens_stop_working() {
    let app = TestApp::spawn().await;
    let pair = expect_json(
        app.post(
            "/api/v1/auth/token",
            None,
            &json!({"username": "admin", "password": ADMIN_PASSWORD}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let body = json!({"refresh_token": pair["refresh_token"]});
    assert_eq!(
        app.post("/api/v1/auth/revoke", None, &body).await.status(),
        StatusCode::NO_CONTENT
    );
    let never = json!({"refresh_token": "never-issued"});
    app.expect_refusals(&[
        (
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            &body,
            401,
            "unauthorized",
        ),
        (
            Method::POST,
            "/api/v1/auth/revoke",
            None,
            &never,
            401,
            "unauthorized",
        ),
    ])
    .await;
}

#[tokio::test]
async fn bad_tokens_are_401() {
    let app = TestApp::spawn().await;
    let admin = crate::helpers::entity_user_by_name(&app.db, "admin").await;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let exp = Utc::now().timestamp() + 600;
    let claims = engine.encode(format!(
        r#"{{"sub":"{}","role":"admin","scope":null,"iat":0,"exp":{exp}}}"#,
        admin.id
    ));
    let alg_none = format!(
        "{}.{claims}.",
        engine.encode(br#"{"alg":"none","typ":"JWT"}"#)
    );
    let wrong_key = ntm_api::auth::tokens::TokenKeys::new(b"another-key")
        .issue_access(admin.id, "admin", None, Utc::now())
        .unwrap();
    let expired = app
        .keys()
        .issue_access(admin.id, "admin", None, Utc::now() - Duration::hours(1))
        .unwrap();
    let mut tampered = app.admin_token.clone();
    tampered.pop();
    tampered.push(if app.admin_token.ends_with('A') {
        'B'
    } else {
        'A'
    });
    let me = "/api/v1/auth/me";
    let mut rows: Vec<_> = [
        alg_none.as_str(),
        wrong_key.as_str(),
        expired.as_str(),
        tampered.as_str(),
        "not-a-jwt",
    ]
    .into_iter()
    .map(|token| (Method::GET, me, Some(token), NO_BODY, 401, "unauthorized"))
    .collect();
    rows.push((Method::GET, me, None, NO_BODY, 401, "unauthorized"));
    app.expect_refusals(&rows).await;
    let response = app
        .request(Method::GET, me, None)
        .header("Authorization", "Basic abc")
        .send()
        .await
        .unwrap();
    expect_problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn a_deleted_users_token_is_401() {
    let app = TestApp::spawn().await;
    let user = app.create_user(Role::Viewer, None).await;
    let token = app
        .keys()
        .issue_access(user.id, "viewer", None, Utc::now())
        .unwrap();
    assert_eq!(
        app.get("/api/v1/auth/me", Some(&token)).await.status(),
        StatusCode::OK
    );
    let deleted = app
        .delete(
            &format!("/api/v1/users/{}", user.id),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    expect_problem(
        app.get("/api/v1/auth/me", Some(&token)).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}

/// Password guessing is slowed: after 5 failures for a username the endpoint answers 429
/// with Retry-After, even for the right password; other users are not affected.
#[tokio::test]
async fn repeated_failed_logins_are_throttled() {
    let app = TestApp::spawn().await;
    let wrong = json!({"username": "admin", "password": "guess"});
    for _ in 0..5 {
        expect_problem(
            app.post("/api/v1/auth/token", None, &wrong).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
    }
    let right = json!({"username": "admin", "password": ADMIN_PASSWORD});
    let response = app.post("/api/v1/auth/token", None, &right).await;
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    expect_problem(response, StatusCode::TOO_MANY_REQUESTS, "too-many-requests").await;
    // Another user from the same address still logs in.
    let user = app.create_user(Role::Viewer, None).await;
    let other = json!({"username": user.username, "password": USER_PASSWORD});
    expect_json(
        app.post("/api/v1/auth/token", None, &other).await,
        StatusCode::OK,
    )
    .await;
}
