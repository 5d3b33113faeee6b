//! Where files' bytes live (`object_store`: a local folder by default, any S3-compatible store by
//! configuration) and the signed, short-lived download URLs that let a browser fetch one without
//! a session. An object's key names its tenant and a fresh id, never a user's file name.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use futures::stream::BoxStream;
use hmac::{Hmac, Mac};
use object_store::path::Path;
use object_store::{ObjectStore, WriteMultipart};
use secrecy::{ExposeSecret, SecretSlice};
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;
use uuid::Uuid;

/// The largest upload by default (`SCRIPTORIUM_UPLOAD_MAX_MB`).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 25 * 1024 * 1024;
/// The store's area of order files.
pub const ORDER_FILES: &str = "files";
/// How long a download URL works once the API has handed it out.
pub const URL_TTL: Duration = Duration::minutes(15);

/// The store of files' bytes, and the key that signs their download URLs (shared as an `Arc`).
pub struct FileStore {
    store: Arc<dyn ObjectStore>,
    /// How much of an upload is held before it is written on: S3 parts must be 5 MiB (but the
    /// last), a local file takes any size, so a local store holds a small buffer.
    chunk_bytes: usize,
    signing_key: SecretSlice<u8>,
    pub max_file_bytes: u64,
}

/// A stored object: its size and SHA-256, as written.
pub struct Stored {
    pub size: u64,
    pub sha256: String,
}

impl FileStore {
    /// Opens the store `location` names: `s3://bucket/prefix` (credentials, region and endpoint
    /// from the usual `AWS_*` variables, so any S3-compatible store), or a folder (`data/files`,
    /// `file:///srv/files`), created if missing. Without a signing key, a random one: download
    /// URLs then last until the process restarts, and servers that share a site must share one.
    pub fn open(location: &str, signing_key: Option<&[u8]>, max_file_bytes: u64) -> Result<Self, String> {
        let (store, chunk_bytes): (Arc<dyn ObjectStore>, usize) = if let Some(rest) = location.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            let s3 = object_store::aws::AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .build()
                .map_err(|e| format!("file store {location}: {e}"))?;
            let store: Arc<dyn ObjectStore> = if prefix.trim_matches('/').is_empty() {
                Arc::new(s3)
            } else {
                Arc::new(object_store::prefix::PrefixStore::new(s3, prefix.trim_matches('/')))
            };
            (store, 5 * 1024 * 1024)
        } else {
            let folder = location.strip_prefix("file://").unwrap_or(location);
            std::fs::create_dir_all(folder).map_err(|e| format!("file store {folder}: {e}"))?;
            let local = object_store::local::LocalFileSystem::new_with_prefix(folder)
                .map_err(|e| format!("file store {folder}: {e}"))?
                .with_automatic_cleanup(true);
            (Arc::new(local), 256 * 1024)
        };
        let key = match signing_key {
            Some(key) if key.len() >= 32 => key.to_vec(),
            Some(_) => return Err("the file URL key must have at least 32 bytes".into()),
            None => rand::random::<[u8; 32]>().to_vec(),
        };
        Ok(FileStore { store, chunk_bytes, signing_key: key.into(), max_file_bytes })
    }

    /// The key of a new order file of `tenant`.
    pub fn new_key(tenant: Uuid, file: Uuid) -> String {
        Self::key_in(ORDER_FILES, tenant, file)
    }

    /// The key of an object of `tenant` in `area` (each context that stores files has its own,
    /// which its sweep lists).
    pub fn key_in(area: &str, tenant: Uuid, id: Uuid) -> String {
        format!("tenants/{tenant}/{area}/{id}")
    }

    /// Streams `content` into the object `key`, a chunk at a time, hashing as it goes.
    pub async fn put(&self, key: &str, content: std::fs::File) -> std::io::Result<Stored> {
        use tokio::io::AsyncSeekExt;
        let mut content = tokio::fs::File::from_std(content);
        // from the start, whatever read it before (one upload may be shared by two variables)
        content.rewind().await?;
        let upload = self.store.put_multipart(&Path::from(key)).await.map_err(std::io::Error::other)?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, self.chunk_bytes);
        let (mut size, mut hash) = (0u64, Sha256::new());
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match content.read(&mut buf).await {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(e);
                }
            };
            hash.update(&buf[..n]);
            size += n as u64;
            // at most two parts in flight: memory stays a few chunks whatever the file's size
            if let Err(e) = writer.wait_for_capacity(2).await {
                let _ = writer.abort().await; // an S3 upload left open would be billed, unlisted
                return Err(std::io::Error::other(e));
            }
            writer.write(&buf[..n]);
        }
        writer.finish().await.map_err(std::io::Error::other)?;
        Ok(Stored { size, sha256: hex::encode(hash.finalize()) })
    }

    /// The object's bytes, as a stream; `None` when the store has no such object.
    pub async fn get(
        &self,
        key: &str,
    ) -> object_store::Result<Option<BoxStream<'static, object_store::Result<bytes::Bytes>>>> {
        match self.store.get(&Path::from(key)).await {
            Ok(object) => Ok(Some(object.into_stream())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Removes an object (a file whose row was not written, a draft's file).
    pub async fn delete(&self, key: &str) {
        if let Err(e) = self.store.delete(&Path::from(key)).await {
            tracing::warn!(error = %e, key, "a stored file could not be removed");
        }
    }

    /// The objects of `area` last written before `before`, as (key, id); keys of another shape
    /// are left out.
    pub fn written_before(
        &self,
        area: &'static str,
        before: DateTime<Utc>,
    ) -> BoxStream<'static, object_store::Result<(String, Uuid)>> {
        use futures::StreamExt;
        let id_of = move |key: &str| {
            let parts: Vec<&str> = key.split('/').collect();
            match parts[..] {
                ["tenants", tenant, a, id] if a == area && Uuid::parse_str(tenant).is_ok() => Uuid::parse_str(id).ok(),
                _ => None,
            }
        };
        self.store
            .list(Some(&Path::from("tenants")))
            .filter_map(move |listed| {
                std::future::ready(match listed {
                    Err(e) => Some(Err(e)),
                    Ok(meta) if meta.last_modified >= before => None,
                    Ok(meta) => {
                        let key = meta.location.to_string();
                        id_of(&key).map(|id| Ok((key, id)))
                    }
                })
            })
            .boxed()
    }

    /// The path and query of a download URL for `file` of `tenant`, valid until `expires`.
    pub fn download_path(&self, tenant: Uuid, file: Uuid, expires: DateTime<Utc>) -> String {
        let expires = expires.timestamp();
        let signature = URL_SAFE_NO_PAD.encode(self.mac(tenant, file, expires).finalize().into_bytes());
        format!("/files/{file}?expires={expires}&signature={signature}")
    }

    /// Whether `signature` is this store's for `file` of `tenant` until `expires` (compared in
    /// constant time).
    pub fn verify(&self, tenant: Uuid, file: Uuid, expires: i64, signature: &str) -> bool {
        let Ok(signature) = URL_SAFE_NO_PAD.decode(signature) else { return false };
        self.mac(tenant, file, expires).verify_slice(&signature).is_ok()
    }

    fn mac(&self, tenant: Uuid, file: Uuid, expires: i64) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.signing_key.expose_secret()).expect("HMAC takes any key");
        mac.update(format!("{tenant}/{file}/{expires}").as_bytes());
        mac
    }
}
