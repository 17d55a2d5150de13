//! Strings of the shopper's own pages: signed order links, the order page's story, the
//! address book and region selects, and the Native payment on the cashier.

use super::{Lang, Text};

// -- the shopper's identity, signed links, the order story and the address book ----------

/// Strings of the shopper's own pages: signed order links, the order page's story, the
/// address book and the region selects.
pub struct ShopperText {
    pub lang: Lang,
    pub link_expired: &'static str,
    pub link_expired_body: &'static str,
    pub order_link: &'static str,
    pub order_link_hint: &'static str,
    pub copy: &'static str,
    pub copied: &'static str,
    /// The link to the carrier's own tracking page.
    pub track_parcel: &'static str,
    pub story: &'static str,
    pub ev_placed: &'static str,
    pub ev_paid: &'static str,
    pub ev_shipped: &'static str,
    pub ev_received: &'static str,
    pub ev_completed_auto: &'static str,
    pub ev_closed: &'static str,
    pub refund: &'static str,
    pub refund_reason: &'static str,
    pub pay_before: &'static str,
    pub time_left: &'static str,
    pub closing_now: &'static str,
    /// The address book page.
    pub addresses: &'static str,
    pub no_addresses: &'static str,
    pub delete_address: &'static str,
    pub delete_address_ask: &'static str,
    pub cancel: &'static str,
    /// The label over the three region selects.
    pub region: &'static str,
    pub province: &'static str,
    pub city: &'static str,
    pub district: &'static str,
    pub street: &'static str,
    pub street_placeholder: &'static str,
    pub choose_region: &'static str,
    pub refresh_regions: &'static str,
    pub saved_addresses: &'static str,
    pub new_address: &'static str,
    pub make_default: &'static str,
    pub default_tag: &'static str,
    pub set_default: &'static str,
    pub no_province: &'static str,
    pub no_city: &'static str,
    pub no_district: &'static str,
    pub unknown_region: &'static str,
    pub unknown_address: &'static str,
}

impl ShopperText {
    pub fn refund_status(&self, s: crate::order::RefundStatus) -> &'static str {
        use crate::order::RefundStatus as R;
        match (self.lang(), s) {
            (Lang::Zh, R::Requested | R::Processing) => "退款处理中",
            (Lang::Zh, R::Success) => "已退回",
            (Lang::Zh, R::Closed | R::Failed) => "未退款",
            (Lang::Zh, R::Abnormal) => "退款异常，商家处理中",
            (Lang::En, R::Requested | R::Processing) => "Refund in progress",
            (Lang::En, R::Success) => "Refunded",
            (Lang::En, R::Closed | R::Failed) => "Not refunded",
            (Lang::En, R::Abnormal) => "Refund problem; the shop is on it",
        }
    }

    /// "Refund 12.00" (the amount as the shop writes money).
    pub fn refund_of(&self, amount: &str) -> String {
        match self.lang() {
            Lang::Zh => format!("退款 {amount}"),
            Lang::En => format!("Refund {amount}"),
        }
    }

    /// The line above the signed link: for how long it works.
    pub fn link_valid_days(&self, days: u32) -> String {
        match self.lang() {
            Lang::Zh => format!("{days} 天内在任何手机上都能打开"),
            Lang::En if days == 1 => "Opens on any phone for a day".to_string(),
            Lang::En => format!("Opens on any phone for {days} days"),
        }
    }

    fn lang(&self) -> Lang {
        self.lang
    }
}

impl Text {
    /// The strings of the shopper's own pages.
    pub fn shopper(&self) -> &'static ShopperText {
        match self.lang {
            Lang::Zh => &SHOPPER_ZH,
            Lang::En => &SHOPPER_EN,
        }
    }
}

