//! Object storage for every area's files (analysis reports and page images today; shipping
//! labels, imports and backups next): a folder under DATA_DIR by default, any S3-compatible
//! bucket (Cloudflare R2, MinIO, AWS) when S3_BUCKET is set. Areas generate their keys under
//! their own prefix (`analyses/<company>/…`); user file names never reach a key. Reads go
//! through each area's permission-checked routes.

use std::{path::Path, sync::Arc};

use bytes::Bytes;
use object_store::{
    aws::AmazonS3Builder, local::LocalFileSystem, memory::InMemory, path::Path as Key, ObjectStore,
    ObjectStoreExt, PutPayload,
};
use secrecy::SecretString;
use std::fmt;
use tokio::io::AsyncReadExt;
use url::Url;

/// STORAGE: S3_* variables; without S3_BUCKET files live under DATA_DIR/uploads.
#[derive(Clone, Debug, Default)]
pub struct StorageConfig {
    pub s3: Option<S3Config>,
}

#[derive(Clone)]
pub struct S3Config {
    pub bucket: String,
    /// Custom endpoint (R2, MinIO, moto); None means AWS.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: SecretString,
}

impl fmt::Debug for S3Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"[redacted]")
            .finish()
    }
}

impl crate::config::Section for StorageConfig {
    fn load(get: &dyn Fn(&str) -> Option<String>, errors: &mut Vec<String>) -> Self {
        let Some(bucket) = get("S3_BUCKET") else {
            return StorageConfig { s3: None };
        };
        match (get("S3_ACCESS_KEY_ID"), get("S3_SECRET_ACCESS_KEY")) {
            (Some(id), Some(secret)) => {
                let endpoint = get("S3_ENDPOINT");
                if let Some(e) = &endpoint {
                    if Url::parse(e).is_err() {
                        errors.push(format!("S3_ENDPOINT: expected a URL, got `{e}`"));
                    }
                }
                StorageConfig {
                    s3: Some(S3Config {
                        bucket,
                        endpoint,
                        region: get("S3_REGION").unwrap_or_else(|| "auto".into()),
                        access_key_id: id,
                        secret_access_key: SecretString::from(secret),
                    }),
                }
            }
            _ => {
                errors.push(
                    "S3_BUCKET: also set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY (and S3_ENDPOINT for R2 or MinIO)"
                        .into(),
                );
                StorageConfig { s3: None }
            }
        }
    }
}

#[derive(Clone, Debug)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    /// "local", "s3" or "memory", for logs and /ready.
    pub kind: &'static str,
}

/// Parts larger than this are sent to S3 in several requests.
const PART: usize = 8 * 1024 * 1024;

impl Storage {
    /// The store the configuration names: the bucket, else DATA_DIR/uploads. A store that
    /// cannot be built keeps files in memory for this process and says so loudly (the settings
    /// were checked at start, so this is an environment problem such as a read-only disk).
    pub fn from_config(c: &StorageConfig, data_dir: &Path) -> Storage {
        match &c.s3 {
            Some(s3) => Storage::s3(s3),
            None => Storage::local(&data_dir.join("uploads")),
        }
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "file store unavailable; uploads are kept in memory only");
            Storage::memory()
        })
    }

    pub fn local(root: &Path) -> anyhow::Result<Storage> {
        std::fs::create_dir_all(root)?;
        Ok(Storage {
            store: Arc::new(LocalFileSystem::new_with_prefix(root)?),
            kind: "local",
        })
    }

    pub fn s3(c: &S3Config) -> anyhow::Result<Storage> {
        use secrecy::ExposeSecret;
        let mut b = AmazonS3Builder::new()
            .with_bucket_name(&c.bucket)
            .with_region(&c.region)
            .with_access_key_id(&c.access_key_id)
            .with_secret_access_key(c.secret_access_key.expose_secret());
        if let Some(e) = &c.endpoint {
            b = b
                .with_endpoint(e)
                .with_allow_http(e.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        Ok(Storage {
            store: Arc::new(b.build()?),
            kind: "s3",
        })
    }

    pub fn memory() -> Storage {
        Storage {
            store: Arc::new(InMemory::new()),
            kind: "memory",
        }
    }

    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> anyhow::Result<()> {
        self.store
            .put(&Key::from(key), PutPayload::from(bytes))
            .await?;
        Ok(())
    }

    /// Streams a local file into the store (multipart for large files).
    pub async fn put_file(&self, key: &str, file: &Path) -> anyhow::Result<()> {
        let mut f = tokio::fs::File::open(file).await?;
        let len = f.metadata().await?.len() as usize;
        if len <= PART {
            let mut buf = Vec::with_capacity(len);
            f.read_to_end(&mut buf).await?;
            return self.put(key, buf).await;
        }
        let upload = self.store.put_multipart(&Key::from(key)).await?;
        let mut w = object_store::WriteMultipart::new_with_chunk_size(upload, PART);
        let mut buf = vec![0u8; 1024 * 1024];
        loop {
            let n = f.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            w.wait_for_capacity(4).await?;
            w.write(&buf[..n]);
        }
        w.finish().await?;
        Ok(())
    }

    pub async fn get(&self, key: &str) -> anyhow::Result<Bytes> {
        Ok(self.store.get(&Key::from(key)).await?.bytes().await?)
    }

    /// Copies an object to a local file (the PDF tools need a path).
    pub async fn get_to_file(&self, key: &str, file: &Path) -> anyhow::Result<()> {
        use futures_util::StreamExt;
        use tokio::io::AsyncWriteExt;
        let mut stream = self.store.get(&Key::from(key)).await?.into_stream();
        let mut out = tokio::fs::File::create(file).await?;
        while let Some(chunk) = stream.next().await {
            out.write_all(&chunk?).await?;
        }
        out.flush().await?;
        Ok(())
    }

    pub async fn exists(&self, key: &str) -> anyhow::Result<bool> {
        match self.store.head(&Key::from(key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes one object; one that is already gone counts as deleted.
    pub async fn delete(&self, key: &str) -> anyhow::Result<()> {
        match self.store.delete(&Key::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes every object under a prefix; answers how many were removed.
    pub async fn delete_prefix(&self, prefix: &str) -> anyhow::Result<usize> {
        use futures_util::TryStreamExt;
        let p = Key::from(prefix);
        let keys: Vec<Key> = self
            .store
            .list(Some(&p))
            .map_ok(|m| m.location)
            .try_collect()
            .await?;
        for k in &keys {
            match self.store.delete(k).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(keys.len())
    }

    /// Keys under a prefix (tests and the cleanup job).
    pub async fn list(&self, prefix: &str) -> anyhow::Result<Vec<String>> {
        use futures_util::TryStreamExt;
        let p = Key::from(prefix);
        self.store
            .list(Some(&p))
            .map_ok(|m| m.location.to_string())
            .try_collect()
            .await
            .map_err(Into::into)
    }
}
