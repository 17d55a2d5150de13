//! Storefront browsing: who the visitor is, the page cache, home, category and product
//! pages, and catalog images. The cart is in `cart`, checkout in `checkout`.

use super::assets::cached_response;
use super::http::{Resp, WebError, check_origin, parse_form, query, read_body};
use super::session::Sid;
use super::{Ctx, views};
use crate::catalog::is_slug;
use crate::store::{Session, Store, StoreError};
use bytes::Bytes;
use hyper::Request;
use hyper::body::Incoming;
use std::collections::HashMap;

/// What every storefront page needs about the visitor.
pub struct Visitor {
    pub sid: Sid,
    pub session: Session,
    /// An entry tag (`?ch=`) this request brought: it rides in a cookie, not the store,
    /// until the first cart action.
    pub new_channel: Option<String>,
    /// The request came from WeChat's browser (its user agent): JS-SDK features show.
    pub in_wechat: bool,
}

/// The cookie that carries the entry channel until the first cart action.
pub const CHANNEL_COOKIE: &str = "puzi_ch";

impl Visitor {
    pub fn cart_units(&self) -> u32 {
        self.session.cart.units()
    }
}

/// A valid entry-channel tag (`?ch=article-0315`): 1–32 of `[A-Za-z0-9_-]`.
fn valid_tag(ch: &str) -> bool {
    !ch.is_empty()
        && ch.len() <= 32
        && ch
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The entry channel a URL's query names: its `ch` tag, and when the link was shared —
/// `from=share` (the shop's share cards) or the `from` WeChat adds to a forwarded link —
/// `share`, or `share:TAG` keeping the tag the sharer came with.
fn channel_tag(q: &HashMap<String, String>) -> Option<String> {
    let tag = q.get("ch").filter(|c| valid_tag(c));
    let shared = q.get("from").is_some_and(|f| {
        matches!(
            f.as_str(),
            "share" | "singlemessage" | "groupmessage" | "timeline"
        )
    });
    match (tag, shared) {
        (Some(t), true) if t != SHARE => Some(format!("{SHARE}:{t}")),
        (_, true) => Some(SHARE.to_string()),
        (Some(t), false) => Some(t.clone()),
        (None, false) => None,
    }
}

/// The channel of orders that came through a shared link (see `channel_tag`).
pub const SHARE: &str = "share";

/// A stored entry channel: a tag, `share`, or `share:TAG`.
fn valid_channel(ch: &str) -> bool {
    ch == SHARE || ch.strip_prefix("share:").map_or(valid_tag(ch), valid_tag)
}

/// The tag a shared link passes on for a visitor's channel (`share:TAG` → `TAG`; the plain
/// `share` has none: the link says it was shared anyway).
pub fn tag_to_pass_on(channel: &str) -> Option<&str> {
    match channel.strip_prefix("share:") {
        Some(t) => Some(t),
        None if channel == SHARE => None,
        None => Some(channel),
    }
}

/// Loads the visitor's session (reading only: browsing writes nothing); an entry channel
/// in the URL is kept in a cookie until the first cart action.
pub(super) async fn visitor(ctx: &Ctx, req: &Request<Incoming>) -> Result<Visitor, WebError> {
    Ok(visitor_with(ctx, req, |_, _, _| Ok(())).await?.0)
}

/// `visitor`, and then `f` (given the session id and the session) in the same trip to the
/// blocking pool: for a request that reads something of the visitor's next (the cashier
/// its order, the checkout its address book), one hand-off instead of two.
pub(super) async fn visitor_with<R: Send + 'static>(
    ctx: &Ctx,
    req: &Request<Incoming>,
    f: impl FnOnce(&Store, &str, &Session) -> Result<R, StoreError> + Send + 'static,
) -> Result<(Visitor, R), WebError> {
    let sid = Sid::from_headers(req.headers());
    let new_channel = match req.uri().query() {
        Some(_) => channel_tag(&query(req)),
        None => None,
    };
    let (fresh, id) = (sid.fresh, sid.id.clone());
    let (session, r) = ctx
        .app
        .store
        .call(move |s| {
            let session = if fresh {
                Session::default()
            } else {
                s.session(&id)?.unwrap_or_default()
            };
            let r = f(s, &id, &session)?;
            Ok::<_, StoreError>((session, r))
        })
        .await?;
    Ok((
        Visitor {
            sid,
            session,
            new_channel,
            in_wechat: super::pay::in_wechat(req),
        },
        r,
    ))
}

