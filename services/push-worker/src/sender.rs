//! How a push leaves the platform. [`PushSender`] is the seam: today one implementation,
//! [`WebhookSender`], POSTs each device's payload (FCM/APNs-shaped, see
//! [`payload`](crate::offline::payload)) to a push gateway the operator runs — the
//! piece that holds the FCM service account or APNs key. A direct FCM or APNs sender is
//! another implementation of the same trait.

use serde_json::Value;
use std::{future::Future, time::Duration};

/// What became of one device's push.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Sent,
    /// The provider no longer knows the token (HTTP 404 or 410): the device is forgotten.
    Unregistered,
    /// Refused for good (another 4xx): not retried.
    Rejected(String),
    /// Still failing after the retries (5xx, timeout, connection).
    Failed(String),
}

impl Outcome {
    pub fn label(&self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Unregistered => "unregistered",
            Self::Rejected(_) => "rejected",
            Self::Failed(_) => "failed",
        }
    }
}

pub trait PushSender: Send + Sync + 'static {
    fn send(
        &self,
        device: &db::push::DeviceRow,
        payload: &Value,
    ) -> impl Future<Output = Outcome> + Send;
}

/// POSTs JSON to one URL, signed like outgoing webhooks (`kit::signing`) when a secret is
/// set, with a timeout per attempt and up to [`ATTEMPTS`] attempts with backoff. A push
/// is worth little late, so it is retried briefly here rather than held on the queue.
pub struct WebhookSender {
    pub client: reqwest::Client,
    pub url: String,
    pub secret: Option<String>,
}

/// Attempts per device before giving up.
pub const ATTEMPTS: u32 = 3;

impl WebhookSender {
    pub fn new(url: String, secret: Option<String>, timeout: Duration) -> anyhow::Result<Self> {
        let parsed = reqwest::Url::parse(&url)
            .map_err(|e| anyhow::anyhow!("INSTANT_PUSH_WEBHOOK_URL {url:?}: {e}"))?;
        anyhow::ensure!(
            matches!(parsed.scheme(), "http" | "https"),
            "INSTANT_PUSH_WEBHOOK_URL must be an http(s) URL"
        );
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            client,
            url,
            secret,
        })
    }

    async fn attempt(&self, body: &[u8], id: &str) -> Result<Outcome, String> {
        let timestamp = chrono::Utc::now().timestamp();
        let mut req = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(kit::signing::HEADER_TIMESTAMP, timestamp.to_string())
            .header("x-instant-push-id", id)
            .body(body.to_vec());
        if let Some(secret) = &self.secret {
            req = req.header(
                kit::signing::HEADER_SIGNATURE,
                kit::signing::signature(secret, timestamp, body),
            );
        }
        let status = req.send().await.map_err(|e| e.to_string())?.status();
        match status.as_u16() {
            200..=299 => Ok(Outcome::Sent),
            404 | 410 => Ok(Outcome::Unregistered),
            408 | 429 | 500..=599 => Err(format!("HTTP {status}")),
            _ => Ok(Outcome::Rejected(format!("HTTP {status}"))),
        }
    }
}

impl PushSender for WebhookSender {
    async fn send(&self, _device: &db::push::DeviceRow, payload: &Value) -> Outcome {
        let body = payload.to_string().into_bytes();
        let id = payload["id"].as_str().unwrap_or_default();
        let mut last = String::new();
        for n in 0..ATTEMPTS {
            if n > 0 {
                tokio::time::sleep(Duration::from_millis(200 * 4u64.pow(n - 1))).await;
            }
            match self.attempt(&body, id).await {
                Ok(outcome) => return outcome,
                Err(e) => last = e,
            }
        }
        Outcome::Failed(last)
    }
}
