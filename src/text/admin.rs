//! The back office's words, in Simplified Chinese and English.

use super::Lang;

// The work pages' words (settings summary, timeline, refunds, shipping, products, first
// steps) live in their own file.
#[path = "admin_sentences.rs"]
mod sentences;
#[path = "admin_work.rs"]
mod work;
// Staff and the audit log.
#[path = "admin_staff.rs"]
mod staff;

/// The back office's words.
pub struct AdminText {
    pub title: &'static str,
    pub dashboard: &'static str,
    pub products: &'static str,
    pub categories: &'static str,
    pub orders: &'static str,
    pub settings: &'static str,
    pub logout: &'static str,
    pub login: &'static str,
    pub username: &'static str,
    pub password: &'static str,
    pub confirm_password: &'static str,
    pub setup_title: &'static str,
    pub reset_title: &'static str,
    pub setup_done: &'static str,
    pub login_failed: &'static str,
    pub link_invalid: &'static str,
    pub bad_username: &'static str,
    pub password_short: &'static str,
    pub passwords_differ: &'static str,
    pub today: &'static str,
    pub this_week: &'static str,
    pub orders_count: &'static str,
    pub revenue: &'static str,
    pub to_ship: &'static str,
    pub by_channel: &'static str,
    pub direct: &'static str,
    pub alerts: &'static str,
    pub no_alerts: &'static str,
    pub acknowledge: &'static str,
    pub low_stock: &'static str,
    pub new_product: &'static str,
    pub save: &'static str,
    pub publish: &'static str,
    pub unpublish: &'static str,
    pub published: &'static str,
    pub unpublished: &'static str,
    pub featured: &'static str,
    pub sort: &'static str,
    pub name: &'static str,
    pub summary: &'static str,
    pub description: &'static str,
    pub option_name: &'static str,
    pub variants: &'static str,
    pub sku: &'static str,
    pub variant: &'static str,
    pub price: &'static str,
    pub stock: &'static str,
    pub images: &'static str,
    pub upload: &'static str,
    pub remove: &'static str,
    pub adjust_stock: &'static str,
    pub reason: &'static str,
    pub reason_hint: &'static str,
    pub disputed: &'static str,
    pub disputed_body: &'static str,
    pub disputed_paid: &'static str,
    pub stock_log: &'static str,
    pub qr_codes: &'static str,
    pub channel: &'static str,
    pub print_sheet: &'static str,
    pub csv_export: &'static str,
    pub csv_import: &'static str,
    pub imported: &'static str,
    pub all_states: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub search: &'static str,
    pub filter: &'static str,
    pub ship: &'static str,
    pub courier: &'static str,
    pub tracking_no: &'static str,
    pub refund: &'static str,
    pub refund_amount: &'static str,
    pub refunds: &'static str,
    pub timeline: &'static str,
    pub message: &'static str,
    pub no_message: &'static str,
    pub saved: &'static str,
    pub console_strings: &'static str,
    pub pay_dir: &'static str,
    pub oauth_domain: &'static str,
    pub js_domain: &'static str,
    pub notify_urls: &'static str,
    pub checks: &'static str,
    pub run_check: &'static str,
    pub config: &'static str,
}

impl AdminText {
    /// A login slowed down after failures: when the next attempt is allowed.
    pub fn login_wait(&self, secs: i64) -> String {
        if std::ptr::eq(self, &ADMIN_ZH) {
            format!("尝试次数过多，请 {secs} 秒后再试")
        } else {
            format!("Too many attempts; try again in {secs} seconds")
        }
    }

