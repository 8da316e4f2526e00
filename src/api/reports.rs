//! `GET /reports/progress` and `GET /reports/progress/timeline`: JSON, or CSV with
//! `Accept: text/csv`.
use crate::error::ErrorCode;
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{Datelike, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::MaybeCaller;
use crate::error::{ApiError, Result};
use crate::extract::ValidQuery;
use crate::services::reports::{self, ProgressReport, ReportScope};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgressQuery {
    /// Province code (as recorded on the units, assessments and decisions).
    pub province: Option<String>,
    /// District code (pre-reform years).
    pub district: Option<String>,
    /// The year reported (default: this year): its 31 December, or today.
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimelineQuery {
    pub province: Option<String>,
    pub district: Option<String>,
    /// First year (default 2016).
    #[param(minimum = 2000, maximum = 2100)]
    pub from: Option<i32>,
    /// Last year (default: this year); from `from` to 30 years after it.
    #[param(minimum = 2000, maximum = 2100)]
    pub to: Option<i32>,
}

/// Years a report may cover: the programme's records start in 2000; years to come report
/// registrations and an empty picture, as a plan would.
fn check_year(field: &str, year: i32) -> Result<()> {
    if (2000..=2100).contains(&year) {
        Ok(())
    } else {
        Err(ApiError::invalid(
            ErrorCode::OutOfRange,
            field,
            "must be between 2000 and 2100",
        ))
    }
}

fn respond(
    req: &HttpRequest,
    reports: &[ProgressReport],
    single: bool,
    name: &str,
) -> Result<HttpResponse> {
    if crate::api::wants_csv(req) {
        return Ok(crate::api::csv_attachment(name, reports::to_csv(reports)?));
    }
    Ok(if single {
        HttpResponse::Ok().json(&reports[0])
    } else {
        HttpResponse::Ok().json(reports)
    })
}

/// Progress of a province, a district or the nation in a year: communes by current level,
/// registrations, mean criteria met in each unit's latest assessment, the met rate of each
/// criterion and the hardest ones. `Accept: text/csv` answers a CSV for spreadsheets
/// (UTF-8 with BOM; columns year, section, key, name, value).
#[utoipa::path(
    operation_id = "get_progress_report",
    tag = "reports",
    params(ProgressQuery),
    responses(
        (status = 200, content(
            (ProgressReport = "application/json"),
            (String = "text/csv", example = "year,section,key,name,value\n2021,units,,,216")
        )),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    ),
    security((), ("bearer" = []))
)]
#[get("/reports/progress")]
pub async fn progress(
    req: HttpRequest,
    state: web::Data<AppState>,
    _caller: MaybeCaller,
    query: ValidQuery<ProgressQuery>,
) -> Result<HttpResponse> {
    let q = query.0;
    let year = q.year.unwrap_or_else(|| Utc::now().year());
    check_year("year", year)?;
    let scope = ReportScope {
        province: q.province,
        district: q.district,
    };
    let report = reports::progress(&state.db, &scope, year).await?;
    respond(&req, &[report], true, &format!("ntm-progress-{year}"))
}

/// The same figures year by year (at most 30 years).
#[utoipa::path(
    operation_id = "get_progress_timeline",
    tag = "reports",
    params(TimelineQuery),
    responses(
        (status = 200, content(
            (Vec<ProgressReport> = "application/json"),
            (String = "text/csv")
        )),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    ),
    security((), ("bearer" = []))
)]
#[get("/reports/progress/timeline")]
pub async fn timeline(
    req: HttpRequest,
    state: web::Data<AppState>,
    _caller: MaybeCaller,
    query: ValidQuery<TimelineQuery>,
) -> Result<HttpResponse> {
    let q = query.0;
    let from = q.from.unwrap_or(2016);
    let to = q.to.unwrap_or_else(|| Utc::now().year());
    check_year("from", from)?;
    check_year("to", to)?;
    if to < from || to - from > 30 {
        return Err(ApiError::invalid(
            ErrorCode::OutOfRange,
            "to",
            "must be from `from` to 30 years after it",
        ));
    }
    let scope = ReportScope {
        province: q.province,
        district: q.district,
    };
    let mut out = Vec::new();
    for year in from..=to {
        out.push(reports::progress(&state.db, &scope, year).await?);
    }
    respond(&req, &out, false, "ntm-progress-timeline")
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(timeline).service(progress);
}
