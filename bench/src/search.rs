//! `search`: the storefront search on a generated catalog of Chinese products.
//!
//! `gen CSV N` writes N products (three demo categories, two variants each) as a catalog
//! CSV for `puzi catalog import`; `run BASE CSV` builds the same index in-process and times
//! queries on it, then times `GET /search?q=…` over HTTP: distinct queries (each rendered
//! afresh) and a handful of popular ones repeated (served from the page cache).

use puzi::catalog::Category;
use puzi::catalog::search::{Index, Query};
use puzi::money::Currency;
use std::time::Instant;

const PLACES: [&str; 10] = [
    "景德镇",
    "宜兴",
    "龙泉",
    "德化",
    "杭州",
    "云南",
    "福建",
    "安溪",
    "苏州",
    "大理",
];
const MATERIALS: [&str; 10] = [
    "青瓷", "白瓷", "粗陶", "紫砂", "玻璃", "竹编", "亚麻", "纯棉", "羊毛", "铜制",
];
const ITEMS: [&str; 12] = [
    "茶杯",
    "茶壶",
    "马克杯",
    "花瓶",
    "香薰",
    "靠垫",
    "围巾",
    "帆布包",
    "茶叶罐",
    "餐盘",
    "碗",
    "杯垫",
];
const WORDS: [&str; 8] = [
    "手工", "限量", "新品", "礼盒", "经典", "复古", "日常", "旅行",
];
/// The handful of queries a shopper types (popular ones, repeated).
const POPULAR: [&str; 8] = [
    "茶杯",
    "青瓷",
    "紫砂 茶壶",
    "马克杯",
    "手工",
    "杯",
    "mug",
    "sku-01234",
];

fn pick<'a>(list: &[&'a str], i: usize, salt: usize) -> &'a str {
    list[(i.wrapping_mul(2654435761).wrapping_add(salt * 40503) >> 7) % list.len()]
}

pub fn generate(out: &str, n: usize) {
    let mut w = String::from(
        "product_id,category,name,summary,description,option_name,sku,variant,price,stock,published,featured,sort,images\n",
    );
    let cats = ["tea", "home", "apparel"];
    for i in 0..n {
        let (place, mat, item, word) = (
            pick(&PLACES, i, 1),
            pick(&MATERIALS, i, 2),
            pick(&ITEMS, i, 3),
            pick(&WORDS, i, 4),
        );
        let name = format!("{place}{mat}{item} {i:04}");
        let summary = format!("{word}{item}，{place}出品");
        let description = format!(
            "这款{mat}{item}产自{place}，由匠人{word}制作。适合日常使用，也适合送礼。Handmade {item} item no. {i}, a mug-friendly size."
        );
        for (v, vname) in ["A", "B"].iter().zip(["标准款", "大号"]) {
            w.push_str(&format!(
                "bench-{i:05},{},{name},{summary},\"{description}\",规格,SKU-{i:05}-{v},{vname},{}.00,100,true,{},{},\n",
                cats[i % 3],
                20 + i % 180,
                i % 50 == 0,
                i
            ));
        }
    }
    std::fs::write(out, w).expect("write CSV");
}

fn summary(label: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() as f64 * q) as usize).min(ms.len() - 1)];
    println!(
        "| {label} | {} | {:.3} ms | {:.3} ms |",
        ms.len(),
        at(0.5),
        at(0.99)
    );
}

pub async fn run(base: String, csv: String) {
    let text = std::fs::read_to_string(&csv).expect("read CSV");
    let cats: Vec<Category> = ["tea", "home", "apparel"]
        .iter()
        .map(|c| Category {
            id: c.to_string(),
            name: c.to_string(),
            sort: 0,
        })
        .collect();
    let products: Vec<_> = puzi::catalog::csv::import(&text, Currency::CNY, &cats, &|_| true)
        .expect("valid CSV")
        .into_iter()
        .map(|i| i.product)
        .collect();
    let n = products.len();
    let mut builds = Vec::new();
    let mut index = None;
    for _ in 0..5 {
        let t = Instant::now();
        index = Some(Index::build(1, products.clone()));
        builds.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let index = index.expect("built");
    let distinct: Vec<String> = MATERIALS
        .iter()
        .flat_map(|m| ITEMS.iter().map(move |i| format!("{m}{i}")))
        .chain(
            PLACES
                .iter()
                .flat_map(|p| WORDS.iter().map(move |w| format!("{p} {w}"))),
        )
        .collect();
    let mut inproc = Vec::new();
    let mut hits = 0;
    for q in POPULAR
        .iter()
        .map(|s| s.to_string())
        .chain(distinct.iter().cloned())
    {
        let Query::Terms(terms) = Query::parse(&q) else {
            continue;
        };
        for _ in 0..50 {
            let t = Instant::now();
            hits += index.search(&terms).len();
            inproc.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    std::hint::black_box(hits);

    let c = reqwest::Client::new();
    let get = |q: String| {
        let c = c.clone();
        let url = format!(
            "{base}/search?q={}",
            url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        );
        async move {
            let t = Instant::now();
            let r = c.get(url).send().await.expect("search request");
            assert_eq!(r.status(), 200);
            let _ = r.bytes().await.expect("body");
            t.elapsed().as_secs_f64() * 1e3
        }
    };
    get("预热".into()).await; // builds the server's index once
    let mut fresh = Vec::new();
    for q in &distinct {
        fresh.push(get(q.clone()).await);
    }
    let mut popular = Vec::new();
    for _ in 0..100 {
        for q in POPULAR {
            popular.push(get(q.to_string()).await);
        }
    }
    println!("| search, {n} products | samples | median | p99 |");
    println!("|---|---|---|---|");
    summary("index build (in-process)", builds);
    summary("query (in-process, popular and distinct queries)", inproc);
    summary("GET /search, distinct queries (rendered)", fresh);
    summary(
        "GET /search, popular queries repeated (page cache)",
        popular,
    );
}
