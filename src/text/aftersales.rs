//! After-sales words, in Simplified Chinese and English: the shopper's request form and its
//! outcome on the order page (`AftersalesText`, through `Text::aftersales`), and the owner's
//! list, decision forms and the "held" marks (`AdminAftersalesText`, through
//! `AdminText::aftersales`).

use super::{AdminText, Lang, Text};
use crate::order::{AftersalesProblem, AftersalesReason, AftersalesStatus};

/// The shopper's side.
pub struct AftersalesText {
    pub lang: Lang,
    pub ask: &'static str,
    pub title: &'static str,
    pub section: &'static str,
    pub whole_order: &'static str,
    pub some_lines: &'static str,
    pub qty_of: &'static str,
    pub reason: &'static str,
    pub choose_reason: &'static str,
    pub note: &'static str,
    pub note_placeholder: &'static str,
    pub photos: &'static str,
    pub photos_hint: &'static str,
    pub submit: &'static str,
    pub back: &'static str,
    pub sent: &'static str,
    pub items: &'static str,
    pub declined_because: &'static str,
    pub approved_amount: &'static str,
    pub ev_requested: &'static str,
    /// The outcome words of the Official Account message (WeChat's `phrase` field: short).
    pub msg_approved: &'static str,
    pub msg_declined: &'static str,
}

impl AftersalesText {
    pub fn reason_name(&self, r: AftersalesReason) -> &'static str {
        use AftersalesReason as R;
        match (self.lang, r) {
            (Lang::Zh, R::Damaged) => "商品破损",
            (Lang::Zh, R::WrongItem) => "发错商品",
            (Lang::Zh, R::Missing) => "少件 / 漏发",
            (Lang::Zh, R::NotAsDescribed) => "与描述不符",
            (Lang::Zh, R::Quality) => "质量问题",
            (Lang::Zh, R::ChangedMind) => "不想要了",
            (Lang::Zh, R::Other) => "其他",
            (Lang::En, R::Damaged) => "Arrived damaged",
            (Lang::En, R::WrongItem) => "Wrong item",
            (Lang::En, R::Missing) => "Something is missing",
            (Lang::En, R::NotAsDescribed) => "Not as described",
            (Lang::En, R::Quality) => "Quality problem",
            (Lang::En, R::ChangedMind) => "Changed my mind",
            (Lang::En, R::Other) => "Other",
        }
    }

    /// The request's status in words.
    pub fn status(&self, s: AftersalesStatus) -> &'static str {
        use AftersalesStatus as S;
        match (self.lang, s) {
            (Lang::Zh, S::Requested) => "等待商家处理",
            (Lang::Zh, S::Approved) => "商家已同意退款",
            (Lang::Zh, S::Declined) => "商家未同意",
            (Lang::Zh, S::Closed) => "已处理完毕",
            (Lang::En, S::Requested) => "Waiting for the shop",
            (Lang::En, S::Approved) => "Approved by the shop",
            (Lang::En, S::Declined) => "Declined by the shop",
            (Lang::En, S::Closed) => "Settled",
        }
    }

    /// Why a request (or a decision) was refused, for the page.
    pub fn problem(&self, p: AftersalesProblem) -> String {
        use AftersalesProblem as P;
        let mb = crate::order::PHOTO_MAX_BYTES / (1024 * 1024);
        let max = crate::order::MAX_PHOTOS;
        let chars = crate::order::NOTE_MAX_CHARS;
        match self.lang {
            Lang::Zh => match p {
                P::NotEligible => "只有已付款或已发货的订单可以申请退款。".into(),
                P::AlreadyOpen => "这个订单已有一个售后申请在等待商家处理，请等处理结果后再申请。".into(),
                P::NothingRefundable => "这个订单已没有可退的金额。".into(),
                P::NoLines => "请选择要退款的商品和数量。".into(),
                P::UnknownLine => "所选商品不在这个订单里。".into(),
                P::TooMany => "退款数量不能超过购买后尚未退款的数量。".into(),
                P::NoReason => "请选择退款原因。".into(),
                P::NoteTooLong => format!("说明最多 {chars} 个字。"),
                P::TooManyPhotos => format!("最多上传 {max} 张照片。"),
                P::NotAnImage => "照片须为 JPEG、PNG 或 WebP 图片。".into(),
                P::PhotoTooLarge => format!("每张照片不能超过 {mb} MB。"),
                P::NotOpen => "这个订单没有等待处理的售后申请（可能已处理）。".into(),
                P::BadAmount => "退款金额须大于 0，且不超过可退金额。".into(),
                P::NoDeclineReason => "请填写拒绝的原因，顾客会看到它。".into(),
            },
            Lang::En => match p {
                P::NotEligible => "Only a paid or shipped order can ask for a refund.".into(),
                P::AlreadyOpen => "This order already has a refund request waiting for the shop; wait for its answer before asking again.".into(),
                P::NothingRefundable => "Nothing is left to refund on this order.".into(),
                P::NoLines => "Choose the items and how many to refund.".into(),
                P::UnknownLine => "That item is not in this order.".into(),
                P::TooMany => "You cannot ask for more units than you bought and have not had refunded.".into(),
                P::NoReason => "Choose a reason.".into(),
                P::NoteTooLong => format!("The text is at most {chars} characters."),
                P::TooManyPhotos => format!("At most {max} photos."),
                P::NotAnImage => "Photos must be JPEG, PNG or WebP images.".into(),
                P::PhotoTooLarge => format!("Each photo is at most {mb} MB."),
                P::NotOpen => "No request is waiting on this order (it may have been decided).".into(),
                P::BadAmount => "The amount must be more than 0 and at most what is left to refund.".into(),
                P::NoDeclineReason => "Say why you decline; the shopper sees it.".into(),
            },
        }
    }

    /// The refund reason sent to WeChat (the shopper sees it in WeChat Pay).
    pub fn refund_reason(&self, r: AftersalesReason) -> String {
        match self.lang {
            Lang::Zh => format!("售后退款：{}", self.reason_name(r)),
            Lang::En => format!("Refund request: {}", self.reason_name(r)),
        }
    }
}