static SHOPPER_ZH: ShopperText = ShopperText {
    lang: Lang::Zh,
    link_expired: "链接已过期",
    link_expired_body: "这个订单链接已过期。您可以在「我的订单」中查看自己的订单。",
    order_link: "订单链接",
    order_link_hint: "复制后可在其他手机或微信中打开此订单",
    copy: "复制",
    copied: "已复制",
    track_parcel: "查看物流",
    story: "订单进度",
    ev_placed: "已下单",
    ev_paid: "已付款",
    ev_shipped: "已发货",
    ev_received: "已确认收货",
    ev_completed_auto: "已自动确认收货",
    ev_closed: "订单已关闭",
    refund: "退款",
    refund_reason: "原因",
    pay_before: "请在此时间前付款，否则订单自动关闭：",
    time_left: "剩余",
    closing_now: "订单即将关闭",
    addresses: "收货地址",
    no_addresses: "还没有保存的地址。下单时填写的地址会自动保存在这里。",
    delete_address: "删除",
    delete_address_ask: "删除这个地址？已下的订单不受影响。",
    cancel: "取消",
    region: "所在地区",
    province: "省份",
    city: "城市",
    district: "区县",
    street: "详细地址",
    street_placeholder: "街道、门牌号、楼层房间",
    choose_region: "请选择",
    refresh_regions: "更新可选地区",
    saved_addresses: "常用地址",
    new_address: "使用新地址",
    make_default: "设为默认地址",
    default_tag: "默认",
    set_default: "设为默认",
    no_province: "请选择省份",
    no_city: "请选择城市",
    no_district: "请选择区县",
    unknown_region: "所选地区不存在，请重新选择",
    unknown_address: "找不到这个地址，请重新选择",
};

static SHOPPER_EN: ShopperText = ShopperText {
    lang: Lang::En,
    link_expired: "Link expired",
    link_expired_body: "This order link has expired. Your orders are in “My orders”.",
    order_link: "Link to this order",
    order_link_hint: "Copy it to open this order on another phone or in WeChat",
    copy: "Copy",
    copied: "Copied",
    track_parcel: "Track the parcel",
    story: "Progress",
    ev_placed: "Order placed",
    ev_paid: "Paid",
    ev_shipped: "Shipped",
    ev_received: "Receipt confirmed",
    ev_completed_auto: "Receipt confirmed automatically",
    ev_closed: "Order closed",
    refund: "Refund",
    refund_reason: "Reason",
    pay_before: "Pay before this time, or the order closes by itself:",
    time_left: "Time left",
    closing_now: "The order is closing",
    addresses: "Addresses",
    no_addresses: "No saved addresses yet. The address you give at checkout is kept here.",
    delete_address: "Delete",
    delete_address_ask: "Delete this address? Orders already placed keep theirs.",
    cancel: "Cancel",
    region: "Province, city and district",
    province: "Province",
    city: "City",
    district: "District",
    street: "Street address",
    street_placeholder: "Street, number, floor and room",
    choose_region: "Choose",
    refresh_regions: "Update the choices",
    saved_addresses: "Saved addresses",
    new_address: "A new address",
    make_default: "Make this my default address",
    default_tag: "Default",
    set_default: "Make default",
    no_province: "Choose a province",
    no_city: "Choose a city",
    no_district: "Choose a district",
    unknown_region: "That region does not exist; choose again",
    unknown_address: "That address is not in your address book; choose again",
};

// -- paying from outside WeChat: Native payment (issue 13) --------------------------------

/// Strings of the Native payment on the cashier (a QR code to scan with WeChat).
pub struct NativeText {
    pub scan_title: &'static str,
    pub scan_body: &'static str,
    pub making_code: &'static str,
    pub waiting: &'static str,
    pub already_paid: &'static str,
    pub closed: &'static str,
    pub or_open_in_wechat: &'static str,
    pub code_alt: &'static str,
}

impl Text {
    /// The strings of the Native payment.
    pub fn native(&self) -> &'static NativeText {
        match self.lang {
            Lang::Zh => &NATIVE_ZH,
            Lang::En => &NATIVE_EN,
        }
    }
}

static NATIVE_ZH: NativeText = NativeText {
    scan_title: "微信扫码支付",
    scan_body: "请用微信「扫一扫」扫描二维码付款。付款确认后，本页会自动更新。",
    making_code: "正在生成付款二维码…",
    waiting: "等待付款确认…",
    already_paid: "这个订单已经付款，无需再付。",
    closed: "这个订单已关闭，不能再付款。",
    or_open_in_wechat: "也可以在微信中打开此订单付款",
    code_alt: "微信支付二维码",
};

static NATIVE_EN: NativeText = NativeText {
    scan_title: "Scan to pay with WeChat",
    scan_body: "Scan this code with WeChat's Scan to pay. This page updates by itself once the payment is confirmed.",
    making_code: "Making the payment code…",
    waiting: "Waiting for the payment to be confirmed…",
    already_paid: "This order is paid already; there is nothing more to pay.",
    closed: "This order is closed and can no longer be paid.",
    or_open_in_wechat: "Or open this order in WeChat to pay there",
    code_alt: "WeChat Pay code",
};
