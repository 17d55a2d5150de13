//! Every user-facing string of the shop, in Simplified Chinese and English.
//!
//! Views never spell out words themselves: they take a `&Text` and use its fields, so the
//! whole vocabulary can be reviewed and translated here. Strings with numbers in them are
//! methods.

use crate::order::{FieldProblem, OrderState};
use serde::Deserialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum Lang {
    #[serde(rename = "zh-CN")]
    Zh,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh-CN" | "zh" | "zh-Hans" => Some(Lang::Zh),
            "en" | "en-US" | "en-GB" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn text(self) -> &'static Text {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }
}

pub struct Text {
    pub lang: Lang,
    pub home: &'static str,
    pub categories: &'static str,
    pub featured: &'static str,
    pub all_products: &'static str,
    pub cart: &'static str,
    pub my_orders: &'static str,
    pub add_to_cart: &'static str,
    pub sold_out: &'static str,
    pub in_stock: &'static str,
    pub choose: &'static str,
    pub quantity: &'static str,
    pub price_from: &'static str,
    pub cart_empty: &'static str,
    pub go_shopping: &'static str,
    pub update: &'static str,
    pub remove: &'static str,
    pub items_total: &'static str,
    pub shipping: &'static str,
    pub free_shipping: &'static str,
    pub total: &'static str,
    pub checkout: &'static str,
    pub place_order: &'static str,
    pub recipient: &'static str,
    pub recipient_name: &'static str,
    pub mobile: &'static str,
    pub address: &'static str,
    pub note: &'static str,
    pub note_placeholder: &'static str,
    pub fix_errors: &'static str,
    pub order: &'static str,
    pub order_no: &'static str,
    pub order_placed: &'static str,
    pub placed_at: &'static str,
    pub no_orders: &'static str,
    pub not_found: &'static str,
    pub not_found_body: &'static str,
    pub bad_request: &'static str,
    pub server_error: &'static str,
    pub server_error_body: &'static str,
    // -- storage faults (disk full): the "try again" page --
    pub store_unavailable: &'static str,
    pub store_unavailable_body: &'static str,
    // -- end storage faults --
    pub too_large_body: &'static str,
    pub too_slow_body: &'static str,
    /// A refused request (the reason goes to the log).
    pub bad_request_body: &'static str,
    /// A form from elsewhere, an expired form or a page that needs signing in.
    pub forbidden_body: &'static str,
    pub uri_too_long_body: &'static str,
    pub busy_body: &'static str,
    pub back_home: &'static str,
    pub added_to_cart: &'static str,
    pub cart_full: &'static str,
    pub item_unavailable: &'static str,
    pub empty_cart_checkout: &'static str,
    pub stock_changed: &'static str,
    pub required: &'static str,
    pub bad_mobile: &'static str,
    pub pay_soon: &'static str,
    pub footer: &'static str,
    pub view_cart: &'static str,
    pub continue_shopping: &'static str,
    pub pay_title: &'static str,
    pub pay_button: &'static str,
    pub pay_amount: &'static str,
    pub pay_failed: &'static str,
    pub pay_cancelled: &'static str,
    pub retry: &'static str,
    pub open_in_wechat: &'static str,
    pub open_in_wechat_body: &'static str,
    pub confirming: &'static str,
    pub confirming_body: &'static str,
    pub still_confirming: &'static str,
    pub paid_title: &'static str,
    pub thanks_default: &'static str,
    pub view_order: &'static str,
    pub pay_now: &'static str,
    pub order_closed_body: &'static str,
    pub oauth_failed: &'static str,
    pub sandbox_notice: &'static str,
    pub pay_unavailable: &'static str,
    pub copy_link: &'static str,
    pub sandbox_banner: &'static str,
    pub too_many_checkouts: &'static str,
    pub shipment: &'static str,
    pub courier: &'static str,
    pub tracking_no: &'static str,
    pub confirm_receipt: &'static str,
    pub confirm_receipt_ask: &'static str,
    pub confirm_receipt_yes: &'static str,
    pub not_yet: &'static str,
    pub auto_complete_hint: &'static str,
    pub receipt_confirmed: &'static str,
}

impl Text {
    pub fn only_left(&self, n: u32) -> String {
        match self.lang {
            Lang::Zh => format!("仅剩 {n} 件"),
            Lang::En => format!("Only {n} left"),
        }
    }

