//! The route table: every URL the shop answers, in one `match`.

use super::http::{Resp, WebError, read_body, text};
use super::{Ctx, address, addresses, aftersales, cart, checkout, pay, search, shop, shopper, wx};
use crate::metrics::{GAUGE_TTL_SECS, Gauges};
use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode};

/// The route a path belongs to, without its variable parts: the `route` field of the
/// request span (bounded, so logs and traces can be grouped by it).
pub fn label(path: &str) -> &'static str {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segs.as_slice() {
        [""] => "/",
        ["c", _] => "/c/{category}",
        ["p", _] => "/p/{product}",
        ["search"] => "/search",
        ["cart"] => "/cart",
        ["cart", _] => "/cart/{action}",
        ["checkout"] => "/checkout",
        ["checkout", "shipping"] => "/checkout/shipping",
        ["orders"] => "/orders",
        ["service"] => "/service",
        ["orders", _] => "/orders/{no}",
        ["orders", _, _] => "/orders/{no}/{action}",
        ["orders", _, "aftersales", _] => "/orders/{no}/aftersales/{photo}",
        ["img", _] => "/img/{hash}",
        ["regions", _] => "/regions/{code}",
        ["wx", _] => "/wx/{what}",
        ["addresses"] => "/addresses",
        ["addresses", _, _] => "/addresses/{id}/{action}",
        ["pay", _] => "/pay/{no}",
        ["pay", _, _] => "/pay/{no}/{action}",
        ["wechat", "oauth"] => "/wechat/oauth",
        ["wechat", "notify", _] => "/wechat/notify/{kind}",
        ["assets", ..] => "/assets/{file}",
        ["healthz"] => "/healthz",
        ["metrics"] => "/metrics",
        ["admin", ..] => "/admin/…",
        ["sandbox", ..] => "/sandbox/…",
        _ => "other",
    }
}

