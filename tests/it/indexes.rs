//! The store's schema-4 indexes (issue 19): orders by state and date, unpaid orders per
//! shopper, after-sales and refunds still open, open alerts; and schema 5's order search
//! (mobile, its last 4 digits, name and its beginning, number prefix) and running totals
//! (orders per state, sales per channel). Each must agree with a scan of
//! every order after a run of real state changes; a schema-3 file must get them built when
//! it is opened; and the job ticks and the back office's lists must not read finished
//! orders (a corrupt finished order would make a scan fail).

use crate::support::*;
use puzi::alert::AlertKind;
use puzi::money::Money;
use puzi::order::{CloseReason, Order, OrderNo, OrderState};
use puzi::store::{OrderQuery, Store};
use std::collections::BTreeSet;

const MUG: &str = "stoneware-mug-white";

fn nos(orders: &[Order]) -> Vec<String> {
    orders.iter().map(|o| o.no.to_string()).collect()
}

/// Every index answer equals the same question answered by reading every order.
fn assert_indexes_agree(store: &Store) {
    let all = store.all_orders().unwrap();
    assert!(!all.is_empty());
    for s in OrderState::ALL {
        let scan: Vec<_> = all.iter().filter(|o| o.state == s).cloned().collect();
        assert_eq!(nos(&store.orders_in_state(s).unwrap()), nos(&scan), "{s:?}");
    }
    let newest = store.recent_orders(3).unwrap();
    assert_eq!(nos(&newest), nos(&all[..all.len().min(3)]));
    // A date filter that holds every order, and one that holds none.
    let day = &all[0].no.as_str()[..8];
    let day = format!("{}-{}-{}", &day[..4], &day[4..6], &day[6..]);
    let q = OrderQuery {
        from: Some(&day),
        to: Some(&day),
        ..OrderQuery::default()
    };
    let scan: Vec<_> = all
        .iter()
        .filter(|o| o.no.as_str().starts_with(&day.replace('-', "")))
        .cloned()
        .collect();
    assert_eq!(nos(&store.orders_page(&q, usize::MAX).unwrap()), nos(&scan));
    let q = OrderQuery {
        to: Some("2000-01-01"),
        ..OrderQuery::default()
    };
    assert!(store.orders_page(&q, usize::MAX).unwrap().is_empty());
    // A page and the page before it.
    let first = store.orders_page(&OrderQuery::default(), 2).unwrap();
    let q = OrderQuery {
        before: Some(first[1].no.as_str()),
        ..OrderQuery::default()
    };
    let rest = store.orders_page(&q, usize::MAX).unwrap();
    assert_eq!(
        [nos(&first), nos(&rest)].concat(),
        nos(&all),
        "pages follow each other"
    );
    let (open, decided) = store.aftersales_orders(usize::MAX).unwrap();
    let scan_open: Vec<_> = all
        .iter()
        .filter(|o| o.aftersales_open())
        .cloned()
        .collect();
    let scan_decided: Vec<_> = all
        .iter()
        .filter(|o| !o.aftersales.is_empty() && !o.aftersales_open())
        .cloned()
        .collect();
    assert_eq!(nos(&open), nos(&scan_open));
    assert_eq!(nos(&decided), nos(&scan_decided));
    let due: BTreeSet<_> = nos(&store.orders_with_refunds_due(i64::MAX).unwrap())
        .into_iter()
        .collect();
    let scan_due: BTreeSet<_> = all
        .iter()
        .filter(|o| o.refunds.iter().any(|r| !r.status.settled()))
        .map(|o| o.no.to_string())
        .collect();
    assert_eq!(due, scan_due);
    let open_alerts: Vec<_> = store.open_alerts().unwrap();
    let scan_alerts: Vec<_> = store
        .alerts()
        .unwrap()
        .into_iter()
        .filter(|a| !a.acknowledged)
        .collect();
    assert_eq!(open_alerts, scan_alerts);
    assert_search_agrees(store, &all);
    assert_totals_agree(store, &all);
}

