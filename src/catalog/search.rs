//! Storefront search: an in-memory index of the published catalog, built from plain
//! products (no I/O here; `web::search` keeps the current index and rebuilds it when the
//! store's catalog generation moves on).
//!
//! Text is *folded* first — full-width ASCII (`ＡＢＣ１２３`) to half-width, the
//! ideographic space to a space, ASCII lowercased — so `MUG`, `mug` and `ｍｕｇ` are one
//! word. The index maps every pair of adjacent characters (a *bigram*, which is how Chinese
//! text without spaces is usually searched) and every single character to the products
//! holding it. A query is split on whitespace into terms; each term's bigrams (or its one
//! character) narrow the candidates by intersecting their posting lists, and every
//! candidate is then checked for the terms as real substrings of its folded text, so the
//! results are exact substring matches of every term (terms AND). Products whose names
//! hold more of the terms come first, then featured ones, then by name.

use super::Product;
use std::collections::HashMap;

/// Queries longer than this (in characters) are refused before any search is done.
pub const MAX_QUERY_CHARS: usize = 100;
/// Terms of a query used at most (more are ignored: each one only narrows the results).
const MAX_TERMS: usize = 8;

/// One character folded for matching: full-width ASCII to half-width, the ideographic
/// space to a space, ASCII letters to lowercase.
pub fn fold_char(c: char) -> char {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFF01 + 0x21).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    };
    c.to_ascii_lowercase()
}

/// A whole text folded (see [`fold_char`]).
pub fn fold(s: &str) -> String {
    s.chars().map(fold_char).collect()
}

/// The distinct bigrams (pairs of adjacent characters) of a folded text, in first-seen
/// order. Pairs with whitespace in them are left out: terms never contain whitespace.
pub fn bigrams(folded: &str) -> Vec<(char, char)> {
    let chars: Vec<char> = folded.chars().collect();
    let mut out: Vec<(char, char)> = Vec::new();
    for w in chars.windows(2) {
        let pair = (w[0], w[1]);
        if !pair.0.is_whitespace() && !pair.1.is_whitespace() && !out.contains(&pair) {
            out.push(pair);
        }
    }
    out
}

/// A parsed query: its folded terms, or why it is not searched.
#[derive(Debug, PartialEq, Eq)]
pub enum Query {
    /// Nothing to search for (empty or only spaces).
    Empty,
    /// Over [`MAX_QUERY_CHARS`] characters: refused without searching.
    TooLong,
    Terms(Vec<String>),
}

impl Query {
    pub fn parse(q: &str) -> Query {
        if q.chars().count() > MAX_QUERY_CHARS {
            return Query::TooLong;
        }
        let mut terms: Vec<String> = Vec::new();
        for t in fold(q).split_whitespace() {
            if !terms.iter().any(|x| x == t) && terms.len() < MAX_TERMS {
                terms.push(t.to_string());
            }
        }
        if terms.is_empty() {
            Query::Empty
        } else {
            Query::Terms(terms)
        }
    }
}

/// What is searched of one product, folded.
struct Doc {
    name: String,
    /// Summary, description, SKUs and variant names, one per line.
    rest: String,
    featured: bool,
    /// The name as shown, for the final ordering.
    sort_name: String,
}

/// The search index of one catalog generation.
pub struct Index {
    generation: u64,
    products: Vec<Product>,
    docs: Vec<Doc>,
    pairs: HashMap<(char, char), Vec<u32>>,
    singles: HashMap<char, Vec<u32>>,
}

impl Index {
    /// Indexes the products shoppers may see (published ones; others are left out).
    pub fn build(generation: u64, products: Vec<Product>) -> Index {
        let products: Vec<Product> = products.into_iter().filter(|p| p.published).collect();
        let mut pairs: HashMap<(char, char), Vec<u32>> = HashMap::new();
        let mut singles: HashMap<char, Vec<u32>> = HashMap::new();
        let mut docs = Vec::with_capacity(products.len());
        for (i, p) in products.iter().enumerate() {
            let i = i as u32;
            let mut rest = fold(&p.summary);
            rest.push('\n');
            rest.push_str(&fold(&p.description));
            for v in &p.variants {
                rest.push('\n');
                rest.push_str(&fold(&v.sku));
                rest.push('\n');
                rest.push_str(&fold(&v.name));
            }
            let doc = Doc {
                name: fold(&p.name),
                rest,
                featured: p.featured,
                sort_name: p.name.clone(),
            };
            for text in [&doc.name, &doc.rest] {
                for b in bigrams(text) {
                    push_once(pairs.entry(b).or_default(), i);
                }
                for c in text.chars().filter(|c| !c.is_whitespace()) {
                    push_once(singles.entry(c).or_default(), i);
                }
            }
            docs.push(doc);
        }
        Index {
            generation,
            products,
            docs,
            pairs,
            singles,
        }
    }

    /// The catalog generation this index was built from.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Products indexed (the published ones).
    pub fn len(&self) -> usize {
        self.products.len()
    }