    /// Too many logins being checked at once.
    pub fn login_busy(&self) -> &'static str {
        if std::ptr::eq(self, &ADMIN_ZH) {
            "登录请求较多，请稍后再试"
        } else {
            "Many sign-ins at once; try again in a moment"
        }
    }

    /// A refund's status in words.
    pub fn refund_status(&self, s: crate::order::RefundStatus) -> &'static str {
        use crate::order::RefundStatus::*;
        let zh = std::ptr::eq(self, &ADMIN_ZH);
        match (zh, s) {
            (true, Requested) => "待提交微信",
            (true, Processing) => "处理中",
            (true, Success) => "已退款",
            (true, Closed) => "退款关闭",
            (true, Abnormal) => "退款异常",
            (true, Failed) => "微信拒绝退款",
            (false, Requested) => "Waiting to reach WeChat",
            (false, Processing) => "Processing",
            (false, Success) => "Refunded",
            (false, Closed) => "Closed",
            (false, Abnormal) => "Abnormal",
            (false, Failed) => "Refused by WeChat",
        }
    }
}

impl Lang {
    pub fn admin(self) -> &'static AdminText {
        match self {
            Lang::Zh => &ADMIN_ZH,
            Lang::En => &ADMIN_EN,
        }
    }
}

pub static ADMIN_ZH: AdminText = AdminText {
    title: "店铺后台",
    dashboard: "概览",
    products: "商品",
    categories: "分类",
    orders: "订单",
    settings: "设置",
    logout: "退出",
    login: "登录",
    username: "用户名",
    password: "密码",
    confirm_password: "再次输入密码",
    setup_title: "创建店主账号",
    reset_title: "设置新密码",
    setup_done: "账号已创建，请登录。",
    login_failed: "用户名或密码错误",
    link_invalid: "链接无效或已过期。请在服务器上运行 puzi admin setup-link 获取新链接。",
    bad_username: "用户名须为 3–32 个字母、数字或 ._-@",
    password_short: "密码至少 10 个字符",
    passwords_differ: "两次输入的密码不一致",
    today: "今日",
    this_week: "本周",
    orders_count: "订单数",
    revenue: "收款",
    to_ship: "待发货",
    by_channel: "渠道销售",
    direct: "直接访问",
    alerts: "提醒",
    no_alerts: "没有待处理的提醒",
    acknowledge: "知道了",
    low_stock: "库存紧张",
    new_product: "新建商品",
    save: "保存",
    publish: "上架",
    unpublish: "下架",
    published: "已上架",
    unpublished: "已下架",
    featured: "首页推荐",
    sort: "排序",
    name: "名称",
    summary: "简介",
    description: "详情",
    option_name: "规格名称",
    variants: "规格与价格",
    sku: "SKU",
    variant: "规格",
    price: "价格",
    stock: "库存",
    images: "图片",
    upload: "上传图片",
    remove: "删除",
    adjust_stock: "调整库存",
    reason: "原因",
    reason_hint: "退款原因最多 80 字节（约 26 个汉字），超出部分不会发送给微信。",
    disputed: "支付不符",
    disputed_paid: "微信确认的付款",
    disputed_body: "微信支付确认了一笔与本订单不符的付款（金额、币种或商户号不同）。订单不会自动关闭或再次查询，请在微信支付商户平台核实后处理。",
    stock_log: "库存记录",
    qr_codes: "二维码入口",
    channel: "渠道标记",
    print_sheet: "打印 A4 商品卡",
    csv_export: "导出 CSV",
    csv_import: "导入 CSV",
    imported: "已导入",
    all_states: "全部状态",
    from: "从",
    to: "到",
    search: "搜索订单号、手机号或姓名",
    filter: "筛选",
    ship: "发货",
    courier: "快递公司",
    tracking_no: "运单号",
    refund: "退款",
    refund_amount: "退款金额",
    refunds: "退款记录",
    timeline: "支付时间线",
    message: "发货消息",
    no_message: "未发送（未配置模板或没有顾客 openid）",
    saved: "已保存",
    console_strings: "粘贴到微信后台的内容",
    pay_dir: "支付授权目录",
    oauth_domain: "网页授权域名",
    js_domain: "JS 接口安全域名",
    notify_urls: "通知地址",
    checks: "检查",
    run_check: "运行在线检查",
    config: "配置（只读）",
};

