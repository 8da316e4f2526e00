//! Unit reads: versions by date, search, pagination.
use super::*;

#[tokio::test]
async fn a_reused_code_answers_the_version_of_the_date() {
    let app = TestApp::spawn().await;
    let old = app
        .get_ok("/api/v1/communes/18850?on=2021-09-25", None)
        .await;
    assert_eq!(old["name"], "Kỳ Lạc");
    assert_eq!(old["type"], "xã");
    assert_eq!(old["name_ascii"], "ky lac");
    assert_eq!(old["district_code"], "447");
    assert_eq!(old["province_code"], "42");
    assert_eq!(old["region"], "north_central_coast");
    assert_eq!(old["valid_to"], "2025-06-30");
    assert!(old["successor_code"].is_string());
    // The province code 42 names both the old and the new Hà Tĩnh.
    let before = app.get_ok("/api/v1/provinces/42?on=2024-12-31", None).await;
    let after = app.get_ok("/api/v1/provinces/42", None).await;
    assert_eq!(before["valid_to"], "2025-06-30");
    assert!(after["valid_to"].is_null());
    assert_eq!(after["valid_from"], "2025-07-01");
    // Districts were abolished: a date after the reform finds none.
    expect_problem(
        app.get("/api/v1/districts/447?on=2025-07-01", None).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    let retired = app.get_ok("/api/v1/districts/447", None).await;
    assert_eq!(retired["name"], "Kỳ Anh");
    expect_problem(
        app.get("/api/v1/communes/00000", None).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    let bad_date = expect_problem(
        app.get("/api/v1/communes/18850?on=2021-13-01", None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&bad_date), ["on"]);
}

#[tokio::test]
async fn search_ignores_diacritics_and_case() {
    let app = TestApp::spawn().await;
    for q in ["cam xuyen", "Cẩm Xuyên", "CẨM XUYÊN", "cẩm  xuyên"] {
        let page = app
            .get_ok(&format!("/api/v1/districts?q={}", urlencode(q)), None)
            .await;
        assert_eq!(codes(&page), ["446"], "q={q}");
    }
    let page = app
        .get_ok("/api/v1/communes?q=ky%20lac&on=2024-12-31", None)
        .await;
    assert_eq!(codes(&page), ["18850"]);
    // "đ" folds to "d": Đức Thọ.
    let page = app.get_ok("/api/v1/districts?q=duc%20tho", None).await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["name"], "Đức Thọ");
    // The type word is searchable too; wildcards are literal.
    let page = app
        .get_ok("/api/v1/communes?q=xa%20ky%20lac&on=2024-12-31", None)
        .await;
    assert_eq!(codes(&page), ["18850"]);
    assert_eq!(app.get_ok("/api/v1/communes?q=%25", None).await["total"], 0);
}

#[tokio::test]
async fn lists_paginate() {
    let app = TestApp::spawn().await;
    let all = app
        .get_ok(
            "/api/v1/communes?district=447&on=2024-12-31&per_page=500",
            None,
        )
        .await;
    let total = all["total"].as_u64().unwrap();
    assert!(total > 10, "Kỳ Anh has more than 10 communes");
    assert!(
        codes(&all).contains(&"18793".to_string()) && codes(&all).contains(&"18850".to_string())
    );
    let first = app
        .get_ok(
            "/api/v1/communes?district=447&on=2024-12-31&per_page=5",
            None,
        )
        .await;
    let second = app
        .get_ok(
            "/api/v1/communes?district=447&on=2024-12-31&per_page=5&page=2",
            None,
        )
        .await;
    assert_eq!(first["per_page"], 5);
    assert_eq!(second["page"], 2);
    assert_eq!(first["total"], total);
    let mut paged = codes(&first);
    paged.extend(codes(&second));
    assert_eq!(paged, codes(&all)[..10]);
}

#[tokio::test]
async fn page_sizes_and_numbers_are_checked() {
    let app = TestApp::spawn().await;
    // Default page size is 50; the maximum is 500.
    assert_eq!(app.get_ok("/api/v1/communes", None).await["per_page"], 50);
    let problem = expect_problem(
        app.get("/api/v1/communes?per_page=501&page=0", None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&problem), ["page", "per_page"]);
    let problem = expect_problem(
        app.get("/api/v1/communes?page=abc", None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&problem), ["page"]);
    // A page far beyond the data is refused before (page - 1) * per_page can overflow
    // (found by schemathesis).
    let problem = expect_problem(
        app.get(
            "/api/v1/communes?page=160380469955716064&per_page=116",
            None,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&problem), ["page"]);
}

#[tokio::test]
async fn lists_answer_for_a_date_before_or_after_the_reform() {
    let app = TestApp::spawn().await;
    let old = app.get_ok("/api/v1/provinces?on=2024-12-31", None).await;
    let new = app.get_ok("/api/v1/provinces?on=2025-07-01", None).await;
    let every = app.get_ok("/api/v1/provinces", None).await;
    assert_eq!(
        (
            old["total"].as_u64(),
            new["total"].as_u64(),
            every["total"].as_u64()
        ),
        (Some(1), Some(1), Some(2))
    );
    let districts_after = app
        .get_ok("/api/v1/districts?province=42&on=2025-07-01", None)
        .await;
    assert_eq!(districts_after["total"], 0);
}

/// The answer a scan of the unit table gives to `q` (folded) at `level`: the versions
/// whose folded type and name contain it, those whose name or type and name are exactly
/// `q` first, each group in code order (then start, then id), as the search answered
/// before it had an index.
fn scanned(rows: &[entity::unit::Model], q: &str, on: Option<chrono::NaiveDate>) -> Vec<String> {
    let hits = rows.iter().filter(|u| {
        u.search_ascii.contains(q)
            && on.is_none_or(|day| {
                u.valid_from.is_none_or(|f| f <= day) && u.valid_to.is_none_or(|t| day <= t)
            })
    });
    let (exact, others): (Vec<_>, Vec<_>) =
        hits.partition(|u| u.name_ascii == q || u.search_ascii == q);
    exact
        .into_iter()
        .chain(others)
        .map(|u| u.code.clone())
        .collect()
}

#[tokio::test]
async fn type_ahead_search_answers_what_a_scan_of_the_table_answers() {
    use entity::unit;
    use ntm_api::domain::text::fold;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = TestApp::spawn().await;
    for level in ["district", "commune"] {
        let mut rows = unit::Entity::find()
            .filter(unit::Column::Level.eq(level))
            .all(&app.db)
            .await
            .unwrap();
        rows.sort_by(|a, b| (&a.code, a.valid_from, a.id).cmp(&(&b.code, b.valid_from, b.id)));
        assert!(rows.len() > 10, "{level}: Hà Tĩnh is loaded");
        // Queries a type-ahead box sends: growing prefixes, inner words, parts of words,
        // with and without diacritics and in capitals, the type word, nothing that matches.
        let mut queries: Vec<String> = ["a", "x", "xa ", "  ky   ", "%", "zzqq", "h", "an"]
            .map(String::from)
            .to_vec();
        for u in rows.iter().step_by(9) {
            let chars: Vec<char> = u.name.chars().collect();
            for n in [1, 2, 3, 4, chars.len()] {
                queries.push(chars[..n.min(chars.len())].iter().collect());
            }
            queries.push(u.name.to_uppercase());
            queries.push(u.name_ascii.clone());
            queries.push(u.search_ascii.clone());
            if let Some(word) = u.name.split_whitespace().last() {
                queries.push(word.to_string());
            }
            let inner: String = u.name_ascii.chars().skip(1).take(3).collect();
            queries.push(inner);
        }
        for q in &queries {
            for on in [None, Some("2024-12-31")] {
                let day = on.map(|d| d.parse().unwrap());
                let folded = fold(q);
                let expected = scanned(&rows, &folded, day);
                let mut got = Vec::new();
                let mut total = None;
                for page in 1.. {
                    let path = format!(
                        "/api/v1/{level}s?q={}&per_page=500&page={page}{}",
                        urlencode(q),
                        on.map(|d| format!("&on={d}")).unwrap_or_default()
                    );
                    let answer = app.get_ok(&path, None).await;
                    total = answer["total"].as_u64();
                    let items = codes(&answer);
                    let done = items.len() < 500;
                    got.extend(items);
                    if done {
                        break;
                    }
                }
                assert_eq!(got, expected, "{level}s?q={q:?} on={on:?}");
                assert_eq!(
                    total,
                    Some(expected.len() as u64),
                    "{level}s?q={q:?} on={on:?}"
                );
            }
        }
    }
}
