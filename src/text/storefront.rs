//! The storefront's selling words (issue 15), in Simplified Chinese and English: the
//! product page's bottom bar, steppers and gallery, the cart's flags (its free-shipping
//! hint is in `pricing.rs`, with the other shipping words), the checkout's heading, the
//! order list's summary line and the customer-service page.
//! `Lang::storefront()` picks the table.

use super::Lang;

pub struct StorefrontText {
    /// The checkout page's heading and title (the cart's button says "check out").
    pub confirm_order: &'static str,
    pub buy_now: &'static str,
    pub decrease: &'static str,
    pub increase: &'static str,
    pub gallery: &'static str,
    pub contact_us: &'static str,
    pub unavailable_now: &'static str,
    pub gone_item: &'static str,
    pub gone_flag: &'static str,
    pub fix_remove_first: &'static str,
    pub fix_short_first: &'static str,
    pub accept_prices: &'static str,
    pub service_title: &'static str,
    pub service_intro: &'static str,
    pub service_unset: &'static str,
    pub phone: &'static str,
    pub wechat_id: &'static str,
    pub hours: &'static str,
    pub follow_qr: &'static str,
    pub follow_qr_alt: &'static str,
}

impl Lang {
    /// The storefront's selling words in this language.
    pub fn storefront(self) -> &'static StorefrontText {
        match self {
            Lang::Zh => &STOREFRONT_ZH,
            Lang::En => &STOREFRONT_EN,
        }
    }
}

impl StorefrontText {
    fn zh(&self) -> bool {
        std::ptr::eq(self, &STOREFRONT_ZH)
    }

    /// The cart link's accessible name: "Cart, 3 items".
    pub fn cart_with(&self, n: u32) -> String {
        match (self.zh(), n) {
            (true, 0) => "购物车".into(),
            (true, n) => format!("购物车，{n} 件商品"),
            (false, 0) => "Cart".into(),
            (false, 1) => "Cart, 1 item".into(),
            (false, n) => format!("Cart, {n} items"),
        }
    }

    /// The units a variant has left, next to the headline price.
    pub fn stock_count(&self, n: u32) -> String {
        if self.zh() {
            format!("库存 {n} 件")
        } else {
            format!("{n} in stock")
        }
    }

    pub fn image_of(&self, i: usize, n: usize) -> String {
        if self.zh() {
            format!("第 {i} 张，共 {n} 张")
        } else {
            format!("Image {i} of {n}")
        }
    }

    pub fn short_flag(&self, available: u32) -> String {
        match (self.zh(), available) {
            (true, 0) => "已售罄，请移除".into(),
            (true, n) => format!("库存仅剩 {n} 件，请减少数量"),
            (false, 0) => "Sold out — please remove it".into(),
            (false, n) => format!("Only {n} left — lower the quantity"),
        }
    }

    pub fn price_flag(&self, then: &str, now: &str) -> String {
        if self.zh() {
            format!("价格已从 {then} 变为 {now}")
        } else {
            format!("Price changed from {then} to {now}")
        }
    }

    /// The order list's summary line: "共 3 件 合计 ¥59.00".
    pub fn units_total(&self, units: u32, total: &str) -> String {
        match (self.zh(), units) {
            (true, n) => format!("共 {n} 件 合计 {total}"),
            (false, 1) => format!("1 item · Total {total}"),
            (false, n) => format!("{n} items · Total {total}"),
        }
    }

    /// The first item's name when an order holds more kinds of goods.
    pub fn and_more(&self, name: &str, more: usize) -> String {
        if self.zh() {
            format!("{name} 等 {} 种商品", more + 1)
        } else {
            format!("{name} and {more} more")
        }
    }
}

pub static STOREFRONT_ZH: StorefrontText = StorefrontText {
    confirm_order: "确认订单",
    buy_now: "立即购买",
    decrease: "减少数量",
    increase: "增加数量",
    gallery: "商品图片",
    contact_us: "联系客服",
    unavailable_now: "暂时无货",
    gone_item: "已下架的商品",
    gone_flag: "该商品已下架，请移除",
    fix_remove_first: "请先移除已售罄或已下架的商品",
    fix_short_first: "请先减少库存不足的商品数量",
    accept_prices: "价格有变动，确认后去结算",
    service_title: "联系客服",
    service_intro: "订单或商品有任何问题，欢迎联系我们。",
    service_unset: "店铺还没有填写联系方式。",
    phone: "客服电话",
    wechat_id: "客服微信",
    hours: "服务时间",
    follow_qr: "扫码关注公众号",
    follow_qr_alt: "公众号二维码",
};

pub static STOREFRONT_EN: StorefrontText = StorefrontText {
    confirm_order: "Confirm your order",
    buy_now: "Buy now",
    decrease: "Decrease quantity",
    increase: "Increase quantity",
    gallery: "Product images",
    contact_us: "Contact us",
    unavailable_now: "Not available",
    gone_item: "An item no longer sold",
    gone_flag: "No longer sold — please remove it",
    fix_remove_first: "Remove sold-out or discontinued items first",
    fix_short_first: "Lower quantities that exceed stock first",
    accept_prices: "Prices changed — accept and check out",
    service_title: "Customer service",
    service_intro: "Questions about an order or a product? We are happy to help.",
    service_unset: "The shop has not published its contact details yet.",
    phone: "Phone",
    wechat_id: "WeChat ID",
    hours: "Hours",
    follow_qr: "Scan to follow our Official Account",
    follow_qr_alt: "The shop's Official Account QR code",
};
