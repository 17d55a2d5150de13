//! Static assets compiled into the binary (`assets/web/`, through rust-embed with
//! `debug-embed`, so debug builds and tests serve the same bytes). Each asset gets an ETag
//! from its SHA-256 and, for text types, a gzip copy made once at start-up.

use super::http::Resp;
use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Response, StatusCode};
use std::collections::HashMap;
use std::io::Write;

#[derive(rust_embed::RustEmbed)]
#[folder = "assets/web/"]
struct Embedded;

pub struct Asset {
    pub content_type: &'static str,
    pub etag: String,
    pub plain: Bytes,
    pub gzip: Option<Bytes>,
}

pub struct Assets {
    files: HashMap<String, Asset>,
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

impl Assets {
    pub fn load() -> Assets {
        let mut files = HashMap::new();
        for path in Embedded::iter() {
            let Some(f) = Embedded::get(&path) else {
                continue;
            };
            let ct = content_type(&path);
            let plain = Bytes::from(f.data.into_owned());
            let compressible = ct.starts_with("text/") || ct == "image/svg+xml";
            let gzip = if compressible && plain.len() > 512 {
                let mut enc =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
                enc.write_all(&plain).ok();
                enc.finish().ok().map(Bytes::from)
            } else {
                None
            };
            let etag = format!(
                "\"{}\"",
                crate::random::hex(&f.metadata.sha256_hash()[..16])
            );
            files.insert(
                path.to_string(),
                Asset {
                    content_type: ct,
                    etag,
                    plain,
                    gzip,
                },
            );
        }
        Assets { files }
    }

    /// The ETag of an asset, used to version its URL in pages (`?v=`).
    pub fn version(&self, path: &str) -> &str {
        self.files
            .get(path)
            .map(|a| a.etag.trim_matches('"'))
            .unwrap_or("0")
    }

    pub fn respond(&self, path: &str, req_headers: &HeaderMap) -> Option<Resp> {
        let a = self.files.get(path)?;
        Some(cached_response(
            req_headers,
            a.content_type,
            &a.etag,
            "public, max-age=86400",
            &a.plain,
            a.gzip.as_ref(),
        ))
    }
}

pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|e| {
                let mut parts = e.trim().split(';');
                parts.next() == Some("gzip") && !parts.any(|p| p.trim().replace(' ', "") == "q=0")
            })
        })
}

/// A response for cacheable bytes: 304 when `If-None-Match` matches, gzip when accepted.
pub fn cached_response(
    req_headers: &HeaderMap,
    content_type: &str,
    etag: &str,
    cache_control: &'static str,
    plain: &Bytes,
    gzip: Option<&Bytes>,
) -> Resp {
    let not_modified = req_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let (body, gzipped) = match gzip {
        Some(g) if accepts_gzip(req_headers) => (g.clone(), true),
        _ => (plain.clone(), false),
    };
    let mut r = if not_modified {
        let mut r = Response::new(Full::new(Bytes::new()));
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        Response::new(Full::new(body))
    };
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    if gzip.is_some() {
        h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    if gzipped && !not_modified {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    r
}
