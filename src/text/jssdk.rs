//! The JS-SDK pieces' words, in Simplified Chinese and English: the checkout's "use my
//! WeChat address" button, the entry channel "share" as the back office names it, and the
//! sandbox phone's share cards. `Lang::jssdk()` picks the table.

use super::Lang;

pub struct JssdkText {
    /// The checkout button that imports the address from WeChat (`wx.openAddress`).
    pub use_wechat_address: &'static str,
    /// Said when WeChat's address names a region the shop does not know.
    pub pick_region: &'static str,
    /// The entry channel of orders that arrived through a shared link.
    pub channel_share: &'static str,
    /// The sandbox phone: a card a page set for sharing to a chat.
    pub sb_share_chat: &'static str,
    /// The sandbox phone: a card a page set for sharing to Moments.
    pub sb_share_timeline: &'static str,
    /// The sandbox phone: the heading of the share cards.
    pub sb_share_cards: &'static str,
    /// The sandbox phone: a share card registered by a visitor not yet signed in.
    pub sb_share_visitor: &'static str,
}

impl Lang {
    /// The JS-SDK pieces' words in this language.
    pub fn jssdk(self) -> &'static JssdkText {
        match self {
            Lang::Zh => &JSSDK_ZH,
            Lang::En => &JSSDK_EN,
        }
    }
}

impl JssdkText {
    /// An entry channel as the back office shows it: "share" in words (with the tag the
    /// sharer came with, `share:TAG`), other tags as set.
    pub fn channel<'a>(&self, tag: &'a str) -> std::borrow::Cow<'a, str> {
        match (tag, tag.strip_prefix("share:")) {
            ("share", _) => self.channel_share.into(),
            (_, Some(t)) => format!("{} · {t}", self.channel_share).into(),
            (other, None) => other.into(),
        }
    }
}

pub static JSSDK_ZH: JssdkText = JssdkText {
    use_wechat_address: "使用微信地址",
    pick_region: "请选择所在地区",
    channel_share: "好友分享",
    sb_share_chat: "分享给朋友",
    sb_share_timeline: "分享到朋友圈",
    sb_share_cards: "分享卡片",
    sb_share_visitor: "未授权的访客",
};

pub static JSSDK_EN: JssdkText = JssdkText {
    use_wechat_address: "Use my WeChat address",
    pick_region: "Please choose your region",
    channel_share: "Shared by a friend",
    sb_share_chat: "Share to a chat",
    sb_share_timeline: "Share to Moments",
    sb_share_cards: "Share cards",
    sb_share_visitor: "Visitor not signed in",
};
