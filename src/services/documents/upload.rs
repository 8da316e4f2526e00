//! Taking in the bytes of an upload as they arrive: the media type is detected from the
//! first bytes (never taken from the client), the size is counted against the limit while
//! the body streams, and the bytes go to the object store in parts, hashed on the way. At
//! most one part and the sniffing buffer are held in memory, whatever the file's size.
use bytes::{Bytes, BytesMut};
use futures_util::{Stream, StreamExt};
use object_store::path::Path;
use object_store::{ObjectStoreExt, WriteMultipart};
use sha2::{Digest, Sha256};

use super::storage::Storage;
use crate::error::{ApiError, Result};

/// Bytes read before the media type is decided: enough for the signatures of the allowed
/// types, those of office files included (their first ZIP entries name the format).
const SNIFF_BYTES: usize = 64 * 1024;

/// What an upload may be.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest accepted file, in bytes.
    pub max_bytes: u64,
    /// The media types accepted (as detected from the bytes).
    pub media_types: Vec<String>,
}

/// The short names `NTM_DOCUMENT_TYPES` takes, with their media types.
pub const KNOWN_TYPES: &[(&str, &str)] = &[
    ("pdf", "application/pdf"),
    ("jpeg", "image/jpeg"),
    ("jpg", "image/jpeg"),
    ("png", "image/png"),
    ("webp", "image/webp"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("odt", "application/vnd.oasis.opendocument.text"),
    ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
];

/// The default of `NTM_DOCUMENT_TYPES`.
pub const DEFAULT_TYPES: &str = "pdf,jpeg,png,webp,docx,xlsx,odt,ods";

impl Limits {
    /// From `NTM_DOCUMENT_TYPES` (short names or media types, comma-separated) and the
    /// size limit; an unknown short name is an error at start, not a silent refusal later.
    pub fn new(max_bytes: u64, types: &str) -> anyhow::Result<Limits> {
        let mut media_types = Vec::new();
        for name in types.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let media_type = if name.contains('/') {
                name.to_ascii_lowercase()
            } else {
                KNOWN_TYPES
                    .iter()
                    .find(|(short, _)| short.eq_ignore_ascii_case(name))
                    .map(|(_, m)| m.to_string())
                    .ok_or_else(|| {
                        anyhow::anyhow!(
                            "NTM_DOCUMENT_TYPES: unknown type {name}; use a media type or one of {}",
                            KNOWN_TYPES.iter().map(|(s, _)| *s).collect::<Vec<_>>().join(", ")
                        )
                    })?
            };
            if !media_types.contains(&media_type) {
                media_types.push(media_type);
            }
        }
        if media_types.is_empty() {
            anyhow::bail!("NTM_DOCUMENT_TYPES lists no type");
        }
        Ok(Limits {
            max_bytes,
            media_types,
        })
    }
}

/// An upload written to `incoming/…`, not yet a blob.
#[derive(Debug)]
pub struct Staged {
    pub path: Path,
    pub sha256: String,
    pub size: u64,
    pub media_type: String,
}

/// The media type of a file's first bytes, when it is one the detector knows.
pub fn detect(head: &[u8]) -> Option<&'static str> {
    infer::get(head).map(|t| t.mime_type())
}

/// Writes the stream to a new `incoming/` object. A file larger than the limit (413) or of
/// a type not allowed (415) leaves nothing stored; the rest of such a body is read and
/// dropped (up to a bound) so that the client gets the answer instead of a reset
/// connection.
pub async fn stage<S, E>(storage: &Storage, limits: &Limits, mut body: S) -> Result<Staged>
where
    S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let read_error = |e: E| ApiError::BadRequest(format!("the upload broke off: {e}"));
    // The first bytes decide the type before anything is written.
    let mut head = BytesMut::new();
    let mut ended = false;
    while head.len() < SNIFF_BYTES {
        match body.next().await {
            Some(chunk) => head.extend_from_slice(&chunk.map_err(read_error)?),
            None => {
                ended = true;
                break;
            }
        }
        if head.len() as u64 > limits.max_bytes {
            break;
        }
    }
    if head.is_empty() {
        return Err(ApiError::invalid(
            crate::error::ErrorCode::Required,
            "file",
            "the file is empty",
        ));
    }
    let media_type = match detect(&head) {
        Some(t) if limits.media_types.iter().any(|m| m == t) => t.to_string(),
        detected => {
            if !ended {
                drain(&mut body, limits.max_bytes).await;
            }
            return Err(ApiError::UnsupportedMediaType(format!(
                "file: the bytes are {}; accepted: {}",
                detected.unwrap_or("of no type this service recognises"),
                limits.media_types.join(", ")
            )));
        }
    };
    let too_large = || {
        ApiError::PayloadTooLarge(format!(
            "file: larger than the limit of {} bytes (NTM_DOCUMENT_MAX_BYTES)",
            limits.max_bytes
        ))
    };
    if head.len() as u64 > limits.max_bytes {
        if !ended {
            drain(&mut body, limits.max_bytes).await;
        }
        return Err(too_large());
    }
    let path = Storage::incoming();
    let upload = storage
        .store()
        .put_multipart(&path)
        .await
        .map_err(storage_error)?;
    let mut writer = WriteMultipart::new_with_chunk_size(upload, storage.part_size);
    let mut hasher = Sha256::new();
    let mut size = head.len() as u64;
    hasher.update(&head);
    writer.put(head.freeze());
    let outcome: Result<()> = async {
        if ended {
            return Ok(());
        }
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(read_error)?;
            size += chunk.len() as u64;
            if size > limits.max_bytes {
                drain(&mut body, limits.max_bytes).await;
                return Err(too_large());
            }
            hasher.update(&chunk);
            // Two parts in flight at most: memory stays bounded when the store is slower
            // than the client.
            writer.wait_for_capacity(2).await.map_err(storage_error)?;
            writer.put(chunk);
        }
        Ok(())
    }
    .await;
    if let Err(e) = outcome {
        // Let the parts in flight finish (or fail) before aborting. `WriteMultipart::abort`
        // only cancels them on the client side: the store may still be storing one when the
        // abort arrives, and S3 says that such a part "might or might not succeed" and may
        // need another abort to be freed (it would be billed, and no listing shows it to
        // `storage check`). Seen against moto as a 500 on the abort, retried, and parts
        // cut off mid-body. Costs at most two parts' upload before the 413 is sent.
        let _ = writer.wait_for_capacity(0).await;
        if let Err(abort) = writer.abort().await {
            tracing::warn!(%path, error = %abort, "an aborted upload could not be cleaned up");
        }
        return Err(e);
    }
    writer.finish().await.map_err(storage_error)?;
    Ok(Staged {
        path,
        sha256: hex::encode(hasher.finalize()),
        size,
        media_type,
    })
}

/// Reads and drops what is left of a refused body, up to a bound (a client sending far
/// more than the limit gets its connection closed instead).
async fn drain<S, E>(body: &mut S, max_bytes: u64)
where
    S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
{
    let bound = max_bytes.saturating_mul(2).max(64 * 1024 * 1024);
    let mut read = 0u64;
    while let Some(Ok(chunk)) = body.next().await {
        read += chunk.len() as u64;
        if read > bound {
            break;
        }
    }
}

/// A failure of the object store: the service's fault (500), logged with its cause.
pub fn storage_error(e: object_store::Error) -> ApiError {
    ApiError::Internal(anyhow::anyhow!("document storage: {e}"))
}
