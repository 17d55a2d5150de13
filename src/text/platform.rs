//! The WeChat platform pieces' words, in Simplified Chinese and English: domain
//! verification files in the back office, the outbox's "not a follower" state, and the
//! storefront's invitation to follow the Official Account. `Lang::platform()` picks the table.

use super::Lang;

pub struct PlatformText {
    pub verify_files: &'static str,
    pub verify_files_hint: &'static str,
    pub verify_none: &'static str,
    pub verify_upload: &'static str,
    pub verify_delete: &'static str,
    pub verify_delete_ask: &'static str,
    pub verify_delete_yes: &'static str,
    pub back: &'static str,
    pub verify_bad_file: &'static str,
    /// An outbox message WeChat refused because the shopper does not follow the account.
    pub not_follower: &'static str,
    pub follow_title: &'static str,
    pub follow_alt: &'static str,
    /// The sandbox phone's follow toggle.
    pub sb_following: &'static str,
    pub sb_not_following: &'static str,
    pub sb_follow: &'static str,
    pub sb_unfollow: &'static str,
}

impl Lang {
    /// The platform pieces' words in this language.
    pub fn platform(self) -> &'static PlatformText {
        match self {
            Lang::Zh => &PLATFORM_ZH,
            Lang::En => &PLATFORM_EN,
        }
    }
}

pub static PLATFORM_ZH: PlatformText = PlatformText {
    verify_files: "域名校验文件",
    verify_files_hint: "在公众号后台设置网页授权域名或 JS 接口安全域名时，微信会给你一个 MP_verify_….txt 文件。上传后店铺在网站根目录提供它。",
    verify_none: "还没有上传校验文件。",
    verify_upload: "上传校验文件",
    verify_delete: "删除",
    verify_delete_ask: "删除这个校验文件？微信再次校验域名时会失败。",
    verify_delete_yes: "确认删除",
    back: "返回",
    verify_bad_file: "这不是微信的校验文件：文件名应为 MP_verify_….txt，内容不超过 1 KB。",
    not_follower: "未关注公众号，微信不发送",
    follow_title: "关注公众号，获取发货通知",
    follow_alt: "公众号二维码",
    sb_following: "已关注店铺公众号",
    sb_not_following: "未关注店铺公众号（模板消息会被拒绝，43004）",
    sb_follow: "关注",
    sb_unfollow: "取消关注",
};

pub static PLATFORM_EN: PlatformText = PlatformText {
    verify_files: "Domain verification files",
    verify_files_hint: "When you set the OAuth or JS-SDK domain in the Official Account console, WeChat hands you a file named MP_verify_….txt. Upload it here and the shop serves it at its root.",
    verify_none: "No verification file uploaded yet.",
    verify_upload: "Upload a verification file",
    verify_delete: "Delete",
    verify_delete_ask: "Delete this verification file? WeChat's next check of the domain will fail.",
    verify_delete_yes: "Yes, delete it",
    back: "Back",
    verify_bad_file: "This is not a WeChat verification file: its name must be MP_verify_….txt and it holds at most 1 KB.",
    not_follower: "Not a follower of the Official Account: WeChat does not deliver",
    follow_title: "Follow us to get shipping updates",
    follow_alt: "The Official Account's QR code",
    sb_following: "Follows the shop's Official Account",
    sb_not_following: "Does not follow the shop's Official Account (template messages are refused, 43004)",
    sb_follow: "Follow",
    sb_unfollow: "Unfollow",
};
