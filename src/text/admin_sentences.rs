//! The back office's sentences with values in them (the timeline, refunds, bulk-shipping
//! rows, product form errors…), in Simplified Chinese and English: methods of the work
//! pages' `WorkText`, whose fixed words are in `admin_work.rs`.

use super::Lang;
use super::work::WorkText;
use crate::order::{EventFacts, EventKind, RefundStatus};

impl WorkText {
    fn zh(&self) -> bool {
        self.lang == Lang::Zh
    }

    /// A missing setting and the config key that sets it.
    pub fn set_key(&self, key: &str) -> String {
        if self.zh() {
            format!("未配置：在配置文件中设置 {key}")
        } else {
            format!("Missing: set {key} in the config file")
        }
    }

    /// Backups every `hours`, keeping `keep`.
    pub fn backups_every(&self, hours: u64, keep: usize) -> String {
        if self.zh() {
            format!("每 {hours} 小时一次，保留 {keep} 份")
        } else {
            format!("every {hours} hours, keeping {keep}")
        }
    }

    /// The shipping rule in words.
    pub fn shipping_words(&self, fee: &str, free_over: Option<&str>) -> String {
        match (self.zh(), free_over) {
            (true, Some(f)) => format!("运费 {fee}，满 {f} 包邮"),
            (true, None) => format!("运费 {fee}"),
            (false, Some(f)) => format!("{fee} shipping, free over {f}"),
            (false, None) => format!("{fee} shipping"),
        }
    }

