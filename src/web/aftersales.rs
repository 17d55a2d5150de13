//! The shopper's after-sales pages: the refund request form of one of their orders
//! (`GET`/`POST /orders/{no}/aftersales`; the whole order or some lines, a reason, text and
//! up to three photos checked by their bytes) and the photos, served to that shopper only
//! (`GET /orders/{no}/aftersales/{sha256}`). Someone else's order is "not found"; every
//! refused request says why and changes nothing.

use super::admin::{IMAGE_MAX, UPLOAD_LIMIT, multipart};
use super::http::{Resp, WebError, check_origin, parse_form, read_body, redirect};
use super::shop::{Visitor, page, visitor};
use super::shopper::{needs_openid, own_order};
use super::{Ctx, views};
use crate::order::{AftersalesProblem, MAX_PHOTOS, Order, PHOTO_MAX_BYTES, parse_request};
use crate::store::NewPhoto;
use bytes::Bytes;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Request, StatusCode};
use std::collections::HashMap;

// A photo is held to the shop's image limit, as product images are.
const _: () = assert!(PHOTO_MAX_BYTES == IMAGE_MAX);

/// The form, with what the shopper typed and why it was refused (422), or as first shown.
fn form_page(
    ctx: &Ctx,
    v: &Visitor,
    o: &Order,
    fields: &HashMap<String, String>,
    problem: Option<AftersalesProblem>,
) -> Resp {
    let problem = problem.or_else(|| o.aftersales_eligible().err());
    let refused = problem.is_some() && !fields.is_empty();
    let mut r = page(ctx, v, views::aftersales_form(ctx, v, o, fields, problem));
    if refused {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

/// `GET /orders/{no}/aftersales`.
pub async fn request_page(ctx: &Ctx, req: Request<Incoming>, no: &str) -> Result<Resp, WebError> {
    let v = visitor(ctx, &req).await?;
    if needs_openid(&req, &v) {
        let here = req.uri().path().to_string();
        return super::pay::start_oauth(ctx, &v, &here).await;
    }
    let o = own_order(ctx, &v, no).await?;
    Ok(form_page(ctx, &v, &o, &HashMap::new(), None))
}

/// The photos of a request: at most three, each a JPEG, PNG or WebP (by its bytes) within
/// the image limit.
fn check_photos(files: Vec<multipart::Part>) -> Result<Vec<NewPhoto>, AftersalesProblem> {
    if files.len() > MAX_PHOTOS {
        return Err(AftersalesProblem::TooManyPhotos);
    }
    let mut photos = Vec::with_capacity(files.len());
    for f in files {
        if f.data.len() > PHOTO_MAX_BYTES {
            return Err(AftersalesProblem::PhotoTooLarge);
        }
        let content_type = match multipart::image_type(&f.data) {
            Some(ct @ ("image/jpeg" | "image/png" | "image/webp")) => ct,
            _ => return Err(AftersalesProblem::NotAnImage),
        };
        photos.push(NewPhoto {
            content_type,
            bytes: f.data,
        });
    }
    Ok(photos)
}

/// The form's fields and files, urlencoded or multipart.
async fn read_form(
    ctx: &Ctx,
    req: Request<Incoming>,
) -> Result<(HashMap<String, String>, Vec<multipart::Part>), WebError> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let Some(boundary) = multipart::boundary(&ct) else {
        let body = read_body(req, ctx.app.config.server.body_limit).await?;
        return Ok((parse_form(&body), Vec::new()));
    };
    let body = read_body(req, UPLOAD_LIMIT).await?;
    let parts = multipart::parse(body, &boundary)
        .await
        .map_err(|e| WebError::BadRequest(e.to_string()))?;
    let (mut fields, mut files) = (HashMap::new(), Vec::new());
    for p in parts {
        if p.filename.is_some() {
            // A file input left empty still sends a part without bytes.
            if !p.data.is_empty() {
                files.push(p);
            }
        } else {
            fields.insert(p.name, String::from_utf8_lossy(&p.data).into_owned());
        }
    }
    Ok((fields, files))
}

/// `POST /orders/{no}/aftersales`: the request is stored with its photos, or the form
/// comes back saying why not.
pub async fn submit(ctx: &Ctx, req: Request<Incoming>, no: &str) -> Result<Resp, WebError> {
    let v = visitor(ctx, &req).await?;
    check_origin(&req)?;
    let o = own_order(ctx, &v, no).await?;
    let (fields, files) = read_form(ctx, req).await?;
    let checked = o
        .aftersales_eligible()
        .and_then(|()| parse_request(&o, &fields))
        .and_then(|d| Ok((d, check_photos(files)?)));
    let (draft, photos) = match checked {
        Ok(x) => x,
        Err(p) => return Ok(form_page(ctx, &v, &o, &fields, Some(p))),
    };
    let now = ctx.app.clock.unix();
    let no2 = o.no.clone();
    let done = ctx
        .app
        .store
        .call(move |s| {
            s.request_aftersales(&no2, now, photos, |o, hashes| {
                o.request_aftersales(draft, hashes, now)
            })
        })
        .await?
        .ok_or(WebError::NotFound)?;
    match done {
        Ok(_) => Ok(redirect(&format!("/orders/{}?requested=1", o.no))),
        // Another request got in first (a double tap): the order as it is now says why.
        Err(p) => {
            let no2 = o.no.clone();
            let now_o = ctx.app.store.call(move |s| s.order(&no2)).await?;
            Ok(form_page(ctx, &v, &now_o.unwrap_or(o), &fields, Some(p)))
        }
    }
}

/// `GET /orders/{no}/aftersales/{sha256}`: a photo of one of the visitor's own requests.
pub async fn photo(
    ctx: &Ctx,
    req: Request<Incoming>,
    no: &str,
    hash: &str,
) -> Result<Resp, WebError> {
    let v = visitor(ctx, &req).await?;
    let o = own_order(ctx, &v, no).await?;
    photo_response(ctx, &o, hash).await
}

/// A photo of one of `o`'s requests, private to whoever may see the order.
pub(super) async fn photo_response(ctx: &Ctx, o: &Order, hash: &str) -> Result<Resp, WebError> {
    if !o
        .aftersales
        .iter()
        .any(|r| r.photos.iter().any(|p| p == hash))
    {
        return Err(WebError::NotFound);
    }
    let (no, h) = (o.no.clone(), hash.to_string());
    let (ct, bytes) = ctx
        .app
        .store
        .call(move |s| s.aftersales_photo(&no, &h))
        .await?
        .ok_or(WebError::NotFound)?;
    let mut r = hyper::Response::new(http_body_util::Full::new(Bytes::from(bytes)));
    if let Ok(v) = HeaderValue::from_str(&ct) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=86400"),
    );
    Ok(r)
}

/// Whether a path segment could name a stored photo (64 hex digits).
pub fn valid_hash(h: &str) -> bool {
    h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(data: &[u8]) -> multipart::Part {
        multipart::Part {
            name: "photos".into(),
            filename: Some("x".into()),
            content_type: None,
            data: data.to_vec(),
        }
    }

    #[test]
    fn photos_are_checked_by_their_bytes() {
        let png = b"\x89PNG\r\n\x1a\n....".to_vec();
        assert!(check_photos(vec![part(&png)]).is_ok());
        assert_eq!(
            check_photos(vec![part(b"GIF89a...")]).unwrap_err(),
            AftersalesProblem::NotAnImage
        );
        assert_eq!(
            check_photos(vec![part(b"<svg onload=alert(1)>")]).unwrap_err(),
            AftersalesProblem::NotAnImage
        );
        let mut big = png.clone();
        big.resize(PHOTO_MAX_BYTES + 1, 0);
        assert_eq!(
            check_photos(vec![part(&big)]).unwrap_err(),
            AftersalesProblem::PhotoTooLarge
        );
        assert_eq!(
            check_photos(vec![part(&png); 4]).unwrap_err(),
            AftersalesProblem::TooManyPhotos
        );
    }
}