/// The running totals (schema 5) equal the same figures counted over every order.
fn assert_totals_agree(store: &Store, all: &[Order]) {
    for (s, n) in store.order_counts().unwrap() {
        let scan = all.iter().filter(|o| o.state == s).count() as u64;
        assert_eq!(n, scan, "orders {s:?}");
    }
    let mut scan = std::collections::BTreeMap::new();
    for o in all {
        if let Some(p) = &o.payment {
            let e = scan
                .entry(o.channel.clone().unwrap_or_default())
                .or_insert((0u64, 0i64));
            e.0 += 1;
            e.1 += p.amount.minor() - o.refunded().minor();
        }
    }
    assert!(!scan.is_empty());
    assert_eq!(store.channel_totals().unwrap(), scan, "sales per channel");
}

/// What the search index alone must find for `q`: a full mobile number, its last 4
/// digits, a name, the first `NAME_PREFIX_CHARS` characters of one, an order-number prefix.
fn indexed_match(o: &Order, q: &str) -> bool {
    let m = &o.recipient.mobile;
    let name = &o.recipient.name;
    (q.len() > 4 && m == q)
        || (q.len() == 4 && m.ends_with(q))
        || name == q
        || (q.chars().count() <= puzi::store::NAME_PREFIX_CHARS && name.starts_with(q))
        || o.no.as_str().starts_with(q)
}

/// Searching with no fragment window (`window: Some(0)`: nothing but the indexes) finds
/// exactly what a scan finds for indexed terms; with the window covering the shop, a
/// fragment is found as the old scan found it.
fn assert_search_agrees(store: &Store, all: &[Order]) {
    let mut queries = BTreeSet::new();
    for o in all {
        let (m, name) = (&o.recipient.mobile, &o.recipient.name);
        queries.insert(m.clone());
        queries.insert(m[m.len() - 4..].to_string());
        queries.insert(name.clone());
        queries.insert(name.chars().take(1).collect());
        queries.insert(name.chars().take(3).collect());
        queries.insert(o.no.as_str()[..14].to_string());
    }
    for q in &queries {
        let scan: Vec<_> = all
            .iter()
            .filter(|o| indexed_match(o, q))
            .cloned()
            .collect();
        let by_index = OrderQuery {
            q: q.as_str(),
            window: Some(0),
            ..OrderQuery::default()
        };
        assert_eq!(
            nos(&store.orders_page(&by_index, usize::MAX).unwrap()),
            nos(&scan),
            "search {q:?} through the index"
        );
        // The state filter and a page of one still agree.
        let paid = OrderQuery {
            state: Some(OrderState::Paid),
            ..by_index.clone()
        };
        let scan_paid: Vec<_> = scan
            .iter()
            .filter(|o| o.state == OrderState::Paid)
            .cloned()
            .collect();
        assert_eq!(
            nos(&store.orders_page(&paid, usize::MAX).unwrap()),
            nos(&scan_paid),
            "search {q:?} among paid orders"
        );
        assert_eq!(
            nos(&store.orders_page(&by_index, 1).unwrap()),
            nos(&scan[..scan.len().min(1)])
        );
    }
    // A fragment from the middle of a mobile number: only the window finds it.
    let mid = &all[0].recipient.mobile[3..8];
    let q = OrderQuery {
        q: mid,
        ..OrderQuery::default()
    };
    let scan: Vec<_> = all
        .iter()
        .filter(|o| o.recipient.mobile.contains(mid) || indexed_match(o, mid))
        .cloned()
        .collect();
    let page = store.orders_search_page(&q, usize::MAX).unwrap();
    assert_eq!(
        nos(&page.orders),
        nos(&scan),
        "a fragment within the window"
    );
    assert!(!page.window_cut, "the window covers this small shop");
    let narrow = OrderQuery {
        window: Some(1),
        ..q.clone()
    };
    let page = store.orders_search_page(&narrow, usize::MAX).unwrap();
    assert!(
        page.window_cut,
        "a window of one leaves older orders unread"
    );
}

