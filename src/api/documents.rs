//! Documents of dossiers (hồ sơ): uploads (`multipart/form-data`, streamed), metadata,
//! downloads with ranges, removal, and an assessment's dossier as one ZIP. The rules are
//! in `crate::access` (documents follow their parent), the work in
//! `crate::services::documents`.
use actix_web::http::header::{self, HeaderValue};
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use entity::enums::{DocumentKind, DocumentParent};

use crate::access::Caller;
use crate::auth::MaybeCaller;
use crate::error::{ApiError, ErrorCode, Result};
use crate::extract::{IfMatch, ValidQuery};
use crate::pagination::{Page, Pagination};
use crate::services::assessments;
use crate::services::documents::{
    self as service, DocumentQuery, DocumentView, NewDocument, ParentRef,
};
use crate::state::AppState;

/// The form of an upload (`multipart/form-data`) to a recognition, a registration or an
/// activity. Only `file` is required; the parts may come in any order.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentUpload {
    /// The file. Its type is detected from its bytes (the part's `Content-Type` and the
    /// file name's extension are not trusted) and must be one of the configured types
    /// (default: PDF, JPEG, PNG, WebP, DOCX, XLSX, ODT, ODS), else 415; larger than the
    /// limit (default 20 MiB, `NTM_DOCUMENT_MAX_BYTES`): 413. The same bytes twice on one
    /// parent: 409 naming the document that has them.
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    pub file: String,
    /// Default: the file's name without its extension.
    #[schema(max_length = 200, example = "Quyết định công nhận xã đạt chuẩn")]
    pub title: Option<String>,
    /// Default: `other`.
    pub kind: Option<DocumentKind>,
}

/// The form of an upload to an assessment: [`DocumentUpload`]'s parts and the criterion
/// the document supports.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessmentDocumentUpload {
    /// As in `DocumentUpload`.
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    pub file: String,
    /// Default: the file's name without its extension.
    #[schema(max_length = 200, example = "Báo cáo kết quả thực hiện tiêu chí")]
    pub title: Option<String>,
    /// Default: `other`.
    pub kind: Option<DocumentKind>,
    /// A criterion code of the assessment's criteria version; none: the whole assessment.
    #[schema(max_length = 16, example = "17")]
    pub criterion: Option<String>,
}

/// The most bytes of a text part of the form.
const TEXT_PART_MAX: usize = 4096;

