//! The object store behind the files: `object_store` over a local directory or an
//! S3-compatible service, chosen by `INSTANT_STORAGE` alone (no code change between a
//! laptop and MinIO or S3).

use crate::settings::StorageSettings;
use object_store::{
    ObjectStore, aws::AmazonS3Builder, local::LocalFileSystem, prefix::PrefixStore,
};
use std::sync::Arc;

pub type Store = Arc<dyn ObjectStore>;

pub fn open(settings: &StorageSettings) -> anyhow::Result<Store> {
    if let Some(rest) = settings.location.strip_prefix("s3://") {
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        anyhow::ensure!(
            !bucket.is_empty(),
            "INSTANT_STORAGE: no bucket in {}",
            settings.location
        );
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_region(&settings.s3_region);
        if !settings.s3_endpoint.is_empty() {
            builder = builder
                .with_endpoint(&settings.s3_endpoint)
                .with_allow_http(settings.s3_endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        if !settings.s3_access_key_id.is_empty() {
            builder = builder
                .with_access_key_id(&settings.s3_access_key_id)
                .with_secret_access_key(&settings.s3_secret_access_key);
        }
        let s3: Store = Arc::new(builder.build()?);
        let prefix = prefix.trim_matches('/');
        return Ok(if prefix.is_empty() {
            s3
        } else {
            Arc::new(PrefixStore::new(s3, prefix))
        });
    }
    std::fs::create_dir_all(&settings.location)?;
    // Keys are generated (`yyyy/mm/<ulid>`): nothing a client sends becomes a path.
    Ok(Arc::new(LocalFileSystem::new_with_prefix(
        &settings.location,
    )?))
}
