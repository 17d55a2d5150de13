//! `GET /service`: how shoppers reach the shop (`[shop] service_phone`,
//! `service_wechat_id`, `service_hours` and `[wechat] follow_qr_image`). Reads nothing but
//! the visitor's session, for the cart badge.

use super::http::{Resp, WebError};
use super::shop::{page, visitor};
use super::{Ctx, views};
use hyper::Request;
use hyper::body::Incoming;

pub async fn service(ctx: &Ctx, req: Request<Incoming>) -> Result<Resp, WebError> {
    let v = visitor(ctx, &req).await?;
    Ok(page(ctx, &v, views::service(ctx, &v)))
}