    pub fn free_shipping_over(&self, amount: &str) -> String {
        match self.lang {
            Lang::Zh => format!("满 {amount} 包邮"),
            Lang::En => format!("Free shipping over {amount}"),
        }
    }

    pub fn short_stock(&self, name: &str, available: u32) -> String {
        match self.lang {
            Lang::Zh => format!("「{name}」库存不足，目前仅剩 {available} 件"),
            Lang::En => format!("Not enough “{name}” in stock: {available} left"),
        }
    }

    pub fn too_long(&self, max: usize) -> String {
        match self.lang {
            Lang::Zh => format!("不能超过 {max} 个字"),
            Lang::En => format!("At most {max} characters"),
        }
    }

    pub fn too_many_unpaid(&self, n: u32) -> String {
        match self.lang {
            Lang::Zh => format!(
                "您已有 {n} 笔未付款的订单。请先在「我的订单」中付款，或等它们超时关闭后再下单。"
            ),
            Lang::En => format!(
                "You already have {n} unpaid orders. Pay them in “My orders”, or wait until they close, before ordering again."
            ),
        }
    }

    pub fn units(&self, n: u32) -> String {
        match self.lang {
            Lang::Zh => format!("共 {n} 件"),
            Lang::En if n == 1 => "1 item".to_string(),
            Lang::En => format!("{n} items"),
        }
    }

    pub fn field_problem(&self, p: FieldProblem) -> String {
        match p {
            FieldProblem::Required => self.required.to_string(),
            FieldProblem::TooLong(max) => self.too_long(max),
            FieldProblem::BadMobile => self.bad_mobile.to_string(),
        }
    }

    pub fn state(&self, s: OrderState) -> &'static str {
        match (self.lang, s) {
            (Lang::Zh, OrderState::PendingPayment) => "待付款",
            (Lang::Zh, OrderState::Paid) => "已付款，待发货",
            (Lang::Zh, OrderState::Shipped) => "已发货",
            (Lang::Zh, OrderState::Completed) => "已完成",
            (Lang::Zh, OrderState::Closed) => "已关闭",
            (Lang::Zh, OrderState::Refunded) => "已退款",
            (Lang::En, OrderState::PendingPayment) => "Awaiting payment",
            (Lang::En, OrderState::Paid) => "Paid, awaiting shipment",
            (Lang::En, OrderState::Shipped) => "Shipped",
            (Lang::En, OrderState::Completed) => "Completed",
            (Lang::En, OrderState::Closed) => "Closed",
            (Lang::En, OrderState::Refunded) => "Refunded",
        }
    }
}

