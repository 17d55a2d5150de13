//! The demo booth's words, in Simplified Chinese and English: the booth screen and its
//! live feed, the shopper's own phone page, the stock refill, and the pieces generated
//! persona names are made of. `Lang::booth()` picks the table.

use super::Lang;

pub struct BoothText {
    pub lang: Lang,
    pub title: &'static str,
    pub scan: &'static str,
    pub scan_hint: &'static str,
    pub live: &'static str,
    pub empty: &'static str,
    pub someone: &'static str,
    pub your_name: &'static str,
    pub change_name: &'static str,
    pub bad_name: &'static str,
    pub my_orders: &'static str,
    pub no_orders: &'static str,
    pub messages: &'static str,
    pub voucher: &'static str,
    pub oa_message: &'static str,
    pub no_messages: &'static str,
    pub refill: &'static str,
    pub refill_ask: &'static str,
    pub refill_yes: &'static str,
    pub cancel: &'static str,
    pub refill_reason: &'static str,
    pub booth_link: &'static str,
    /// Generated persona names: an adjective and an animal.
    pub adjectives: &'static [&'static str],
    pub animals: &'static [&'static str],
}

impl Lang {
    /// The booth's words in this language.
    pub fn booth(self) -> &'static BoothText {
        match self {
            Lang::Zh => &BOOTH_ZH,
            Lang::En => &BOOTH_EN,
        }
    }
}

impl BoothText {
    /// A generated persona name: adjective and animal, a number once all pairs are used.
    pub fn persona_name(&self, n: u64) -> String {
        let (a, b) = (self.adjectives.len() as u64, self.animals.len() as u64);
        let pairs = a * b;
        // A stride coprime with the number of pairs visits every pair once, in a varied order.
        let i = (n % pairs) * 37 % pairs;
        let (adj, animal) = (
            self.adjectives[(i / b) as usize],
            self.animals[(i % b) as usize],
        );
        let round = n / pairs;
        match (self.lang, round) {
            (Lang::Zh, 0) => format!("{adj}{animal}"),
            (Lang::Zh, r) => format!("{adj}{animal}{}", r + 1),
            (Lang::En, 0) => format!("{adj} {animal}"),
            (Lang::En, r) => format!("{adj} {animal} {}", r + 1),
        }
    }

    pub fn placed(&self, who: &str, items: &str, amount: &str) -> String {
        match self.lang {
            Lang::Zh => format!("{who} 下单：{items} · {amount}"),
            Lang::En => format!("{who} placed an order: {items} · {amount}"),
        }
    }

    pub fn paid(&self, who: &str, amount: &str) -> String {
        match self.lang {
            Lang::Zh => format!("{who} 付款 {amount} · 微信支付通知已确认"),
            Lang::En => format!("{who} paid {amount} · confirmed by WeChat Pay's notification"),
        }
    }

    pub fn message_sent(&self, who: &str) -> String {
        match self.lang {
            Lang::Zh => format!("公众号消息已发送给 {who}：商品已发货"),
            Lang::En => format!("Official Account message sent to {who}: order shipped"),
        }
    }

    pub fn refilled(&self, n: usize) -> String {
        match self.lang {
            Lang::Zh => format!("已补满 {n} 个规格的库存。"),
            Lang::En if n == 1 => "Refilled 1 variant.".to_string(),
            Lang::En => format!("Refilled {n} variants."),
        }
    }
}

pub static BOOTH_ZH: BoothText = BoothText {
    lang: Lang::Zh,
    title: "展台",
    scan: "微信扫码，逛逛演示店",
    scan_hint: "沙箱模式：模拟支付，不产生真实扣款",
    live: "实时动态",
    empty: "还没有动态。扫码下单试试！",
    someone: "一位顾客",
    your_name: "你的名字",
    change_name: "改名",
    bad_name: "名字须为 1–20 个字符",
    my_orders: "我的订单",
    no_orders: "还没有订单",
    messages: "微信里收到的",
    voucher: "微信支付 · 支付凭证",
    oa_message: "公众号消息",
    no_messages: "暂无消息",
    refill: "补满演示库存",
    refill_ask: "把演示商品的库存恢复到初始数量？订单、店主账户和设置都不受影响。",
    refill_yes: "确认补满",
    cancel: "取消",
    refill_reason: "演示补货",
    booth_link: "展台大屏",
    adjectives: &[
        "快乐", "勇敢", "安静", "好奇", "机灵", "温柔", "活泼", "淡定", "热情", "认真", "悠闲",
        "可爱",
    ],
    animals: &[
        "熊猫",
        "海豚",
        "狐狸",
        "松鼠",
        "企鹅",
        "考拉",
        "水獭",
        "小鹿",
        "仓鼠",
        "刺猬",
        "猫头鹰",
        "柴犬",
    ],
};

pub static BOOTH_EN: BoothText = BoothText {
    lang: Lang::En,
    title: "Booth",
    scan: "Scan with WeChat to visit the demo shop",
    scan_hint: "Sandbox: simulated payments, no real money",
    live: "Live",
    empty: "Nothing yet. Scan the code and buy something!",
    someone: "A visitor",
    your_name: "Your name",
    change_name: "Change",
    bad_name: "A name has 1–20 characters",
    my_orders: "My orders",
    no_orders: "No orders yet",
    messages: "In your WeChat",
    voucher: "WeChat Pay · payment voucher",
    oa_message: "Official Account message",
    no_messages: "No messages yet",
    refill: "Refill demo stock",
    refill_ask: "Put the demo products' stock back to its first levels? Orders, the owner account and settings stay as they are.",
    refill_yes: "Yes, refill",
    cancel: "Cancel",
    refill_reason: "demo refill",
    booth_link: "Booth screen",
    adjectives: &[
        "Happy", "Brave", "Quiet", "Curious", "Clever", "Gentle", "Lively", "Calm", "Eager",
        "Sunny", "Lazy", "Cosy",
    ],
    animals: &[
        "Panda", "Dolphin", "Fox", "Squirrel", "Penguin", "Koala", "Otter", "Deer", "Hamster",
        "Hedgehog", "Owl", "Shiba",
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_names_are_distinct_and_short() {
        for t in [&BOOTH_ZH, &BOOTH_EN] {
            let names: std::collections::HashSet<String> =
                (0..300).map(|n| t.persona_name(n)).collect();
            assert_eq!(names.len(), 300);
            assert!(names.iter().all(|n| n.chars().count() <= 20), "{names:?}");
        }
    }
}
