//! Reconciliation: the day's trade bill from WeChat compared line by line with the store
//! (payments and refunds); every difference becomes a merchant alert. `compare_bill` is
//! pure, for tests and the daily job.

use super::{PaymentError, Payments, rfc3339_cst};
use crate::alert::AlertKind;
use crate::money::{Currency, Money};
use crate::order::Order;
use std::collections::HashMap;

/// The difference report of one day's bill.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BillReport {
    pub date: String,
    pub lines: usize,
    pub differences: Vec<String>,
}

impl Payments {
    /// Downloads a day's trade bill and compares every line with the store; each
    /// difference becomes a merchant alert.
    pub async fn reconcile_bill(&self, date: &str) -> Result<BillReport, PaymentError> {
        let csv = match self.inner.wechat.pay.trade_bill(date).await {
            Ok(c) => c,
            Err(e) if e.code() == Some("NO_STATEMENT_EXIST") => String::new(),
            Err(e) => return Err(e.into()),
        };
        let orders = self.inner.store.call(|s| s.all_orders()).await?;
        let report = compare_bill(date, &csv, &orders, self.inner.currency);
        let now = self.now();
        for d in &report.differences {
            let (msg, order) = (format!("{date}: {d}"), None);
            self.inner
                .store
                .call(move |s| s.alert(AlertKind::BillDifference, order, msg, now))
                .await?;
        }
        Ok(report)
    }
}

fn parse_yuan(s: &str, currency: Currency) -> Option<Money> {
    Money::parse_decimal(s, currency)
}

