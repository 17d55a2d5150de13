//! The catalog as CSV, one row per variant, for spreadsheets: export, and an import that
//! checks every row first and changes nothing unless all of them are valid.

use super::{Category, Product, Variant, is_slug};
use crate::money::{Currency, Money};
use std::collections::BTreeMap;

pub const COLUMNS: [&str; 14] = [
    "product_id",
    "category",
    "name",
    "summary",
    "description",
    "option_name",
    "sku",
    "variant",
    "price",
    "stock",
    "published",
    "featured",
    "sort",
    "images",
];

/// Exports products with the stock of each variant (`stock[i][j]` for product i, variant j).
pub fn export(products: &[Product], stock: &[Vec<u32>], currency: Currency) -> String {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(COLUMNS).expect("in-memory write");
    for (p, st) in products.iter().zip(stock) {
        for (v, n) in p.variants.iter().zip(st) {
            w.write_record([
                p.id.as_str(),
                p.category.as_str(),
                p.name.as_str(),
                p.summary.as_str(),
                p.description.as_str(),
                p.option_name.as_str(),
                v.sku.as_str(),
                v.name.as_str(),
                &v.price.decimal(currency),
                &n.to_string(),
                if p.published { "true" } else { "false" },
                if p.featured { "true" } else { "false" },
                &p.sort.to_string(),
                &p.images.join(" "),
            ])
            .expect("in-memory write");
        }
    }
    String::from_utf8(w.into_inner().expect("in-memory flush")).expect("CSV of UTF-8 fields")
}

/// A product as imported, with the stock to set per SKU (when given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub product: Product,
    pub stock: Vec<(String, Option<u32>)>,
    /// The CSV line of each variant (parallel to `stock`), for errors found later.
    pub lines: Vec<usize>,
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "" | "true" | "1" | "yes" | "y" | "是" => Some(true),
        "false" | "0" | "no" | "n" | "否" => Some(false),
        _ => None,
    }
}

