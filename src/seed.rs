//! The demo catalog `puzi demo` starts with: three categories, nine products, variants with
//! their own prices and stock, one product sold out and one nearly so. Images are compiled
//! into the binary (`assets/demo/`) and copied into the store, where every image lives.
//! A booth refills the demo stock to these seeded levels (`refill_demo_stock`) without
//! touching anything else.

use crate::catalog::{Category, Product, Variant};
use crate::money::Money;
use crate::store::{Store, StoreError};
use crate::text::Lang;

#[derive(rust_embed::RustEmbed)]
#[folder = "assets/demo/"]
struct DemoImages;

struct P {
    id: &'static str,
    cat: &'static str,
    zh: (&'static str, &'static str, &'static str),
    en: (&'static str, &'static str, &'static str),
    option: (&'static str, &'static str),
    image: &'static str,
    featured: bool,
    /// (sku suffix, zh name, en name, price in fen, stock)
    variants: &'static [(&'static str, &'static str, &'static str, i64, u32)],
}

const CATEGORIES: &[(&str, &str, &str)] = &[
    ("tea", "茶饮", "Tea"),
    ("home", "家居", "Home"),
    ("apparel", "服饰", "Apparel"),
];

const PRODUCTS: &[P] = &[
    P {
        id: "longjing",
        cat: "tea",
        zh: (
            "明前龙井",
            "西湖产区 · 清明前采摘",
            "清明前手工采摘的嫩芽，扁平光滑，栗香清雅。建议 80°C 水冲泡，可续泡三次。",
        ),
        en: (
            "Longjing green tea",
            "West Lake · picked before Qingming",
            "Hand-picked spring buds, flat and glossy with a chestnut aroma. Brew at 80°C; good for three infusions.",
        ),
        option: ("规格", "Size"),
        image: "longjing",
        featured: true,
        variants: &[
            ("50g", "50 克", "50 g", 6800, 40),
            ("100g", "100 克", "100 g", 12800, 25),
            ("250g", "250 克礼盒", "250 g gift box", 29800, 8),
        ],
    },
    P {
        id: "dianhong",
        cat: "tea",
        zh: (
            "云南滇红",
            "金毫显露 · 蜜香甜润",
            "凤庆大叶种红茶，汤色红艳，蜜香持久。最后几盒，售完即止。",
        ),
        en: (
            "Yunnan black tea",
            "Golden tips, honey notes",
            "Large-leaf black tea from Fengqing with a bright red liquor and lasting honey notes. The last few boxes.",
        ),
        option: ("", ""),
        image: "dianhong",
        featured: true,
        variants: &[("100g", "100 克", "100 g", 8800, 3)],
    },
    P {
        id: "osmanthus-oolong",
        cat: "tea",
        zh: (
            "桂花乌龙",
            "秋季限定 · 桂花窨制",
            "铁观音与新鲜桂花三窨三焙，花香入骨。本季已售罄，敬请期待。",
        ),
        en: (
            "Osmanthus oolong",
            "Autumn limited edition",
            "Tieguanyin scented three times with fresh osmanthus. Sold out for this season.",
        ),
        option: ("", ""),
        image: "oolong",
        featured: false,
        variants: &[("75g", "75 克", "75 g", 5800, 0)],
    },
    P {
        id: "stoneware-mug",
        cat: "home",
        zh: (
            "粗陶马克杯",
            "手工拉坯 · 350ml",
            "景德镇匠人手工拉坯，釉色每只略有不同。可用于洗碗机，不可用于微波炉。",
        ),
        en: (
            "Stoneware mug",
            "Hand-thrown · 350 ml",
            "Hand-thrown in Jingdezhen; every glaze is a little different. Dishwasher safe, not for the microwave.",
        ),
        option: ("颜色", "Colour"),
        image: "mug",
        featured: true,
        variants: &[
            ("white", "米白", "Cream", 5900, 30),
            ("blue", "墨蓝", "Ink blue", 5900, 12),
            ("green", "青绿", "Celadon", 6900, 4),
        ],
    },
    P {
        id: "soy-candle",
        cat: "home",
        zh: (
            "大豆香薰蜡烛",
            "天然大豆蜡 · 约 40 小时",
            "天然大豆蜡与精油调香，棉芯无烟，燃烧约 40 小时。",
        ),
        en: (
            "Soy candle",
            "Natural soy wax · ~40 hours",
            "Natural soy wax scented with essential oils, a smokeless cotton wick and about 40 hours of burn time.",
        ),
        option: ("香型", "Scent"),
        image: "candle",
        featured: false,
        variants: &[
            ("cedar", "雪松", "Cedar", 7900, 20),
            ("osmanthus", "桂花", "Osmanthus", 7900, 15),
        ],
    },
    P {
        id: "linen-cushion",
        cat: "home",
        zh: (
            "亚麻抱枕",
            "45×45cm · 可拆洗",
            "水洗亚麻面料，触感柔软，含羽绒内芯，外套可拆洗。",
        ),
        en: (
            "Linen cushion",
            "45×45 cm · washable cover",
            "Stone-washed linen with a feather insert; the cover zips off for washing.",
        ),
        option: ("", ""),
        image: "cushion",
        featured: false,
        variants: &[("45", "45×45cm", "45×45 cm", 12900, 10)],
    },
    P {
        id: "cotton-tee",
        cat: "apparel",
        zh: (
            "纯棉圆领T恤",
            "新疆长绒棉 · 220g",
            "新疆长绒棉精梳面料，220 克重磅，不易变形。大码另加 10 元。",
        ),
        en: (
            "Cotton crew tee",
            "Xinjiang long-staple cotton · 220 g",
            "Combed long-staple cotton, 220 g heavyweight, keeps its shape. XL costs a little more.",
        ),
        option: ("尺码", "Size"),
        image: "tee",
        featured: true,
        variants: &[
            ("s", "S", "S", 9900, 15),
            ("m", "M", "M", 9900, 20),
            ("l", "L", "L", 9900, 18),
            ("xl", "XL", "XL", 10900, 6),
        ],
    },
    P {
        id: "canvas-tote",
        cat: "apparel",
        zh: (
            "帆布托特包",
            "12 安加厚帆布",
            "12 安加厚帆布，内有小口袋，可放 14 寸电脑。",
        ),
        en: (
            "Canvas tote",
            "Heavy 12 oz canvas",
            "Heavy 12 oz canvas with an inner pocket; fits a 14-inch laptop.",
        ),
        option: ("颜色", "Colour"),
        image: "tote",
        featured: false,
        variants: &[
            ("natural", "原色", "Natural", 4900, 25),
            ("black", "黑色", "Black", 4900, 25),
        ],
    },
    P {
        id: "wool-socks",
        cat: "apparel",
        zh: (
            "羊毛袜（两双装）",
            "美利奴羊毛 · 保暖透气",
            "美利奴羊毛混纺，保暖透气不扎脚。",
        ),
        en: (
            "Wool socks, two pairs",
            "Merino blend · warm and breathable",
            "A merino blend that is warm, breathable and never itchy.",
        ),
        option: ("尺码", "Size"),
        image: "socks",
        featured: false,
        variants: &[
            ("sm", "35–39", "EU 35–39", 3900, 30),
            ("ml", "40–45", "EU 40–45", 3900, 30),
        ],
    },
];