/// A multipart after-sales request for the whole order, without photos.
async fn ask_whole(t: &TestApp, c: &reqwest::Client, no: &OrderNo) {
    let mut body = String::new();
    for (k, v) in [("scope", "whole"), ("reason", "damaged"), ("note", "破了")] {
        body.push_str(&format!(
            "--B0uNd\r\ncontent-disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        ));
    }
    body.push_str("--B0uNd--\r\n");
    let r = c
        .post(t.url(&format!("/orders/{no}/aftersales")))
        .header("content-type", "multipart/form-data; boundary=B0uNd")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
}

/// Places `n` orders of one mug, each by its own shopper; returns their clients and numbers.
async fn place(t: &TestApp, n: usize, from: usize) -> Vec<(reqwest::Client, OrderNo)> {
    let mut v = Vec::new();
    for i in from..from + n {
        let c = client();
        add_to_cart(&c, t, MUG, 1).await;
        let form = shopper_form(i);
        let (s, loc, body) = checkout(&c, t, &as_form(&form)).await;
        assert_eq!(s, 303, "{body}");
        v.push((c, OrderNo::parse(placed_no(&loc.unwrap())).unwrap()));
    }
    v
}

/// Orders in every state the shop reaches by itself: unpaid, paid, closed, refunded in part,
/// waiting on after-sales; alerts open and dismissed.
async fn a_shop_with_history(t: &TestApp) -> Vec<OrderNo> {
    t.app.clock.freeze();
    let placed = place(t, 6, 100).await;
    let now = t.app.clock.unix();
    for (c, no) in &placed[..3] {
        pay_in_sandbox(t, c, no, "阿珍", None).await;
    }
    for (_, no) in &placed[3..5] {
        t.app
            .store
            .update_order(no, now, |o, tx| -> Result<_, puzi::store::StoreError> {
                o.close(now, CloseReason::Timeout).unwrap();
                tx.release(&o.lines)?;
                Ok(())
            })
            .unwrap();
    }
    t.app
        .payments
        .refund(&placed[0].1, Money(100), "部分退款")
        .await
        .unwrap();
    ask_whole(t, &placed[1].0, &placed[1].1).await;
    t.app
        .store
        .alert(AlertKind::UnknownOrder, None, "one".into(), now)
        .unwrap();
    t.app
        .store
        .alert(AlertKind::UnknownOrder, None, "two".into(), now)
        .unwrap();
    let first = t.app.store.alerts().unwrap().last().unwrap().id;
    t.app.store.acknowledge_alert(first, ("boss", now)).unwrap();
    // A recipient corrected after placing: the search follows the new name and number.
    t.app
        .store
        .update_order(
            &placed[2].1,
            now,
            |o, _| -> Result<_, puzi::store::StoreError> {
                o.recipient.name = "林小雨".into();
                o.recipient.mobile = "13712345678".into();
                Ok(())
            },
        )
        .unwrap();
    placed.into_iter().map(|(_, n)| n).collect()
}

#[tokio::test]
async fn the_indexes_agree_with_a_scan_after_state_changes() {
    let t = TestApp::start().await;
    a_shop_with_history(&t).await;
    assert_indexes_agree(&t.app.store);
    // The unpaid cap still counts through the index: a shopper with 3 unpaid orders
    // (one mobile number, three sessions) is refused a fourth, and may order again
    // once one of them is closed.
    let form = shopper_form(7);
    let mut mine = Vec::new();
    for _ in 0..3 {
        let c = client();
        add_to_cart(&c, &t, MUG, 1).await;
        let (s, loc, _) = checkout(&c, &t, &as_form(&form)).await;
        assert_eq!(s, 303);
        mine.push(OrderNo::parse(placed_no(&loc.unwrap())).unwrap());
    }
    let c = client();
    add_to_cart(&c, &t, MUG, 1).await;
    let (s, _, _) = checkout(&c, &t, &as_form(&form)).await;
    assert_ne!(s, 303, "a fourth unpaid order is refused");
    let now = t.app.clock.unix();
    t.app
        .store
        .update_order(
            &mine[0],
            now,
            |o, tx| -> Result<_, puzi::store::StoreError> {
                o.close(now, CloseReason::Timeout).unwrap();
                tx.release(&o.lines)?;
                Ok(())
            },
        )
        .unwrap();
    let (s, _, _) = checkout(&c, &t, &as_form(&form)).await;
    assert_eq!(s, 303, "after one closed, the shopper may order again");
    assert_indexes_agree(&t.app.store);
}

/// Removes schema 5's running totals, as an older file lacks them.
fn delete_totals(tx: &redb::WriteTransaction) {
    let c: redb::TableDefinition<'_, &str, u64> = redb::TableDefinition::new("order_counts");
    assert!(tx.delete_table(c).unwrap());
    let t: redb::TableDefinition<'_, &str, &[u8]> = redb::TableDefinition::new("channel_totals");
    assert!(tx.delete_table(t).unwrap());
}

/// Turns a data file back into what schema 4 wrote: no search index, version 4.
fn make_schema_4(path: &std::path::Path) {
    let db = redb::Database::open(path).unwrap();
    let tx = db.begin_write().unwrap();
    let t: redb::TableDefinition<'_, &str, ()> = redb::TableDefinition::new("order_search");
    assert!(tx.delete_table(t).unwrap());
    delete_totals(&tx);
    let meta: redb::TableDefinition<'_, &str, &[u8]> = redb::TableDefinition::new("meta");
    tx.open_table(meta)
        .unwrap()
        .insert("schema_version", 4u32.to_le_bytes().as_slice())
        .unwrap();
    tx.commit().unwrap();
}

#[tokio::test]
async fn a_schema_4_file_gets_its_search_index_built_when_opened() {
    let t = TestApp::start().await;
    a_shop_with_history(&t).await;
    let dir = t.stop().await.unwrap();
    let path = dir.path().join("puzi.redb");
    make_schema_4(&path);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), puzi::store::SCHEMA_VERSION);
    assert_indexes_agree(&store);
}

