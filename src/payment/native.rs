//! Native payment, for visitors outside WeChat: the order's Native attempt (its own
//! out_trade_no, the order number with `N`), whose `code_url` the cashier shows as a QR
//! code. Made on first use and reused while it lives, like the JSAPI prepay_id; it settles
//! like JSAPI, by verified notification or query.

use super::{FIRST_QUERY_AFTER_SECS, PREPAY_REUSE_SECS, PaymentError, Payments, description};
use crate::clock::rfc3339_cst;
use crate::order::{AttemptKind, OrderNo, OrderState};
use crate::store::StoreError;
use crate::wechat::pay::NativeOrder;

impl Payments {
    /// The `code_url` of the order's Native attempt: made on first use, reused while it
    /// lives (two hours, less a margin).
    pub async fn native(&self, no: &OrderNo) -> Result<String, PaymentError> {
        let order = self.load(no).await?;
        if order.state != OrderState::PendingPayment {
            return Err(PaymentError::NotPayable(order.state));
        }
        let now = self.now();
        let expires_at = order.created_at + self.inner.order_timeout.as_secs() as i64;
        if now >= expires_at {
            return Err(PaymentError::Expired);
        }
        if let Some(a) = order.attempt(AttemptKind::Native)
            && now - a.prepay_at < PREPAY_REUSE_SECS
            && let Some(code) = &a.code_url
        {
            return Ok(code.clone());
        }
        let out_trade_no = order
            .no
            .out_trade_no(AttemptKind::Native)
            .ok_or(PaymentError::NotPayable(order.state))?;
        let w = &self.inner.wechat;
        let req = NativeOrder {
            description: description(&self.inner.shop_name, &order),
            out_trade_no: out_trade_no.clone(),
            time_expire: Some(rfc3339_cst(expires_at)),
            attach: None,
            notify_url: w.notify_url.clone(),
            total: order.total.minor(),
            currency: order.currency.code().to_string(),
        };
        let code_url = w.pay.native_prepay(&req).await?;
        let code = code_url.clone();
        self.inner
            .store
            .update_order_grouped(no.clone(), now, move |o, _| -> Result<(), StoreError> {
                o.record_attempt(
                    AttemptKind::Native,
                    &out_trade_no,
                    &code,
                    "",
                    now,
                    now + FIRST_QUERY_AFTER_SECS,
                );
                Ok(())
            })
            .await?;
        Ok(code_url)
    }
}