pub async fn route(
    ctx: &Ctx,
    req: Request<Incoming>,
    peer: std::net::SocketAddr,
) -> Result<Resp, WebError> {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let get = method == Method::GET || method == Method::HEAD;
    let post = method == Method::POST;
    match segs.as_slice() {
        [""] if get => shop::home(ctx, req).await,
        ["c", id] if get => shop::category(ctx, req, id).await,
        ["p", id] if get => shop::product(ctx, req, id).await,
        ["search"] if get => search::search(ctx, req).await,
        ["cart"] if get => cart::cart(ctx, req).await,
        ["cart", "add"] if post => cart::cart_add(ctx, req).await,
        ["cart", "update"] if post => cart::cart_update(ctx, req).await,
        ["cart", "remove"] if post => cart::cart_remove(ctx, req).await,
        ["checkout"] if get => checkout::checkout_form(ctx, req).await,
        ["checkout"] if post => checkout::checkout(ctx, req, peer).await,
        ["checkout", "shipping"] if get => checkout::shipping_json(ctx, req).await,
        ["orders"] if get => shopper::orders(ctx, req).await,
        ["service"] if get => super::service::service(ctx, req).await,
        ["orders", no] if get => shopper::order(ctx, req, no).await,
        ["orders", no, "status"] if get => shopper::order_status(ctx, req, no).await,
        ["orders", no, "received"] if post => shopper::order_received(ctx, req, no).await,
        ["orders", no, "aftersales"] if get => aftersales::request_page(ctx, req, no).await,
        ["orders", no, "aftersales"] if post => aftersales::submit(ctx, req, no).await,
        ["orders", no, "aftersales", h] if get && aftersales::valid_hash(h) => {
            aftersales::photo(ctx, req, no, h).await
        }
        ["img", hash] if get => shop::image(ctx, req, hash).await,
        ["regions", code] if get => address::children(code).await,
        ["wx", "config"] if get => wx::config(ctx, req).await,
        ["wx", "address"] if get => wx::address(req).await,
        ["addresses"] if get => addresses::list(ctx, req).await,
        ["addresses", id, "default"] if post => addresses::change(ctx, req, id, false).await,
        ["addresses", id, "delete"] if post => addresses::change(ctx, req, id, true).await,
        ["pay", no] if get && pay::valid_no(no) => pay::pay_page(ctx, req, no).await,
        ["pay", no, "jsapi"] if post && pay::valid_no(no) => pay::jsapi(ctx, req, no).await,
        ["pay", no, "native"] if post && pay::valid_no(no) => pay::native(ctx, req, no).await,
        ["pay", no, "result"] if get && pay::valid_no(no) => pay::result(ctx, req, no).await,
        ["wechat", "oauth"] if get => pay::oauth_return(ctx, req).await,
        ["wechat", "notify", "pay"] if post => pay::notify_pay(ctx, req).await,
        ["wechat", "notify", "refund"] if post => pay::notify_refund(ctx, req).await,
        ["assets", rest @ ..] if get => ctx
            .assets
            .respond(&rest.join("/"), req.headers())
            .ok_or(WebError::NotFound),
        ["favicon.ico"] if get => ctx
            .assets
            .respond("favicon.svg", req.headers())
            .ok_or(WebError::NotFound),
        ["healthz"] if get => health(ctx).await,
        [name] if get && crate::store::valid_verify_name(name) => verify_file(ctx, name).await,
        ["follow-qr"] if get => follow_qr(ctx),
        ["metrics"] if get => metrics(ctx, &req, peer).await,
        ["admin", rest @ ..] => super::admin::route(ctx, req, rest, peer).await,
        ["sandbox", rest @ ..] => match &ctx.app.sandbox {
            Some(sb) => {
                let public = ctx.app.config.sandbox.public;
                let trusted = &ctx.app.config.server.trusted_proxies;
                let local = super::http::client_ip(&req, peer, trusted).is_loopback();
                if !public && !local {
                    // A private sandbox answers this machine only.
                    return Err(WebError::NotFound);
                }
                // The control API can mark any order paid and the index shows the keys:
                // on a public sandbox, owners only. The booth shows every visitor's
                // activity: its own screen (this machine) or the owner.
                let owners_only = matches!(rest, [] | [""] | ["control", ..])
                    || (matches!(rest, ["booth", ..]) && !local);
                if public
                    && owners_only
                    && super::admin::admin_of(ctx, &req)
                        .await?
                        .is_none_or(|a| !a.role.is_owner())
                {
                    return Err(WebError::NotFound);
                }
                sandbox(ctx, sb, req).await
            }
            None => Err(WebError::NotFound),
        },
        [""]
        | ["c", _]
        | ["p", _]
        | ["search"]
        | ["cart", ..]
        | ["checkout"]
        | ["checkout", "shipping"]
        | ["orders", ..]
        | ["img", _]
        | ["pay", ..]
        | ["wechat", ..]
        | ["assets", ..]
        | ["healthz"] => Err(WebError::MethodNotAllowed),
        _ => Err(WebError::NotFound),
    }
}

