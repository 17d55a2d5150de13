//! The words of the customer-service contact form in the back office (`/admin/service`),
//! in Simplified Chinese and English: the form, its refusals and its audit sentence.
//! `Lang::service_contact()` picks the table.

use super::Lang;
use crate::audit::Action;
use crate::store::ContactProblem;

pub struct ServiceContactText {
    pub lang: Lang,
    pub title: &'static str,
    pub hint: &'static str,
    /// Shown while the config's values stand (the owner never saved the form).
    pub from_config: &'static str,
    pub phone: &'static str,
    pub phone_hint: &'static str,
    pub wechat_id: &'static str,
    pub wechat_id_hint: &'static str,
    pub hours: &'static str,
    pub hours_hint: &'static str,
    pub save: &'static str,
    pub saved: &'static str,
    pub view_page: &'static str,
    pub bad_phone: &'static str,
    pub bad_wechat_id: &'static str,
    pub bad_hours: &'static str,
    /// The link from the settings page.
    pub edit: &'static str,
    pub not_shown: &'static str,
}

impl ServiceContactText {
    /// Why the form was refused.
    pub fn problem(&self, p: ContactProblem) -> &'static str {
        match p {
            ContactProblem::Phone => self.bad_phone,
            ContactProblem::WechatId => self.bad_wechat_id,
            ContactProblem::Hours => self.bad_hours,
        }
    }

    /// The audit sentence for a saved contact.
    pub fn sentence(&self, a: &Action) -> String {
        let Action::ServiceContactSaved {
            phone,
            wechat_id,
            hours,
        } = a
        else {
            return String::new();
        };
        let v = |s: &str| {
            if s.is_empty() {
                self.not_shown.to_string()
            } else {
                s.to_string()
            }
        };
        match self.lang {
            Lang::Zh => format!(
                "更新客服联系方式：电话 {}，微信号 {}，服务时间 {}",
                v(phone),
                v(wechat_id),
                v(hours)
            ),
            Lang::En => format!(
                "Customer service contact changed: phone {}, WeChat ID {}, hours {}",
                v(phone),
                v(wechat_id),
                v(hours)
            ),
        }
    }
}

impl Lang {
    /// The customer-service contact form's words in this language.
    pub fn service_contact(self) -> &'static ServiceContactText {
        match self {
            Lang::Zh => &SERVICE_CONTACT_ZH,
            Lang::En => &SERVICE_CONTACT_EN,
        }
    }
}

pub static SERVICE_CONTACT_ZH: ServiceContactText = ServiceContactText {
    lang: Lang::Zh,
    title: "客服联系方式",
    hint: "顾客在“联系客服”页面看到这些信息，商品页和订单页会链接到那里。留空的项目不显示。",
    from_config: "目前显示的是配置文件里的默认值；保存一次后以这里填写的为准。",
    phone: "客服电话",
    phone_hint: "手机号（如 13812345678）、带区号的座机（如 021-12345678）、400/800 电话，或以 + 开头的国际号码。",
    wechat_id: "微信号",
    wechat_id_hint: "6–20 位字母、数字、下划线或减号，以字母开头。",
    hours: "服务时间",
    hours_hint: "最多 40 个字，例如“每天 9:00–18:00”。",
    save: "保存联系方式",
    saved: "已保存。",
    view_page: "查看“联系客服”页面",
    bad_phone: "电话号码格式不对：请填写手机号、带区号的座机（如 021-12345678）、400/800 电话，或以 + 开头的国际号码。没有保存任何内容。",
    bad_wechat_id: "微信号格式不对：需要 6–20 位字母、数字、下划线或减号，并以字母开头。没有保存任何内容。",
    bad_hours: "服务时间太长：最多 40 个字。没有保存任何内容。",
    edit: "修改客服联系方式",
    not_shown: "（不显示）",
};

pub static SERVICE_CONTACT_EN: ServiceContactText = ServiceContactText {
    lang: Lang::En,
    title: "Customer service",
    hint: "Shoppers see these on the “Customer service” page, which product and order pages link to. An empty field is not shown.",
    from_config: "The values shown are the defaults from the configuration file; once you save this form, the values here are used.",
    phone: "Phone",
    phone_hint: "A mobile number (13812345678), a landline with its area code (021-12345678), a 400/800 number, or an international number starting with +.",
    wechat_id: "WeChat ID",
    wechat_id_hint: "6 to 20 letters, digits, underscores or hyphens, starting with a letter.",
    hours: "Opening hours",
    hours_hint: "At most 40 characters, for example “Daily 9:00–18:00”.",
    save: "Save contact",
    saved: "Saved.",
    view_page: "View the customer service page",
    bad_phone: "That phone number is not in a form shoppers can dial: use a mobile number, a landline with its area code (021-12345678), a 400/800 number, or an international number starting with +. Nothing was saved.",
    bad_wechat_id: "That WeChat ID does not follow WeChat's rule: 6 to 20 letters, digits, underscores or hyphens, starting with a letter. Nothing was saved.",
    bad_hours: "The opening hours are too long: at most 40 characters. Nothing was saved.",
    edit: "Edit the customer service contact",
    not_shown: "(not shown)",
};