    /// One setup check, in words: what was checked and whether it passed.
    pub fn check(&self, name: &str, ok: bool) -> &'static str {
        let zh = self.zh();
        match (name, ok, zh) {
            ("mode", _, true) => "运行模式",
            ("mode", _, false) => "Mode",
            ("https", true, true) => "店铺网址是标准端口上的 https，符合微信要求",
            ("https", false, true) => "微信要求通知地址和支付目录使用 443 端口上的 https",
            ("https", true, false) => {
                "The shop's address is https on the standard port, as WeChat requires"
            }
            ("https", false, false) => {
                "WeChat needs https on port 443 for the notify URL and the payment directory"
            }
            ("keys", _, true) => "微信支付验签方式",
            ("keys", _, false) => "How WeChat Pay's signatures are verified",
            ("merchant_key", _, true) => "商户私钥已载入",
            ("merchant_key", _, false) => "The merchant key is loaded",
            ("certificate_key" | "certificate", true, true) => {
                "商户证书与私钥匹配（或未配置证书，不检查）"
            }
            ("certificate_key" | "certificate", false, true) => {
                "商户证书与私钥不匹配或无法读取，请检查 apiclient_cert.pem"
            }
            ("certificate_key" | "certificate", true, false) => {
                "The merchant certificate matches the key (or none is configured to check)"
            }
            ("certificate_key" | "certificate", false, false) => {
                "The merchant certificate does not match the key or cannot be read; check apiclient_cert.pem"
            }
            ("certificate_serial", true, true) => "证书序列号与 merchant_serial_no 一致",
            ("certificate_serial", false, true) => "证书序列号与 merchant_serial_no 不一致",
            ("certificate_serial", true, false) => {
                "The certificate serial matches merchant_serial_no"
            }
            ("certificate_serial", false, false) => {
                "The certificate serial differs from merchant_serial_no"
            }
            ("platform_certificates", true, true) => "已下载并验证微信支付平台证书（或使用公钥）",
            ("platform_certificates", false, true) => "无法下载微信支付平台证书",
            ("platform_certificates", true, false) => {
                "WeChat Pay's platform certificates are downloaded and verified (or the public key is used)"
            }
            ("platform_certificates", false, false) => {
                "WeChat Pay's platform certificates could not be downloaded"
            }
            ("signed_call", true, true) => {
                "签名调用成功：微信验证了我们的签名，我们也验证了微信的应答"
            }
            ("signed_call", false, true) => {
                "签名调用失败：请检查商户证书序列号、私钥和微信支付公钥"
            }
            ("signed_call", true, false) => {
                "A signed call worked: WeChat verified our signature and we verified its answer"
            }
            ("signed_call", false, false) => {
                "The signed call failed: check the serial number, the merchant key and WeChat Pay's public key"
            }
            ("clock", true, true) => "服务器时间与微信一致",
            ("clock", false, true) => "服务器时间与微信相差太多，请校准时间",
            ("clock", true, false) => "The server's clock agrees with WeChat's",
            ("clock", false, false) => "The server's clock is too far from WeChat's; set the time",
            // -- WeChat platform checks (issue 14) --
            ("verify_file", true, true) => "校验文件可通过店铺网址访问，内容一致",
            ("verify_file", false, true) => "校验文件无法通过店铺网址取得，或内容不一致",
            ("verify_file", true, false) => {
                "The verification file is reachable through the shop's address, byte for byte"
            }
            ("verify_file", false, false) => {
                "The verification file cannot be fetched through the shop's address, or differs"
            }
            ("oa_whitelist", true, true) => "服务器 IP 在公众号 IP 白名单内",
            ("oa_whitelist", false, true) => "公众号接口调用失败（服务器 IP 可能不在白名单内）",
            ("oa_whitelist", true, false) => {
                "The server's IP is on the Official Account's IP whitelist"
            }
            ("oa_whitelist", false, false) => {
                "The Official Account API refused the call (is the server's IP whitelisted?)"
            }
            (_, true, true) => "通过",
            (_, false, true) => "未通过",
            (_, true, false) => "Passed",
            (_, false, false) => "Failed",
        }
    }

    /// The refund amount field's hint: at most what is left.
    pub fn refund_at_most(&self, left: &str) -> String {
        if self.zh() {
            format!("最多可退 {left}")
        } else {
            format!("At most {left}")
        }
    }

    /// The reason's byte counter, as the server first renders it.
    pub fn bytes_of(&self, used: usize, max: usize) -> String {
        if self.zh() {
            format!("{used}/{max} 字节")
        } else {
            format!("{used}/{max} bytes")
        }
    }

    /// WeChat (or the store) did not take the refund.
    pub fn refund_not_taken(&self, why: &str) -> String {
        if self.zh() {
            format!("退款没有提交：{why}")
        } else {
            format!("The refund was not made: {why}")
        }
    }

    /// Only a paid order ships.
    pub fn ship_not_paid(&self, state: &str) -> String {
        if self.zh() {
            format!("只有已付款待发货的订单可以发货（这个订单：{state}）")
        } else {
            format!("Only a paid order can ship (this one: {state})")
        }
    }

    /// Bulk shipping done.
    pub fn shipped_n(&self, n: usize) -> String {
        if self.zh() {
            format!("{n} 个订单已发货")
        } else {
            format!("{n} orders shipped")
        }
    }

    /// Orders ready in the bulk preview.
    pub fn ready_n(&self, n: usize) -> String {
        if self.zh() {
            format!("{n} 个订单可以发货，请核对后确认。")
        } else {
            format!("{n} orders are ready to ship; check them, then confirm.")
        }
    }

    /// A bulk-shipping row with the wrong number of cells.
    pub fn row_columns(&self) -> &'static str {
        if self.zh() {
            "需要 3 列：订单号、快递公司、运单号"
        } else {
            "needs 3 cells: order number, carrier, tracking number"
        }
    }

    pub fn row_no_order(&self, no: &str) -> String {
        if self.zh() {
            format!("找不到订单 {no}")
        } else {
            format!("no order {no}")
        }
    }

    pub fn row_not_paid(&self, no: &str, state: &str) -> String {
        if self.zh() {
            format!("订单 {no} 不是待发货（{state}）")
        } else {
            format!("order {no} is not waiting to ship ({state})")
        }
    }

    pub fn row_carrier(&self, c: &str) -> String {
        if self.zh() {
            format!(
                "不认识的快递公司「{c}」；可写 SF、ZTO、YTO、YUNDA、STO、JT、EMS、JD、CHINAPOST 或中文名"
            )
        } else {
            format!(
                "unknown carrier \"{c}\"; write SF, ZTO, YTO, YUNDA, STO, JT, EMS, JD, CHINAPOST or the name"
            )
        }
    }

    pub fn row_tracking(&self) -> &'static str {
        if self.zh() {
            "运单号为空或超过 40 个字符"
        } else {
            "the tracking number is empty or longer than 40 characters"
        }
    }

    pub fn row_twice(&self, no: &str) -> String {
        if self.zh() {
            format!("订单 {no} 在文件中出现了两次")
        } else {
            format!("order {no} appears twice in the file")
        }
    }

    /// "Row 3: …"
    pub fn row_problem(&self, row: usize, problem: &str) -> String {
        if self.zh() {
            format!("第 {row} 行：{problem}")
        } else {
            format!("Row {row}: {problem}")
        }
    }

    /// A variant's SKU is unusable.
    pub fn err_sku(&self, i: usize) -> String {
        if self.zh() {
            format!("第 {i} 个规格：SKU 最多 64 个字符，不能有空格")
        } else {
            format!("Variant {i}: the SKU is at most 64 characters, without spaces")
        }
    }

    /// A variant's price is not an amount.
    pub fn err_price(&self, i: usize, price: &str) -> String {
        if self.zh() {
            format!("第 {i} 个规格：价格「{price}」不是有效金额，例如 45.50")
        } else {
            format!("Variant {i}: the price \"{price}\" is not an amount, e.g. 45.50")
        }
    }

    /// A variant's stock is not a whole number.
    pub fn err_variant_stock(&self, i: usize) -> String {
        if self.zh() {
            format!("第 {i} 个规格：库存须为不小于 0 的整数")
        } else {
            format!("Variant {i}: stock must be a whole number, 0 or more")
        }
    }

    pub fn err_exists(&self, id: &str) -> String {
        if self.zh() {
            format!("已有编号为 {id} 的商品，请换一个编号")
        } else {
            format!("A product {id} exists already; choose another id")
        }
    }

    pub fn err_image_type(&self, name: &str) -> String {
        if self.zh() {
            format!("{name} 不是 PNG、JPEG、GIF 或 WebP 图片")
        } else {
            format!("{name} is not a PNG, JPEG, GIF or WebP image")
        }
    }

    /// Attempts of a delivery message.
    pub fn attempts(&self, n: u32) -> String {
        if self.zh() {
            format!("已尝试 {n} 次")
        } else {
            format!("{n} attempts")
        }
    }

    /// An alert's kind as a heading.
    pub fn alert_kind(&self, kind: crate::alert::AlertKind) -> &'static str {
        use crate::alert::AlertKind::*;
        match (self.zh(), kind) {
            (true, AmountMismatch) => "付款与订单不符",
            (true, LatePayment) => "订单关闭后收到付款",
            (true, DoublePayment) => "重复付款",
            (true, RefundFailed) => "退款未成功",
            (true, BillDifference) => "对账单有差异",
            (true, WechatConfig) => "微信支付配置问题",
            (true, UnknownOrder) => "收到未知订单的通知",
            (true, MessageFailed) => "发货消息未送达",
            (true, StorageFault) => "磁盘写入失败（已恢复）",
            (true, IpWhitelist) => {
                "服务器 IP 不在公众号 IP 白名单内，请在 设置与开发 → 基本配置 → IP白名单 添加这个 IP"
            }
            (false, AmountMismatch) => "Payment does not match the order",
            (false, LatePayment) => "Paid after the order closed",
            (false, DoublePayment) => "Paid twice",
            (false, RefundFailed) => "Refund not made",
            (false, BillDifference) => "The trade bill differs",
            (false, WechatConfig) => "WeChat Pay configuration",
            (false, UnknownOrder) => "Notification for an unknown order",
            (false, MessageFailed) => "Delivery message not sent",
            (false, StorageFault) => "Disk writes failed (recovered)",
            (false, IpWhitelist) => {
                "The server's IP is not on the Official Account's IP whitelist: add this IP (Settings and Development → Basic Configuration → IP whitelist)"
            }
        }
    }

    /// WeChat's trade state in words (`NOTPAY`, `CLOSED`…).
    fn trade_state(&self, s: &str) -> &'static str {
        match (self.zh(), s.to_ascii_uppercase().as_str()) {
            (true, "NOTPAY") => "尚未付款",
            (true, "CLOSED") => "已关闭",
            (true, "USERPAYING") => "顾客正在付款",
            (true, "PAYERROR") => "付款失败",
            (true, "REVOKED") => "已撤销",
            (true, "REFUND") => "已转入退款",
            (true, _) => "未付款",
            (false, "NOTPAY") => "not paid yet",
            (false, "CLOSED") => "closed",
            (false, "USERPAYING") => "the shopper is paying",
            (false, "PAYERROR") => "payment failed",
            (false, "REVOKED") => "revoked",
            (false, "REFUND") => "turned into a refund",
            (false, _) => "not paid",
        }
    }

    /// One timeline entry as a sentence (without its time).
    /// `money` writes an amount in minor units with the shop's currency.
    pub fn event(&self, kind: &EventKind, w: &EventFacts, money: &dyn Fn(i64) -> String) -> String {
        use crate::order::OrderState as S;
        let dash = "—";
        let amount = w.amount.map_or_else(|| dash.to_string(), money);
        let tx = w.transaction_id.as_deref().unwrap_or(dash);
        let rno = w.out_refund_no.as_deref().unwrap_or(dash);
        let zh = self.zh();
        let via = match (zh, w.by_query) {
            (true, false) => "支付通知",
            (true, true) => "主动查询",
            (false, false) => "notification",
            (false, true) => "query",
        };
        match kind {
            EventKind::Created if zh => format!("顾客下单，合计 {amount}"),
            EventKind::Created => format!("placed by the shopper, {amount} in total"),
            EventKind::Prepay if zh => "顾客打开微信支付".to_string(),
            EventKind::Prepay => "the shopper opened WeChat Pay".to_string(),
            EventKind::State(S::Paid) if zh => {
                format!("通过微信支付付款 {amount}，交易单号 {tx}（{via}确认）")
            }
            EventKind::State(S::Paid) => {
                format!("paid {amount} by WeChat Pay, transaction {tx} (confirmed by {via})")
            }
            EventKind::State(S::Closed) if zh => "超时未付款，订单关闭，库存已释放".to_string(),
            EventKind::State(S::Closed) => {
                "closed unpaid after the time limit; the stock is back on sale".to_string()
            }
            EventKind::State(S::Shipped) => {
                let c = w.courier.as_deref().unwrap_or(dash);
                let t = w.tracking_no.as_deref().unwrap_or(dash);
                let by = w.by.as_deref().unwrap_or(dash);
                if zh {
                    format!("{by} 发货：{c}，运单号 {t}")
                } else {
                    format!("shipped by {by}: {c}, tracking number {t}")
                }
            }
            EventKind::State(S::Completed) => match (zh, w.automatic) {
                (true, true) => "发货后到期，自动确认收货".to_string(),
                (true, false) => "顾客确认收货".to_string(),
                (false, true) => "completed by itself after the days after shipping".to_string(),
                (false, false) => "the shopper confirmed receipt".to_string(),
            },
            EventKind::State(S::Refunded) if zh => format!("已全额退款，共 {amount}"),
            EventKind::State(S::Refunded) => format!("fully refunded, {amount} in all"),
            EventKind::State(S::PendingPayment) if zh => "等待付款".to_string(),
            EventKind::State(S::PendingPayment) => "waiting for payment".to_string(),
            EventKind::PaymentMismatch if zh => {
                format!("微信确认了一笔与订单不符的付款，交易单号 {tx}")
            }
            EventKind::PaymentMismatch => {
                format!(
                    "WeChat confirmed a payment that does not match the order, transaction {tx}"
                )
            }
            EventKind::LatePayment if zh => {
                format!("订单关闭后收到付款（交易单号 {tx}），库存已无，自动全额退款")
            }
            EventKind::LatePayment => format!(
                "paid after the order closed (transaction {tx}) with the stock gone; refunded in full automatically"
            ),
            EventKind::Aftersales(s) => {
                use crate::order::AftersalesStatus as A;
                // A request's reason is stored as its code: shown by its name.
                let coded: Option<crate::order::AftersalesReason> = w
                    .reason
                    .as_deref()
                    .and_then(|r| serde_json::from_value(serde_json::Value::from(r)).ok());
                let named;
                let reason = match coded {
                    Some(r) => {
                        named = self.lang.text().aftersales().reason_name(r);
                        named
                    }
                    None => w
                        .reason
                        .as_deref()
                        .filter(|r| !r.is_empty())
                        .unwrap_or(dash),
                };
                match (zh, s) {
                    (true, A::Requested) => format!("顾客申请售后退款，原因：{reason}"),
                    (false, A::Requested) => format!("the shopper asked for a refund: {reason}"),
                    (true, A::Approved) => format!("同意售后申请，退款 {amount}"),
                    (false, A::Approved) => format!("refund request approved, {amount}"),
                    (true, A::Declined) => format!("拒绝售后申请，原因：{reason}"),
                    (false, A::Declined) => format!("refund request declined: {reason}"),
                    (true, A::Closed) => "售后退款已到账，申请结束".to_string(),
                    (false, A::Closed) => {
                        "the requested refund settled; request closed".to_string()
                    }
                }
            }
            EventKind::RefundRequested => {
                let reason = w.reason.as_deref().filter(|r| !r.is_empty());
                match (zh, reason) {
                    (true, Some(r)) => format!("申请退款 {amount}（{rno}），原因：{r}"),
                    (true, None) => format!("申请退款 {amount}（{rno}）"),
                    (false, Some(r)) => {
                        format!("refund of {amount} asked for ({rno}), reason: {r}")
                    }
                    (false, None) => format!("refund of {amount} asked for ({rno})"),
                }
            }
            EventKind::Refund(s) => {
                let st = self.lang.admin().refund_status(*s);
                match (zh, s) {
                    (true, RefundStatus::Success) => format!("退款 {amount} 已到账（{rno}）"),
                    (false, RefundStatus::Success) => {
                        format!("refund of {amount} reached the shopper ({rno})")
                    }
                    (true, _) => format!("退款 {amount}（{rno}）：{st}"),
                    (false, _) => format!("refund of {amount} ({rno}): {st}"),
                }
            }
            EventKind::NotPaid { trade_state, .. } => {
                let st = self.trade_state(trade_state);
                if zh {
                    format!("微信{via}：{st}")
                } else {
                    format!("WeChat {via}: {st}")
                }
            }
        }
    }
}
