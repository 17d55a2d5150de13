//! The payment pages and WeChat's callbacks: the cashier under `/pay/` (the payment
//! directory), the JSAPI parameters, the Native code for visitors outside WeChat, the
//! result page, the OAuth return, and the two notification endpoints.

use super::http::{Resp, WebError, check_origin, query, read_body, redirect};
use super::session::Sid;
use super::shop::{Visitor, page, visitor};
use super::shopper::{open_link, own_order, visitor_and_order};
use super::{Ctx, views};
use crate::order::{OrderNo, OrderState};
use crate::payment::PaymentError;
use crate::store::OAuthPending;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header;
use hyper::{Request, Response, StatusCode};

/// How long an OAuth round trip may take before its state is refused.
const OAUTH_STATE_TTL_SECS: i64 = 600;
/// WeChat's notification bodies are 1–2 KB.
const NOTIFY_BODY_LIMIT: usize = 64 * 1024;

pub fn in_wechat(req: &Request<Incoming>) -> bool {
    req.headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ua| ua.contains("MicroMessenger"))
}

fn json_status(status: StatusCode, v: &serde_json::Value) -> Resp {
    let mut r = super::http::json(v);
    *r.status_mut() = status;
    r
}

/// Starts a silent `snsapi_base` OAuth round trip that returns to `return_to`.
pub(super) async fn start_oauth(ctx: &Ctx, v: &Visitor, return_to: &str) -> Result<Resp, WebError> {
    let state = crate::random::random_token::<16>();
    let (id, now) = (v.sid.id.clone(), ctx.app.clock.unix());
    let pending = OAuthPending {
        state: state.clone(),
        return_to: return_to.to_string(),
        at: now,
    };
    ctx.app
        .store
        .call(move |s| s.update_session(&id, now, |sess| sess.oauth = Some(pending)))
        .await?;
    let url = ctx
        .app
        .wechat
        .oauth
        .authorize_url(&format!("{}/wechat/oauth", ctx.app.base_url), &state);
    let mut r = redirect(&url);
    *r.status_mut() = StatusCode::FOUND;
    v.sid.apply(&mut r, ctx.app.config.served_over_https());
    Ok(r)
}

/// `GET /pay/{no}`: the cashier.
pub async fn pay_page(ctx: &Ctx, req: Request<Incoming>, no: &str) -> Result<Resp, WebError> {
    let v = visitor(ctx, &req).await?;
    if let Some(token) = query(&req).get("t") {
        return open_link(ctx, &req, &v, no, token, &format!("/pay/{no}")).await;
    }
    let order = own_order(ctx, &v, no).await?;
    if order.state != OrderState::PendingPayment {
        return Ok(redirect(&format!("/orders/{}", order.no)));
    }
    let sandbox = ctx.app.sandbox.is_some();
    let here = format!("/pay/{}", order.no);
    if v.session.openid.is_none() {
        let refused = query(&req).get("noauth").map(String::as_str) == Some("1");
        if (in_wechat(&req) || sandbox) && !refused {
            // Straight from checkout, the sheet still opens at once after OAuth.
            let go = query(&req).get("go").map(String::as_str) == Some("1");
            let back = if go { format!("{here}?go=1") } else { here };
            return start_oauth(ctx, &v, &back).await;
        }
        // Scanned in WeChat, a signed link opens this order in the shopper's own session.
        let signed = ctx.app.links.pay_path(&order.no, ctx.app.clock.unix());
        let url = format!("{}{signed}", ctx.app.base_url);
        let svg = crate::qr::svg(&url, 200);
        let svg = svg
            .as_deref()
            .map(|s| s.find("<svg").map(|i| &s[i..]).unwrap_or(s));
        // Outside WeChat: pay by scanning the Native code, or open the order in WeChat.
        return Ok(page(
            ctx,
            &v,
            views::native_page(ctx, &v, &order, &url, svg),
        ));
    }
    let t = ctx.app.config.shop.language.text();
    let q = query(&req);
    let notice = (q.get("cancelled").map(String::as_str) == Some("1")).then_some(t.pay_cancelled);
    // Straight from checkout: the sheet opens at once.
    let auto = notice.is_none() && q.get("go").map(String::as_str) == Some("1");
    // A visitor outside WeChat may also scan the Native code with their phone.
    let native = !in_wechat(&req);
    Ok(page(
        ctx,
        &v,
        views::pay_page(ctx, &v, &order, sandbox, notice, auto, native),
    ))
}

