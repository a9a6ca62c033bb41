//! The signature a receiver of our outgoing HTTP (webhooks, the push provider) checks:
//! `X-Instant-Signature: v1=<hex>`, HMAC-SHA256 with the shared secret over `"{X-Instant-Timestamp}.{body}"`. Signing the timestamp with the
//! body lets a receiver refuse replays (an old timestamp) as well as forgeries.

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const HEADER_SIGNATURE: &str = "x-instant-signature";
pub const HEADER_TIMESTAMP: &str = "x-instant-timestamp";
pub const HEADER_EVENT: &str = "x-instant-event";
pub const HEADER_WEBHOOK: &str = "x-instant-webhook-id";
pub const HEADER_DELIVERY: &str = "x-instant-delivery-id";

/// `v1=` + lowercase hex of HMAC-SHA256(secret, "{timestamp}.{body}").
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length: this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .expect("HMAC accepts any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let mut out = String::with_capacity(3 + digest.len() * 2);
    out.push_str("v1=");
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answer() {
        // printf '1700000000.{}' | openssl dgst -sha256 -hmac 'a secret of 16+ chars'
        assert_eq!(
            signature("a secret of 16+ chars", 1_700_000_000, b"{}"),
            "v1=".to_owned() + &expected()
        );
        assert_ne!(
            signature("a secret of 16+ chars", 1_700_000_001, b"{}"),
            signature("a secret of 16+ chars", 1_700_000_000, b"{}"),
            "the timestamp is signed"
        );
    }

    fn expected() -> String {
        std::process::Command::new("openssl")
            .args(["dgst", "-sha256", "-hmac", "a secret of 16+ chars", "-r"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child
                    .stdin
                    .take()
                    .expect("stdin")
                    .write_all(b"1700000000.{}")?;
                child.wait_with_output()
            })
            .map(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .split(' ')
                    .next()
                    .unwrap_or("")
                    .to_owned()
            })
            .expect("openssl")
    }
}