async fn text_part(field: &mut actix_multipart::Field, name: &str) -> Result<String> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest(format!("the form broke off: {e}")))?;
        if bytes.len() + chunk.len() > TEXT_PART_MAX {
            return Err(ApiError::invalid(
                ErrorCode::TooLong,
                name,
                format!("at most {TEXT_PART_MAX} bytes"),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes)
        .map_err(|_| ApiError::invalid(ErrorCode::InvalidFormat, name, "not valid UTF-8"))
}

/// Reads the form: text parts into `NewDocument`, the file part streamed to storage.
async fn read_form(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<(NewDocument, Option<service::Staged>)> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    if !multipart {
        return Err(ApiError::UnsupportedMediaType(
            "the body must be multipart/form-data, with the file in a part named `file`".into(),
        ));
    }
    let mut form = actix_multipart::Multipart::new(req.headers(), payload);
    let mut input = NewDocument::default();
    let mut staged: Option<service::Staged> = None;
    let outcome: Result<()> = async {
        while let Some(field) = form.next().await {
            let mut field =
                field.map_err(|e| ApiError::BadRequest(format!("the form cannot be read: {e}")))?;
            let name = field.name().unwrap_or("").to_string();
            match name.as_str() {
                "file" if staged.is_some() => {
                    return Err(ApiError::invalid(
                        ErrorCode::Duplicate,
                        "file",
                        "one file per upload",
                    ))
                }
                "file" => {
                    input.file_name = field
                        .content_disposition()
                        .and_then(|cd| cd.get_filename())
                        .map(str::to_string);
                    let store = &state.documents;
                    staged = Some(
                        service::upload::stage(&store.storage, &store.limits, &mut field).await?,
                    );
                }
                "title" => input.title = Some(text_part(&mut field, "title").await?),
                "kind" => input.kind = Some(text_part(&mut field, "kind").await?),
                "criterion" => input.criterion = Some(text_part(&mut field, "criterion").await?),
                other => {
                    return Err(ApiError::invalid(
                        ErrorCode::UnknownField,
                        other,
                        "not a part of this form (file, title, kind, criterion)",
                    ))
                }
            }
        }
        Ok(())
    }
    .await;
    match outcome {
        Ok(()) => Ok((input, staged)),
        Err(e) => {
            if let Some(staged) = staged {
                let _ = state.documents.storage.forget(&staged.path).await;
            }
            Err(e)
        }
    }
}

async fn upload(
    state: web::Data<AppState>,
    caller: Caller,
    target: ParentRef,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse> {
    // Who and where first: a caller who may not attach learns it before sending megabytes.
    let parent = service::parent(&state.db, Some(&caller), target).await?;
    caller.ensure_may_attach(&parent.access)?;
    let (input, staged) = read_form(&state, &req, payload).await?;
    let Some(staged) = staged else {
        return Err(ApiError::invalid(
            ErrorCode::Required,
            "file",
            "the form has no part named `file`",
        ));
    };
    let checked = match service::criterion_codes(&state.db, &parent, &input)
        .await
        .and_then(|codes| service::check_new(&parent, codes.as_deref(), &input))
    {
        Ok(c) => c,
        Err(e) => {
            let _ = state.documents.storage.forget(&staged.path).await;
            return Err(e);
        }
    };
    let model = service::attach(
        &state.db,
        &state.documents,
        &caller,
        target,
        &checked,
        staged,
    )
    .await?;
    tracing::info!(
        document = model.id,
        parent = model.parent_kind.as_str(),
        parent_id = model.parent_id,
        bytes = model.size_bytes,
        media_type = %model.media_type,
        by = %caller.username,
        "document attached"
    );
    Ok(crate::api::versioned(
        crate::api::created(format!("/api/v1/documents/{}", model.id)),
        model.id,
        model.row_version,
        &DocumentView::from(&model),
    ))
}

async fn list(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    target: ParentRef,
    query: DocumentQuery,
    pagination: Pagination,
) -> Result<web::Json<Page<DocumentView>>> {
    let request = pagination.resolve()?;
    if query
        .criterion
        .as_ref()
        .is_some_and(|c| c.chars().count() > 16)
    {
        return Err(ApiError::invalid(
            ErrorCode::TooLong,
            "criterion",
            "a criterion code has at most 16 characters",
        ));
    }
    let parent = service::readable_parent(&state.db, caller.0.as_ref(), target).await?;
    let rows = service::list(&state.db, &parent, &query, request).await?;
    Ok(web::Json(rows.map(|m| DocumentView::from(&m))))
}

macro_rules! parent_routes {
    ($upload:ident, $list:ident, $path:literal, $form:ty, $upload_summary:literal, $list_summary:literal, $target:expr) => {
        #[utoipa::path(
            tag = "documents",
            summary = $upload_summary,
            description = "`multipart/form-data`: whoever may edit the parent, while it can still change. The file streams to storage; its type is detected from its bytes.",
            params(("id" = i32, Path)),
            request_body(content = $form, content_type = "multipart/form-data"),
            responses(
                (status = 201, body = DocumentView, headers(("Location" = String, description = "The URL of the new document"), ("ETag" = String))),
                (status = 401, response = crate::openapi::responses::Unauthorized),
                (status = 403, response = crate::openapi::responses::Forbidden),
                (status = 404, response = crate::openapi::responses::NotFound),
                (status = 409, response = crate::openapi::responses::Conflict),
                (status = 413, response = crate::openapi::responses::PayloadTooLarge),
                (status = 415, response = crate::openapi::responses::UnsupportedMediaType),
                (status = 422, response = crate::openapi::responses::Unprocessable),
            ),
            security(("bearer" = []))
        )]
        #[post($path)]
        pub async fn $upload(
            state: web::Data<AppState>,
            caller: Caller,
            id: web::Path<i32>,
            req: HttpRequest,
            payload: web::Payload,
        ) -> Result<HttpResponse> {
            let make: fn(i32) -> ParentRef = $target;
            upload(state, caller, make(*id), req, payload).await
        }

        #[utoipa::path(
            tag = "documents",
            summary = $list_summary,
            description = "Oldest first, for whoever reads the parent (a draft's only for its own officers, never for viewers); removed ones with `include_removed=true`.",
            params(("id" = i32, Path), DocumentQuery, Pagination),
            responses(
                (status = 200, body = Page<DocumentView>),
                (status = 401, response = crate::openapi::responses::Unauthorized),
                (status = 404, response = crate::openapi::responses::NotFound),
                (status = 422, response = crate::openapi::responses::Unprocessable),
            ),
            security((), ("bearer" = []))
        )]
        #[get($path)]
        pub async fn $list(
            state: web::Data<AppState>,
            caller: MaybeCaller,
            id: web::Path<i32>,
            query: ValidQuery<DocumentQuery>,
            pagination: ValidQuery<Pagination>,
        ) -> Result<web::Json<Page<DocumentView>>> {
            let make: fn(i32) -> ParentRef = $target;
            list(state, caller, make(*id), query.0, pagination.0).await
        }
    };
}