/// `POST /pay/{no}/jsapi` → the `getBrandWCPayRequest` parameters, bound to the session.
pub async fn jsapi(ctx: &Ctx, req: Request<Incoming>, no: &str) -> Result<Resp, WebError> {
    check_origin(&req)?;
    let t = ctx.app.config.shop.language.text();
    let (v, order) = visitor_and_order(ctx, &req, no).await?;
    let _ = read_body(req, 1024).await?;
    let Some(openid) = v.session.openid.clone() else {
        return Ok(json_status(
            StatusCode::UNAUTHORIZED,
            &serde_json::json!({ "error": t.oauth_failed }),
        ));
    };
    let no = order.no.clone();
    match ctx.app.payments.jsapi(order, &openid).await {
        Ok(params) => Ok(super::http::json(
            &serde_json::to_value(params).expect("params serialize"),
        )),
        Err(PaymentError::NotPayable(s)) => Ok(json_status(
            StatusCode::CONFLICT,
            &serde_json::json!({ "error": t.state(s), "state": s.as_str() }),
        )),
        Err(PaymentError::Expired) => Ok(json_status(
            StatusCode::CONFLICT,
            &serde_json::json!({ "error": t.order_closed_body }),
        )),
        Err(e) => {
            tracing::error!(error = %e, order = %no, "prepay failed");
            Ok(json_status(
                StatusCode::BAD_GATEWAY,
                &serde_json::json!({ "error": t.pay_unavailable }),
            ))
        }
    }
}

/// `POST /pay/{no}/native` → `{"code_url": …, "qr": "<svg…>"}`: the order's Native code
/// (made once, reused while it lives) and the QR code the shop draws of it, bound to the
/// visitor's session, openid or opened link exactly as the cashier is.
pub async fn native(ctx: &Ctx, req: Request<Incoming>, no: &str) -> Result<Resp, WebError> {
    check_origin(&req)?;
    let t = ctx.app.config.shop.language.text();
    let v = visitor(ctx, &req).await?;
    let order = own_order(ctx, &v, no).await?;
    let _ = read_body(req, 1024).await?;
    let refuse = |msg: &str, state: OrderState| {
        json_status(
            StatusCode::CONFLICT,
            &serde_json::json!({ "error": msg, "state": state.as_str() }),
        )
    };
    match ctx.app.payments.native(&order.no).await {
        Ok(code_url) => {
            let qr = crate::qr::svg(&code_url, 220)
                .map(|s| s.find("<svg").map(|i| s[i..].to_string()).unwrap_or(s));
            Ok(super::http::json(
                &serde_json::json!({ "code_url": code_url, "qr": qr }),
            ))
        }
        Err(PaymentError::NotPayable(s)) if s == OrderState::Closed => {
            Ok(refuse(t.native().closed, s))
        }
        Err(PaymentError::NotPayable(s)) => Ok(refuse(t.native().already_paid, s)),
        Err(PaymentError::Expired) => Ok(refuse(t.native().closed, OrderState::Closed)),
        Err(e) => {
            tracing::error!(error = %e, order = %order.no, "Native order failed");
            Ok(json_status(
                StatusCode::BAD_GATEWAY,
                &serde_json::json!({ "error": t.pay_unavailable }),
            ))
        }
    }
}

/// `GET /pay/{no}/result`: "confirming" until the backend knows, then thanks.
pub async fn result(ctx: &Ctx, req: Request<Incoming>, no: &str) -> Result<Resp, WebError> {
    let v = visitor(ctx, &req).await?;
    let mut order = own_order(ctx, &v, no).await?;
    if order.state == OrderState::PendingPayment
        && let Ok(state) = ctx.app.payments.confirm(&order.no).await
        && state != OrderState::PendingPayment
    {
        order = own_order(ctx, &v, no).await?;
    }
    let link = format!(
        "{}{}",
        ctx.app.base_url,
        ctx.app.links.order_path(&order.no, ctx.app.clock.unix())
    );
    Ok(page(ctx, &v, views::result_page(ctx, &v, &order, &link)))
}