/// Seeds the demo catalog once; a store that was already seeded is left alone so the
/// merchant's changes (and stock) survive restarts.
pub fn seed_demo(store: &Store, lang: Lang) -> Result<bool, StoreError> {
    if store.meta("demo_seeded")?.is_some() {
        return Ok(false);
    }
    for (i, (id, zh, en)) in CATEGORIES.iter().enumerate() {
        store.put_category(&Category {
            id: id.to_string(),
            name: pick(lang, zh, en).to_string(),
            sort: i as i32,
        })?;
    }
    for (i, p) in PRODUCTS.iter().enumerate() {
        let mut images = Vec::new();
        for n in 1..=2 {
            let file = format!("{}-{n}.svg", p.image);
            if let Some(f) = DemoImages::get(&file) {
                images.push(store.put_image("image/svg+xml", &f.data)?);
            }
        }
        let (name, summary, description) = match lang {
            Lang::Zh => p.zh,
            Lang::En => p.en,
        };
        let product = Product {
            id: p.id.to_string(),
            category: p.cat.to_string(),
            name: name.to_string(),
            summary: summary.to_string(),
            description: description.to_string(),
            images,
            option_name: pick(lang, p.option.0, p.option.1).to_string(),
            variants: p
                .variants
                .iter()
                .map(|(sfx, zh, en, price, _)| Variant {
                    sku: format!("{}-{sfx}", p.id),
                    name: pick(lang, zh, en).to_string(),
                    price: Money(*price),
                })
                .collect(),
            featured: p.featured,
            published: true,
            sort: i as i32,
        };
        let stock: Vec<(String, u32)> = p
            .variants
            .iter()
            .map(|(sfx, _, _, _, n)| (format!("{}-{sfx}", p.id), *n))
            .collect();
        store.put_product(&product, &stock)?;
    }
    store.set_meta("demo_seeded", b"1")?;
    Ok(true)
}

/// Every demo SKU with the stock it was seeded with.
pub fn seeded_stock() -> Vec<(String, u32)> {
    PRODUCTS
        .iter()
        .flat_map(|p| {
            p.variants
                .iter()
                .map(move |(sfx, _, _, _, n)| (format!("{}-{sfx}", p.id), *n))
        })
        .collect()
}

/// Which demo SKUs a refill sets back to their seeded stock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refill {
    /// Every demo SKU still sold (`puzi demo --reset-stock`, the sandbox's button).
    All,
    /// Only those sold out that were seeded with stock (`[sandbox] refill`); the product
    /// seeded sold out stays so.
    SoldOut,
}

/// Sets the demo catalog's stock back to its seeded levels in one transaction, each change
/// in the stock log; orders, the owner account and settings are not touched. SKUs the owner
/// removed stay removed. Returns how many SKUs changed.
pub fn refill_demo_stock(
    store: &Store,
    which: Refill,
    lang: Lang,
    now: i64,
) -> Result<usize, StoreError> {
    let targets: Vec<(String, u32)> = seeded_stock()
        .into_iter()
        .filter(|(_, n)| which == Refill::All || *n > 0)
        .collect();
    let reason = lang.booth().refill_reason;
    let changes =
        store.refill_stock(&targets, which == Refill::SoldOut, (reason, "sandbox", now))?;
    Ok(changes.len())
}

fn pick<'a>(lang: Lang, zh: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}