pub static ADMIN_EN: AdminText = AdminText {
    title: "Back office",
    dashboard: "Dashboard",
    products: "Products",
    categories: "Categories",
    orders: "Orders",
    settings: "Settings",
    logout: "Log out",
    login: "Log in",
    username: "Username",
    password: "Password",
    confirm_password: "Repeat password",
    setup_title: "Create the owner account",
    reset_title: "Set a new password",
    setup_done: "The account is ready; please log in.",
    login_failed: "Wrong username or password",
    link_invalid: "This link is invalid or expired. Run `puzi admin setup-link` on the server for a new one.",
    bad_username: "The username must be 3–32 letters, digits or ._-@",
    password_short: "The password needs at least 10 characters",
    passwords_differ: "The passwords differ",
    today: "Today",
    this_week: "This week",
    orders_count: "Orders",
    revenue: "Revenue",
    to_ship: "To ship",
    by_channel: "Sales by channel",
    direct: "Direct",
    alerts: "Alerts",
    no_alerts: "No open alerts",
    acknowledge: "Dismiss",
    low_stock: "Low stock",
    new_product: "New product",
    save: "Save",
    publish: "Publish",
    unpublish: "Unpublish",
    published: "Published",
    unpublished: "Unpublished",
    featured: "Featured",
    sort: "Sort",
    name: "Name",
    summary: "Summary",
    description: "Description",
    option_name: "Option name",
    variants: "Variants and prices",
    sku: "SKU",
    variant: "Variant",
    price: "Price",
    stock: "Stock",
    images: "Images",
    upload: "Upload images",
    remove: "Remove",
    adjust_stock: "Adjust stock",
    reason: "Reason",
    reason_hint: "A refund reason is at most 80 bytes (about 26 Chinese characters); anything longer is cut before it is sent to WeChat.",
    disputed: "Payment mismatch",
    disputed_paid: "Paid at WeChat",
    disputed_body: "WeChat Pay confirmed a payment that does not match this order (amount, currency or merchant). The order is no longer closed or queried automatically; check it in the WeChat Pay merchant platform.",
    stock_log: "Stock log",
    qr_codes: "QR entry points",
    channel: "Channel tag",
    print_sheet: "Print A4 product cards",
    csv_export: "Export CSV",
    csv_import: "Import CSV",
    imported: "Imported",
    all_states: "All states",
    from: "From",
    to: "To",
    search: "Search order number, phone or name",
    filter: "Filter",
    ship: "Ship",
    courier: "Courier",
    tracking_no: "Tracking number",
    refund: "Refund",
    refund_amount: "Refund amount",
    refunds: "Refunds",
    timeline: "Payment timeline",
    message: "Delivery message",
    no_message: "Not sent (no template configured or no openid)",
    saved: "Saved",
    console_strings: "Paste these into WeChat's consoles",
    pay_dir: "Payment directory",
    oauth_domain: "OAuth domain",
    js_domain: "JS API safe domain",
    notify_urls: "Notification URLs",
    checks: "Checks",
    run_check: "Run the live check",
    config: "Configuration (read-only)",
};

// Paging the back office's order list (issue 19): a page holds the newest orders only.
impl Lang {
    /// The link under a full page of the order list to the orders before it.
    pub fn older_orders(self) -> &'static str {
        match self {
            Lang::Zh => "更早的订单",
            Lang::En => "Older orders",
        }
    }
}

// What the back office's order search looked through (issue 19, schema 5): what is indexed
// is found in every order, a fragment in the newest orders only.
impl Lang {
    /// Under the search box when a fragment search stopped at the newest `window` orders
    /// with older ones left unread.
    pub fn order_search_window(self, window: usize) -> String {
        match self {
            Lang::Zh => format!(
                "完整手机号、手机尾号 4 位、姓名或姓名开头、订单号开头可查到全部订单；\
                 姓名或号码中间的片段只在最新的 {window} 个订单中查找。"
            ),
            Lang::En => format!(
                "A full mobile number, its last 4 digits, a name or its beginning, and the \
                 beginning of an order number find orders of any age; text in the middle of \
                 a name or number was looked for in the newest {window} orders only."
            ),
        }
    }
}
