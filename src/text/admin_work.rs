//! The back office's words for its work pages, in Simplified Chinese and English: the
//! settings summary, the payment timeline as sentences, safe refunds, carriers, packing
//! slips and bulk shipping, product form errors, and the first steps of a new shop.
//! Kept apart from `admin.rs` so the table stays reviewable; reached by `Lang::work`.

use super::Lang;
use crate::order::{EventFacts, EventKind, RefundStatus};

/// The back office's words for its work pages. Plain fields for fixed words; methods for
/// sentences with values in them.
pub struct WorkText {
    lang: Lang,
    // Settings summary
    pub summary: &'static str,
    pub configured: &'static str,
    pub missing: &'static str,
    pub shop_name: &'static str,
    pub base_url: &'static str,
    pub currency: &'static str,
    pub language: &'static str,
    pub wechat_mode: &'static str,
    pub mode_sandbox: &'static str,
    pub mode_live: &'static str,
    pub appid: &'static str,
    pub mchid: &'static str,
    pub merchant_key: &'static str,
    pub apiv3_key: &'static str,
    pub platform_keys: &'static str,
    pub public_key_mode: &'static str,
    pub cert_mode: &'static str,
    pub template: &'static str,
    pub template_none: &'static str,
    pub https: &'static str,
    pub tls_off: &'static str,
    pub tls_self_signed: &'static str,
    pub tls_files: &'static str,
    pub tls_acme: &'static str,
    pub backups: &'static str,
    pub backups_off: &'static str,
    pub shipping_rule: &'static str,
    pub free_shipping: &'static str,
    pub data_dir: &'static str,
    pub console_where_pay_dir: &'static str,
    pub console_where_oauth: &'static str,
    pub console_where_js: &'static str,
    pub console_where_notify: &'static str,
    pub notify_refund: &'static str,
    pub ip_whitelist: &'static str,
    pub ip_whitelist_hint: &'static str,
    pub check_ok: &'static str,
    pub check_fail: &'static str,
    pub wechat_said: &'static str,
    // Orders
    pub when: &'static str,
    pub what: &'static str,
    pub amount_placeholder: &'static str,
    pub confirm_refund: &'static str,
    pub confirm_refund_body: &'static str,
    pub refund_to: &'static str,
    pub refund_no_reason: &'static str,
    pub cancel: &'static str,
    pub bytes_used: &'static str,
    pub reason_too_long: &'static str,
    pub amount_invalid: &'static str,
    pub refund_too_large: &'static str,
    pub payer: &'static str,
    pub rate: &'static str,
    pub wechat_payment: &'static str,
    pub carrier: &'static str,
    pub carrier_other_name: &'static str,
    pub track: &'static str,
    pub ship_invalid: &'static str,
    pub packing_slip: &'static str,
    pub packing_slips: &'static str,
    pub print_all_to_ship: &'static str,
    pub paper_size: &'static str,
    pub size_a4: &'static str,
    pub size_label: &'static str,
    pub print: &'static str,
    pub nothing_to_ship: &'static str,
    pub scan_order: &'static str,
    pub quantity: &'static str,
    pub bulk_ship: &'static str,
    pub bulk_ship_hint: &'static str,
    pub bulk_file: &'static str,
    pub preview: &'static str,
    pub ship_all: &'static str,
    pub bulk_refused: &'static str,
    pub bulk_empty: &'static str,
    pub bulk_not_utf8: &'static str,
    pub row: &'static str,
    pub order_no: &'static str,
    pub msg_pending: &'static str,
    pub msg_sent: &'static str,
    pub msg_failed: &'static str,
    // Products
    pub product_id: &'static str,
    pub generated_hint: &'static str,
    pub err_id: &'static str,
    pub err_name: &'static str,
    pub err_no_variant: &'static str,
    pub err_sku_dup: &'static str,
    pub err_images_none: &'static str,
    pub err_stock: &'static str,
    pub err_category: &'static str,
    pub move_earlier: &'static str,
    pub move_later: &'static str,
    pub cover: &'static str,
    pub images_hint: &'static str,
    pub stock_reason_form: &'static str,
    // First steps
    pub first_steps: &'static str,
    pub first_steps_hint: &'static str,
    pub step_category: &'static str,
    pub step_product: &'static str,
    pub step_shipping: &'static str,
    pub step_wechat: &'static str,
    pub step_live: &'static str,
    pub step_done: &'static str,
    pub step_todo: &'static str,
}