pub static ZH: Text = Text {
    lang: Lang::Zh,
    home: "首页",
    categories: "分类",
    featured: "精选推荐",
    all_products: "全部商品",
    cart: "购物车",
    my_orders: "我的订单",
    add_to_cart: "加入购物车",
    sold_out: "已售罄",
    in_stock: "有货",
    choose: "请选择",
    quantity: "数量",
    price_from: "起",
    cart_empty: "购物车是空的",
    go_shopping: "去逛逛",
    update: "更新",
    remove: "删除",
    items_total: "商品金额",
    shipping: "运费",
    free_shipping: "包邮",
    total: "合计",
    checkout: "去结算",
    place_order: "提交订单",
    recipient: "收货信息",
    recipient_name: "收货人",
    mobile: "手机号码",
    address: "详细地址",
    note: "备注",
    note_placeholder: "选填，如送货时间",
    fix_errors: "请修改下面标出的内容",
    order: "订单",
    order_no: "订单号",
    order_placed: "订单已提交",
    placed_at: "下单时间",
    no_orders: "还没有订单",
    not_found: "页面不存在",
    not_found_body: "您要找的页面不存在或已下架。",
    bad_request: "请求无效",
    server_error: "出错了",
    server_error_body: "服务器暂时出了点问题，请稍后再试。您的购物车和订单不会丢失。",
    // -- storage faults (disk full) --
    store_unavailable: "请稍后再试",
    store_unavailable_body: "店铺暂时无法保存您的操作，这次没有记录任何内容，也没有扣款。请过一会儿再试一次。",
    // -- end storage faults --
    too_large_body: "提交的内容太大了。请缩小图片，或分几次上传。",
    too_slow_body: "提交的内容传得太慢，已中断。请检查网络后再试。",
    bad_request_body: "这个请求无法处理。请返回上一页，检查后再试。",
    forbidden_body: "页面已过期或需要先登录。请刷新页面（或重新登录）后再试。",
    uri_too_long_body: "网址太长了。",
    busy_body: "店里人太多了，请稍后再试。",
    back_home: "返回首页",
    added_to_cart: "已加入购物车",
    cart_full: "购物车已满",
    item_unavailable: "有商品已下架，已从结算中移除",
    empty_cart_checkout: "购物车是空的，无法结算",
    stock_changed: "库存有变化，请调整数量后再提交",
    required: "必填",
    bad_mobile: "请输入 11 位手机号码",
    pay_soon: "请尽快完成支付，超时订单将自动关闭。",
    footer: "由 铺子 puzi 提供技术支持",
    view_cart: "查看购物车",
    continue_shopping: "继续逛逛",
    pay_title: "收银台",
    pay_button: "微信支付",
    pay_amount: "需支付",
    pay_failed: "支付未完成，请重试",
    pay_cancelled: "您已取消支付。订单在超时前仍可支付。",
    retry: "重新支付",
    open_in_wechat: "请在微信中打开",
    open_in_wechat_body: "微信支付需要在微信内完成。请用微信扫描下面的二维码，或把链接发送到微信后打开。",
    confirming: "正在确认支付结果…",
    confirming_body: "请稍候，结果会自动更新。请勿重复支付。",
    still_confirming: "暂未收到支付结果。如果您已付款，结果会自动更新，请勿重复支付。",
    paid_title: "支付成功",
    thanks_default: "感谢您的惠顾！",
    view_order: "查看订单",
    pay_now: "去支付",
    order_closed_body: "订单已超时关闭，库存已释放。如需购买请重新下单。",
    oauth_failed: "微信授权已失效，请重新进入页面。",
    sandbox_notice: "沙箱模式：支付由内置的微信模拟器完成，不会产生真实扣款。",
    pay_unavailable: "暂时无法发起支付，请稍后再试。",
    copy_link: "链接",
    sandbox_banner: "演示模式 — 不产生真实扣款",
    too_many_checkouts: "下单太频繁了，请稍后再试。",
    shipment: "物流信息",
    courier: "快递公司",
    tracking_no: "运单号",
    confirm_receipt: "确认收货",
    confirm_receipt_ask: "请确认已收到全部商品。确认后订单即完成。",
    confirm_receipt_yes: "已收到，确认收货",
    not_yet: "还没收到",
    auto_complete_hint: "发货后如未确认收货，订单将自动完成。",
    receipt_confirmed: "已确认收货，感谢您的购买！",
};

