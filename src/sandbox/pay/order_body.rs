//! What a JSAPI and a Native order have in common: the request body, WeChat's checks on
//! it (merchant and appid, Global's `trade_type`/MCC/institution fields, description,
//! out_trade_no, attach, notify_url, amount and currency), and its rules for a repeated
//! `out_trade_no` (same body → the same answer while unpaid; different body → refused).
//! `jsapi` and `native` add only what differs: the payer and the answer.

use super::records::{TradeState, Tx};
use super::{error, param_error};
use crate::sandbox::{Resp, Sandbox};
use hyper::StatusCode;
use serde::Deserialize;
use serde_json::Value;

/// An order request as posted, every field optional until checked.
#[derive(Deserialize)]
pub(super) struct OrderBody {
    appid: Option<String>,
    mchid: Option<String>,
    sp_appid: Option<String>,
    sp_mchid: Option<String>,
    sub_mchid: Option<String>,
    trade_type: Option<String>,
    merchant_category_code: Option<String>,
    description: Option<String>,
    out_trade_no: Option<String>,
    time_expire: Option<String>,
    attach: Option<String>,
    notify_url: Option<String>,
    amount: Option<AmountBody>,
    pub(super) payer: Option<Value>,
}

#[derive(Deserialize)]
struct AmountBody {
    total: Option<i64>,
    currency: Option<String>,
}

/// An order body that passed WeChat's checks.
pub(super) struct CheckedOrder {
    pub appid: String,
    pub mchid: String,
    pub description: String,
    pub out_trade_no: String,
    pub time_expire: Option<String>,
    pub attach: Option<String>,
    pub notify_url: String,
    pub total: i64,
    pub currency: String,
    /// Global's institution mode: the sub-merchant the order is for.
    pub sub_mchid: Option<String>,
    pub payer: Option<Value>,
}

impl OrderBody {
    /// Parses the body, or answers WeChat's `PARAM_ERROR` for JSON it cannot read.
    pub(super) fn parse(
        sb: &Sandbox,
        serial: Option<&str>,
        body: &[u8],
    ) -> Result<Self, Box<Resp>> {
        serde_json::from_slice(body).map_err(|e| {
            Box::new(param_error(
                sb,
                serial,
                "/",
                &format!("请求体不是合法的 JSON: {e}"),
            ))
        })
    }

    /// WeChat's checks, in its order; `trade_type` is what Global requires (`JSAPI`,
    /// `NATIVE`). The first problem found is the answer.
    pub(super) fn check(
        self,
        sb: &Sandbox,
        serial: Option<&str>,
        global: bool,
        trade_type: &str,
    ) -> Result<CheckedOrder, Box<Resp>> {
        let m = &sb.inner.keys.manifest;
        let institution = global && self.sp_mchid.is_some();
        let (appid, mchid) = if institution {
            (self.sp_appid, self.sp_mchid)
        } else {
            (self.appid, self.mchid)
        };
        let (appid, mchid) = (appid.unwrap_or_default(), mchid.unwrap_or_default());
        let refuse = |status, code, msg| Err(Box::new(error(sb, serial, status, code, msg, None)));
        let param = |field: &str, issue: &str| Err(Box::new(param_error(sb, serial, field, issue)));
        if global {
            if self.trade_type.as_deref() != Some(trade_type) {
                return param("/trade_type", &format!("trade_type 须为 {trade_type}"));
            }
            let mcc = self.merchant_category_code.unwrap_or_default();
            if mcc.is_empty() || !mcc.bytes().all(|c| c.is_ascii_digit()) {
                return param("/merchant_category_code", "暂不支持该mcc码");
            }
            if institution && self.sub_mchid.as_deref() != Some(m.sub_mchid.as_str()) {
                return refuse(StatusCode::BAD_REQUEST, "INVALID_REQUEST", "受理关系不存在");
            }
        }
        let description = self.description.unwrap_or_default();
        let out_trade_no = self.out_trade_no.unwrap_or_default();
        let notify_url = self.notify_url.unwrap_or_default();
        let (total, currency) = match self.amount {
            Some(a) => (
                a.total.unwrap_or(0),
                a.currency.unwrap_or_else(|| "CNY".into()),
            ),
            None => (0, String::new()),
        };
        if appid.is_empty() {
            return param("/appid", "appid 为必填");
        }
        if mchid != m.mchid {
            return refuse(StatusCode::BAD_REQUEST, "MCH_NOT_EXISTS", "商户号不存在");
        }
        if appid != m.appid {
            return refuse(
                StatusCode::BAD_REQUEST,
                "APPID_MCHID_NOT_MATCH",
                "appid和mch_id不匹配",
            );
        }
        // The sandbox also accepts http:// so a laptop demo can receive notifications.
        let url_ok = (notify_url.starts_with("https://") || notify_url.starts_with("http://"))
            && !notify_url.contains('?')
            && notify_url.len() <= 255;
        let problem = if description.is_empty() || description.len() > 127 {
            Some(("/description", "长度须为 1–127 字节"))
        } else if !crate::wechat::pay::valid_out_trade_no(&out_trade_no) {
            Some(("/out_trade_no", "须为 6–32 位数字、字母或 _-|*"))
        } else if self.attach.as_ref().is_some_and(|a| a.len() > 128) {
            Some(("/attach", "长度不能超过 128 字节"))
        } else if !url_ok {
            Some(("/notify_url", "须为不带查询串的 URL"))
        } else if total <= 0 {
            Some(("/amount/total", "须为正整数"))
        } else if !global && currency != "CNY" {
            Some(("/amount/currency", "境内商户仅支持 CNY"))
        } else if global && crate::money::Currency::parse(&currency).is_none() {
            Some(("/amount/currency", "不支持的币种"))
        } else {
            None
        };
        if let Some((field, issue)) = problem {
            return param(field, issue);
        }
        Ok(CheckedOrder {
            appid,
            mchid,
            description,
            out_trade_no,
            time_expire: self.time_expire,
            attach: self.attach,
            notify_url,
            total,
            currency,
            sub_mchid: institution.then(|| self.sub_mchid.unwrap_or_default()),
            payer: self.payer,
        })
    }
}

/// WeChat's answer to an order whose `out_trade_no` already has a transaction, when it is
/// not simply the same answer again: a different body, or a transaction already paid or
/// closed. `None`: an identical repeat of an unpaid order.
pub(super) fn repeat_refusal(
    tx: &Tx,
    fingerprint: &str,
) -> Option<(StatusCode, &'static str, &'static str)> {
    if tx.fingerprint != fingerprint {
        return Some((StatusCode::FORBIDDEN, "OUT_TRADE_NO_USED", "商户订单号重复"));
    }
    match tx.state {
        TradeState::Success | TradeState::Refund => {
            Some((StatusCode::BAD_REQUEST, "ORDERPAID", "该订单已支付"))
        }
        TradeState::Closed => Some((StatusCode::BAD_REQUEST, "ORDER_CLOSED", "订单已关闭")),
        TradeState::NotPay => None,
    }
}