impl Lang {
    /// The back office's words for its work pages.
    pub fn work(self) -> &'static WorkText {
        match self {
            Lang::Zh => &WORK_ZH,
            Lang::En => &WORK_EN,
        }
    }
}

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
            (false, AmountMismatch) => "Payment does not match the order",
            (false, LatePayment) => "Paid after the order closed",
            (false, DoublePayment) => "Paid twice",
            (false, RefundFailed) => "Refund not made",
            (false, BillDifference) => "The trade bill differs",
            (false, WechatConfig) => "WeChat Pay configuration",
            (false, UnknownOrder) => "Notification for an unknown order",
            (false, MessageFailed) => "Delivery message not sent",
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

pub static WORK_ZH: WorkText = WorkText {
    lang: Lang::Zh,
    summary: "店铺概况",
    configured: "已配置",
    missing: "未配置",
    shop_name: "店铺名称",
    base_url: "店铺网址",
    currency: "币种",
    language: "语言",
    wechat_mode: "微信",
    mode_sandbox: "模拟模式：微信由内置沙箱模拟，不会产生真实付款",
    mode_live: "正式模式：真实的微信支付",
    appid: "公众号 AppID",
    mchid: "微信支付商户号",
    merchant_key: "商户私钥与证书序列号",
    apiv3_key: "APIv3 密钥",
    platform_keys: "微信支付验签",
    public_key_mode: "微信支付公钥",
    cert_mode: "平台证书（每 6 小时自动下载）",
    template: "发货通知模板",
    template_none: "未设置：发货后不会给顾客发微信消息（[wechat] shipped_template_id）",
    https: "HTTPS",
    tls_off: "由前置代理提供（[tls] mode = off）",
    tls_self_signed: "自签名证书（仅供测试，微信不接受）",
    tls_files: "证书文件，变更后自动重新载入",
    tls_acme: "自动申请并续期（ACME）",
    backups: "自动备份",
    backups_off: "未开启（[backup] interval_hours）",
    shipping_rule: "运费",
    free_shipping: "包邮",
    data_dir: "数据目录",
    console_where_pay_dir: "微信支付商户平台 › 产品中心 › 开发配置 › JSAPI 支付授权目录",
    console_where_oauth: "公众号后台 › 设置与开发 › 公众号设置 › 功能设置 › 网页授权域名",
    console_where_js: "公众号后台 › 设置与开发 › 公众号设置 › 功能设置 › JS 接口安全域名",
    console_where_notify: "无需填写：下单时自动带上；必须是 443 端口上的 https",
    notify_refund: "退款通知地址",
    ip_whitelist: "IP 白名单",
    ip_whitelist_hint: "公众号后台 › 设置与开发 › 基本配置 › IP 白名单：填入本服务器的公网 IP，否则无法获取 access_token（发货消息、菜单会失败）。",
    check_ok: "通过",
    check_fail: "未通过",
    wechat_said: "微信的回答",
    when: "时间",
    what: "经过",
    amount_placeholder: "退款金额",
    confirm_refund: "确认退款",
    confirm_refund_body: "退款会原路退回顾客的微信支付，提交后不能撤回。请核对：",
    refund_to: "退给",
    refund_no_reason: "（未填写原因）",
    cancel: "返回修改",
    bytes_used: "已用字节",
    reason_too_long: "退款原因最多 80 字节（约 26 个汉字），请缩短后再提交。",
    amount_invalid: "请填写退款金额，例如 10.00",
    refund_too_large: "退款金额超过了还可以退的金额",
    payer: "顾客实付",
    rate: "汇率",
    wechat_payment: "微信支付",
    carrier: "快递公司",
    carrier_other_name: "其他快递公司名称",
    track: "查询物流",
    ship_invalid: "请选择快递公司并填写运单号（各不超过 40 个字符）；选「其他」时请填写公司名称。",
    packing_slip: "发货单",
    packing_slips: "发货单",
    print_all_to_ship: "打印全部待发货的发货单",
    paper_size: "纸张",
    size_a4: "A4",
    size_label: "100×150 mm 面单",
    print: "打印",
    nothing_to_ship: "没有待发货的订单。",
    scan_order: "扫码在后台打开订单",
    quantity: "数量",
    bulk_ship: "批量发货",
    bulk_ship_hint: "上传 CSV 文件，每行三列：订单号、快递公司、运单号（第一行可以是表头）。先预览，确认后一次全部发货；有任何一行出错则一个也不发。",
    bulk_file: "CSV 文件",
    preview: "预览",
    ship_all: "确认全部发货",
    bulk_refused: "文件有错误，没有订单发货。改正下面的行后重新上传。",
    bulk_empty: "文件中没有订单行。",
    bulk_not_utf8: "文件不是 UTF-8 编码。请在表格软件中另存为「CSV UTF-8」。",
    row: "行",
    order_no: "订单号",
    msg_pending: "等待重试",
    msg_sent: "已送达",
    msg_failed: "发送失败",
    product_id: "商品编号（用于网址）",
    generated_hint: "可留空，自动生成",
    err_id: "商品编号只能用小写字母、数字和 -（最多 64 个）；留空会自动生成。",
    err_name: "请填写商品名称（1–60 个字符）。",
    err_no_variant: "至少需要一个填了价格的规格。",
    err_sku_dup: "每个规格的 SKU 必须不同。",
    err_images_none: "请选择至少一张图片。",
    err_stock: "库存须为不小于 0 的整数。",
    err_category: "分类需要编号（小写字母、数字和 -）和 1–20 个字的名称。",
    move_earlier: "前移",
    move_later: "后移",
    cover: "封面",
    images_hint: "可一次选择多张；第一张是封面，保存后可调整顺序。",
    stock_reason_form: "商品表单",
    first_steps: "开店的几步",
    first_steps_hint: "完成后打勾；点击去完成。",
    step_category: "建一个商品分类",
    step_product: "上架第一件商品",
    step_shipping: "设定运费（[shop] shipping_fee、free_shipping_over）",
    step_wechat: "接入微信支付（AppID、商户号、密钥）",
    step_live: "正式开店：https 网址并切换到正式模式",
    step_done: "已完成",
    step_todo: "待完成",
};

