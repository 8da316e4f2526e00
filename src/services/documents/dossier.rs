//! The dossier of an assessment as one ZIP: its documents (not removed) under
//! `documents/`, and a generated index: `index.json` (the assessment as
//! `GET /assessments/{id}` shows it, and the documents' metadata) and `index.txt` (the same
//! for a person). The archive is written to an unnamed temporary file, entry by entry as
//! the blobs stream in, so memory does not grow with the dossier.
use std::io::{Seek, Write};

use bytes::Bytes;
use futures_util::StreamExt;
use serde::Serialize;
use tokio::sync::mpsc;
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

use super::{DocumentView, Storage};
use crate::error::{ApiError, Result};
use crate::services::assessments::AssessmentView;
use entity::document;

/// The generated `index.json`.
#[derive(Debug, Serialize)]
pub struct DossierIndex<'a> {
    pub assessment: &'a AssessmentView,
    pub documents: Vec<IndexedDocument>,
    pub generated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize)]
pub struct IndexedDocument {
    /// The entry's name in the archive.
    pub path: String,
    #[serde(flatten)]
    pub document: DocumentView,
}

enum Piece {
    Entry(String, CompressionMethod),
    Chunk(Bytes),
}

/// The entry name of the `n`-th document (from 1): numbered, so that equal file names do
/// not collide and the order is the dossier's.
fn entry_name(n: usize, doc: &document::Model) -> String {
    format!(
        "documents/{n:03}-{}",
        super::clean_file_name(Some(&doc.file_name))
    )
}

/// Writes the dossier; the file is positioned at its start, ready to stream.
pub async fn build(
    storage: &Storage,
    assessment: &AssessmentView,
    docs: &[document::Model],
) -> Result<(std::fs::File, String)> {
    let index = DossierIndex {
        assessment,
        documents: docs
            .iter()
            .enumerate()
            .map(|(i, d)| IndexedDocument {
                path: entry_name(i + 1, d),
                document: DocumentView::from(d),
            })
            .collect(),
        generated_at: chrono::Utc::now(),
    };
    let json = serde_json::to_vec_pretty(&index)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("dossier index: {e}")))?;
    let text = index_text(&index);
    let (tx, mut rx) = mpsc::channel::<Piece>(4);
    let writer = tokio::task::spawn_blocking(move || -> anyhow::Result<std::fs::File> {
        let mut zip = zip::ZipWriter::new(tempfile::tempfile()?);
        let deflated = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .large_file(false);
        zip.start_file("index.txt", deflated)?;
        zip.write_all(text.as_bytes())?;
        zip.start_file("index.json", deflated)?;
        zip.write_all(&json)?;
        while let Some(piece) = rx.blocking_recv() {
            match piece {
                Piece::Entry(name, method) => {
                    let options = SimpleFileOptions::default()
                        .compression_method(method)
                        .large_file(true);
                    zip.start_file(name, options)?;
                }
                Piece::Chunk(bytes) => zip.write_all(&bytes)?,
            }
        }
        let mut file = zip.finish()?;
        file.rewind()?;
        Ok(file)
    });
    let sent: Result<()> = async {
        for (i, doc) in docs.iter().enumerate() {
            // Photos and PDFs are compressed already: stored as they are. Office files are
            // ZIPs themselves.
            let method = CompressionMethod::Stored;
            let closed = || ApiError::Internal(anyhow::anyhow!("the dossier writer stopped"));
            tx.send(Piece::Entry(entry_name(i + 1, doc), method))
                .await
                .map_err(|_| closed())?;
            let got = storage
                .store()
                .get_opts(&Storage::blob(&doc.sha256), Default::default())
                .await
                .map_err(super::upload::storage_error)?;
            let mut stream = got.into_stream();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(super::upload::storage_error)?;
                tx.send(Piece::Chunk(chunk)).await.map_err(|_| closed())?;
            }
        }
        Ok(())
    }
    .await;
    drop(tx);
    let file = writer
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("dossier writer: {e}")))?
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("dossier writer: {e}")));
    sent?;
    let tag = {
        use sha2::Digest;
        let mut hasher = sha2::Sha256::new();
        hasher.update(assessment.head.updated_at.to_rfc3339().as_bytes());
        for d in docs {
            hasher.update(d.id.to_le_bytes());
            hasher.update(d.sha256.as_bytes());
        }
        format!("W/\"dossier-{}\"", hex::encode(&hasher.finalize()[..16]))
    };
    Ok((file?, tag))
}

fn index_text(index: &DossierIndex) -> String {
    use std::fmt::Write as _;
    let a = &index.assessment.head;
    let mut out = String::new();
    let _ = writeln!(out, "Hồ sơ đánh giá / Assessment dossier #{}", a.id);
    let _ = writeln!(
        out,
        "Đơn vị / Unit: {} ({})",
        a.unit_code,
        a.unit_level.as_str()
    );
    let _ = writeln!(out, "Loại / Kind: {}", a.kind.as_str());
    let _ = writeln!(out, "Ngày / Assessed on: {}", a.assessed_on);
    let _ = writeln!(out, "Trạng thái / Status: {}", a.status.as_str());
    let _ = writeln!(
        out,
        "Bộ tiêu chí / Criteria version: {}",
        a.criteria_version_id
    );
    let _ = writeln!(
        out,
        "Kết quả / Result: đạt {} tiêu chí ({} met, {} not met, {} unknown)",
        a.summary.label, a.summary.met, a.summary.not_met, a.summary.unknown
    );
    for c in &index.assessment.criteria {
        let _ = writeln!(
            out,
            "  {:>3}. [{}] {} {}",
            c.number,
            if c.met { "x" } else { " " },
            c.code,
            c.name
        );
    }
    let _ = writeln!(out, "\nTài liệu / Documents: {}", index.documents.len());
    for d in &index.documents {
        let doc = &d.document;
        let _ = writeln!(
            out,
            "  {} | {} | {}{} | {} bytes | sha256 {} | {} {}",
            d.path,
            doc.title,
            doc.kind.as_str(),
            doc.criterion
                .as_deref()
                .map(|c| format!(" (criterion {c})"))
                .unwrap_or_default(),
            doc.size_bytes,
            doc.sha256,
            doc.uploaded_by,
            doc.uploaded_at.to_rfc3339()
        );
    }
    let _ = writeln!(out, "\nGenerated {}", index.generated_at.to_rfc3339());
    out
}
