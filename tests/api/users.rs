use ntm_api::access::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{
    count_rows, error_fields, expect_json, expect_problem, TestApp, USER_PASSWORD,
};

#[tokio::test]
async fn admin_creates_a_commune_user_who_can_log_in() {
    let app = TestApp::spawn().await;
    let created = expect_json(
        app.post(
            "/api/v1/users",
            Some(&app.admin_token),
            &json!({"username": "kylac", "password": "mat-khau-ky-lac", "role": "commune", "scope": "18850"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["role"], "commune");
    assert_eq!(created["scope"], "18850");
    assert!(created.get("password_hash").is_none());
    let tokens = expect_json(
        app.post(
            "/api/v1/auth/token",
            None,
            &json!({"username": "kylac", "password": "mat-khau-ky-lac"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        app.get_ok("/api/v1/auth/me", tokens["access_token"].as_str())
            .await["username"],
        "kylac"
    );
    // The same username again is a conflict, and nothing is written.
    let before = count_rows(&app.db, "users").await;
    let again = expect_problem(
        app.post(
            "/api/v1/users",
            Some(&app.admin_token),
            &json!({"username": "kylac", "password": "mat-khau-khac-nua", "role": "viewer"}),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_eq!(error_fields(&again), ["username"]);
    assert_eq!(count_rows(&app.db, "users").await, before);
}

#[tokio::test]
async fn invalid_users_are_422_with_every_field() {
    let app = TestApp::spawn().await;
    let before = count_rows(&app.db, "users").await;
    let problem = expect_problem(
        app.post(
            "/api/v1/users",
            Some(&app.admin_token),
            &json!({"username": "X", "password": "short", "role": "commune"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&problem), ["username", "password"]);
    for (body, field) in [
        (
            json!({"username": "abc", "password": "long-enough-pw", "role": "commune"}),
            "scope",
        ),
        (
            json!({"username": "abc", "password": "long-enough-pw", "role": "commune", "scope": "99999"}),
            "scope",
        ),
        (
            json!({"username": "abc", "password": "long-enough-pw", "role": "viewer", "scope": "42"}),
            "scope",
        ),
        (
            json!({"username": "abc", "password": "long-enough-pw", "role": "king"}),
            "role",
        ),
        (
            json!({"username": "abc", "password": "long-enough-pw", "role": "sponsor", "scope": "999"}),
            "scope",
        ),
        (
            json!({"username": "abc", "password": "long-enough-pw", "role": "viewer", "extra": 1}),
            "extra",
        ),
    ] {
        let problem = expect_problem(
            app.post("/api/v1/users", Some(&app.admin_token), &body)
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
        )
        .await;
        assert_eq!(error_fields(&problem), [field], "{body}");
    }
    assert_eq!(count_rows(&app.db, "users").await, before);
}

#[tokio::test]
async fn province_officers_manage_users_inside_their_province_only() {
    let app = TestApp::spawn().await;
    let ha_tinh = app.token_for(Role::Province, Some("42")).await;
    let nghe_an = app.token_for(Role::Province, Some("40")).await;
    let body = json!({"username": "kyanh", "password": "mat-khau-ky-anh", "role": "district", "scope": "447"});
    expect_problem(
        app.post("/api/v1/users", Some(&nghe_an), &body).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let created = expect_json(
        app.post("/api/v1/users", Some(&ha_tinh), &body).await,
        StatusCode::CREATED,
    )
    .await;
    // A province officer may not create admins, viewers or other province officers.
    for role in [
        json!({"role": "admin"}),
        json!({"role": "viewer"}),
        json!({"role": "province", "scope": "42"}),
    ] {
        let mut body = json!({"username": "someone", "password": "mat-khau-dai-du"});
        body.as_object_mut()
            .unwrap()
            .extend(role.as_object().unwrap().clone());
        expect_problem(
            app.post("/api/v1/users", Some(&ha_tinh), &body).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }
    // Lists are scoped.
    let mine = app.get_ok("/api/v1/users", Some(&ha_tinh)).await;
    let names: Vec<_> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_string())
        .collect();
    assert!(names.contains(&"kyanh".to_string()));
    assert!(!names.contains(&"admin".to_string()));
    let theirs = app.get_ok("/api/v1/users", Some(&nghe_an)).await;
    assert!(theirs["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["username"] != "kyanh"));
    let path = format!("/api/v1/users/{}", created["id"]);
    expect_problem(
        app.get(&path, Some(&nghe_an)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        app.delete(&path, Some(&nghe_an)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_eq!(
        app.delete(&path, Some(&ha_tinh)).await.status(),
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn user_writes_need_a_token_and_the_right_role() {
    let app = TestApp::spawn().await;
    let body = json!({"username": "abc", "password": "long-enough-pw", "role": "viewer"});
    expect_problem(
        app.post("/api/v1/users", None, &body).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    expect_problem(
        app.get("/api/v1/users", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    let admin = crate::helpers::entity_user_by_name(&app.db, "admin").await;
    let admin_path = format!("/api/v1/users/{}", admin.id);
    expect_problem(
        app.patch(&admin_path, None, &json!({"password": "new-password-1"}))
            .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    expect_problem(
        app.delete(&admin_path, None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    for (role, scope) in [
        (Role::Viewer, None),
        (Role::Commune, Some("18850")),
        (Role::District, Some("447")),
        (Role::Sponsor, Some("1")),
    ] {
        let token = app.token_for(role, scope).await;
        expect_problem(
            app.post("/api/v1/users", Some(&token), &body).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        expect_problem(
            app.get("/api/v1/users", Some(&token)).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        expect_problem(
            app.patch(
                &admin_path,
                Some(&token),
                &json!({"password": "new-password-1"}),
            )
            .await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        expect_problem(
            app.delete(&admin_path, Some(&token)).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }
    assert_eq!(count_rows(&app.db, "users").await, 5);
}

#[tokio::test]
async fn users_change_their_own_password_but_not_their_role() {
    let app = TestApp::spawn().await;
    let user = app.create_user(Role::Commune, Some("18850")).await;
    let token = app
        .keys()
        .issue_access(user.id, "commune", Some("18850"), chrono::Utc::now())
        .unwrap();
    let path = format!("/api/v1/users/{}", user.id);
    let response = app.get(&path, Some(&token)).await;
    let etag = response.headers()["etag"].to_str().unwrap().to_string();
    expect_problem(
        app.patch(&path, Some(&token), &json!({"role": "admin"}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // A stale ETag is refused and changes nothing.
    let stale = app
        .request(reqwest::Method::PATCH, &path, Some(&token))
        .header("If-Match", "\"0-0\"")
        .json(&json!({"password": "a-brand-new-password"}))
        .send()
        .await
        .unwrap();
    expect_problem(
        stale,
        StatusCode::PRECONDITION_FAILED,
        "precondition-failed",
    )
    .await;
    let login = json!({"username": user.username, "password": USER_PASSWORD});
    expect_json(
        app.post("/api/v1/auth/token", None, &login).await,
        StatusCode::OK,
    )
    .await;
    let changed = app
        .request(reqwest::Method::PATCH, &path, Some(&token))
        .header("If-Match", etag)
        .json(&json!({"password": "a-brand-new-password"}))
        .send()
        .await
        .unwrap();
    expect_json(changed, StatusCode::OK).await;
    expect_problem(
        app.post("/api/v1/auth/token", None, &login).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    let new_login = json!({"username": user.username, "password": "a-brand-new-password"});
    expect_json(
        app.post("/api/v1/auth/token", None, &new_login).await,
        StatusCode::OK,
    )
    .await;
}

#[tokio::test]
async fn admins_cannot_delete_themselves() {
    let app = TestApp::spawn().await;
    let admin = crate::helpers::entity_user_by_name(&app.db, "admin").await;
    expect_problem(
        app.delete(
            &format!("/api/v1/users/{}", admin.id),
            Some(&app.admin_token),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    expect_problem(
        app.get("/api/v1/users/999999", Some(&app.admin_token))
            .await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
}