    pub fn is_empty(&self) -> bool {
        self.products.is_empty()
    }

    /// The featured products, for suggestions when nothing matched.
    pub fn featured(&self) -> impl Iterator<Item = &Product> {
        self.products.iter().filter(|p| p.featured)
    }

    /// The products matching every term, best first (see the module comment).
    pub fn search(&self, terms: &[String]) -> Vec<&Product> {
        if terms.is_empty() {
            return Vec::new();
        }
        // Posting lists of every term's bigrams (or its character), shortest first.
        let mut lists: Vec<&[u32]> = Vec::new();
        for t in terms {
            let chars: Vec<char> = t.chars().collect();
            if chars.len() == 1 {
                match self.singles.get(&chars[0]) {
                    Some(l) => lists.push(l),
                    None => return Vec::new(),
                }
            } else {
                for b in bigrams(t) {
                    match self.pairs.get(&b) {
                        Some(l) => lists.push(l),
                        None => return Vec::new(),
                    }
                }
            }
        }
        lists.sort_by_key(|l| l.len());
        let mut candidates: Vec<u32> = lists[0].to_vec();
        for l in &lists[1..] {
            candidates.retain(|i| l.binary_search(i).is_ok());
            if candidates.is_empty() {
                return Vec::new();
            }
        }
        // Exact substring check, and how many terms the name holds.
        let mut hits: Vec<(usize, &Doc, u32)> = candidates
            .into_iter()
            .filter_map(|i| {
                let d = &self.docs[i as usize];
                let mut in_name = 0;
                for t in terms {
                    if d.name.contains(t.as_str()) {
                        in_name += 1;
                    } else if !d.rest.contains(t.as_str()) {
                        return None;
                    }
                }
                Some((in_name, d, i))
            })
            .collect();
        hits.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then(b.1.featured.cmp(&a.1.featured))
                .then_with(|| a.1.sort_name.cmp(&b.1.sort_name))
        });
        hits.into_iter()
            .map(|(_, _, i)| &self.products[i as usize])
            .collect()
    }
}

/// Appends `i` unless it is already the last entry (documents are added in order, so the
/// posting lists stay sorted and free of repeats).
fn push_once(list: &mut Vec<u32>, i: u32) {
    if list.last() != Some(&i) {
        list.push(i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Variant;
    use crate::money::Money;

    fn product(id: &str, name: &str, description: &str, sku: &str) -> Product {
        Product {
            id: id.into(),
            category: "c".into(),
            name: name.into(),
            summary: String::new(),
            description: description.into(),
            images: vec![],
            option_name: String::new(),
            variants: vec![Variant {
                sku: sku.into(),
                name: String::new(),
                price: Money(100),
            }],
            featured: false,
            published: true,
            sort: 0,
        }
    }

    #[test]
    fn folding_makes_full_width_and_case_one() {
        assert_eq!(fold("ＭＵＧ－１２３"), "mug-123");
        assert_eq!(fold("Stoneware 杯"), "stoneware 杯");
        assert_eq!(fold("龙井\u{3000}茶"), "龙井 茶");
        assert_eq!(fold_char('Ａ'), 'a');
        assert_eq!(fold_char('～'), '~');
    }

    #[test]
    fn bigrams_are_distinct_and_skip_whitespace() {
        assert_eq!(bigrams("龙井茶"), vec![('龙', '井'), ('井', '茶')]);
        assert_eq!(bigrams("aaa"), vec![('a', 'a')]);
        assert_eq!(bigrams("a b"), Vec::<(char, char)>::new());
        assert!(bigrams("x").is_empty());
    }

    #[test]
    fn queries_are_folded_split_and_bounded() {
        assert_eq!(
            Query::parse(" ＭＵＧ  白色 mug "),
            Query::Terms(vec!["mug".into(), "白色".into()])
        );
        assert_eq!(Query::parse("   "), Query::Empty);
        assert_eq!(Query::parse(&"茶".repeat(101)), Query::TooLong);
        assert!(matches!(Query::parse(&"茶".repeat(100)), Query::Terms(_)));
    }

    #[test]
    fn matches_are_exact_substrings_name_first() {
        let ix = Index::build(
            7,
            vec![
                product("a", "西湖龙井", "", "LJ-1"),
                product("b", "Stoneware Mug", "配龙井茶用", "MUG-W"),
                product("c", "井龙", "", "X-1"),
            ],
        );
        assert_eq!(ix.generation(), 7);
        let ids = |q: &str| match Query::parse(q) {
            Query::Terms(t) => ix.search(&t).iter().map(|p| p.id.clone()).collect(),
            _ => Vec::<String>::new(),
        };
        // "井龙" shares both characters with "龙井" but is not a substring of it.
        assert_eq!(ids("龙井"), vec!["a", "b"]);
        assert_eq!(ids("mug-w"), vec!["b"]);
        assert_eq!(ids("龙"), vec!["c", "a", "b"], "names first, then by name");
        assert_eq!(ids("mug 龙井"), vec!["b"]);
        assert!(ids("mug 红茶").is_empty());
    }
}