impl Text {
    /// The after-sales strings of the shop.
    pub fn aftersales(&self) -> &'static AftersalesText {
        match self.lang {
            Lang::Zh => &AFTERSALES_ZH,
            Lang::En => &AFTERSALES_EN,
        }
    }
}

static AFTERSALES_ZH: AftersalesText = AftersalesText {
    lang: Lang::Zh,
    ask: "申请退款",
    title: "申请售后退款",
    section: "售后申请",
    whole_order: "整单退款",
    some_lines: "部分商品",
    qty_of: "退款数量",
    reason: "退款原因",
    choose_reason: "请选择",
    note: "补充说明",
    note_placeholder: "请描述遇到的问题（选填）",
    photos: "照片",
    photos_hint: "选填，最多 3 张，JPEG / PNG / WebP，每张不超过 2 MB",
    submit: "提交申请",
    back: "返回订单",
    sent: "申请已提交，商家处理后会通知您。",
    items: "申请退款的商品",
    declined_because: "商家说明",
    approved_amount: "同意退款",
    ev_requested: "已申请退款",
    msg_approved: "同意退款",
    msg_declined: "未同意",
};

static AFTERSALES_EN: AftersalesText = AftersalesText {
    lang: Lang::En,
    ask: "Ask for a refund",
    title: "Ask for a refund",
    section: "Refund requests",
    whole_order: "The whole order",
    some_lines: "Some items",
    qty_of: "Units to refund",
    reason: "Reason",
    choose_reason: "Choose",
    note: "More details",
    note_placeholder: "What went wrong? (optional)",
    photos: "Photos",
    photos_hint: "Optional: up to 3, JPEG / PNG / WebP, at most 2 MB each",
    submit: "Send the request",
    back: "Back to the order",
    sent: "Your request was sent; the shop will tell you its answer.",
    items: "Items",
    declined_because: "The shop says",
    approved_amount: "Refund approved",
    ev_requested: "Refund requested",
    msg_approved: "Approved",
    msg_declined: "Declined",
};

