//! The owner's phone in words, Simplified Chinese and English: the back-office page that
//! binds a member's WeChat (QR code, bound or not, unbind after asking), what the phone
//! shows after scanning, and the words inside the owner's template messages.
//! `Lang::owner_notify()` picks the table.

use super::Lang;

pub struct OwnerNotifyText {
    pub title: &'static str,
    pub intro: &'static str,
    pub bound: &'static str,
    pub not_bound: &'static str,
    pub bound_as: &'static str,
    pub make_qr: &'static str,
    pub scan_hint: &'static str,
    pub link_expires: &'static str,
    pub unbind: &'static str,
    pub unbind_ask: &'static str,
    pub unbind_yes: &'static str,
    pub back: &'static str,
    pub kinds: &'static str,
    pub kind_paid: &'static str,
    pub kind_aftersales: &'static str,
    pub kind_alerts: &'static str,
    pub kind_on: &'static str,
    pub kind_off: &'static str,
    pub quiet: &'static str,
    pub quiet_none: &'static str,
    pub quiet_hint: &'static str,
    /// On the phone, after scanning.
    pub phone_bound: &'static str,
    pub phone_bound_hint: &'static str,
    pub phone_link_used: &'static str,
    pub phone_link_expired: &'static str,
    pub phone_failed: &'static str,
    pub phone_open_in_wechat: &'static str,
    /// Inside the template messages.
    pub msg_paid: &'static str,
    pub msg_aftersales: &'static str,
    pub msg_low_stock: &'static str,
    pub msg_alert: &'static str,
    pub msg_left: &'static str,
    /// The sandbox phone's "scan": open a link from a QR code.
    pub sb_open: &'static str,
    pub sb_open_go: &'static str,
}

impl Lang {
    /// The owner's phone in this language.
    pub fn owner_notify(self) -> &'static OwnerNotifyText {
        match self {
            Lang::Zh => &OWNER_NOTIFY_ZH,
            Lang::En => &OWNER_NOTIFY_EN,
        }
    }
}

pub static OWNER_NOTIFY_ZH: OwnerNotifyText = OwnerNotifyText {
    title: "微信通知",
    intro: "绑定你的微信后，新付款订单、退款申请、库存紧张和店铺提醒会通过公众号消息发到你的手机。",
    bound: "已绑定微信",
    not_bound: "尚未绑定微信",
    bound_as: "绑定的微信",
    make_qr: "生成绑定二维码",
    scan_hint: "用要接收通知的微信扫描这个二维码。二维码只能用一次，10 分钟内有效。",
    link_expires: "有效至",
    unbind: "解除绑定",
    unbind_ask: "解除绑定后，这个微信不再收到店铺通知。确定吗？",
    unbind_yes: "确定解除",
    back: "返回",
    kinds: "会发送的通知",
    kind_paid: "新付款订单",
    kind_aftersales: "退款申请",
    kind_alerts: "库存紧张和店铺提醒",
    kind_on: "会发送",
    kind_off: "不会发送：未设置模板",
    quiet: "免打扰时段",
    quiet_none: "未设置：通知随时发送",
    quiet_hint: "免打扰时段内的通知会在时段结束后按顺序发送（存储故障提醒除外）。",
    phone_bound: "绑定成功",
    phone_bound_hint: "这个微信会收到店铺的通知。可以关闭此页面。",
    phone_link_used: "这个二维码已经用过或无效。请在后台重新生成。",
    phone_link_expired: "这个二维码已过期。请在后台重新生成。",
    phone_failed: "没能获取你的微信身份，请重新扫码。",
    phone_open_in_wechat: "请用微信扫描二维码打开此链接。",
    msg_paid: "新订单已付款",
    msg_aftersales: "顾客申请退款",
    msg_low_stock: "库存紧张",
    msg_alert: "店铺提醒",
    msg_left: " 剩余 ",
    sb_open: "扫一扫：打开二维码中的链接",
    sb_open_go: "打开",
};

pub static OWNER_NOTIFY_EN: OwnerNotifyText = OwnerNotifyText {
    title: "WeChat notifications",
    intro: "Bind your WeChat and new paid orders, refund requests, low stock and shop alerts reach your phone as Official Account messages.",
    bound: "WeChat bound",
    not_bound: "No WeChat bound yet",
    bound_as: "Bound WeChat",
    make_qr: "Make a binding QR code",
    scan_hint: "Scan this QR code with the WeChat that should get the notifications. It works once, for 10 minutes.",
    link_expires: "Valid until",
    unbind: "Unbind",
    unbind_ask: "After unbinding, this WeChat no longer gets the shop's notifications. Are you sure?",
    unbind_yes: "Yes, unbind",
    back: "Back",
    kinds: "Notifications sent",
    kind_paid: "New paid orders",
    kind_aftersales: "Refund requests",
    kind_alerts: "Low stock and shop alerts",
    kind_on: "sent",
    kind_off: "not sent: no template set",
    quiet: "Quiet hours",
    quiet_none: "Not set: notifications go out at any time",
    quiet_hint: "Notifications due in quiet hours go out in order when they end (storage faults go at once).",
    phone_bound: "Bound",
    phone_bound_hint: "This WeChat will get the shop's notifications. You can close this page.",
    phone_link_used: "This QR code was used already or is not valid. Make a new one in the back office.",
    phone_link_expired: "This QR code has expired. Make a new one in the back office.",
    phone_failed: "Your WeChat could not be identified. Please scan again.",
    phone_open_in_wechat: "Please open this link by scanning the QR code with WeChat.",
    msg_paid: "New order paid",
    msg_aftersales: "Refund requested",
    msg_low_stock: "Low stock",
    msg_alert: "Shop alert",
    msg_left: " left: ",
    sb_open: "Scan: open the link in a QR code",
    sb_open_go: "Open",
};
