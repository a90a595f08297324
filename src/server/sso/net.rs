//! The HTTP client single sign-on talks to providers with, which never
//! reaches this server's own networks.
//!
//! The issuer URL is typed by an administrator, and the discovery document
//! it leads to names the keys' and the token endpoint's addresses: left
//! alone, each is a way to make the server send requests into its own
//! network (a cloud's metadata service at 169.254.169.254, an admin port on
//! loopback). Unless the server was started with `--sso-allow-private`:
//!
//! - a host name is resolved by [`PublicOnly`], which keeps only public
//!   addresses, and the connection goes to exactly those (so a name that
//!   answers with a public address when checked and a private one a moment
//!   later, DNS rebinding, gains nothing: there is no second look-up);
//! - an address written into the URL (which is never resolved) is checked
//!   by [`SsoHttp`] before the request;
//! - proxies from the environment are not used (a proxy would resolve and
//!   connect where this check cannot see), and redirects are not followed.

use openidconnect::{AsyncHttpClient, HttpRequest, HttpResponse};
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// Is this an address of the public internet? Refused: unspecified,
/// loopback, private (10/8, 172.16/12, 192.168/16), shared (CGNAT,
/// 100.64/10), link-local (169.254/16, with the metadata services at
/// 169.254.169.254), documentation, benchmarking, multicast and reserved
/// IPv4; for IPv6 everything outside global unicast (2000::/3: so `::`,
/// `::1`, unique-local fc00::/7, link-local fe80::/10, multicast), the
/// documentation and Teredo ranges, and IPv4 addresses inside IPv6
/// (v4-mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`, 6to4 `2002::`)
/// by the IPv4 rules.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => v4_is_public(a),
        IpAddr::V6(a) => {
            if let Some(v4) = a.to_ipv4_mapped() {
                return v4_is_public(v4);
            }
            let s = a.segments();
            let embedded = |hi: u16, lo: u16| {
                Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8)
            };
            if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                return v4_is_public(embedded(s[6], s[7]));
            }
            if s[0] == 0x2002 {
                return v4_is_public(embedded(s[1], s[2]));
            }
            let global_unicast = s[0] & 0xe000 == 0x2000;
            let documentation = s[0] == 0x2001 && s[1] == 0x0db8;
            let teredo = s[0] == 0x2001 && s[1] == 0;
            let benchmarking = s[0] == 0x2001 && s[1] == 2 && s[2] == 0;
            let orchid = s[0] == 0x2001 && (s[1] & 0xfff0) == 0x0010;
            global_unicast && !documentation && !teredo && !benchmarking && !orchid
        }
    }
}

fn v4_is_public(a: Ipv4Addr) -> bool {
    let o = a.octets();
    !(o[0] == 0
        || a.is_loopback()
        || a.is_private()
        || a.is_link_local()
        || (o[0] == 100 && (o[1] & 0xc0) == 64)
        || (o[0] == 192 && o[1] == 0 && o[2] == 0)
        || (o[0] == 198 && (o[1] & 0xfe) == 18)
        || a.is_documentation()
        || a.is_multicast()
        || o[0] >= 240)
}

/// A host that resolved to no public address, or an address in a URL that
/// is not public.
#[derive(Debug)]
pub struct PrivateAddress(pub String);

impl std::fmt::Display for PrivateAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} is not a public address", self.0)
    }
}

impl std::error::Error for PrivateAddress {}

/// Resolves names to their public addresses only.
pub struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let all: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = all.into_iter().filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err(
                    Box::new(PrivateAddress(host)) as Box<dyn std::error::Error + Send + Sync>
                );
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Why a request to a provider failed.
#[derive(Debug)]
pub enum FetchError {
    /// Refused before any connection: the address is not public.
    Private(PrivateAddress),
    /// Not an http(s) URL.
    Url(String),
    Http(reqwest::Error),
    Response(openidconnect::http::Error),
}

impl FetchError {
    /// The host refused for being private, if that was the reason (also
    /// when the resolver refused it inside reqwest).
    pub fn private_host(&self) -> Option<&str> {
        match self {
            FetchError::Private(p) => Some(&p.0),
            FetchError::Http(e) => {
                let mut src: Option<&(dyn std::error::Error + 'static)> = Some(e);
                while let Some(s) = src {
                    if let Some(p) = s.downcast_ref::<PrivateAddress>() {
                        return Some(&p.0);
                    }
                    src = s.source();
                }
                None
            }
            _ => None,
        }
    }
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Private(p) => p.fmt(f),
            FetchError::Url(u) => write!(f, "not an http(s) address: {u}"),
            FetchError::Http(e) => e.fmt(f),
            FetchError::Response(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for FetchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FetchError::Private(p) => Some(p),
            FetchError::Http(e) => Some(e),
            FetchError::Response(e) => Some(e),
            FetchError::Url(_) => None,
        }
    }
}