/// The owner's side.
pub struct AdminAftersalesText {
    pub lang: Lang,
    pub nav: &'static str,
    pub title: &'static str,
    pub none_open: &'static str,
    pub decided: &'static str,
    pub order: &'static str,
    pub asked_at: &'static str,
    pub whole_order: &'static str,
    pub note: &'static str,
    pub photos: &'static str,
    pub approve: &'static str,
    pub amount: &'static str,
    pub amount_hint: &'static str,
    pub decline: &'static str,
    pub decline_reason: &'static str,
    pub confirm_title: &'static str,
    pub confirm_yes: &'static str,
    pub back: &'static str,
    pub held: &'static str,
    pub ship_held: &'static str,
}

impl AdminAftersalesText {
    /// "3 open".
    pub fn open_count(&self, n: usize) -> String {
        if self.lang == Lang::Zh {
            format!("待处理 {n} 件")
        } else {
            format!("{n} open")
        }
    }

    /// The confirmation question before an approval refunds money.
    pub fn confirm_refund(&self, amount: &str, no: &str) -> String {
        if self.lang == Lang::Zh {
            format!(
                "确认同意订单 {no} 的售后申请，并通过微信支付向顾客退款 {amount}？退款发出后无法撤回。"
            )
        } else {
            format!(
                "Approve the request on order {no} and refund {amount} to the shopper through WeChat Pay? A refund cannot be taken back once sent."
            )
        }
    }
}

impl AdminText {
    /// The after-sales strings of the back office.
    pub fn aftersales(&self) -> &'static AdminAftersalesText {
        if std::ptr::eq(self, &super::ADMIN_ZH) {
            &ADMIN_AFTERSALES_ZH
        } else {
            &ADMIN_AFTERSALES_EN
        }
    }
}

static ADMIN_AFTERSALES_ZH: AdminAftersalesText = AdminAftersalesText {
    lang: Lang::Zh,
    nav: "售后",
    title: "售后申请",
    none_open: "没有待处理的售后申请",
    decided: "最近已处理",
    order: "订单",
    asked_at: "申请时间",
    whole_order: "整单",
    note: "顾客说明",
    photos: "照片",
    approve: "同意并退款",
    amount: "退款金额",
    amount_hint: "已按申请的商品填好，最多为可退金额",
    decline: "拒绝",
    decline_reason: "拒绝原因（顾客可见）",
    confirm_title: "确认退款",
    confirm_yes: "确认退款",
    back: "返回",
    held: "售后中 · 暂停发货",
    ship_held: "这个订单有等待处理的售后申请，发货已暂停：请先同意或拒绝申请。",
};

static ADMIN_AFTERSALES_EN: AdminAftersalesText = AdminAftersalesText {
    lang: Lang::En,
    nav: "After-sales",
    title: "Refund requests",
    none_open: "No refund requests waiting",
    decided: "Recently decided",
    order: "Order",
    asked_at: "Asked at",
    whole_order: "Whole order",
    note: "Shopper's words",
    photos: "Photos",
    approve: "Approve and refund",
    amount: "Refund amount",
    amount_hint: "Filled in with the value of the items asked for, at most what is left to refund",
    decline: "Decline",
    decline_reason: "Why (the shopper sees this)",
    confirm_title: "Confirm the refund",
    confirm_yes: "Refund now",
    back: "Back",
    held: "Refund request open · shipping held",
    ship_held: "This order has a refund request waiting, so shipping is held: approve or decline it first.",
};