parent_routes!(
    upload_assessment_document,
    list_assessment_documents,
    "/assessments/{id}/documents",
    AssessmentDocumentUpload,
    "Attach a document to an assessment (as a whole, or one criterion with `criterion`) while it is a draft",
    "The documents of an assessment",
    ParentRef::Assessment
);
parent_routes!(
    upload_recognition_document,
    list_recognition_documents,
    "/recognitions/{id}/documents",
    DocumentUpload,
    "Attach a document to a recognition (the signed decision), until it is revoked",
    "The documents of a recognition",
    ParentRef::Recognition
);
parent_routes!(
    upload_registration_document,
    list_registration_documents,
    "/registrations/{id}/documents",
    DocumentUpload,
    "Attach a document to a registration of a target year",
    "The documents of a registration",
    ParentRef::Registration
);

/// Attach a document to a sponsorship activity (an agreement, a receipt, a photo of the
/// works), `multipart/form-data`: whoever may record the sponsorship's activities.
#[utoipa::path(
    tag = "documents",
    params(("id" = i32, Path, description = "The sponsorship"), ("activity" = i32, Path, description = "The activity, of that sponsorship")),
    request_body(content = DocumentUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, body = DocumentView, headers(("Location" = String, description = "The URL of the new document"), ("ETag" = String))),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 409, response = crate::openapi::responses::Conflict),
        (status = 413, response = crate::openapi::responses::PayloadTooLarge),
        (status = 415, response = crate::openapi::responses::UnsupportedMediaType),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/sponsorships/{id}/activities/{activity}/documents")]
pub async fn upload_activity_document(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i32, i32)>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse> {
    let (sponsorship, activity) = path.into_inner();
    let target = ParentRef::Activity {
        sponsorship,
        activity,
    };
    upload(state, caller, target, req, payload).await
}

/// The documents of a sponsorship activity, oldest first.
#[utoipa::path(
    tag = "documents",
    params(("id" = i32, Path, description = "The sponsorship"), ("activity" = i32, Path, description = "The activity, of that sponsorship"), DocumentQuery, Pagination),
    responses(
        (status = 200, body = Page<DocumentView>),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    ),
    security((), ("bearer" = []))
)]
#[get("/sponsorships/{id}/activities/{activity}/documents")]
pub async fn list_activity_documents(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    path: web::Path<(i32, i32)>,
    query: ValidQuery<DocumentQuery>,
    pagination: ValidQuery<Pagination>,
) -> Result<web::Json<Page<DocumentView>>> {
    let (sponsorship, activity) = path.into_inner();
    let target = ParentRef::Activity {
        sponsorship,
        activity,
    };
    list(state, caller, target, query.0, pagination.0).await
}

