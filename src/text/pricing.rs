//! Words of coupons, shipping templates and buy-now, for the storefront and the back
//! office, in both languages (`Lang::pricing`).

use super::Lang;
use crate::audit::Action;
use crate::coupon::{CouponFormProblem, CouponProblem};
use crate::money::{Currency, Money};

pub struct PricingText {
    pub lang: Lang,
    // storefront
    pub coupon: &'static str,
    pub coupon_placeholder: &'static str,
    pub coupon_apply: &'static str,
    pub coupon_remove: &'static str,
    pub discount: &'static str,
    pub buy_now_bad: &'static str,
    pub refresh_shipping: &'static str,
    // back office
    pub nav_coupons: &'static str,
    pub coupons_title: &'static str,
    pub new_coupon: &'static str,
    pub code: &'static str,
    pub code_hint: &'static str,
    pub kind: &'static str,
    pub fixed: &'static str,
    pub percent: &'static str,
    pub value: &'static str,
    pub value_hint: &'static str,
    pub min_spend: &'static str,
    pub starts: &'static str,
    pub ends: &'static str,
    pub window_hint: &'static str,
    pub total_cap: &'static str,
    pub per_shopper_cap: &'static str,
    pub cap_hint: &'static str,
    pub categories: &'static str,
    pub categories_hint: &'static str,
    pub create: &'static str,
    pub none_yet: &'static str,
    pub uses: &'static str,
    pub status: &'static str,
    pub active: &'static str,
    pub disabled: &'static str,
    pub disable: &'static str,
    pub disable_ask: &'static str,
    pub disable_yes: &'static str,
    pub back: &'static str,
    pub no_limit: &'static str,
    pub every_item: &'static str,
    pub line_paid: &'static str,
    pub nav_shipping: &'static str,
    pub ship_title: &'static str,
    pub ship_hint: &'static str,
    pub ship_default: &'static str,
    pub ship_none: &'static str,
    pub province: &'static str,
    pub first_fee: &'static str,
    pub additional_fee: &'static str,
    pub free_over: &'static str,
    pub no_delivery_label: &'static str,
    /// The address was typed as one line while the fee depends on the province.
    pub region_required: &'static str,
    pub not_delivered: &'static str,
    pub save_template: &'static str,
    pub delete_template: &'static str,
    pub delete_template_ask: &'static str,
    pub delete_template_yes: &'static str,
    pub bad_province: &'static str,
    pub bad_fee: &'static str,
    pub free_word: &'static str,
}

impl Lang {
    /// Coupon, shipping-template and buy-now words.
    pub fn pricing(self) -> &'static PricingText {
        match self {
            Lang::Zh => &PRICING_ZH,
            Lang::En => &PRICING_EN,
        }
    }
}

impl PricingText {
    fn zh(&self) -> bool {
        self.lang == Lang::Zh
    }

    /// Why a code does not apply, in words (with the amount still missing).
    pub fn problem(&self, p: CouponProblem, currency: Currency) -> String {
        let zh = self.zh();
        match p {
            CouponProblem::Unknown => (if zh {
                "没有这个优惠码，请检查后重新输入"
            } else {
                "There is no such coupon code; check it and try again"
            })
            .into(),
            CouponProblem::NotStarted { starts_at } => {
                let at = crate::coupon::format_local(starts_at).replace('T', " ");
                if zh {
                    format!("这个优惠码 {at} 起才能使用")
                } else {
                    format!("This code can be used from {at}")
                }
            }
            CouponProblem::Expired => (if zh {
                "这个优惠码已过期"
            } else {
                "This code has expired"
            })
            .into(),
            CouponProblem::UsedUp => (if zh {
                "这个优惠码已被用完"
            } else {
                "This code has been used up"
            })
            .into(),
            CouponProblem::AlreadyUsed => (if zh {
                "你已经用过这个优惠码了"
            } else {
                "You have already used this code"
            })
            .into(),
            CouponProblem::NotForTheseItems => (if zh {
                "这个优惠码不适用于所选商品"
            } else {
                "This code does not cover these items"
            })
            .into(),
            CouponProblem::MinimumNotReached { short } => {
                let m = short.display(currency);
                if zh {
                    format!("再买 {m} 即可使用这个优惠码")
                } else {
                    format!("Add {m} more to use this code")
                }
            }
        }
    }

