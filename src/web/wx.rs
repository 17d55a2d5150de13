//! The shop's side of the JS-SDK. Catalog pages stay byte-identical and cached: they carry
//! only what is the same for every visitor — the share data (`<script type="application/json"
//! id="wx-share">`), Open Graph tags and `wx.js` — and `wx.js`, inside WeChat only, asks
//! `GET /wx/config?url=…` for the per-visit `wx.config` parameters (signed for the page's
//! URL as the browser has it, without `#…`; URLs on this shop's public base URL only),
//! puts them in the page as `<script type="application/json" id="wx-config">`, loads the
//! JS-SDK (WeChat's, or the sandbox's stand-in) and calls `wx.config`. The answer also names
//! the visitor's entry channel (its cookie), which the shared link keeps.
//!
//! `GET /wx/address?code=…&province=…&city=…&county=…` maps an `openAddress` answer onto
//! the checkout's region codes. The CSP allows WeChat's script origin only on the pages
//! that load it, only for WeChat's user agent.

use super::http::{Resp, WebError, json, query};
use super::{Ctx, shop};
use crate::wechat::jssdk::address_regions;
use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use maud::{Markup, PreEscaped, html};

/// WeChat's JS-SDK script.
pub const SDK_URL: &str = "https://res.wx.qq.com/open/js/jweixin-1.6.0.js";
/// Its origin, the one the CSP adds on JS-SDK pages inside WeChat.
pub const SDK_ORIGIN: &str = "https://res.wx.qq.com";
/// The sandbox's stand-in for it.
pub const SANDBOX_SDK_URL: &str = "/sandbox/jweixin.js";
/// The JS-SDK APIs a page may ask a configuration for.
const APIS: [&str; 3] = [
    "updateAppMessageShareData",
    "updateTimelineShareData",
    "openAddress",
];
/// The entry channel a shared link carries when the sharer came with none.
pub const SHARE_CHANNEL: &str = shop::SHARE;

/// The JS-SDK script this shop loads.
pub fn sdk_url(ctx: &Ctx) -> &'static str {
    if ctx.app.sandbox.is_some() {
        SANDBOX_SDK_URL
    } else {
        SDK_URL
    }
}

/// Whether a path is a page that loads the JS-SDK.
fn jssdk_page(path: &str) -> bool {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    matches!(segs.as_slice(), [""] | ["c", _] | ["p", _] | ["checkout"])
}

/// The script origin the CSP adds for this request: WeChat's, on a JS-SDK page asked for
/// by WeChat's browser, when the shop talks to the real WeChat (the sandbox's stand-in is
/// same-origin).
pub fn csp_script_origin(ctx: &Ctx, req: &Request<Incoming>) -> Option<&'static str> {
    script_origin(ctx, req.uri().path(), super::pay::in_wechat(req))
}

/// `csp_script_origin` for a request to `path`, from WeChat's browser or not.
pub fn script_origin(ctx: &Ctx, path: &str, in_wechat: bool) -> Option<&'static str> {
    (ctx.app.sandbox.is_none() && in_wechat && jssdk_page(path)).then_some(SDK_ORIGIN)
}

/// `GET /wx/config?url=…[&apis=a,b]` → the `wx.config` parameters for that page, plus
/// `ch`, the visitor's entry channel (or `null`). 400 for a URL not on this shop; 503 when
/// WeChat's ticket cannot be had (the page works on without share card).
pub async fn config(ctx: &Ctx, req: Request<Incoming>) -> Result<Resp, WebError> {
    let q = query(&req);
    let url = q.get("url").map(String::as_str).unwrap_or("");
    let url = crate::wechat::jssdk::without_fragment(url);
    let base = ctx.app.base_url.trim_end_matches('/');
    let on_shop = url
        .strip_prefix(base)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/') || rest.starts_with('?'));
    if !on_shop || url.len() > 2048 {
        return Err(WebError::BadRequest(
            "wx.config asked for a URL not on this shop".into(),
        ));
    }
    let apis: Vec<&str> = match q.get("apis") {
        Some(list) => APIS
            .iter()
            .copied()
            .filter(|a| list.split(',').any(|x| x == *a))
            .collect(),
        None => APIS.to_vec(),
    };
    match ctx.app.wechat.oa.wx_config(url, &apis).await {
        Ok(cfg) => {
            let mut v = serde_json::to_value(&cfg)
                .map_err(|e| WebError::Internal(format!("wx.config: {e}")))?;
            // The tag the visitor's shares pass on (the script puts it in the share link).
            v["ch"] = shop::channel_cookie(&req)
                .as_deref()
                .and_then(shop::tag_to_pass_on)
                .map_or(serde_json::Value::Null, Into::into);
            Ok(json(&v))
        }
        Err(e) => {
            tracing::warn!(error = %e, "no jsapi_ticket: pages go without WeChat's JS-SDK");
            let mut r = json(&serde_json::json!({}));
            *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            Ok(r)
        }
    }
}