pub static WORK_EN: WorkText = WorkText {
    lang: Lang::En,
    summary: "Summary",
    configured: "Set",
    missing: "Missing",
    shop_name: "Shop name",
    base_url: "Shop address",
    currency: "Currency",
    language: "Language",
    wechat_mode: "WeChat",
    mode_sandbox: "Sandbox: WeChat is simulated; no real money moves",
    mode_live: "Live WeChat Pay",
    appid: "Official Account AppID",
    mchid: "WeChat Pay merchant id",
    merchant_key: "Merchant key and certificate serial",
    apiv3_key: "APIv3 key",
    platform_keys: "WeChat Pay signatures",
    public_key_mode: "WeChat Pay public key",
    cert_mode: "Platform certificates (downloaded every 6 hours)",
    template: "Shipping message template",
    template_none: "Not set: shoppers get no WeChat message when their order ships ([wechat] shipped_template_id)",
    https: "HTTPS",
    tls_off: "Provided by a proxy in front ([tls] mode = off)",
    tls_self_signed: "Self-signed certificate (for testing; WeChat refuses it)",
    tls_files: "Certificate files, reloaded when they change",
    tls_acme: "Obtained and renewed automatically (ACME)",
    backups: "Backups",
    backups_off: "Off ([backup] interval_hours)",
    shipping_rule: "Shipping",
    free_shipping: "free shipping",
    data_dir: "Data directory",
    console_where_pay_dir: "WeChat Pay merchant platform › Product center › Development settings › JSAPI payment directory",
    console_where_oauth: "Official Account console › Settings › Account settings › Features › OAuth domain",
    console_where_js: "Official Account console › Settings › Account settings › Features › JS API safe domain",
    console_where_notify: "Nothing to paste: sent with every order; must be https on port 443",
    notify_refund: "Refund notification URL",
    ip_whitelist: "IP whitelist",
    ip_whitelist_hint: "Official Account console › Settings › Basic configuration › IP whitelist: add this server's public IP, or access tokens are refused (delivery messages and the menu fail).",
    check_ok: "Passed",
    check_fail: "Failed",
    wechat_said: "WeChat's answer",
    when: "When",
    what: "What happened",
    amount_placeholder: "Refund amount",
    confirm_refund: "Confirm the refund",
    confirm_refund_body: "The refund goes back to the shopper's WeChat Pay and cannot be undone. Check:",
    refund_to: "To",
    refund_no_reason: "(no reason given)",
    cancel: "Back",
    bytes_used: "Bytes used",
    reason_too_long: "A refund reason is at most 80 bytes (about 26 Chinese characters); shorten it and submit again.",
    amount_invalid: "Enter the amount to refund, e.g. 10.00",
    refund_too_large: "The amount is more than is left to refund",
    payer: "The shopper paid",
    rate: "rate",
    wechat_payment: "WeChat Pay",
    carrier: "Carrier",
    carrier_other_name: "Other carrier's name",
    track: "Track",
    ship_invalid: "Choose a carrier and enter the tracking number (at most 40 characters each); for \"Other\", enter the carrier's name.",
    packing_slip: "Packing slip",
    packing_slips: "Packing slips",
    print_all_to_ship: "Print packing slips for everything to ship",
    paper_size: "Paper",
    size_a4: "A4",
    size_label: "100×150 mm label",
    print: "Print",
    nothing_to_ship: "Nothing to ship.",
    scan_order: "Scan to open the order in the back office",
    quantity: "Qty",
    bulk_ship: "Ship in bulk",
    bulk_ship_hint: "Upload a CSV file with three cells a row: order number, carrier, tracking number (the first row may be a header). Preview it, then ship all at once; if any row is wrong, nothing ships.",
    bulk_file: "CSV file",
    preview: "Preview",
    ship_all: "Ship them all",
    bulk_refused: "The file has errors; nothing shipped. Fix the rows below and upload it again.",
    bulk_empty: "The file has no order rows.",
    bulk_not_utf8: "The file is not UTF-8. Save it from the spreadsheet as \"CSV UTF-8\".",
    row: "Row",
    order_no: "Order number",
    msg_pending: "Waiting to retry",
    msg_sent: "Delivered",
    msg_failed: "Not delivered",
    product_id: "Product id (in the address)",
    generated_hint: "May be left empty: generated",
    err_id: "The product id uses lowercase letters, digits and - (at most 64); leave it empty to have one generated.",
    err_name: "Enter the product's name (1–60 characters).",
    err_no_variant: "At least one variant with a price is needed.",
    err_sku_dup: "Every variant needs its own SKU.",
    err_images_none: "Choose at least one image.",
    err_stock: "Stock must be a whole number, 0 or more.",
    err_category: "A category needs an id (lowercase letters, digits, -) and a name of 1–20 characters.",
    move_earlier: "Earlier",
    move_later: "Later",
    cover: "Cover",
    images_hint: "Choose several at once; the first is the cover. Reorder them after saving.",
    stock_reason_form: "product form",
    first_steps: "First steps",
    first_steps_hint: "Ticked when done; tap one to do it.",
    step_category: "Create a category",
    step_product: "Publish a first product",
    step_shipping: "Set shipping ([shop] shipping_fee, free_shipping_over)",
    step_wechat: "Connect WeChat Pay (AppID, merchant id, keys)",
    step_live: "Go live: an https address and live mode",
    step_done: "Done",
    step_todo: "To do",
};