/// Compares a trade bill (WeChat's CSV) with the orders; pure, for tests and the job.
pub fn compare_bill(date: &str, csv: &str, orders: &[Order], currency: Currency) -> BillReport {
    let mut report = BillReport {
        date: date.to_string(),
        ..BillReport::default()
    };
    // Every attempt's out_trade_no names its order (JSAPI the order number, Native its own).
    let mut by_no: HashMap<String, &Order> = HashMap::new();
    for o in orders {
        by_no.insert(o.no.to_string(), o);
        for n in o.out_trade_nos() {
            by_no.insert(n, o);
        }
    }
    // WeChat transaction ids seen paid in the bill.
    let mut seen_paid = std::collections::HashSet::new();
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    let header: Vec<&str> = lines
        .next()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    // The order amount (订单金额) and the refund applied for (申请退款金额), not what
    // settles to the merchant (应结订单金额, 退款金额): a WeChat coupon lowers those, and the
    // shop's own figures are what the shopper was charged before WeChat's discount.
    let (c_no, c_tx, c_state, c_refund_no) = (
        col("商户订单号"),
        col("微信订单号"),
        col("交易状态"),
        col("商户退款单号"),
    );
    let c_total = col("订单金额").or(col("应结订单金额"));
    let c_refund = col("申请退款金额").or(col("退款金额"));
    for line in lines {
        if line.starts_with("总交易单数") {
            break;
        }
        let f: Vec<String> = line
            .split(',')
            .map(|x| x.trim().trim_start_matches('`').to_string())
            .collect();
        let get = |c: Option<usize>| c.and_then(|i| f.get(i)).cloned().unwrap_or_default();
        report.lines += 1;
        let (no, txid, state) = (get(c_no), get(c_tx), get(c_state));
        match state.as_str() {
            "SUCCESS" => {
                seen_paid.insert(txid.clone());
                let Some(o) = by_no.get(no.as_str()) else {
                    report.differences.push(format!(
                        "WeChat has payment {txid} for order {no}, which the shop does not know"
                    ));
                    continue;
                };
                let total = parse_yuan(&get(c_total), currency);
                // A second payment of the order, refunded automatically: the shop knows it
                // through its refund.
                let second = o
                    .refunds
                    .iter()
                    .find(|r| r.transaction_id.as_deref() == Some(txid.as_str()));
                if let Some(r) = second.filter(|_| {
                    o.payment.as_ref().map(|p| p.transaction_id.as_str()) != Some(txid.as_str())
                }) {
                    if Some(r.amount) != total {
                        report.differences.push(format!(
                            "order {no}: second payment {txid} is {} at WeChat, {} in the shop",
                            get(c_total),
                            r.amount.decimal(currency)
                        ));
                    }
                    continue;
                }
                match &o.payment {
                    None => report.differences.push(format!(
                        "order {no} was paid at WeChat ({txid}) but the shop shows it {}",
                        o.state.as_str()
                    )),
                    Some(p) if p.transaction_id != txid => report.differences.push(format!(
                        "order {no}: transaction {txid} at WeChat, {} in the shop",
                        p.transaction_id
                    )),
                    Some(p) if Some(p.amount) != total => report.differences.push(format!(
                        "order {no}: {} at WeChat, {} in the shop",
                        get(c_total),
                        p.amount.decimal(currency)
                    )),
                    Some(_) => {}
                }
            }
            "REFUND" => {
                let rno = get(c_refund_no);
                let amount = parse_yuan(&get(c_refund), currency);
                let found = by_no
                    .get(no.as_str())
                    .and_then(|o| o.refunds.iter().find(|r| r.out_refund_no == rno));
                match found {
                    None => report.differences.push(format!(
                        "WeChat has refund {rno} of order {no}, which the shop does not know"
                    )),
                    Some(r) if Some(r.amount) != amount => report.differences.push(format!(
                        "refund {rno}: {} at WeChat, {} in the shop",
                        get(c_refund),
                        r.amount.decimal(currency)
                    )),
                    Some(_) => {}
                }
            }
            _ => {}
        }
    }
    for o in orders {
        if let Some(p) = &o.payment
            && rfc3339_cst(p.paid_at).get(..10) == Some(date)
            && !seen_paid.contains(p.transaction_id.as_str())
        {
            report.differences.push(format!(
                "order {} is paid in the shop ({}) but missing from WeChat's bill",
                o.no, p.transaction_id
            ));
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::{OrderState, Payment, PaymentSource};

    fn paid_order(no: &str, total: i64) -> Order {
        Order {
            state: OrderState::Paid,
            payment: Some(Payment {
                transaction_id: "4200001".into(),
                amount: Money(total),
                // 2026-11-28 12:00 China time.
                paid_at: 1_764_302_400,
                source: PaymentSource::Notification,
                payer_total: None,
                payer_currency: None,
                exchange_rate: None,
                out_trade_no: None,
            }),
            ..Order::for_test(no, total)
        }
    }

    const HEADER: &str = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注";

    #[test]
    fn a_wechat_coupon_is_not_a_difference() {
        // The shopper paid ¥90 of a ¥100 order with a ¥10 WeChat coupon: 应结订单金额 90.00,
        // 代金券金额 10.00, 订单金额 100.00.
        let line = "`2026-11-28 12:00:00,`wx1,`190,`0,`,`4200001,`ORDER000001,`o1,`JSAPI,`SUCCESS,`CMB_DEBIT,`CNY,`90.00,`10.00,`0,`,`0.00,`0.00,`,`,`茶,`,`0.54,`0.60%,`100.00,`0.00,`";
        let csv = format!("{HEADER}\n{line}\n总交易单数,应结订单总金额\n`1,`90.00\n");
        let orders = [paid_order("ORDER000001", 10_000)];
        let r = compare_bill("2026-11-28", &csv, &orders, Currency::CNY);
        assert_eq!(r.lines, 1);
        assert!(r.differences.is_empty(), "{:?}", r.differences);
        // A real difference of the order amount still shows.
        let csv = csv.replace("`100.00,`0.00", "`99.00,`0.00");
        let r = compare_bill("2026-11-28", &csv, &orders, Currency::CNY);
        assert_eq!(r.differences.len(), 1, "{:?}", r.differences);
    }
}
