//! Defences for browsers: a request that changes something must come from Mudou's own pages
//! (`same_origin`), and every answer carries headers that keep the web app from being framed,
//! sniffed or made to run script it did not ship (`security_headers`).
//!
//! **Which requests are checked.** Every request whose method can change something (anything
//! but `GET`, `HEAD` and `OPTIONS`), on every path, unless it carries `Authorization: Bearer …`:
//! a browser cannot add that header to another site's request (it is not a CORS-safelisted
//! header, and Mudou answers no CORS preflight), so such a request is a script's, not a page's.
//! Requests without any cookie are checked too, so another site cannot log a browser in to an
//! account of its choosing (login CSRF).
//!
//! **What passes.**
//! - `Sec-Fetch-Site`, when the browser sends it (current browsers do, to HTTPS and to
//!   localhost): `same-origin` and `none` (the person themself: a bookmark, a typed address)
//!   pass; `same-site` and `cross-site` are refused. The browser computes it and pages cannot
//!   set it, so it is trusted over `Origin`, also behind a proxy that rewrites `Host`.
//! - Otherwise `Origin` (browsers send it with every such request, also over plain HTTP on a
//!   LAN, where `Sec-Fetch-*` is not sent): it must name the host and port the request was
//!   sent to, `Host` (or `X-Forwarded-Host`, set by a reverse proxy; a page cannot add it to
//!   another site's request either). `Origin: null` (sandboxed frames, some redirects) is
//!   refused.
//! - Neither header: allowed. That is a program (curl, the `mudou` binary's own client, the
//!   tests' HTTP client), which holds its own cookies and cannot be steered by another site, or
//!   a browser from before 2018–2020, whose session cookie is still `SameSite=Strict` and so
//!   never sent with another site's request in the first place.
//!
//! A refusal is 403 `cross_origin`, before the handler runs (an upload's body is not read).

use axum::extract::Request;
use axum::http::Method;
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use mudou_domain::ErrorCode;

use crate::error::ApiError;

/// The web app's Content-Security-Policy, on every answer. The built UI (`web-ui/dist`) is
/// one module script, its chunks and style sheets, all from `/assets/`; it sets styles only
/// through the DOM (never a `style` attribute in markup or a `<style>` element), fetches only
/// its own API and shows pictures from `/api/v1/media/…` (`blob:` and `data:` pictures are
/// allowed for previews of files not sent yet). No inline script and no `eval`. The browser
/// tests (`web-ui/e2e`) fail on any violation.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; \
    script-src 'self'; \
    style-src 'self'; \
    img-src 'self' blob: data:; \
    media-src 'self' blob:; \
    font-src 'self'; \
    connect-src 'self'; \
    worker-src 'self'; \
    manifest-src 'self'; \
    object-src 'none'; \
    frame-src 'none'; \
    base-uri 'none'; \
    form-action 'self'; \
    frame-ancestors 'none'";

/// Sent only when cookies are `Secure` (`--secure-cookies`, i.e. served over HTTPS): a year.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

/// Adds the security headers to an answer that does not set them itself (a route may send a
/// stricter policy of its own). `hsts` adds `Strict-Transport-Security`.
pub fn add_security_headers(headers: &mut HeaderMap, hsts: bool) {
    let mut set = |name: HeaderName, value: &'static str| {
        headers
            .entry(name)
            .or_insert_with(|| HeaderValue::from_static(value));
    };
    set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "same-origin");
    if hsts {
        set(header::STRICT_TRANSPORT_SECURITY, STRICT_TRANSPORT_SECURITY);
    }
}

/// `axum::middleware::map_response_with_state` over whether HSTS is on.
pub async fn security_headers(
    axum::extract::State(hsts): axum::extract::State<bool>,
    mut res: Response,
) -> Response {
    add_security_headers(res.headers_mut(), hsts);
    res
}

/// Refuses a state-changing browser request that another site made (see the module's text).
pub async fn same_origin(req: Request, next: Next) -> Response {
    match cross_origin(req.method(), req.headers(), req.uri()) {
        None => next.run(req).await,
        Some(why) => {
            tracing::info!(method = %req.method(), path = req.uri().path(), why, "cross-origin request refused");
            ApiError::new(
                ErrorCode::CrossOrigin,
                "this request came from another site's page; Mudou only takes changes from its own pages (or scripts with an API token)",
            )
            .into_response()
        }
    }
}