/// `GET /wx/address?code=…&province=…&city=…&county=…` → `{province, city, district}`
/// codes (`null` where the shopper picks).
pub async fn address(req: Request<Incoming>) -> Result<Resp, WebError> {
    let q = query(&req);
    let g = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    let r = address_regions(g("code"), g("province"), g("city"), g("county"));
    Ok(json(&serde_json::json!(r)))
}

/// What a page offers to share: to chats (title, description, image, link) and Moments.
pub struct Share {
    pub title: String,
    pub desc: String,
    /// An image path on this shop (`/img/…`), made absolute here.
    pub img: Option<String>,
    /// The page's path (`/p/mug`).
    pub path: String,
}

/// The link a page shares: the page on the public base URL marked `from=share`, with the
/// tag the visitor came with kept (`ch=TAG`), so orders from it count as "share" (from
/// that tag's sharer: `share:TAG`).
pub fn share_link(base: &str, path: &str, channel: Option<&str>) -> String {
    let base = base.trim_end_matches('/');
    match channel.and_then(shop::tag_to_pass_on) {
        Some(tag) => format!("{base}{path}?ch={tag}&from={SHARE_CHANNEL}"),
        None => format!("{base}{path}?from={SHARE_CHANNEL}"),
    }
}

/// JSON safe inside a `<script>` element.
fn script_json(v: &serde_json::Value) -> PreEscaped<String> {
    PreEscaped(
        v.to_string()
            .replace('<', "\\u003c")
            .replace('>', "\\u003e")
            .replace('&', "\\u0026"),
    )
}

/// The image a page shares: its own, else the Official Account's QR code when the shop
/// has one (`/follow-qr`), else none — then `imgUrl` and `og:image` are left out, and
/// WeChat shows its own placeholder rather than a broken image.
fn share_image(ctx: &Ctx, share: &Share) -> Option<String> {
    share.img.clone().or_else(|| {
        ctx.app
            .config
            .wechat
            .follow_qr_image
            .as_ref()
            .map(|_| "/follow-qr".to_string())
    })
}

/// The `<head>` part of a shareable page: Open Graph tags for other apps, the share data
/// for WeChat (`#wx-share`) and `wx.js`.
pub fn share_head(ctx: &Ctx, share: &Share, channel: Option<&str>) -> Markup {
    let base = ctx.app.base_url.trim_end_matches('/');
    let link = share_link(base, &share.path, channel);
    let img = share_image(ctx, share).map(|p| format!("{base}{p}"));
    let mut data = serde_json::json!({
        "title": share.title,
        "desc": share.desc,
        "link": link,
    });
    if let Some(i) = &img {
        data["imgUrl"] = i.as_str().into();
    }
    html! {
        meta property="og:type" content="website";
        meta property="og:title" content=(share.title);
        meta property="og:description" content=(share.desc);
        @if let Some(i) = &img { meta property="og:image" content=(i); }
        meta property="og:url" content=(link);
        script type="application/json" id="wx-share" { (script_json(&data)) }
        (script(ctx))
    }
}

/// `wx.js`, told which JS-SDK script to load.
pub fn script(ctx: &Ctx) -> Markup {
    html! {
        script src={ "/assets/wx.js?v=" (ctx.assets.version("wx.js")) } data-sdk=(sdk_url(ctx)) defer {}
    }
}

/// The checkout's "use my WeChat address" button (inside WeChat only).
pub fn address_button(ctx: &Ctx) -> Markup {
    let w = ctx.app.config.shop.language.jssdk();
    html! {
        button.small #wx-address type="button" hidden data-pick=(w.pick_region) { (w.use_wechat_address) }
    }
}