/// The client: follows no redirects, waits at most 10 s, and (unless
/// `allow_private`) reaches public addresses only.
#[derive(Clone)]
pub struct SsoHttp {
    client: reqwest::Client,
    allow_private: bool,
}

impl SsoHttp {
    pub fn new(allow_private: bool) -> SsoHttp {
        // Never follow redirects (the crate's advice against SSRF), and
        // never wait long for a provider.
        let mut b = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .no_proxy();
        if !allow_private {
            b = b.dns_resolver(Arc::new(PublicOnly));
        }
        SsoHttp {
            client: b.build().expect("the HTTP client for single sign-on"),
            allow_private,
        }
    }

    /// Refuses a URL whose host is an address that is not public (a name
    /// is checked when it is resolved).
    pub fn check_url(&self, url: &url::Url) -> Result<(), FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::Url(url.to_string()));
        }
        let ip = match url.host() {
            Some(url::Host::Ipv4(a)) => IpAddr::V4(a),
            Some(url::Host::Ipv6(a)) => IpAddr::V6(a),
            Some(url::Host::Domain(_)) => return Ok(()),
            None => return Err(FetchError::Url(url.to_string())),
        };
        if self.allow_private || is_public(ip) {
            Ok(())
        } else {
            Err(FetchError::Private(PrivateAddress(ip.to_string())))
        }
    }

    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, FetchError> {
        let url = url::Url::parse(&request.uri().to_string())
            .map_err(|_| FetchError::Url(request.uri().to_string()))?;
        self.check_url(&url)?;
        let request = reqwest::Request::try_from(request).map_err(FetchError::Http)?;
        let response = self
            .client
            .execute(request)
            .await
            .map_err(FetchError::Http)?;
        let mut builder = openidconnect::http::Response::builder()
            .status(response.status())
            .version(response.version());
        for (name, value) in response.headers() {
            builder = builder.header(name, value);
        }
        let body = response.bytes().await.map_err(FetchError::Http)?;
        builder.body(body.to_vec()).map_err(FetchError::Response)
    }
}

impl<'c> AsyncHttpClient<'c> for SsoHttp {
    type Error = FetchError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, FetchError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(s: &str) -> bool {
        is_public(s.parse().unwrap())
    }

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "0.0.0.0",
            "0.1.2.3",
            "127.0.0.1",
            "127.8.9.10",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "192.0.0.170",
            "198.18.0.1",
            "192.0.2.1",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:10.1.2.3",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:a9fe:a9fe::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
            "2001:0:4136:e378::1",
            "100::1",
        ] {
            assert!(!public(private), "{private} is not public");
        }
        for ok in [
            "8.8.8.8",
            "1.1.1.1",
            "100.128.0.1",
            "172.32.0.1",
            "20.190.128.1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2606:4700::1111",
            "2a00:1450:4001::200e",
        ] {
            assert!(public(ok), "{ok} is public");
        }
    }

    #[test]
    fn addresses_in_urls_are_checked_before_any_connection() {
        let http = SsoHttp::new(false);
        for url in [
            "http://127.0.0.1:8080/.well-known/openid-configuration",
            "https://169.254.169.254/latest/meta-data/",
            "https://[::ffff:7f00:1]/x",
            "https://[::1]/x",
            "https://0x7f000001/x",
            "https://2130706433/x",
            "https://0/x",
        ] {
            let u = url::Url::parse(url).unwrap();
            assert!(
                matches!(http.check_url(&u), Err(FetchError::Private(_))),
                "{url}"
            );
        }
        assert!(http
            .check_url(&url::Url::parse("https://login.example.com/x").unwrap())
            .is_ok());
        assert!(SsoHttp::new(true)
            .check_url(&url::Url::parse("http://127.0.0.1:1/x").unwrap())
            .is_ok());
    }

    #[tokio::test]
    async fn names_that_resolve_to_private_addresses_are_refused() {
        let http = SsoHttp::new(false);
        let req = openidconnect::http::Request::builder()
            .uri("http://localhost:9/")
            .body(Vec::new())
            .unwrap();
        let e = http.send(req).await.unwrap_err();
        assert_eq!(e.private_host(), Some("localhost"), "{e}");
    }
}
