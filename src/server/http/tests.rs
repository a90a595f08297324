use super::layers::{cookie_value, forwarded_client, is_cross_site};
use axum::http::{HeaderMap, HeaderValue, Method};

fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(*k, HeaderValue::from_static(v));
    }
    h
}

#[test]
fn cross_site_detection() {
    let post = Method::POST;
    assert!(!is_cross_site(
        &Method::GET,
        &headers(&[("sec-fetch-site", "cross-site")])
    ));
    assert!(is_cross_site(
        &post,
        &headers(&[("sec-fetch-site", "cross-site")])
    ));
    assert!(is_cross_site(
        &post,
        &headers(&[("sec-fetch-site", "same-site")])
    ));
    assert!(!is_cross_site(
        &post,
        &headers(&[("sec-fetch-site", "same-origin")])
    ));
    assert!(!is_cross_site(
        &post,
        &headers(&[("origin", "http://a.test:3000"), ("host", "a.test:3000")])
    ));
    assert!(is_cross_site(
        &post,
        &headers(&[("origin", "http://evil.test"), ("host", "a.test:3000")])
    ));
    assert!(is_cross_site(
        &post,
        &headers(&[("origin", "null"), ("host", "a.test")])
    ));
    assert!(!is_cross_site(&post, &headers(&[])));
}

#[test]
fn the_client_address_is_the_one_the_proxy_appended() {
    let h = headers(&[("x-forwarded-for", "6.6.6.6, 10.0.0.7")]);
    assert_eq!(forwarded_client(&h, 1).as_deref(), Some("10.0.0.7"));
    assert_eq!(forwarded_client(&h, 2).as_deref(), Some("6.6.6.6"));
    assert_eq!(forwarded_client(&h, 3), None);
    let junk = headers(&[("x-forwarded-for", "10.0.0.7, not-an-address")]);
    assert_eq!(forwarded_client(&junk, 1), None);
    let mut two = HeaderMap::new();
    two.append("x-forwarded-for", HeaderValue::from_static("1.1.1.1"));
    two.append("x-forwarded-for", HeaderValue::from_static("2.2.2.2"));
    assert_eq!(forwarded_client(&two, 1).as_deref(), Some("2.2.2.2"));
}

#[test]
fn finds_the_session_cookie() {
    let h = headers(&[("cookie", "a=1; rapport_session=tok; b=2")]);
    assert_eq!(cookie_value(&h, "rapport_session"), Some("tok"));
    assert_eq!(cookie_value(&h, "missing"), None);
}

#[tokio::test]
async fn every_route_renders_whole() {
    // `page_handler` renders every page with the async renderer; a route
    // that asked for streaming would silently not get it.
    for r in super::routes() {
        assert!(
            matches!(r.mode(), leptos_router::SsrMode::Async),
            "{} is not SsrMode::Async",
            r.path()
        );
    }
}
