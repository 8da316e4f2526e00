//! Where the bytes of documents live: an object store (the `object_store` crate), a local
//! folder by default or any S3-compatible store for deployments with several instances.
//!
//! Layout, the same in every store:
//! * `blobs/<sha256>`: the bytes of a document, named by their hash (lowercase hex). Two
//!   documents with the same bytes share one object; it goes when no document refers to it.
//! * `incoming/<random>`: an upload in progress. It becomes a blob once its hash is known;
//!   one left behind (a crash, a lost connection) is an orphan for `ntm-api storage check`.
//!
//! Client file names never reach a path: paths are built from hashes and random names only.
use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt};

/// The object store of documents and what it is (for logs and errors).
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    /// The URL it was opened from, without credentials (those come from the environment).
    pub describe: String,
    /// Size of the parts an upload is written in: S3 wants at least 5 MiB per part (but
    /// the last); a local folder takes any, and smaller parts keep less in memory.
    pub part_size: usize,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe)
    }
}

const BLOBS: &str = "blobs";
const INCOMING: &str = "incoming";

/// Makes ring the TLS provider of the S3 client (rustls needs one chosen; ring is what the
/// rest of the service already builds). Idempotent. rustls marks ring's provider
/// deprecated for lacking post-quantum key exchange; aws-lc-rs has it but builds a large C
/// library, and the S3 link of a deployment stays inside its network.
#[allow(deprecated)]
pub fn install_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Storage {
    /// Opens `url`: `s3://bucket` or `s3://bucket/prefix` (credentials, region and endpoint
    /// from the `AWS_*` environment: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_REGION`, `AWS_ENDPOINT`, `AWS_ALLOW_HTTP`), `file:///dir`, or a folder path
    /// (created when missing).
    pub fn open(url: &str) -> anyhow::Result<Storage> {
        if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                anyhow::bail!("NTM_STORAGE_URL {url}: the bucket is missing (s3://bucket/prefix)");
            }
            let s3 = AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .build()
                .map_err(|e| anyhow::anyhow!("NTM_STORAGE_URL {url}: {e}"))?;
            let prefix = prefix.trim_matches('/');
            let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
                Arc::new(s3)
            } else {
                Arc::new(PrefixStore::new(s3, prefix))
            };
            return Ok(Storage {
                store,
                describe: url.to_string(),
                part_size: 5 * 1024 * 1024,
            });
        }
        if url.contains("://") && !url.starts_with("file://") {
            anyhow::bail!(
                "NTM_STORAGE_URL {url}: use a folder, file:///folder or s3://bucket/prefix"
            );
        }
        let dir = url.strip_prefix("file://").unwrap_or(url);
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("NTM_STORAGE_URL {url}: cannot create {dir}: {e}"))?;
        let local = LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| anyhow::anyhow!("NTM_STORAGE_URL {url}: {e}"))?
            .with_automatic_cleanup(true);
        Ok(Storage {
            store: Arc::new(local),
            describe: url.to_string(),
            part_size: 1024 * 1024,
        })
    }

    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// Where the bytes with this hash live.
    pub fn blob(sha256: &str) -> Path {
        Path::from_iter([BLOBS, sha256])
    }

    /// A fresh name for an upload in progress.
    pub fn incoming() -> Path {
        Path::from_iter([
            INCOMING.to_string(),
            hex::encode(rand::random::<[u8; 16]>()),
        ])
    }

    /// The hash a blob path names (`None` for anything else).
    pub fn sha_of(path: &Path) -> Option<String> {
        let mut parts = path.parts();
        match (parts.next(), parts.next(), parts.next()) {
            (Some(dir), Some(name), None) if dir.as_ref() == BLOBS => {
                Some(name.as_ref().to_string())
            }
            _ => None,
        }
    }

    pub fn blobs_prefix() -> Path {
        Path::from(BLOBS)
    }

    pub fn incoming_prefix() -> Path {
        Path::from(INCOMING)
    }

    /// Moves a finished upload under its hash (replacing an identical blob, if any).
    pub async fn keep(&self, incoming: &Path, sha256: &str) -> object_store::Result<()> {
        self.store.rename(incoming, &Self::blob(sha256)).await
    }

    /// Deletes an object; one already gone is not an error.
    pub async fn forget(&self, path: &Path) -> object_store::Result<()> {
        match self.store.delete(path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }
}