/// The schema-4 index tables, by name, as a schema-3 file lacks them.
const INDEX_TABLES: [&str; 4] = [
    "orders_by_state",
    "aftersales_orders",
    "refunds_due",
    "open_alerts",
];

/// Turns a data file back into what schema 3 wrote: no index tables, version 3.
fn make_schema_3(path: &std::path::Path) {
    let db = redb::Database::open(path).unwrap();
    let tx = db.begin_write().unwrap();
    delete_indexes(&tx);
    let meta: redb::TableDefinition<'_, &str, &[u8]> = redb::TableDefinition::new("meta");
    tx.open_table(meta)
        .unwrap()
        .insert("schema_version", 3u32.to_le_bytes().as_slice())
        .unwrap();
    tx.commit().unwrap();
}

/// Deletes every order index of schemas 4 and 5 (what a backup of an earlier build lacked).
fn delete_indexes(tx: &redb::WriteTransaction) {
    for name in INDEX_TABLES {
        let t: redb::TableDefinition<'_, &str, u64> = redb::TableDefinition::new(name);
        let u: redb::TableDefinition<'_, u64, u64> = redb::TableDefinition::new(name);
        if !tx.delete_table(t).unwrap_or(false) {
            tx.delete_table(u).unwrap();
        }
    }
    let m: redb::MultimapTableDefinition<'_, &str, &str> =
        redb::MultimapTableDefinition::new("unpaid_by_shopper");
    assert!(tx.delete_multimap_table(m).unwrap());
    let s: redb::TableDefinition<'_, &str, ()> = redb::TableDefinition::new("order_search");
    assert!(tx.delete_table(s).unwrap());
    delete_totals(tx);
}

/// A backup made by an earlier build copied the tables of schema 3 only while its version
/// said 5: opened, the shop builds every index it lacks from the data (the outbox's too).
#[tokio::test]
async fn a_file_missing_its_indexes_at_the_current_version_gets_them_built() {
    let t = TestApp::start().await;
    a_shop_with_history(&t).await;
    let dir = t.stop().await.unwrap();
    let path = dir.path().join("puzi.redb");
    {
        let db = redb::Database::open(&path).unwrap();
        let tx = db.begin_write().unwrap();
        delete_indexes(&tx);
        let t: redb::TableDefinition<'_, u64, ()> = redb::TableDefinition::new("outbox_pending");
        assert!(tx.delete_table(t).unwrap());
        let t: redb::TableDefinition<'_, &str, ()> = redb::TableDefinition::new("outbox_by_order");
        assert!(tx.delete_table(t).unwrap());
        tx.commit().unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), puzi::store::SCHEMA_VERSION);
    assert_indexes_agree(&store);
    let pending: Vec<_> = store
        .outbox()
        .unwrap()
        .into_iter()
        .filter(|e| e.state == puzi::store::OutboxState::Pending)
        .collect();
    assert_eq!(store.outbox_pending().unwrap(), pending);
}

