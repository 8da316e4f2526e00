//! Documents of dossiers (hồ sơ): the papers behind an assessment (or one of its criteria),
//! a recognition, a registration and a sponsorship activity.
//!
//! * The rules (who attaches, who reads, when a parent is closed) are decided in
//!   [`crate::access`] from a parent's [`DocumentParentAccess`], built here per kind.
//! * Bytes: [`upload::stage`] writes them to `incoming/…` while they stream; [`attach`]
//!   moves them under their hash *before* the row commits (a crash in between leaves an
//!   orphan blob for `ntm-api storage check --fix`, never a row without bytes).
//! * Removal marks the row (who, when) and keeps it; the blob goes once no document that is
//!   not removed refers to it ([`release_blob`]).
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use entity::document::{self, Column as D, Entity as Documents};
use entity::enums::{DocumentKind, DocumentParent, Status};

use crate::access::{self, Caller, DocumentParentAccess, Permission};
use crate::error::{ApiError, ErrorCode, FieldError, Result};
use crate::pagination::{Page, PageRequest};
use crate::services::changes::{self, Op};
use crate::services::{assessments, recognitions, sponsorships};

pub mod check;
pub mod dossier;
pub mod storage;
pub mod upload;

pub use storage::Storage;
pub use upload::{Limits, Staged};

/// The store and limits of documents, shared by every request.
#[derive(Debug, Clone)]
pub struct DocumentStore {
    pub storage: Storage,
    pub limits: Limits,
}

/// Metadata of a document (the bytes are at `content_url`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DocumentView {
    pub id: i32,
    /// What the document is attached to.
    pub parent: DocumentParent,
    /// The parent's id (for an activity: the activity's).
    pub parent_id: i32,
    /// The criterion of the assessment it supports (its code); `null`: the whole.
    pub criterion: Option<String>,
    pub title: String,
    pub kind: DocumentKind,
    /// Detected from the bytes when uploaded.
    #[schema(example = "application/pdf")]
    pub media_type: String,
    /// The file's name as uploaded.
    pub file_name: String,
    #[schema(minimum = 1)]
    pub size_bytes: i64,
    /// SHA-256 of the bytes, lowercase hex; the content's `ETag`.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
    /// When it was removed (`null`: in the dossier).
    pub removed_at: Option<DateTime<Utc>>,
    pub removed_by: Option<String>,
    /// Where the bytes are downloaded.
    #[schema(example = "/api/v1/documents/7/content")]
    pub content_url: String,
}

impl From<&document::Model> for DocumentView {
    fn from(m: &document::Model) -> Self {
        DocumentView {
            id: m.id,
            parent: m.parent_kind,
            parent_id: m.parent_id,
            criterion: m.criterion_code.clone(),
            title: m.title.clone(),
            kind: m.kind,
            media_type: m.media_type.clone(),
            file_name: m.file_name.clone(),
            size_bytes: m.size_bytes,
            sha256: m.sha256.clone(),
            uploaded_by: m.uploaded_by.clone(),
            uploaded_at: m.created_at,
            removed_at: m.removed_at,
            removed_by: m.removed_by.clone(),
            content_url: format!("/api/v1/documents/{}/content", m.id),
        }
    }
}

/// Filters of a parent's document list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentQuery {
    /// Include removed documents (marked with who removed them and when).
    #[param(default = false)]
    pub include_removed: Option<bool>,
    /// Only the documents of this criterion (its code; assessments only).
    #[param(max_length = 16)]
    pub criterion: Option<String>,
}

/// A parent named by a request's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParentRef {
    Assessment(i32),
    Recognition(i32),
    Registration(i32),
    Activity { sponsorship: i32, activity: i32 },
}

/// A parent as found: what it is, where it sits and what its rules are.
#[derive(Debug, Clone)]
pub struct Parent {
    pub kind: DocumentParent,
    pub id: i32,
    pub province: Option<String>,
    pub access: DocumentParentAccess,
    /// The criteria version whose criterion codes documents may name (an assessment's);
    /// `None`: the parent has no criteria. Read by [`criterion_codes`] only when an upload
    /// names a criterion, not on every read of a parent.
    pub criteria_version: Option<i32>,
}

impl Parent {
    /// The path of its document list.
    pub fn documents_path(&self, sponsorship: Option<i32>) -> String {
        match (self.kind, sponsorship) {
            (DocumentParent::Activity, Some(s)) => {
                format!("/api/v1/sponsorships/{s}/activities/{}/documents", self.id)
            }
            (kind, _) => format!("/api/v1/{}s/{}/documents", kind.as_str(), self.id),
        }
    }
}