    /// The line saying a code was applied.
    pub fn applied(&self, code: &str, off: Money, currency: Currency) -> String {
        let m = off.display(currency);
        if self.zh() {
            format!("已使用优惠码 {code}，优惠 {m}")
        } else {
            format!("Code {code} applied: {m} off")
        }
    }

    /// What a coupon takes off, for the list.
    pub fn describe_off(&self, kind: crate::coupon::CouponKind, currency: Currency) -> String {
        match kind {
            crate::coupon::CouponKind::Fixed { amount } => {
                let m = amount.display(currency);
                if self.zh() {
                    format!("减 {m}")
                } else {
                    format!("{m} off")
                }
            }
            crate::coupon::CouponKind::Percent { percent } => {
                if self.zh() {
                    // 15% off = 八五折; said plainly as a percentage.
                    format!("减 {percent}%")
                } else {
                    format!("{percent}% off")
                }
            }
        }
    }

    /// The minimum spend, for the list.
    pub fn describe_min(&self, min: Money, currency: Currency) -> String {
        let m = min.display(currency);
        if self.zh() {
            format!("满 {m} 可用")
        } else {
            format!("on {m} or more")
        }
    }

    /// Uses so far against the cap.
    pub fn describe_uses(&self, used: u32, cap: Option<u32>) -> String {
        match cap {
            Some(c) => format!("{used} / {c}"),
            None => used.to_string(),
        }
    }

    /// Uses a shopper may make.
    pub fn describe_per_shopper(&self, cap: Option<u32>) -> String {
        match (cap, self.zh()) {
            (Some(c), true) => format!("每人限用 {c} 次"),
            (Some(c), false) => format!("{c} per shopper"),
            (None, true) => "每人不限次数".into(),
            (None, false) => "no limit per shopper".into(),
        }
    }