/// The entry channel a request carries in its cookie.
pub(super) fn channel_cookie(req: &Request<Incoming>) -> Option<String> {
    let v = super::http::cookie(req.headers(), CHANNEL_COOKIE)?;
    valid_channel(v).then(|| v.to_string())
}

pub(super) fn page(ctx: &Ctx, v: &Visitor, markup: maud::Markup) -> Resp {
    page_bytes(ctx, v, Bytes::from(markup.into_string()))
}

pub(super) fn page_bytes(ctx: &Ctx, v: &Visitor, body: Bytes) -> Resp {
    let mut r = super::http::html_bytes(body);
    if let Some(ch) = &v.new_channel {
        let secure = if ctx.app.config.served_over_https() {
            "; Secure"
        } else {
            ""
        };
        let c = format!(
            "{CHANNEL_COOKIE}={ch}; Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax{secure}"
        );
        if let Ok(v) = hyper::header::HeaderValue::from_str(&c) {
            r.headers_mut().append(hyper::header::SET_COOKIE, v);
        }
    }
    r
}

/// Catalog pages are rendered once per catalog generation and cart size, then served
/// from memory; anything with a query string (notices, channel tags) is rendered fresh.
fn cache_key(req: &Request<Incoming>, v: &Visitor) -> Option<String> {
    req.uri()
        .query()
        .is_none()
        .then(|| format!("{}|{}", req.uri().path(), v.cart_units()))
}

/// The hot path: a first-time visitor (no session cookie) asking for a page without a
/// query string gets the cached bytes before anything else is done.
fn fast_cached(ctx: &Ctx, req: &Request<Incoming>) -> Option<Resp> {
    cached_body(ctx, req).map(super::http::html_bytes)
}

/// The cached bytes of this page for a first-time visitor, if any (see `fast_cached`).
fn cached_body(ctx: &Ctx, req: &Request<Incoming>) -> Option<Bytes> {
    if req.uri().query().is_some()
        || super::http::cookie(req.headers(), super::session::COOKIE).is_some()
    {
        return None;
    }
    cached_page(ctx, req.uri().path())
}

/// The cached bytes of the catalog page at `path` as a visitor without a session sees it
/// (cart empty), if rendered for the current catalog generation; the fast lane's lookup too.
pub(super) fn cached_page(ctx: &Ctx, path: &str) -> Option<Bytes> {
    let mut key = String::with_capacity(path.len() + 2);
    key.push_str(path);
    key.push_str("|0");
    ctx.pages.get(&key, ctx.app.store.generation())
}

/// The fast path taken before routing (see `web::handle`): the body of a GET or HEAD of a
/// catalog page in the cache, from a visitor without a session. Only catalog paths are
/// cached under `path|0`, so a hit is one of them. The caller adds the page headers.
pub(super) fn fast_page(ctx: &Ctx, req: &Request<Incoming>) -> Option<Bytes> {
    let m = req.method();
    if m != hyper::Method::GET && m != hyper::Method::HEAD {
        return None;
    }
    cached_body(ctx, req)
}

fn from_cache(ctx: &Ctx, key: &Option<String>, generation: u64, v: &Visitor) -> Option<Resp> {
    let k = key.as_ref()?;
    ctx.pages.get(k, generation).map(|b| page_bytes(ctx, v, b))
}

fn cached(
    ctx: &Ctx,
    key: Option<String>,
    generation: u64,
    v: &Visitor,
    markup: maud::Markup,
) -> Resp {
    let body = Bytes::from(markup.into_string());
    if let Some(k) = key {
        ctx.pages.put(k, generation, body.clone());
    }
    page_bytes(ctx, v, body)
}

pub async fn home(ctx: &Ctx, req: Request<Incoming>) -> Result<Resp, WebError> {
    if let Some(r) = fast_cached(ctx, &req) {
        return Ok(r);
    }
    let v = visitor(ctx, &req).await?;
    let (key, generation) = (cache_key(&req, &v), ctx.app.store.generation());
    if let Some(r) = from_cache(ctx, &key, generation, &v) {
        return Ok(r);
    }
    let (cats, products) = ctx
        .app
        .store
        .call(|s| Ok::<_, StoreError>((s.categories()?, s.products()?)))
        .await?;
    let products: Vec<_> = products.into_iter().filter(|p| p.published).collect();
    let stock = stock_map(ctx, &products).await?;
    Ok(cached(
        ctx,
        key,
        generation,
        &v,
        views::home(ctx, &v, &cats, &products, &stock),
    ))
}