/// The parent `target`, as `caller` may see it (404 when it does not exist or is a draft
/// the caller may not read).
pub async fn parent<C: ConnectionTrait>(
    db: &C,
    caller: Option<&Caller>,
    target: ParentRef,
) -> Result<Parent> {
    match target {
        ParentRef::Assessment(id) => {
            let m = assessments::get_visible(db, caller, id).await?;
            let closed = (m.status != Status::Draft).then(|| {
                format!(
                    "assessment {id} is {}: its documents are attached and removed while it \
                     is a draft (or returned to draft)",
                    m.status.as_str()
                )
            });
            Ok(Parent {
                kind: DocumentParent::Assessment,
                id,
                province: m.province_code.clone(),
                access: DocumentParentAccess {
                    edit: assessments::author_permission(m.kind),
                    scope: assessments::scope_of(&m),
                    draft: m.status == Status::Draft,
                    closed,
                },
                criteria_version: Some(m.criteria_version_id),
            })
        }
        ParentRef::Recognition(id) => {
            let m = recognitions::find(db, id).await?;
            let closed = m
                .revoked
                .then(|| format!("recognition {id} is revoked: its dossier no longer changes"));
            Ok(Parent {
                kind: DocumentParent::Recognition,
                id,
                province: m.province_code.clone(),
                access: DocumentParentAccess {
                    edit: Permission::Recognize,
                    scope: recognitions::scope_of(&m),
                    draft: false,
                    closed,
                },
                criteria_version: None,
            })
        }
        ParentRef::Registration(id) => {
            let m = recognitions::find_registration(db, id).await?;
            Ok(Parent {
                kind: DocumentParent::Registration,
                id,
                province: m.province_code.clone(),
                access: DocumentParentAccess {
                    edit: Permission::ManageRegistrations,
                    scope: recognitions::registration_scope(&m),
                    draft: false,
                    closed: None,
                },
                criteria_version: None,
            })
        }
        ParentRef::Activity {
            sponsorship,
            activity,
        } => {
            let s = sponsorships::find_sponsorship(db, sponsorship).await?;
            let a = sponsorships::find_activity(db, activity).await?;
            if a.sponsorship_id != s.id {
                return Err(ApiError::not_found(format!(
                    "activity {activity} of sponsorship {sponsorship}"
                )));
            }
            Ok(Parent {
                kind: DocumentParent::Activity,
                id: activity,
                province: s.province_code.clone(),
                access: DocumentParentAccess {
                    edit: Permission::RecordActivities,
                    scope: sponsorships::sponsorship_scope(&s),
                    draft: false,
                    closed: None,
                },
                criteria_version: None,
            })
        }
    }
}

/// The criterion codes an upload to `p` may name: `None` when `p` has no criteria (not an
/// assessment), or when the upload names none (then nothing is read).
pub async fn criterion_codes<C: ConnectionTrait>(
    db: &C,
    p: &Parent,
    input: &NewDocument,
) -> Result<Option<Vec<String>>> {
    let names_one = input
        .criterion
        .as_deref()
        .is_some_and(|c| !c.trim().is_empty());
    match p.criteria_version {
        Some(version) if names_one => Ok(Some(
            assessments::catalog(db, version)
                .await?
                .map(|c| c.tree.iter().map(|c| c.code.clone()).collect())
                .unwrap_or_default(),
        )),
        Some(_) => Ok(Some(Vec::new())),
        None => Ok(None),
    }
}

/// The parent a stored document belongs to.
pub async fn parent_of<C: ConnectionTrait>(
    db: &C,
    caller: Option<&Caller>,
    doc: &document::Model,
) -> Result<Parent> {
    let target = match doc.parent_kind {
        DocumentParent::Assessment => ParentRef::Assessment(doc.parent_id),
        DocumentParent::Recognition => ParentRef::Recognition(doc.parent_id),
        DocumentParent::Registration => ParentRef::Registration(doc.parent_id),
        DocumentParent::Activity => {
            let a = sponsorships::find_activity(db, doc.parent_id).await?;
            ParentRef::Activity {
                sponsorship: a.sponsorship_id,
                activity: a.id,
            }
        }
    };
    parent(db, caller, target).await
}

/// The parent, when the caller may read its documents (404 otherwise: a draft's documents
/// do not show that they exist).
pub async fn readable_parent<C: ConnectionTrait>(
    db: &C,
    caller: Option<&Caller>,
    target: ParentRef,
) -> Result<Parent> {
    let p = parent(db, caller, target).await?;
    ensure_readable(
        caller,
        &p,
        &format!("the documents of {} {}", p.kind.as_str(), p.id),
    )?;
    Ok(p)
}