#[tokio::test]
async fn a_schema_3_file_gets_its_indexes_built_when_opened() {
    let t = TestApp::start().await;
    a_shop_with_history(&t).await;
    let dir = t.stop().await.unwrap();
    let path = dir.path().join("puzi.redb");
    make_schema_3(&path);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), puzi::store::SCHEMA_VERSION);
    assert_indexes_agree(&store);
    let kept = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| {
            e.file_name().to_string_lossy().contains(&format!(
                "before-schema-{}-from-3",
                puzi::store::SCHEMA_VERSION
            ))
        });
    assert!(kept, "a copy of the schema-3 file is kept");
}

/// Overwrites a stored order with bytes no reader can decode.
fn corrupt(path: &std::path::Path, no: &OrderNo) {
    let db = redb::Database::open(path).unwrap();
    let tx = db.begin_write().unwrap();
    let orders: redb::TableDefinition<'_, &str, &[u8]> = redb::TableDefinition::new("orders");
    tx.open_table(orders)
        .unwrap()
        .insert(no.as_str(), b"{not an order".as_slice())
        .unwrap();
    tx.commit().unwrap();
}

#[tokio::test]
async fn job_ticks_and_lists_do_not_read_finished_orders() {
    let t = TestApp::start().await;
    let placed = a_shop_with_history(&t).await;
    // The oldest closed order: finished, and not on the first page of anything.
    let closed = placed[3].clone();
    let dir = t.stop().await.unwrap();
    corrupt(&dir.path().join("puzi.redb"), &closed);
    let t = TestApp::start_in(dir.path()).await;
    assert!(
        t.app.store.all_orders().is_err(),
        "a scan of every order meets the corrupt one"
    );
    t.app.payments.close_expired().await.unwrap();
    t.app.payments.reconcile_pending().await.unwrap();
    t.app.payments.retry_refunds().await.unwrap();
    t.app.fulfilment.complete_due().await.unwrap();
    let store = &t.app.store;
    store.orders_in_state(OrderState::Paid).unwrap();
    store.orders_in_state(OrderState::PendingPayment).unwrap();
    store.aftersales_orders(20).unwrap();
    store.open_alerts().unwrap();
    // The cap reads only the shopper's own unpaid orders.
    place(&t, 1, 300).await;
    // Ten days on, the dashboard reads this week's orders and the running totals, and
    // /metrics the running counts: neither meets the corrupt order.
    t.app.clock.freeze();
    t.app.clock.advance(10 * 86_400);
    let owner = crate::admin::setup_owner(&t).await;
    let (s, page) = get_text(&owner.c, &t.url("/admin")).await;
    assert_eq!(s, 200, "{page}");
    let m = reqwest::get(t.url("/metrics")).await.unwrap();
    assert_eq!(m.status(), 200);
    let m = m.text().await.unwrap();
    assert!(m.contains("puzi_orders{state=\"closed\"} 2"), "{m}");
}

/// The outbox keeps every message it ever sent (the order page lists them): the delivery
/// tick reads only the pending ones and an order's page only that order's (schema 5's
/// outbox indexes). A message row nothing should read is made undecodable here; a scan of
/// the whole outbox meets it, the tick, `/metrics` and the order's messages do not.
#[tokio::test]
async fn the_delivery_tick_and_order_pages_do_not_read_every_message_sent() {
    let t = TestApp::start().await;
    let placed = a_shop_with_history(&t).await;
    let dir = t.stop().await.unwrap();
    {
        let db = redb::Database::open(dir.path().join("puzi.redb")).unwrap();
        let tx = db.begin_write().unwrap();
        let outbox: redb::TableDefinition<'_, u64, &[u8]> = redb::TableDefinition::new("outbox");
        tx.open_table(outbox)
            .unwrap()
            .insert(1_000_000, b"{a message sent long ago".as_slice())
            .unwrap();
        tx.commit().unwrap();
    }
    let t = TestApp::start_in(dir.path()).await;
    assert!(
        t.app.store.outbox().is_err(),
        "a read of the whole outbox meets the undecodable row"
    );
    t.app.fulfilment.deliver_outbox().await.unwrap();
    assert!(t.app.store.outbox_pending().unwrap().is_empty());
    for no in &placed {
        t.app.store.outbox_for_order(no.as_str()).unwrap();
        assert!(!t.app.store.message_undelivered(no.as_str()).unwrap());
    }
    let m = reqwest::get(t.url("/metrics")).await.unwrap();
    assert_eq!(m.status(), 200);
}