/// A document's metadata (removed ones too, marked with who removed them and when).
#[utoipa::path(
    tag = "documents",
    params(("id" = i32, Path)),
    responses(
        (status = 200, body = DocumentView, headers(("ETag" = String, description = "For `If-Match` when removing"))),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 404, response = crate::openapi::responses::NotFound),
    ),
    security((), ("bearer" = []))
)]
#[get("/documents/{id}")]
pub async fn get_document(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    let (doc, _) = service::readable(&state.db, caller.0.as_ref(), *id).await?;
    Ok(crate::api::versioned(
        HttpResponse::Ok(),
        doc.id,
        doc.row_version,
        &DocumentView::from(&doc),
    ))
}

/// `filename*` of RFC 6266 / RFC 8187: UTF-8, percent-encoded but for attr-chars.
fn ext_value(name: &str) -> String {
    let mut out = String::from("UTF-8''");
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `Content-Disposition: attachment` with the original name: an ASCII fallback for old
/// clients and the exact UTF-8 name in `filename*`.
pub fn attachment(name: &str) -> String {
    let fallback: String = deunicode::deunicode(name)
        .chars()
        .map(|c| match c {
            '"' | '\\' => '_',
            c if c.is_ascii_graphic() || c == ' ' => c,
            _ => '_',
        })
        .collect();
    format!(
        "attachment; filename=\"{fallback}\"; filename*={}",
        ext_value(name)
    )
}

/// The bytes of a document, with its media type and original name, `ETag` (its SHA-256)
/// and byte ranges: `Range: bytes=…` answers 206 with `Content-Range` (a phone resumes a
/// large PDF; `If-Range` with the ETag makes sure the bytes did not change); a range
/// outside the content is 416. Several ranges in one request get the whole content.
#[utoipa::path(
    tag = "documents",
    params(
        ("id" = i32, Path),
        ("Range" = Option<String>, Header, description = "One byte range, e.g. `bytes=0-1048575` or `bytes=-500`"),
        ("If-Range" = Option<String>, Header, description = "The ETag read: the range is served only if it is still current, else the whole content"),
    ),
    responses(
        (status = 200, description = "The whole content", content(
            (String = "*/*", example = json!("(the document's bytes, of the media type detected when it was uploaded)"))
        ), headers(("ETag" = String, description = "\"<sha256>\""), ("Content-Disposition" = String), ("Accept-Ranges" = String))),
        (status = 206, description = "The range asked for", content(
            (String = "*/*", example = json!("(part of the document's bytes)"))
        ), headers(("Content-Range" = String, description = "bytes first-last/size"), ("ETag" = String))),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 416, response = crate::openapi::responses::RangeNotSatisfiable),
    ),
    security((), ("bearer" = []))
)]
#[get("/documents/{id}/content")]
pub async fn get_content(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    id: web::Path<i32>,
    req: HttpRequest,
) -> Result<HttpResponse> {
    let (doc, _) = service::readable(&state.db, caller.0.as_ref(), *id).await?;
    if let (Some(at), by) = (doc.removed_at, &doc.removed_by) {
        return Err(ApiError::NotFound(format!(
            "document {} was removed on {} by {}; its metadata stays at /api/v1/documents/{}",
            doc.id,
            at.to_rfc3339(),
            by.as_deref().unwrap_or("-"),
            doc.id
        )));
    }
    let size = u64::try_from(doc.size_bytes).unwrap_or(0);
    let etag = format!("\"{}\"", doc.sha256);
    let range = requested_range(&req, &etag, size)?;
    let content = service::content(&state.documents.storage, &doc.sha256, range).await?;
    let mut response = match range {
        Some((first, last)) => {
            let mut r = HttpResponse::PartialContent();
            r.insert_header((
                header::CONTENT_RANGE,
                format!("bytes {first}-{last}/{size}"),
            ));
            r
        }
        None => HttpResponse::Ok(),
    };
    response
        .insert_header((header::CONTENT_TYPE, doc.media_type.clone()))
        .insert_header((header::CONTENT_DISPOSITION, attachment(&doc.file_name)))
        .insert_header((header::ETAG, etag))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        // The bytes are sent as stored: compressing would break ranges (and PDFs, photos
        // and office files are compressed already).
        .insert_header((
            header::CONTENT_ENCODING,
            HeaderValue::from_static("identity"),
        ));
    let length = range.map_or(size, |(first, last)| last - first + 1);
    Ok(response
        .no_chunking(length)
        .streaming(content.map(|chunk| chunk.map_err(service::upload::storage_error))))
}

