//! The back office's order search without reading every order (schema 5). What owners
//! type is indexed: a recipient's full mobile number, its last four digits, the name
//! (exact, and its first characters) — one key per term and order in `ORDER_SEARCH`,
//! written in the transaction of every order write (`index`) and built in the upgrade.
//! An order-number prefix needs no index: the orders table is keyed by the number.
//! Text that no index answers (a fragment in the middle of a name or number) is looked for
//! in the newest `SEARCH_WINDOW` orders of the chosen dates only, and the page says so.

use super::indexes::state_key;
use super::*;
use std::collections::BTreeMap;

/// `{kind}/{term}` U+001F `{out_trade_no}` → (): `m` full mobile, `t` its last 4 digits, `n` the
/// recipient's name and each of its first `NAME_PREFIX_CHARS` prefixes.
pub(crate) const ORDER_SEARCH: TableDefinition<'static, &str, ()> =
    TableDefinition::new("order_search");

/// How many first characters of a name are indexed as prefixes (the whole name always is).
pub const NAME_PREFIX_CHARS: usize = 4;

/// How many of the newest orders (of the chosen dates) a search reads for text that no
/// index answers.
pub const SEARCH_WINDOW: usize = 2_000;

/// Between a term and the order number in a key: below every printable character, so a
/// term's keys are one range sorted by order number.
const SEP: char = '\u{1f}';

/// One page of a search: the orders found, and whether the fragment search stopped at the
/// window with older orders left unread (the page says so).
#[derive(Debug, Default)]
pub struct SearchPage {
    pub orders: Vec<Order>,
    pub window_cut: bool,
}

fn term(kind: char, t: &str) -> String {
    format!("{kind}/{t}{SEP}")
}

/// The index keys of an order.
fn keys(o: &Order) -> Vec<String> {
    let no = o.no.as_str();
    let mut out = Vec::new();
    let m = o.recipient.mobile.trim();
    if !m.is_empty() {
        out.push(format!("{}{no}", term('m', m)));
        if m.len() >= 4 && m.is_char_boundary(m.len() - 4) {
            out.push(format!("{}{no}", term('t', &m[m.len() - 4..])));
        }
    }
    let name = o.recipient.name.trim();
    for (i, c) in name.char_indices().take(NAME_PREFIX_CHARS) {
        out.push(format!("{}{no}", term('n', &name[..i + c.len_utf8()])));
    }
    if !name.is_empty() {
        out.push(format!("{}{no}", term('n', name)));
    }
    out.sort();
    out.dedup();
    out
}

/// Moves an order's search keys from what it was (`before`) to what it is, in the
/// transaction of the change.
pub(crate) fn index(
    tx: &redb::WriteTransaction,
    before: Option<&Order>,
    after: &Order,
) -> Result<(), StoreError> {
    let old = before.map(keys).unwrap_or_default();
    let new = keys(after);
    if old == new {
        return Ok(());
    }
    let mut t = tx.open_table(ORDER_SEARCH)?;
    for k in old.iter().filter(|k| !new.contains(k)) {
        t.remove(k.as_str())?;
    }
    for k in new.iter().filter(|k| !old.contains(k)) {
        t.insert(k.as_str(), ())?;
    }
    Ok(())
}

/// Builds the search index from every order (the upgrade to schema 5).
pub(super) fn build(tx: &redb::WriteTransaction) -> Result<(), StoreError> {
    let orders = tx.open_table(ORDERS)?;
    for row in orders.iter()? {
        let (_, v) = row?;
        let o: Order = dec("orders", v.value())?;
        index(tx, None, &o)?;
    }
    Ok(())
}

/// The index terms a query can be answered by (kind, term).
fn terms(q: &str) -> Vec<(char, String)> {
    let mut out = Vec::new();
    let digits: String = q.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if digits.len() == 4 {
            out.push(('t', digits.clone()));
        }
        if digits.len() > 4 {
            out.push(('m', digits));
        }
    }
    out.push(('n', q.to_string()));
    out
}

/// The search part of the back office's order list (`q` not empty): every order matching
/// an index term, with order numbers starting with `q`, and with `q` inside the number,
/// mobile or name among the newest `window` orders of the dates; newest `limit` first.
/// `lo..hi` are the date bounds (as order-number keys), `below` the page start.
pub(super) fn search(
    tx: &redb::ReadTransaction,
    q: &OrderQuery<'_>,
    (lo, date_hi, hi): (&str, &str, &str),
    window: usize,
    limit: usize,
) -> Result<SearchPage, StoreError> {
    let orders = tx.open_table(ORDERS)?;
    let by_state = tx.open_table(ORDERS_BY_STATE)?;
    let mut found: BTreeMap<String, Order> = BTreeMap::new();
    let in_state = |no: &str| -> Result<bool, StoreError> {
        Ok(match q.state {
            Some(s) => by_state.get(state_key(s, no).as_str())?.is_some(),
            None => true,
        })
    };
    // What an index answers: each term's keys are one range, newest last.
    let idx = tx.open_table(ORDER_SEARCH)?;
    for (kind, t) in terms(q.q) {
        let p = term(kind, &t);
        let (from, to) = (format!("{p}{lo}"), format!("{p}{hi}"));
        let mut n = 0;
        for row in idx.range(from.as_str()..to.as_str())?.rev() {
            let (k, _) = row?;
            let Some((_, no)) = k.value().rsplit_once(SEP) else {
                continue;
            };
            if found.contains_key(no) {
                n += 1;
            } else if in_state(no)?
                && let Some(v) = orders.get(no)?
            {
                found.insert(no.to_string(), dec("orders", v.value())?);
                n += 1;
            }
            if n >= limit {
                break;
            }
        }
    }
    // An order-number prefix: a key range of the orders table.
    if q.q.bytes().all(|b| b.is_ascii_alphanumeric()) {
        let from = lo.max(q.q).to_string();
        let to = hi.min(&format!("{}~", q.q)).to_string();
        if from < to {
            let mut n = 0;
            for row in orders.range(from.as_str()..to.as_str())?.rev() {
                let (k, v) = row?;
                if in_state(k.value())? {
                    found
                        .entry(k.value().to_string())
                        .or_insert(dec("orders", v.value())?);
                    n += 1;
                }
                if n >= limit {
                    break;
                }
            }
        }
    }
    // A fragment inside a number, mobile or name: the newest `window` orders of the dates.
    let mut rows = orders.range(lo..date_hi)?.rev();
    let (mut read, mut n) = (0, 0);
    let mut window_cut = false;
    for row in rows.by_ref() {
        if read == window {
            window_cut = true;
            break;
        }
        read += 1;
        let (k, v) = row?;
        let no = k.value();
        if no >= hi || found.contains_key(no) {
            continue;
        }
        let o: Order = dec("orders", v.value())?;
        if q.state.is_none_or(|s| s == o.state)
            && (no.contains(q.q)
                || o.recipient.mobile.contains(q.q)
                || o.recipient.name.contains(q.q))
        {
            found.insert(no.to_string(), o);
            n += 1;
            if n >= limit {
                break;
            }
        }
    }
    Ok(SearchPage {
        orders: found.into_values().rev().take(limit).collect(),
        window_cut,
    })
}
