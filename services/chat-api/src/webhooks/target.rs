//! Where a webhook may point. A URL is http(s) with a host, no credentials, at most 2 048
//! characters; unless `INSTANT_WEBHOOK_ALLOW_PRIVATE` is set, every address its host
//! resolves to must be public — checked when the webhook is saved (a clear 422) and again
//! on every send by the HTTP client's resolver ([`PublicOnly`]), so a name that later
//! resolves to 10.0.0.5 (DNS rebinding) is refused too. Redirects are not followed.

use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
};

pub const MAX_URL: usize = 2048;

/// Addresses of the platform's own networks: loopback, private (RFC 1918, IPv6 ULA),
/// link-local (cloud metadata at 169.254.169.254), CGNAT, unspecified, multicast,
/// broadcast, documentation, and IPv4-mapped forms of those.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v) => {
            let o = v.octets();
            v.is_private()
                || v.is_loopback()
                || v.is_link_local()
                || v.is_unspecified()
                || v.is_broadcast()
                || v.is_multicast()
                || v.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
        }
        IpAddr::V6(v) => {
            let s = v.segments();
            v.is_loopback()
                || v.is_unspecified()
                || v.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || v.to_ipv4_mapped()
                    .is_some_and(|m| is_private(IpAddr::V4(m)))
        }
    }
}

/// The URL if its shape is acceptable, else why not.
pub fn parse(url: &str) -> Result<reqwest::Url, &'static str> {
    if url.len() > MAX_URL {
        return Err("must be at most 2048 characters");
    }
    let parsed = reqwest::Url::parse(url).map_err(|_| "must be an absolute http(s) URL")?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("must be an http or https URL");
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("must have a host");
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("must not carry credentials (use the signing secret)");
    }
    Ok(parsed)
}

/// Whether the URL's host is acceptable now: it resolves, and (unless private addresses
/// are allowed) only to public addresses.
pub async fn check(url: &reqwest::Url, allow_private: bool) -> Result<(), String> {
    let host = url.host_str().unwrap_or_default().trim_matches(['[', ']']);
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| format!("host {host} does not resolve"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("host {host} does not resolve"));
    }
    if !allow_private && addrs.iter().any(|a| is_private(a.ip())) {
        return Err(format!(
            "host {host} is a private, loopback or link-local address (the platform's own network)"
        ));
    }
    Ok(())
}

/// The HTTP client's resolver: names resolve to their public addresses only (unless
/// private ones are allowed); a name with none left fails the send.
#[derive(Debug, Clone, Copy)]
pub struct PublicOnly {
    pub allow_private: bool,
}

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow = self.allow_private;
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0))
                .await?
                .filter(|a| allow || !is_private(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(format!("{} resolves to no public address", name.as_str()).into());
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The client every delivery goes through: no redirects, the resolver above.
pub fn client(allow_private: bool) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(Arc::new(PublicOnly { allow_private }))
        .user_agent(concat!("instant-webhooks/", env!("CARGO_PKG_VERSION")))
        .pool_max_idle_per_host(8)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_private(ip.parse().expect("ip")), "{ip}");
        }
        for ip in ["93.184.216.34", "1.1.1.1", "2606:4700::1111"] {
            assert!(!is_private(ip.parse().expect("ip")), "{ip}");
        }
    }

    #[test]
    fn url_shapes() {
        assert!(parse("https://hooks.example.com/x?y=1").is_ok());
        assert!(parse("ftp://example.com").is_err());
        assert!(parse("https://user:pw@example.com").is_err());
        assert!(parse("not a url").is_err());
        assert!(parse(&format!("https://e.com/{}", "a".repeat(2100))).is_err());
    }

    #[tokio::test]
    async fn literal_and_named_private_hosts_are_refused_unless_allowed() {
        let url = parse("http://127.0.0.1:9/hook").expect("url");
        assert!(check(&url, false).await.is_err());
        assert!(check(&url, true).await.is_ok());
        let named = parse("http://localhost:9/hook").expect("url");
        assert!(check(&named, false).await.is_err());
    }
}
