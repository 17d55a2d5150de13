//! `GET /service`: how shoppers reach the shop — the contact the owner saved at
//! `/admin/service` (until then the config's `[shop] service_phone`, `service_wechat_id`,
//! `service_hours`) and `[wechat] follow_qr_image`. [`contact`] is what the product and
//! order pages ask before linking here.

use super::http::{Resp, WebError};
use super::shop::{page, visitor};
use super::{Ctx, views};
use crate::config::Service;
use crate::store::{Store, StoreError};
use hyper::Request;
use hyper::body::Incoming;

pub async fn service(ctx: &Ctx, req: Request<Incoming>) -> Result<Resp, WebError> {
    let v = visitor(ctx, &req).await?;
    let c = ctx.app.store.call(|s| s.service_contact()).await?;
    let contact = c.map_or_else(|| ctx.app.config.shop.service.clone(), |c| c.service());
    Ok(page(ctx, &v, views::service(ctx, &v, &contact)))
}

/// The contact in force: the saved one, else the config's.
pub(crate) fn contact_in(store: &Store, config: &Service) -> Result<Service, StoreError> {
    Ok(store
        .service_contact()?
        .map_or_else(|| config.clone(), |c| c.service()))
}

/// Whether pages should link to `/service` (a short read of one `meta` key; product pages
/// are cached by catalog generation, which a saved contact bumps). On a store error the
/// config's answer stands.
pub(crate) fn contact_set(ctx: &Ctx) -> bool {
    let cfg = &ctx.app.config.shop.service;
    contact_in(&ctx.app.store, cfg).map_or_else(|_| cfg.is_set(), |c| c.is_set())
}