/// Why the request must be refused, or `None` when it may go on.
fn cross_origin(
    method: &Method,
    headers: &HeaderMap,
    uri: &axum::http::Uri,
) -> Option<&'static str> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return None;
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer "));
    if bearer {
        return None;
    }
    if let Some(site) = headers.get("sec-fetch-site") {
        return match site.as_bytes() {
            b"same-origin" | b"none" => None,
            _ => Some("Sec-Fetch-Site is not same-origin"),
        };
    }
    // Neither header: a program, or a browser too old to send them (see the module's text).
    let origin = headers.get(header::ORIGIN)?;
    let Some((scheme, authority)) = origin.to_str().ok().and_then(|o| o.split_once("://")) else {
        return Some("Origin is not a URL");
    };
    let default_port = match scheme {
        "http" => ":80",
        "https" => ":443",
        _ => return Some("Origin is not http(s)"),
    };
    let ours = |host: &str| {
        let strip = |h: &str| {
            h.strip_suffix(default_port)
                .unwrap_or(h)
                .to_ascii_lowercase()
        };
        !host.is_empty() && strip(host) == strip(authority)
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| uri.authority().map(|a| a.to_string()));
    let forwarded = headers
        .get("x-forwarded-host")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(str::trim);
    if host.as_deref().is_some_and(ours) || forwarded.is_some_and(ours) {
        None
    } else {
        Some("Origin is not this server")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(method: Method, headers: &[(&str, &str)]) -> Option<&'static str> {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        cross_origin(&method, &h, &"/api/v1/x".parse().unwrap())
    }

    #[test]
    fn which_requests_pass() {
        let host = ("host", "10.0.0.5:8080");
        // Reading is never checked; nor is a script with an API token.
        assert_eq!(
            check(Method::GET, &[host, ("origin", "https://evil.example")]),
            None
        );
        assert_eq!(
            check(
                Method::POST,
                &[
                    host,
                    ("origin", "https://evil.example"),
                    ("authorization", "Bearer mdt_x")
                ]
            ),
            None
        );
        // Basic credentials a browser may hold for a proxy are not an API token.
        assert!(
            check(
                Method::POST,
                &[
                    host,
                    ("origin", "https://evil.example"),
                    ("authorization", "Basic eDp5")
                ]
            )
            .is_some()
        );
        // Sec-Fetch-Site decides when present.
        for (site, ok) in [
            ("same-origin", true),
            ("none", true),
            ("same-site", false),
            ("cross-site", false),
        ] {
            for m in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
                let got = check(
                    m,
                    &[
                        host,
                        ("sec-fetch-site", site),
                        ("origin", "http://10.0.0.5:8080"),
                    ],
                );
                assert_eq!(got.is_none(), ok, "{site}");
            }
        }
        // Without it, Origin against Host (or the proxy's X-Forwarded-Host).
        assert_eq!(
            check(Method::POST, &[host, ("origin", "http://10.0.0.5:8080")]),
            None
        );
        assert!(check(Method::POST, &[host, ("origin", "http://10.0.0.5:8080/")]).is_some());
        assert!(check(Method::POST, &[host, ("origin", "http://10.0.0.5:8081")]).is_some());
        assert!(check(Method::POST, &[host, ("origin", "http://10.0.0.6:8080")]).is_some());
        assert!(check(Method::POST, &[host, ("origin", "null")]).is_some());
        assert!(check(Method::POST, &[("origin", "http://10.0.0.5:8080")]).is_some());
        assert_eq!(
            check(
                Method::POST,
                &[
                    ("host", "mudou.example"),
                    ("origin", "https://Mudou.example")
                ]
            ),
            None
        );
        assert_eq!(
            check(
                Method::POST,
                &[
                    ("host", "mudou.example:443"),
                    ("origin", "https://mudou.example")
                ]
            ),
            None
        );
        assert_eq!(
            check(
                Method::POST,
                &[
                    ("host", "127.0.0.1:8080"),
                    ("x-forwarded-host", "mudou.example, proxy.internal"),
                    ("origin", "https://mudou.example")
                ]
            ),
            None
        );
        // Neither header: a program, or a browser too old to send them (SameSite=Strict
        // keeps the session cookie off other sites' requests there).
        assert_eq!(check(Method::POST, &[host]), None);
    }

    #[test]
    fn headers_are_added_unless_a_route_set_its_own() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("sandbox"),
        );
        add_security_headers(&mut h, false);
        assert_eq!(h[header::CONTENT_SECURITY_POLICY], "sandbox");
        assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
        assert!(!h.contains_key(header::STRICT_TRANSPORT_SECURITY));
        add_security_headers(&mut h, true);
        assert_eq!(
            h[header::STRICT_TRANSPORT_SECURITY],
            STRICT_TRANSPORT_SECURITY
        );
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe"));
        assert!(CONTENT_SECURITY_POLICY.contains("frame-ancestors 'none'"));
    }
}
