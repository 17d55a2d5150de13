//! HTTP plumbing shared by handlers: response builders, body reading with a size limit and
//! a deadline, form and query parsing, cookies, and `WebError` — the one place errors
//! become responses.

use super::{Ctx, views};
use crate::store::StoreError;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{HeaderMap, Method, Request, Response, StatusCode};
use std::collections::HashMap;

pub type Resp = Response<Full<Bytes>>;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    /// Refused; the reason (for the log, in English) is not shown: the page says it in the
    /// shop's language.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Refused with a reason already in the shop's language (from the text tables), shown
    /// to the person as it is.
    #[error("refused: {0}")]
    Shown(String),
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("request body too large")]
    TooLarge,
    #[error("request body not received in time")]
    TooSlow,
    #[error("request URI too long")]
    UriTooLong,
    #[error("request headers too large")]
    HeadersTooLarge,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            WebError::BadRequest(_) | WebError::Shown(_) => StatusCode::BAD_REQUEST,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::TooSlow => StatusCode::REQUEST_TIMEOUT,
            WebError::UriTooLong => StatusCode::URI_TOO_LONG,
            WebError::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            // The disk is full or failing for now: the store reopens by itself.
            WebError::Store(e) if e.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Store(_) | WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Logs the error (once, here) and renders it for the shopper.
    pub(crate) fn into_response(
        self,
        ctx: &Ctx,
        method: &Method,
        path: &str,
        peer: std::net::SocketAddr,
    ) -> Resp {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(%method, path, %peer, error = %self, "request failed");
        } else {
            tracing::debug!(%method, path, %peer, error = %self, "request refused");
        }
        let t = ctx.app.config.shop.language.text();
        let (title, body) = match status {
            StatusCode::NOT_FOUND => (t.not_found, t.not_found_body.to_string()),
            StatusCode::SERVICE_UNAVAILABLE => {
                (t.store_unavailable, t.store_unavailable_body.to_string())
            }
            s if s.is_server_error() => (t.server_error, t.server_error_body.to_string()),
            StatusCode::PAYLOAD_TOO_LARGE | StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => {
                (t.bad_request, t.too_large_body.to_string())
            }
            StatusCode::REQUEST_TIMEOUT => (t.bad_request, t.too_slow_body.to_string()),
            StatusCode::URI_TOO_LONG => (t.bad_request, t.uri_too_long_body.to_string()),
            StatusCode::FORBIDDEN => (t.bad_request, t.forbidden_body.to_string()),
            _ => match self {
                WebError::Shown(m) => (t.bad_request, m),
                _ => (t.bad_request, t.bad_request_body.to_string()),
            },
        };
        let mut resp = html(views::error_page(ctx, title, &body));
        *resp.status_mut() = status;
        if status == StatusCode::SERVICE_UNAVAILABLE {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        if status == StatusCode::METHOD_NOT_ALLOWED {
            resp.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD, POST"));
        }
        resp
    }
}

pub fn html(markup: maud::Markup) -> Resp {
    html_bytes(Bytes::from(markup.into_string()))
}

pub fn html_bytes(body: Bytes) -> Resp {
    let mut r = Response::new(Full::new(body));
    // Room for these and the security headers `finish` adds, allocated once.
    *r.headers_mut() = HeaderMap::with_capacity(12);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

pub fn json(value: &serde_json::Value) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from(value.to_string())));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

pub fn text(status: StatusCode, body: &'static str) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// 303 See Other to a local path (after a POST).
pub fn redirect(location: &str) -> Resp {
    let mut r = Response::new(Full::new(Bytes::new()));
    *r.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// Beyond its limit, a body is still read and thrown away up to this much more, so the
/// client gets its 413 instead of a connection reset halfway through sending.
const DRAIN_MAX: u64 = 1024 * 1024;

/// When the body of a request must have arrived; `handle` puts it in the request's
/// extensions when the request starts.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BodyDeadline(pub tokio::time::Instant);

/// Used when a request carries no `BodyDeadline` (it always does when served).
const FALLBACK_BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Reads the whole body, refusing more than `limit` bytes with 413 and a body that has not
/// arrived by the request's `BodyDeadline` with 408.
pub async fn read_body(req: Request<Incoming>, limit: usize) -> Result<Bytes, WebError> {
    let deadline = req
        .extensions()
        .get::<BodyDeadline>()
        .map(|d| d.0)
        .unwrap_or_else(|| tokio::time::Instant::now() + FALLBACK_BODY_TIMEOUT);
    let limit = limit as u64;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit.saturating_add(DRAIN_MAX)) {
        return Err(WebError::TooLarge);
    }
    let mut body = req.into_body();
    let mut buf = bytes::BytesMut::new();
    let mut seen: u64 = 0;
    loop {
        let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => return Err(WebError::TooSlow),
            Ok(None) => break,
            Ok(Some(frame)) => frame,
        };
        let frame =
            frame.map_err(|e| WebError::BadRequest(format!("could not read the request: {e}")))?;
        if let Ok(data) = frame.into_data() {
            seen += data.len() as u64;
            if seen > limit.saturating_add(DRAIN_MAX) {
                return Err(WebError::TooLarge);
            }
            if seen <= limit {
                buf.extend_from_slice(&data);
            }
        }
    }
    if seen > limit {
        return Err(WebError::TooLarge);
    }
    Ok(buf.freeze())
}

/// Parses `application/x-www-form-urlencoded` (or a query string) into a map; the last
/// value of a repeated key wins.
pub fn parse_form(bytes: &[u8]) -> HashMap<String, String> {
    form_urlencoded::parse(bytes).into_owned().collect()
}

pub fn query(req: &Request<Incoming>) -> HashMap<String, String> {
    parse_form(req.uri().query().unwrap_or("").as_bytes())
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Refuses a state-changing request whose `Origin` names another site. Together with
/// `SameSite=Lax` session cookies this stops cross-site form posts.
pub fn check_origin(req: &Request<Incoming>) -> Result<(), WebError> {
    let Some(origin) = req.headers().get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or("");
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
        .unwrap_or("");
    let origin_host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .unwrap_or("");
    if origin_host.is_empty() || origin_host != host {
        return Err(WebError::Forbidden("cross-site request refused"));
    }
    Ok(())
}

/// The client's address: the peer, or — when the peer is a trusted reverse proxy — the
/// address it reports in `X-Forwarded-For` (the last one it appended).
pub fn client_ip(
    req: &Request<Incoming>,
    peer: std::net::SocketAddr,
    trusted: &[std::net::IpAddr],
) -> std::net::IpAddr {
    if !trusted.contains(&peer.ip()) {
        return peer.ip();
    }
    req.headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(peer.ip())
}
