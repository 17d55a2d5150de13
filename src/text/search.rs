//! The storefront search's words, in Simplified Chinese and English: the search box, the
//! results page, its empty state and the refusal of an over-long query. `Lang::search()`
//! picks the table.

use super::Lang;

pub struct SearchText {
    pub lang: Lang,
    pub title: &'static str,
    /// The label of the search box (read by screen readers, shown beside the field).
    pub label: &'static str,
    pub placeholder: &'static str,
    pub button: &'static str,
    /// Shown when the box was sent empty.
    pub empty_query: &'static str,
    pub nothing_found: &'static str,
    pub nothing_found_hint: &'static str,
    pub too_long: &'static str,
    pub browse_instead: &'static str,
}

impl SearchText {
    /// "3 products found for “mug”".
    pub fn found(&self, n: usize, q: &str) -> String {
        match self.lang {
            Lang::Zh => format!("“{q}”共找到 {n} 件商品"),
            Lang::En if n == 1 => format!("1 product found for “{q}”"),
            Lang::En => format!("{n} products found for “{q}”"),
        }
    }
}

impl Lang {
    /// The search's words in this language.
    pub fn search(self) -> &'static SearchText {
        match self {
            Lang::Zh => &SEARCH_ZH,
            Lang::En => &SEARCH_EN,
        }
    }
}

pub static SEARCH_ZH: SearchText = SearchText {
    lang: Lang::Zh,
    title: "搜索",
    label: "搜索商品",
    placeholder: "商品名称、描述或货号",
    button: "搜索",
    empty_query: "请输入要找的商品名称、描述或货号。",
    nothing_found: "没有找到相关商品",
    nothing_found_hint: "换个词试试，或者看看下面的推荐。",
    too_long: "搜索词太长了，请缩短到 100 个字以内再试。",
    browse_instead: "逛逛全部商品",
};

pub static SEARCH_EN: SearchText = SearchText {
    lang: Lang::En,
    title: "Search",
    label: "Search products",
    placeholder: "Name, description or SKU",
    button: "Search",
    empty_query: "Type a product's name, a word from its description or its SKU.",
    nothing_found: "Nothing found",
    nothing_found_hint: "Try another word, or have a look at these.",
    too_long: "That search is too long; please keep it under 100 characters.",
    browse_instead: "Browse all products",
};