pub static EN: Text = Text {
    lang: Lang::En,
    home: "Home",
    categories: "Categories",
    featured: "Featured",
    all_products: "All products",
    cart: "Cart",
    my_orders: "My orders",
    add_to_cart: "Add to cart",
    sold_out: "Sold out",
    in_stock: "In stock",
    choose: "Choose",
    quantity: "Quantity",
    price_from: "from",
    cart_empty: "Your cart is empty",
    go_shopping: "Start shopping",
    update: "Update",
    remove: "Remove",
    items_total: "Items",
    shipping: "Shipping",
    free_shipping: "Free",
    total: "Total",
    checkout: "Check out",
    place_order: "Place order",
    recipient: "Delivery",
    recipient_name: "Recipient",
    mobile: "Mobile number",
    address: "Address",
    note: "Note",
    note_placeholder: "Optional, e.g. a delivery time",
    fix_errors: "Please correct the fields marked below",
    order: "Order",
    order_no: "Order number",
    order_placed: "Order placed",
    placed_at: "Placed at",
    no_orders: "No orders yet",
    not_found: "Not found",
    not_found_body: "The page you asked for does not exist or is no longer sold.",
    bad_request: "Bad request",
    server_error: "Something went wrong",
    server_error_body: "The server had a problem; please try again shortly. Your cart and orders are safe.",
    // -- storage faults (disk full) --
    store_unavailable: "Please try again",
    store_unavailable_body: "The shop could not save that just now, so nothing was recorded and nothing was charged. Please try again in a moment.",
    // -- end storage faults --
    too_large_body: "What you sent is too large. Make images smaller, or upload them a few at a time.",
    too_slow_body: "What you sent arrived too slowly and was cut off. Check the connection and try again.",
    bad_request_body: "This request could not be handled. Go back, check it and try again.",
    forbidden_body: "The page has expired or needs you to sign in. Reload it (or sign in again) and try again.",
    uri_too_long_body: "The address is too long.",
    busy_body: "The shop is very busy; please try again in a moment.",
    back_home: "Back to the shop",
    added_to_cart: "Added to cart",
    cart_full: "Your cart is full",
    item_unavailable: "Some items are no longer sold and were left out",
    empty_cart_checkout: "Your cart is empty",
    stock_changed: "Stock has changed; please adjust the quantities",
    required: "Required",
    bad_mobile: "Enter an 11-digit mobile number",
    pay_soon: "Please pay soon; unpaid orders are closed automatically.",
    footer: "Powered by puzi",
    view_cart: "View cart",
    continue_shopping: "Continue shopping",
    pay_title: "Payment",
    pay_button: "Pay with WeChat",
    pay_amount: "Amount due",
    pay_failed: "The payment did not go through; please try again",
    pay_cancelled: "You cancelled the payment. You can still pay until the order expires.",
    retry: "Try again",
    open_in_wechat: "Open this page in WeChat",
    open_in_wechat_body: "WeChat Pay works inside WeChat. Scan this code with WeChat, or send the link to WeChat and open it there.",
    confirming: "Confirming your payment…",
    confirming_body: "Please wait; this page updates by itself. Do not pay again.",
    still_confirming: "No confirmation yet. If you paid, this page will update by itself; please do not pay again.",
    paid_title: "Payment received",
    thanks_default: "Thank you for your order!",
    view_order: "View order",
    pay_now: "Pay now",
    order_closed_body: "This order expired and was closed. Please place a new order.",
    oauth_failed: "The WeChat sign-in expired; please open the page again.",
    sandbox_notice: "Sandbox mode: WeChat is simulated; no real money moves.",
    pay_unavailable: "Payment is unavailable right now; please try again shortly.",
    copy_link: "Link",
    sandbox_banner: "SANDBOX — no real money",
    too_many_checkouts: "Too many orders from here just now. Please try again later.",
    shipment: "Shipment",
    courier: "Carrier",
    tracking_no: "Tracking number",
    confirm_receipt: "Confirm receipt",
    confirm_receipt_ask: "Please confirm you received everything. The order is then complete.",
    confirm_receipt_yes: "Yes, I received it",
    not_yet: "Not yet",
    auto_complete_hint: "Orders complete automatically some days after shipping if not confirmed.",
    receipt_confirmed: "Receipt confirmed. Thank you for your order!",
};

mod admin;
pub use admin::{ADMIN_EN, ADMIN_ZH, AdminText};

// -- after-sales (the shopper's request, the owner's decision) --------------------------
mod aftersales;
pub use aftersales::{AdminAftersalesText, AftersalesText};

mod booth;
pub use booth::{BOOTH_EN, BOOTH_ZH, BoothText};

// -- the shopper's own pages (identity, links, order story, addresses, Native) -----------
mod shopper;
pub use shopper::{NativeText, ShopperText};

// -- WeChat platform pieces: verification files, followers (issue 14) ---------------------

mod platform;
pub use platform::{PLATFORM_EN, PLATFORM_ZH, PlatformText};

// -- the storefront that sells: product page, cart flags, lists, service (issue 15) -------
mod storefront;
pub use storefront::{STOREFRONT_EN, STOREFRONT_ZH, StorefrontText};

// -- the owner's phone: binding a member's WeChat, owner messages (issue 14 item 6) --------

mod owner_notify;
pub use owner_notify::{OWNER_NOTIFY_EN, OWNER_NOTIFY_ZH, OwnerNotifyText};

// -- JS-SDK: share cards, the WeChat address, the "share" channel (issue 14) ---------------
mod jssdk;
pub use jssdk::{JSSDK_EN, JSSDK_ZH, JssdkText};

// -- coupons, shipping templates and buy-now (issue 15) ------------------------------------
mod pricing;
pub use pricing::PricingText;

// -- storefront search (issue 15) ----------------------------------------------------------
mod search;
pub use search::{SEARCH_EN, SEARCH_ZH, SearchText};
// -- customer-service contact set in the back office (issue 15) --------------------------
mod service_contact;
pub use service_contact::{SERVICE_CONTACT_EN, SERVICE_CONTACT_ZH, ServiceContactText};