    /// A problem with the new-coupon form.
    pub fn form_problem(&self, p: CouponFormProblem) -> &'static str {
        let zh = self.zh();
        match p {
            CouponFormProblem::Code if zh => "优惠码须为 4–20 位字母或数字",
            CouponFormProblem::Code => "A code is 4–20 letters or digits",
            CouponFormProblem::CodeTaken if zh => "这个优惠码已经存在，请换一个",
            CouponFormProblem::CodeTaken => "That code exists already; choose another",
            CouponFormProblem::Amount if zh => "请填写优惠金额，例如 10 或 9.90",
            CouponFormProblem::Amount => "Enter the amount off, e.g. 10 or 9.90",
            CouponFormProblem::Percent if zh => "折扣百分比须为 1 到 99 的整数",
            CouponFormProblem::Percent => "The percentage is a whole number from 1 to 99",
            CouponFormProblem::MinSpend if zh => "最低消费金额格式不对，例如 50 或 49.90",
            CouponFormProblem::MinSpend => "The minimum spend is an amount, e.g. 50 or 49.90",
            CouponFormProblem::Window if zh => "请填写开始和结束时间，结束须晚于开始",
            CouponFormProblem::Window => "Enter a start and an end; the end comes after the start",
            CouponFormProblem::Cap if zh => "使用次数须为正整数，或留空表示不限",
            CouponFormProblem::Cap => "A limit is a whole number of uses, or empty for none",
        }
    }

    /// The cart's free-shipping hint (`gap` the formatted amount still missing): for the
    /// shopper's province by name, for every province, or for "most regions".
    pub fn shipping_hint(&self, hint: &crate::shipping::ShippingHint, gap: &str) -> String {
        use crate::shipping::{HintScope as S, ShippingHint as H};
        let zh = self.zh();
        match hint {
            H::NotDelivered(code) => self.no_delivery(code),
            H::Gap(_, S::Province(c)) if zh => {
                format!("配送到{}：再买 {gap} 免运费", self.province(c))
            }
            H::Gap(_, S::Province(c)) => {
                format!("{gap} more for free shipping to {}", self.province(c))
            }
            H::Gap(_, S::Everywhere) if zh => format!("再买 {gap} 免运费"),
            H::Gap(_, S::Everywhere) => format!("{gap} more for free shipping"),
            H::Gap(_, S::MostRegions) if zh => format!("再买 {gap} 大部分地区免运费"),
            H::Gap(_, S::MostRegions) => format!("{gap} more for free shipping to most regions"),
            H::Free(S::Province(c)) if zh => format!("配送到{}已免运费", self.province(c)),
            H::Free(S::Province(c)) => format!("Free shipping to {}", self.province(c)),
            H::Free(S::Everywhere) if zh => "已免运费".into(),
            H::Free(S::Everywhere) => "Free shipping".into(),
            H::Free(S::MostRegions) if zh => "大部分地区已免运费".into(),
            H::Free(S::MostRegions) => "Free shipping to most regions".into(),
        }
    }

    /// A province's name in the shop's language (its code when unknown).
    pub fn province<'a>(&self, code: &'a str) -> &'a str {
        crate::region::province_name(code, !self.zh()).unwrap_or(code)
    }

    /// A province the shop does not deliver to, by its code.
    pub fn no_delivery(&self, code: &str) -> String {
        let province = self.province(code);
        if self.zh() {
            format!("暂不配送到{province}")
        } else {
            format!("We do not deliver to {province} yet")
        }
    }

    /// The audit sentence of a coupon or shipping-template change.
    pub fn sentence(&self, a: &Action) -> String {
        let zh = self.zh();
        let named = |code: &str| self.province(code).to_string();
        match a {
            Action::CouponCreated { code } if zh => format!("创建优惠码 {code}"),
            Action::CouponCreated { code } => format!("Created the coupon code {code}"),
            Action::CouponDisabled { code } if zh => format!("停用优惠码 {code}"),
            Action::CouponDisabled { code } => format!("Disabled the coupon code {code}"),
            Action::ShippingTemplateSaved { province } if zh => {
                format!("保存运费模板：{}", named(province))
            }
            Action::ShippingTemplateSaved { province } => {
                format!("Saved the shipping template for {}", named(province))
            }
            Action::ShippingTemplateDeleted { province } if zh => {
                format!("删除运费模板：{}", named(province))
            }
            Action::ShippingTemplateDeleted { province } => {
                format!("Deleted the shipping template for {}", named(province))
            }
            _ => String::new(),
        }
    }
}

static PRICING_ZH: PricingText = PricingText {
    lang: Lang::Zh,
    coupon: "优惠码",
    coupon_placeholder: "输入优惠码",
    coupon_apply: "使用",
    coupon_remove: "不使用优惠码",
    discount: "优惠",
    buy_now_bad: "这件商品现在无法直接购买（已下架或数量不对），请回到商品页重新选择",
    refresh_shipping: "更新运费",
    nav_coupons: "优惠券",
    coupons_title: "优惠券",
    new_coupon: "新建优惠码",
    code: "优惠码",
    code_hint: "4–20 位字母或数字，不区分大小写",
    kind: "优惠方式",
    fixed: "减固定金额",
    percent: "按百分比减",
    value: "金额或百分比",
    value_hint: "减固定金额填金额（如 10）；按百分比填 1–99（如 15 表示减 15%，舍去不足一分的部分）",
    min_spend: "最低消费（元，可留空）",
    starts: "开始时间（北京时间）",
    ends: "结束时间（北京时间）",
    window_hint: "在开始时间到结束时间之间下单可用",
    total_cap: "总共可用次数（留空不限）",
    per_shopper_cap: "每人可用次数（留空不限）",
    cap_hint: "同一微信用户、同一收货手机号算同一人",
    categories: "只限这些分类（不选则全部商品可用）",
    categories_hint: "选了分类时，优惠和最低消费只按这些分类的商品计算",
    create: "创建优惠码",
    none_yet: "还没有优惠码",
    uses: "已用次数",
    status: "状态",
    active: "可用",
    disabled: "已停用",
    disable: "停用",
    disable_ask: "停用后，这个优惠码不能再用于新订单（已下的订单不受影响）。确定停用吗？",
    disable_yes: "确定停用",
    back: "返回",
    no_limit: "不限",
    every_item: "全部商品",
    line_paid: "实付",
    nav_shipping: "运费模板",
    ship_title: "运费模板",
    ship_hint: "按收货省份设置运费：首件运费、每多一件加收的运费、满多少包邮（按优惠后的商品金额计算），或暂不配送。没有单独设置的省份按默认运费计算。",
    ship_default: "默认运费（其他省份）",
    ship_none: "还没有按省份设置的运费模板",
    province: "省份",
    first_fee: "首件运费",
    additional_fee: "每多一件加收",
    free_over: "满多少包邮（可留空）",
    no_delivery_label: "暂不配送到这个省份",
    region_required: "运费按地区计算，请选择省、市、区",
    not_delivered: "暂不配送",
    save_template: "保存",
    delete_template: "删除",
    delete_template_ask: "删除后，这个省份按默认运费计算。确定删除吗？",
    delete_template_yes: "确定删除",
    bad_province: "请选择省份",
    bad_fee: "运费格式不对，例如 8 或 12.50",
    free_word: "包邮",
};