/// `GET /wechat/oauth?code=…&state=…`: the OAuth return. The state must be the one this
/// session started, and is used once.
pub async fn oauth_return(ctx: &Ctx, req: Request<Incoming>) -> Result<Resp, WebError> {
    let q = query(&req);
    let sid = Sid::from_headers(req.headers());
    let t = ctx.app.config.shop.language.text();
    let state = q.get("state").cloned().unwrap_or_default();
    let (id, now) = (sid.id.clone(), ctx.app.clock.unix());
    // Without a session there is no OAuth in flight, and nothing is written.
    let pending = match sid.fresh {
        true => None,
        false => ctx
            .app
            .store
            .call(move |s| s.update_existing_session(&id, now, |sess| sess.oauth.take()))
            .await?
            .flatten(),
    };
    let Some(p) =
        pending.filter(|p| !sid.fresh && p.state == state && now - p.at < OAUTH_STATE_TTL_SECS)
    else {
        return Err(WebError::Shown(t.oauth_failed.into()));
    };
    let Some(code) = q.get("code").filter(|c| !c.is_empty()) else {
        // The shopper refused; back where they were, without asking again.
        let sep = if p.return_to.contains('?') { '&' } else { '?' };
        return Ok(redirect(&format!("{}{sep}noauth=1", p.return_to)));
    };
    match ctx.app.wechat.oauth.exchange(code).await {
        Ok(grant) if !grant.is_snapshot_user => {
            let (id, openid) = (sid.id.clone(), grant.openid);
            ctx.app
                .store
                .call(move |s| -> Result<(), crate::store::StoreError> {
                    s.update_session(&id, now, |sess| sess.openid = Some(openid.clone()))?;
                    // Addresses kept before OAuth now belong to the openid.
                    s.join_address_books(&id, &openid)
                })
                .await?;
            Ok(redirect(&p.return_to))
        }
        Ok(_) => Err(WebError::Shown(t.open_in_wechat.into())),
        Err(e) => {
            tracing::warn!(error = %e, "OAuth code exchange failed");
            Err(WebError::Shown(t.oauth_failed.into()))
        }
    }
}

fn notify_response(ctx: &Ctx, a: crate::payment::NotifyAnswer) -> Resp {
    use crate::metrics::{NOTIFY_ACCEPTED, NOTIFY_FAILED, NOTIFY_REFUSED};
    ctx.app.metrics.notification(match a.status {
        200..=299 => NOTIFY_ACCEPTED,
        400..=499 => NOTIFY_REFUSED,
        _ => NOTIFY_FAILED,
    });
    let mut r = match a.body {
        Some(b) => super::http::json(&b),
        None => Response::new(Full::new(Bytes::new())),
    };
    *r.status_mut() = StatusCode::from_u16(a.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r
}

/// `POST /wechat/notify/pay`.
pub async fn notify_pay(ctx: &Ctx, req: Request<Incoming>) -> Result<Resp, WebError> {
    let headers = req.headers().clone();
    let body = read_body(req, NOTIFY_BODY_LIMIT).await?;
    Ok(notify_response(
        ctx,
        ctx.app.payments.on_pay_notification(&headers, &body).await,
    ))
}

/// `POST /wechat/notify/refund`.
pub async fn notify_refund(ctx: &Ctx, req: Request<Incoming>) -> Result<Resp, WebError> {
    let headers = req.headers().clone();
    let body = read_body(req, NOTIFY_BODY_LIMIT).await?;
    Ok(notify_response(
        ctx,
        ctx.app
            .payments
            .on_refund_notification(&headers, &body)
            .await,
    ))
}

/// Orders are addressed by their out_trade_no in `/pay/` URLs.
pub fn valid_no(no: &str) -> bool {
    OrderNo::parse(no).is_some()
}