/// Hands a request under `/sandbox` to the simulator (sandbox mode only).
async fn sandbox(
    ctx: &Ctx,
    sb: &crate::sandbox::Sandbox,
    req: Request<Incoming>,
) -> Result<Resp, WebError> {
    let method = req.method().clone();
    let full = req.uri().path();
    // One mount prefix off, not every repetition: `/sandbox/sandbox/v3/…` is no API path.
    let path = full.strip_prefix("/sandbox").unwrap_or(full).to_string();
    let path = if path.is_empty() {
        "/".to_string()
    } else {
        path
    };
    let query = req.uri().query().map(str::to_string);
    let headers = req.headers().clone();
    let host = headers
        .get(hyper::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
        .unwrap_or_default();
    let body = read_body(req, ctx.app.config.server.body_limit).await?;
    Ok(sb
        .handle(crate::sandbox::Request {
            method,
            path,
            query,
            headers,
            body,
            // The scheme shoppers use (TLS here or at a proxy), so the bill's download_url works.
            origin: format!(
                "{}://{host}",
                if ctx.app.config.served_over_https() {
                    "https"
                } else {
                    "http"
                }
            ),
        })
        .await)
}

/// `GET /metrics`: Prometheus text format, for loopback clients (not through a trusted
/// proxy) and for `Authorization: Bearer <[server] metrics_token>`; 404 for anyone else.
async fn metrics(
    ctx: &Ctx,
    req: &Request<Incoming>,
    peer: std::net::SocketAddr,
) -> Result<Resp, WebError> {
    if !metrics_allowed(ctx, req, peer) {
        return Err(WebError::NotFound);
    }
    let now = ctx.app.clock.unix();
    let gauges = {
        let mut cached = ctx.app.metrics.gauges.lock().await;
        match &*cached {
            Some((at, g)) if (*at..*at + GAUGE_TTL_SECS).contains(&now) => g.clone(),
            _ => {
                let g = scan_gauges(ctx).await?;
                *cached = Some((now, g.clone()));
                g
            }
        }
    };
    let mut body = ctx
        .app
        .metrics
        .render(&gauges, ctx.app.tls.as_ref().map(|t| t.not_after()));
    body.push_str(&format!(
        "# HELP puzi_page_cache_bytes Bytes of rendered pages held by the page cache.\n# TYPE puzi_page_cache_bytes gauge\npuzi_page_cache_bytes {}\n",
        ctx.pages.weight()
    ));
    body.push_str(&ctx.app.store.storage_metrics());
    let mut r = text(StatusCode::OK, "");
    *r.body_mut() = http_body_util::Full::new(bytes::Bytes::from(body));
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    Ok(r)
}

/// A loopback peer that is not a trusted proxy (through a proxy on the same host every
/// client would look local), or the metrics token.
fn metrics_allowed(ctx: &Ctx, req: &Request<Incoming>, peer: std::net::SocketAddr) -> bool {
    let server = &ctx.app.config.server;
    let given = req
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if let (Some(token), Some(given)) = (&server.metrics_token, given)
        && crate::account::constant_time_eq(given, token.expose())
    {
        return true;
    }
    let ip = peer.ip().to_canonical();
    ip.is_loopback() && !server.trusted_proxies.contains(&ip)
}

/// One scan of the store for the gauges (orders by state, outbox depth).
async fn scan_gauges(ctx: &Ctx) -> Result<Gauges, WebError> {
    let (orders, outbox_pending) = ctx
        .app
        .store
        .call(|s| -> Result<_, crate::store::StoreError> {
            // The running counts kept in each order's transaction (schema 5).
            let by_state: std::collections::HashMap<_, _> = s
                .order_counts()?
                .into_iter()
                .map(|(st, n)| (st.as_str(), n))
                .collect();
            let pending = s.outbox_pending()?.len() as u64;
            Ok((by_state, pending))
        })
        .await?;
    let orders_by_state = crate::order::OrderState::ALL
        .iter()
        .map(|s| (s.as_str(), orders.get(s.as_str()).copied().unwrap_or(0)))
        .collect();
    Ok(Gauges {
        orders_by_state,
        outbox_pending,
    })
}

/// `GET /healthz`: 200 "ok" when the data file answers a read.
async fn health(ctx: &Ctx) -> Result<Resp, WebError> {
    ctx.app.store.call(|s| s.schema_version()).await?;
    Ok(text(StatusCode::OK, "ok\n"))
}

/// `GET /MP_verify_….txt`: a stored WeChat domain verification file, exactly its bytes.
async fn verify_file(ctx: &Ctx, name: &str) -> Result<Resp, WebError> {
    let n = name.to_string();
    let data = ctx
        .app
        .store
        .call(move |s| s.domain_file(&n))
        .await?
        .ok_or(WebError::NotFound)?;
    let mut r = text(StatusCode::OK, "");
    *r.body_mut() = http_body_util::Full::new(bytes::Bytes::from(data));
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain"),
    );
    Ok(r)
}

/// `GET /follow-qr`: the Official Account's QR code from `[wechat] follow_qr_image`.
fn follow_qr(ctx: &Ctx) -> Result<Resp, WebError> {
    let qr = ctx
        .app
        .config
        .wechat
        .follow_qr_image
        .as_ref()
        .ok_or(WebError::NotFound)?;
    let mut r = text(StatusCode::OK, "");
    *r.body_mut() = http_body_util::Full::new(bytes::Bytes::from(qr.data.as_ref().clone()));
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static(qr.content_type),
    );
    r.headers_mut().insert(
        hyper::header::CACHE_CONTROL,
        hyper::header::HeaderValue::from_static("public, max-age=3600"),
    );
    Ok(r)
}