static PRICING_EN: PricingText = PricingText {
    lang: Lang::En,
    coupon: "Coupon code",
    coupon_placeholder: "Enter a code",
    coupon_apply: "Apply",
    coupon_remove: "Remove the code",
    discount: "Discount",
    buy_now_bad: "This item cannot be bought right now (no longer sold, or a wrong quantity); go back to the product and choose again",
    refresh_shipping: "Update shipping",
    nav_coupons: "Coupons",
    coupons_title: "Coupons",
    new_coupon: "New coupon code",
    code: "Code",
    code_hint: "4–20 letters or digits; case does not matter",
    kind: "Discount type",
    fixed: "Fixed amount off",
    percent: "Percentage off",
    value: "Amount or percentage",
    value_hint: "For an amount off enter it (e.g. 10); for a percentage enter 1–99 (15 means 15% off, rounded down to the fen)",
    min_spend: "Minimum spend (optional)",
    starts: "Starts (China time)",
    ends: "Ends (China time)",
    window_hint: "Orders placed between the start and the end may use it",
    total_cap: "Uses in all (empty: no limit)",
    per_shopper_cap: "Uses per shopper (empty: no limit)",
    cap_hint: "The same WeChat user or the same recipient mobile number counts as one shopper",
    categories: "Only these categories (none chosen: every item)",
    categories_hint: "With categories chosen, the discount and the minimum count only their items",
    create: "Create the code",
    none_yet: "No coupon codes yet",
    uses: "Used",
    status: "Status",
    active: "Active",
    disabled: "Disabled",
    disable: "Disable",
    disable_ask: "Once disabled, this code cannot be used on new orders (orders already placed keep it). Disable it?",
    disable_yes: "Disable it",
    back: "Back",
    no_limit: "No limit",
    every_item: "Every item",
    line_paid: "paid",
    nav_shipping: "Shipping",
    ship_title: "Shipping by region",
    ship_hint: "Set shipping by the recipient's province: a fee for the first item, a fee for each further item, free over an amount (of the items after any discount), or no delivery. Provinces without their own template use the default.",
    ship_default: "Default (every other province)",
    ship_none: "No province has its own template yet",
    province: "Province",
    first_fee: "First item",
    additional_fee: "Each further item",
    free_over: "Free over (optional)",
    no_delivery_label: "Do not deliver to this province",
    region_required: "Shipping depends on the region: choose the province, city and district",
    not_delivered: "Not delivered",
    save_template: "Save",
    delete_template: "Delete",
    delete_template_ask: "Once deleted, this province uses the default shipping. Delete it?",
    delete_template_yes: "Delete it",
    bad_province: "Choose a province",
    bad_fee: "A fee is an amount, e.g. 8 or 12.50",
    free_word: "free",
};