fn ensure_readable(caller: Option<&Caller>, p: &Parent, what: &str) -> Result<()> {
    if access::may_read_documents(caller, &p.access) {
        Ok(())
    } else {
        Err(ApiError::not_found(what))
    }
}

/// A document the caller may read, with its parent (404 otherwise).
pub async fn readable<C: ConnectionTrait>(
    db: &C,
    caller: Option<&Caller>,
    id: i32,
) -> Result<(document::Model, Parent)> {
    let what = format!("document {id}");
    let doc = Documents::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found(&what))?;
    let p = parent_of(db, caller, &doc).await.map_err(|e| match e {
        ApiError::NotFound(_) => ApiError::not_found(&what),
        other => other,
    })?;
    ensure_readable(caller, &p, &what)?;
    Ok((doc, p))
}

/// The documents of a parent, oldest first.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    p: &Parent,
    query: &DocumentQuery,
    request: PageRequest,
) -> Result<Page<document::Model>> {
    let mut select = if query.include_removed.unwrap_or(false) {
        of_parent(p.kind, p.id)
    } else {
        in_dossier(p.kind, p.id)
    };
    if let Some(code) = &query.criterion {
        select = select.filter(D::CriterionCode.eq(code.clone()));
    }
    Ok(crate::services::fetch_page(db, select.order_by_asc(D::Id), request).await?)
}

/// The bytes of blob `sha256`, whole or the inclusive range `(first, last)`, as a stream.
pub async fn content(
    storage: &Storage,
    sha256: &str,
    range: Option<(u64, u64)>,
) -> Result<futures_util::stream::BoxStream<'static, object_store::Result<bytes::Bytes>>> {
    let mut options = object_store::GetOptions::default();
    if let Some((first, last)) = range {
        options = options.with_range(Some(first..last + 1));
    }
    match storage.store().get_opts(&Storage::blob(sha256), options).await {
        Ok(got) => Ok(got.into_stream()),
        Err(object_store::Error::NotFound { .. }) => Err(ApiError::Internal(anyhow::anyhow!(
            "the bytes {sha256} of a document are missing from the store (see `ntm-api storage check`)"
        ))),
        Err(e) => Err(upload::storage_error(e)),
    }
}

/// Every document of a parent, removed ones too.
fn of_parent(kind: DocumentParent, id: i32) -> sea_orm::Select<Documents> {
    Documents::find()
        .filter(D::ParentKind.eq(kind))
        .filter(D::ParentId.eq(id))
}

/// The documents of a parent that are not removed: its dossier.
fn in_dossier(kind: DocumentParent, id: i32) -> sea_orm::Select<Documents> {
    of_parent(kind, id).filter(D::RemovedAt.is_null())
}

/// How many documents (not removed) an assessment has.
pub async fn count_of_assessment<C: ConnectionTrait>(db: &C, id: i32) -> Result<u64> {
    Ok(in_dossier(DocumentParent::Assessment, id).count(db).await?)
}

/// The documents (not removed) of a parent, all of them (a dossier).
pub async fn all_of<C: ConnectionTrait>(
    db: &C,
    kind: DocumentParent,
    id: i32,
) -> Result<Vec<document::Model>> {
    Ok(in_dossier(kind, id).order_by_asc(D::Id).all(db).await?)
}

/// The fields of an upload besides the file, as sent.
#[derive(Debug, Default, Clone)]
pub struct NewDocument {
    pub title: Option<String>,
    pub kind: Option<String>,
    pub criterion: Option<String>,
    /// The name the client gave the file (`filename` of its part).
    pub file_name: Option<String>,
}

/// The most characters of a title, and of a kept file name.
pub const TITLE_MAX: usize = 200;
pub const FILE_NAME_MAX: usize = 255;

/// Checked fields of an upload.
#[derive(Debug, Clone)]
pub struct CheckedDocument {
    pub title: String,
    pub kind: DocumentKind,
    pub criterion: Option<String>,
    pub file_name: String,
}

/// A file name as it may be shown and offered back: its last path segment, without
/// control characters, at most [`FILE_NAME_MAX`] characters ("document" when nothing is
/// left). It is metadata only: storage paths are hashes.
pub fn clean_file_name(name: Option<&str>) -> String {
    let last = name
        .unwrap_or("")
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>();
    let trimmed = last.trim().trim_start_matches('.').trim();
    if trimmed.is_empty() {
        "document".to_string()
    } else {
        trimmed.chars().take(FILE_NAME_MAX).collect()
    }
}