/// The one satisfiable range of the request, `None` for the whole content (no `Range`, an
/// `If-Range` that is not current, several ranges, or a unit other than bytes).
fn requested_range(req: &HttpRequest, etag: &str, size: u64) -> Result<Option<(u64, u64)>> {
    let Some(value) = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(None);
    };
    if let Some(if_range) = req
        .headers()
        .get(header::IF_RANGE)
        .and_then(|v| v.to_str().ok())
    {
        if if_range.trim() != etag {
            return Ok(None);
        }
    }
    let Ok(header::Range::Bytes(specs)) = value.parse::<header::Range>() else {
        return Ok(None);
    };
    if specs.len() != 1 {
        return Ok(None);
    }
    match specs[0].to_satisfiable_range(size) {
        Some(range) => Ok(Some(range)),
        None => Err(ApiError::RangeNotSatisfiable {
            detail: format!("{value} lies outside the content's {size} bytes"),
            size,
        }),
    }
}

/// Remove a document from its dossier (whoever may edit the parent, while it can still
/// change). The document stays readable, marked with who removed it and when; its bytes
/// are deleted once no other document holds them.
#[utoipa::path(
    operation_id = "remove_document",
    tag = "documents",
    params(("id" = i32, Path), ("If-Match" = Option<String>, Header, description = "The ETag read; 412 when stale")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 409, response = crate::openapi::responses::Conflict),
        (status = 412, response = crate::openapi::responses::PreconditionFailed),
    ),
    security(("bearer" = []))
)]
#[delete("/documents/{id}")]
pub async fn remove_document(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i32>,
    if_match: IfMatch,
) -> Result<HttpResponse> {
    let (doc, parent) = service::readable(&state.db, Some(&caller), *id).await?;
    caller.ensure_may_attach(&parent.access)?;
    let expected = if_match.version_to_write(doc.id, doc.row_version)?;
    service::remove(&state.db, &state.documents, &caller, &doc, expected).await?;
    tracing::info!(document = doc.id, by = %caller.username, "document removed");
    Ok(HttpResponse::NoContent().finish())
}

/// The dossier of an assessment as one ZIP: its documents (not removed) under
/// `documents/`, numbered in the order they were attached, with a generated index
/// (`index.json`: the assessment as `GET /assessments/{id}` shows it and the documents'
/// metadata; `index.txt`: the same to read).
#[utoipa::path(
    tag = "documents",
    params(("id" = i32, Path)),
    responses(
        (status = 200, description = "The dossier", content(
            (String = "application/zip", example = json!("(a ZIP archive)"))
        ), headers(("Content-Disposition" = String), ("ETag" = String))),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 404, response = crate::openapi::responses::NotFound),
    ),
    security((), ("bearer" = []))
)]
#[get("/assessments/{id}/dossier")]
pub async fn get_dossier(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    let parent =
        service::readable_parent(&state.db, caller.0.as_ref(), ParentRef::Assessment(*id)).await?;
    let assessment = assessments::reload(&state.db, parent.id).await?;
    let view = assessments::view(&state.db, &state.trees, &assessment).await?;
    let docs = service::all_of(&state.db, DocumentParent::Assessment, parent.id).await?;
    let (file, tag) = service::dossier::build(&state.documents.storage, &view, &docs).await?;
    let length = file
        .metadata()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("dossier: {e}")))?
        .len();
    let body = tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(file));
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/zip"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            attachment(&format!("ho-so-danh-gia-{}.zip", parent.id)),
        ))
        .insert_header((header::ETAG, tag))
        .insert_header((
            header::CONTENT_ENCODING,
            HeaderValue::from_static("identity"),
        ))
        .no_chunking(length)
        .streaming(body))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(upload_assessment_document)
        .service(list_assessment_documents)
        .service(get_dossier)
        .service(upload_recognition_document)
        .service(list_recognition_documents)
        .service(upload_registration_document)
        .service(list_registration_documents)
        .service(upload_activity_document)
        .service(list_activity_documents)
        .service(get_document)
        .service(get_content)
        .service(remove_document);
}