/// Parses a catalog CSV. Every problem is reported with its line; on any problem nothing
/// is returned. `known_categories` are the ids that exist; `known_images` the stored image
/// hashes (an image column may only name those).
pub fn import(
    text: &str,
    currency: Currency,
    known_categories: &[Category],
    known_images: &dyn Fn(&str) -> bool,
) -> Result<Vec<Imported>, Vec<String>> {
    let mut r = ::csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = match r.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(vec![format!("line 1: {e}")]),
    };
    let col: BTreeMap<&str, usize> = COLUMNS
        .iter()
        .filter_map(|c| headers.iter().position(|h| h.trim() == *c).map(|i| (*c, i)))
        .collect();
    let mut errors = Vec::new();
    for required in ["product_id", "name", "sku", "price"] {
        if !col.contains_key(required) {
            errors.push(format!("line 1: the column {required} is missing"));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut products: BTreeMap<String, Imported> = BTreeMap::new();
    let mut order = Vec::new();
    let mut seen_skus = std::collections::HashSet::new();
    for (i, rec) in r.records().enumerate() {
        let line = i + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let get = |c: &str| {
            col.get(c)
                .and_then(|i| rec.get(*i))
                .unwrap_or("")
                .trim()
                .to_string()
        };
        let id = get("product_id");
        if !is_slug(&id) {
            errors.push(format!(
                "line {line}: product_id {id:?} must be 1–64 of a-z, 0-9 and -"
            ));
            continue;
        }
        let sku = get("sku");
        if sku.is_empty() || sku.len() > 64 || sku.contains(char::is_whitespace) {
            errors.push(format!(
                "line {line}: sku {sku:?} must be 1–64 characters without spaces"
            ));
        } else if !seen_skus.insert(sku.clone()) {
            errors.push(format!("line {line}: sku {sku:?} appears twice"));
        }
        let price = match Money::parse_decimal(&get("price"), currency) {
            Some(m) if m > Money::ZERO => m,
            _ => {
                errors.push(format!(
                    "line {line}: price {:?} is not an amount in {currency}",
                    get("price")
                ));
                Money::ZERO
            }
        };
        let stock = match get("stock").as_str() {
            "" => None,
            s => match s.parse::<u32>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.push(format!("line {line}: stock {s:?} is not a whole number"));
                    None
                }
            },
        };
        let category = get("category");
        if !category.is_empty() && !known_categories.iter().any(|c| c.id == category) {
            errors.push(format!("line {line}: category {category:?} does not exist"));
        }
        let published = parse_bool(&get("published")).unwrap_or_else(|| {
            errors.push(format!("line {line}: published must be true or false"));
            true
        });
        let featured = match get("featured").as_str() {
            "" => false,
            s => parse_bool(s).unwrap_or_else(|| {
                errors.push(format!("line {line}: featured must be true or false"));
                false
            }),
        };
        let sort = get("sort").parse::<i32>().unwrap_or(0);
        let name = get("name");
        if name.is_empty() || name.chars().count() > 60 {
            errors.push(format!("line {line}: name must be 1–60 characters"));
        }
        let images: Vec<String> = get("images")
            .split_whitespace()
            .map(str::to_string)
            .collect();
        for h in &images {
            if !known_images(h) {
                errors.push(format!("line {line}: image {h} is not in the shop"));
            }
        }
        let variant = Variant {
            sku: sku.clone(),
            name: get("variant"),
            price,
        };
        let entry = products.entry(id.clone()).or_insert_with(|| {
            order.push(id.clone());
            Imported {
                product: Product {
                    id: id.clone(),
                    category: category.clone(),
                    name: name.clone(),
                    summary: get("summary"),
                    description: get("description"),
                    images: images.clone(),
                    option_name: get("option_name"),
                    variants: Vec::new(),
                    featured,
                    published,
                    sort,
                },
                stock: Vec::new(),
                lines: Vec::new(),
            }
        });
        entry.product.variants.push(variant);
        entry.stock.push((sku, stock));
        entry.lines.push(line);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(order
        .into_iter()
        .filter_map(|id| products.remove(&id))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cats() -> Vec<Category> {
        vec![Category {
            id: "tea".into(),
            name: "茶".into(),
            sort: 0,
        }]
    }

    #[test]
    fn round_trip() {
        let p = Product {
            id: "green".into(),
            category: "tea".into(),
            name: "绿茶, \"特级\"".into(),
            summary: "s".into(),
            description: "line one\nline two".into(),
            images: vec![],
            option_name: "规格".into(),
            variants: vec![
                Variant {
                    sku: "green-50".into(),
                    name: "50g".into(),
                    price: Money(1990),
                },
                Variant {
                    sku: "green-100".into(),
                    name: "100g".into(),
                    price: Money(3500),
                },
            ],
            featured: true,
            published: false,
            sort: 3,
        };
        let text = export(std::slice::from_ref(&p), &[vec![4, 0]], Currency::CNY);
        let back = import(&text, Currency::CNY, &cats(), &|_| true).unwrap();
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].product, p);
        assert_eq!(
            back[0].stock,
            vec![("green-50".into(), Some(4)), ("green-100".into(), Some(0))]
        );
    }

    #[test]
    fn any_bad_row_imports_nothing() {
        let text = "product_id,category,name,sku,price,stock\nok,tea,Fine,ok-1,1.00,3\nBAD ID,tea,x,b-1,abc,-1\n";
        let errs = import(text, Currency::CNY, &cats(), &|_| true).unwrap_err();
        assert!(
            errs.iter().any(|e| e.starts_with("line 3: product_id")),
            "{errs:?}"
        );
        let text = "product_id,category,name,sku,price\nok,nope,Fine,ok-1,1.005\n";
        let errs = import(text, Currency::CNY, &cats(), &|_| true).unwrap_err();
        assert_eq!(errs.len(), 2, "{errs:?}");
    }
}