/// Checks the fields of an upload for `p`, whose criterion codes are `codes`
/// ([`criterion_codes`]): 422 naming each bad field.
pub fn check_new(
    p: &Parent,
    codes: Option<&[String]>,
    input: &NewDocument,
) -> Result<CheckedDocument> {
    let mut errors = Vec::new();
    let file_name = clean_file_name(input.file_name.as_deref());
    let title = match input.title.as_deref().map(str::trim) {
        None | Some("") => file_name
            .rsplit_once('.')
            .map(|(stem, _)| stem)
            .filter(|s| !s.is_empty())
            .unwrap_or(&file_name)
            .to_string(),
        Some(t) if t.chars().count() > TITLE_MAX => {
            errors.push(FieldError::new(
                ErrorCode::TooLong,
                "title",
                format!("at most {TITLE_MAX} characters"),
            ));
            String::new()
        }
        Some(t) if t.chars().any(char::is_control) => {
            errors.push(FieldError::new(
                ErrorCode::InvalidFormat,
                "title",
                "no control characters",
            ));
            String::new()
        }
        Some(t) => t.to_string(),
    };
    let kind = match input.kind.as_deref().map(str::trim) {
        None | Some("") => DocumentKind::Other,
        Some(k) => match <DocumentKind as sea_orm::ActiveEnum>::try_from_value(&k.to_string()) {
            Ok(kind) => kind,
            Err(_) => {
                errors.push(FieldError::new(
                    ErrorCode::UnknownValue,
                    "kind",
                    "one of report, minutes, opinion_summary, decision, agreement, receipt, \
                     photo, other",
                ));
                DocumentKind::Other
            }
        },
    };
    let criterion = match (input.criterion.as_deref().map(str::trim), codes) {
        (None | Some(""), _) => None,
        (Some(_), None) => {
            errors.push(FieldError::new(
                ErrorCode::NotAllowed,
                "criterion",
                format!(
                    "only documents of an assessment name a criterion, not of a {}",
                    p.kind.as_str()
                ),
            ));
            None
        }
        (Some(code), Some(codes)) => {
            if !codes.iter().any(|c| c == code) {
                errors.push(FieldError::new(
                    ErrorCode::NotFound,
                    "criterion",
                    format!("the assessment's criteria version has no criterion {code}"),
                ));
            }
            Some(code.to_string())
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    Ok(CheckedDocument {
        title,
        kind,
        criterion,
        file_name,
    })
}

/// The failure point of the crash test: set `NTM_FAILPOINT=document-after-bytes` and the
/// process dies after a document's bytes are kept and before its row commits.
fn failpoint(name: &str) {
    if std::env::var("NTM_FAILPOINT").is_ok_and(|v| v == name) {
        tracing::error!(failpoint = name, "failpoint reached: aborting");
        std::process::abort();
    }
}

/// Attaches the staged bytes to the parent `target` as a new document, in one transaction:
/// the parent is read again under the write lock (still open, still the caller's), the same
/// bytes already on it are a 409 naming that document, the bytes move under their hash,
/// the row and its change are written. On any refusal the staged bytes are deleted.
pub async fn attach(
    db: &DatabaseConnection,
    store: &DocumentStore,
    caller: &Caller,
    target: ParentRef,
    input: &CheckedDocument,
    staged: Staged,
) -> Result<document::Model> {
    let result = attach_staged(db, store, caller, target, input, &staged).await;
    if result.is_err() {
        if let Err(e) = store.storage.forget(&staged.path).await {
            tracing::warn!(path = %staged.path, error = %e, "a refused upload was not deleted");
        }
    }
    result
}

async fn attach_staged(
    db: &DatabaseConnection,
    store: &DocumentStore,
    caller: &Caller,
    target: ParentRef,
    input: &CheckedDocument,
    staged: &Staged,
) -> Result<document::Model> {
    let txn = crate::services::begin_write(db).await?;
    crate::services::audit::take_write_lock(&txn).await?;
    let p = parent(&txn, Some(caller), target).await?;
    caller.ensure_may_attach(&p.access)?;
    if let Some(existing) = in_dossier(p.kind, p.id)
        .filter(D::Sha256.eq(staged.sha256.clone()))
        .one(&txn)
        .await?
    {
        return Err(ApiError::conflict_on(
            "file",
            format!(
                "this file is already document {} of {} {} (\"{}\")",
                existing.id,
                p.kind.as_str(),
                p.id,
                existing.title
            ),
        ));
    }
    store
        .storage
        .keep(&staged.path, &staged.sha256)
        .await
        .map_err(upload::storage_error)?;
    failpoint("document-after-bytes");
    let now = Utc::now();
    let size = i64::try_from(staged.size)
        .map_err(|_| ApiError::PayloadTooLarge("file: larger than this service stores".into()))?;
    let model = document::ActiveModel {
        parent_kind: Set(p.kind),
        parent_id: Set(p.id),
        criterion_code: Set(input.criterion.clone()),
        province_code: Set(p.province.clone()),
        title: Set(input.title.clone()),
        kind: Set(input.kind),
        media_type: Set(staged.media_type.clone()),
        file_name: Set(input.file_name.clone()),
        size_bytes: Set(size),
        sha256: Set(staged.sha256.clone()),
        uploaded_by: Set(caller.username.clone()),
        removed_at: Set(None),
        removed_by: Set(None),
        row_version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    changes::record(
        &txn,
        "document",
        &model.id.to_string(),
        model.province_code.as_deref(),
        Op::Create,
        Some(&DocumentView::from(&model)),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// Removes a document from its dossier (the caller may edit the open parent; `expected`:
/// the row version read, 412 when stale). The row stays, marked; the bytes go when no
/// other document holds them.
pub async fn remove(
    db: &DatabaseConnection,
    store: &DocumentStore,
    caller: &Caller,
    doc: &document::Model,
    expected: i32,
) -> Result<()> {
    let txn = crate::services::begin_write(db).await?;
    crate::services::audit::take_write_lock(&txn).await?;
    let p = parent_of(&txn, Some(caller), doc).await?;
    caller.ensure_may_attach(&p.access)?;
    if doc.removed_at.is_some() {
        return Err(ApiError::conflict(format!(
            "document {} was removed already",
            doc.id
        )));
    }
    mark_removed(&txn, doc, Some(expected), &caller.username).await?;
    txn.commit().await?;
    release_blobs(db, &store.storage, [doc.sha256.clone()]).await
}

/// Marks a document removed and records it (the feed's tombstone, the audit entry).
async fn mark_removed<C: ConnectionTrait>(
    db: &C,
    doc: &document::Model,
    expected: Option<i32>,
    by: &str,
) -> Result<()> {
    let now = Utc::now();
    let mut update = Documents::update_many()
        .col_expr(D::RemovedAt, Expr::value(now))
        .col_expr(D::RemovedBy, Expr::value(by.to_string()))
        .col_expr(D::RowVersion, Expr::col(D::RowVersion).add(1))
        .col_expr(D::UpdatedAt, Expr::value(now))
        .filter(D::Id.eq(doc.id))
        .filter(D::RemovedAt.is_null());
    if let Some(expected) = expected {
        update = update.filter(D::RowVersion.eq(expected));
    }
    let result = update.exec(db).await?;
    crate::services::ensure_matched(result.rows_affected, "document")?;
    changes::record::<_, ()>(
        db,
        "document",
        &doc.id.to_string(),
        doc.province_code.as_deref(),
        Op::Delete,
        None,
    )
    .await?;
    Ok(())
}

/// Removes every document of a parent being deleted (in the caller's transaction); returns
/// the hashes to [`release_blobs`] after it commits.
pub async fn remove_all_of<C: ConnectionTrait>(
    db: &C,
    kind: DocumentParent,
    id: i32,
    by: &str,
) -> Result<Vec<String>> {
    let docs = all_of(db, kind, id).await?;
    for doc in &docs {
        mark_removed(db, doc, None, by).await?;
    }
    Ok(docs.into_iter().map(|d| d.sha256).collect())
}

/// [`release_blob`] of each hash: after a transaction that removed documents commits.
pub async fn release_blobs(
    db: &DatabaseConnection,
    storage: &Storage,
    shas: impl IntoIterator<Item = String>,
) -> Result<()> {
    for sha in shas {
        release_blob(db, storage, &sha).await?;
    }
    Ok(())
}

/// Deletes the blob `sha256` when no document that is not removed holds it. Runs under the
/// write lock, so an upload of the same bytes (which keeps them under the same lock) cannot
/// slip in between the count and the deletion.
pub async fn release_blob(db: &DatabaseConnection, storage: &Storage, sha256: &str) -> Result<()> {
    let txn = crate::services::begin_write(db).await?;
    crate::services::audit::take_write_lock(&txn).await?;
    let holders = Documents::find()
        .filter(D::Sha256.eq(sha256.to_string()))
        .filter(D::RemovedAt.is_null())
        .count(&txn)
        .await?;
    if holders == 0 {
        storage
            .forget(&Storage::blob(sha256))
            .await
            .map_err(upload::storage_error)?;
    }
    txn.commit().await?;
    Ok(())
}