pub async fn category(ctx: &Ctx, req: Request<Incoming>, id: &str) -> Result<Resp, WebError> {
    if let Some(r) = fast_cached(ctx, &req) {
        return Ok(r);
    }
    if !is_slug(id) {
        return Err(WebError::NotFound);
    }
    let v = visitor(ctx, &req).await?;
    let (key, generation) = (cache_key(&req, &v), ctx.app.store.generation());
    if let Some(r) = from_cache(ctx, &key, generation, &v) {
        return Ok(r);
    }
    let (cats, products) = ctx
        .app
        .store
        .call(|s| Ok::<_, StoreError>((s.categories()?, s.products()?)))
        .await?;
    let Some(cat) = cats.iter().find(|c| c.id == id).cloned() else {
        return Err(WebError::NotFound);
    };
    let products: Vec<_> = products
        .into_iter()
        .filter(|p| p.published && p.category == id)
        .collect();
    let stock = stock_map(ctx, &products).await?;
    Ok(cached(
        ctx,
        key,
        generation,
        &v,
        views::category(ctx, &v, &cats, &cat, &products, &stock),
    ))
}

/// Total units available per product id.
pub(super) async fn stock_map(
    ctx: &Ctx,
    products: &[crate::catalog::Product],
) -> Result<HashMap<String, u32>, WebError> {
    let products = products.to_vec();
    Ok(ctx
        .app
        .store
        .call(move |s| -> Result<_, StoreError> {
            let mut m = HashMap::new();
            for p in &products {
                m.insert(p.id.clone(), s.stock_of(p)?.iter().sum());
            }
            Ok(m)
        })
        .await?)
}

pub async fn product(ctx: &Ctx, req: Request<Incoming>, id: &str) -> Result<Resp, WebError> {
    if let Some(r) = fast_cached(ctx, &req) {
        return Ok(r);
    }
    if !is_slug(id) {
        return Err(WebError::NotFound);
    }
    let v = visitor(ctx, &req).await?;
    let (key, generation) = (cache_key(&req, &v), ctx.app.store.generation());
    if let Some(r) = from_cache(ctx, &key, generation, &v) {
        return Ok(r);
    }
    let q = query(&req);
    let id = id.to_string();
    let found = ctx
        .app
        .store
        .call(move |s| -> Result<_, StoreError> {
            match s.product(&id)? {
                Some(p) if p.published => {
                    let stock = s.stock_of(&p)?;
                    Ok(Some((p, stock)))
                }
                _ => Ok(None),
            }
        })
        .await?;
    let Some((p, stock)) = found else {
        return Err(WebError::NotFound);
    };
    let notice = match q.get("added").map(String::as_str) {
        Some("1") => Some(views::Notice::Added),
        Some("soldout") => Some(views::Notice::SoldOut),
        Some("full") => Some(views::Notice::CartFull),
        _ => None,
    };
    let selected = q.get("sku").cloned();
    Ok(cached(
        ctx,
        key,
        generation,
        &v,
        views::product(ctx, &v, &p, &stock, selected.as_deref(), notice),
    ))
}

pub(super) async fn form(
    ctx: &Ctx,
    req: Request<Incoming>,
) -> Result<(Sid, HashMap<String, String>), WebError> {
    check_origin(&req)?;
    let sid = Sid::from_headers(req.headers());
    let body = read_body(req, ctx.app.config.server.body_limit).await?;
    Ok((sid, parse_form(&body)))
}

pub(super) fn with_cookie(ctx: &Ctx, sid: &Sid, mut r: Resp) -> Resp {
    sid.apply(&mut r, ctx.app.config.served_over_https());
    r
}

/// `GET /img/{sha256}`: content-addressed, so cached for a year.
pub async fn image(ctx: &Ctx, req: Request<Incoming>, hash: &str) -> Result<Resp, WebError> {
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(WebError::NotFound);
    }
    let h = hash.to_string();
    let (ct, bytes) = ctx
        .app
        .store
        .call(move |s| s.image(&h))
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(cached_response(
        req.headers(),
        &ct,
        &format!("\"{hash}\""),
        "public, max-age=31536000, immutable",
        &Bytes::from(bytes),
        None,
    ))
}
