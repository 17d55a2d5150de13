//! Data files from earlier schema versions open with this build: committed fixtures
//! (`tests/fixtures/schema-v*.redb`) are copied to a temporary directory, opened with the
//! current `Store`, and every record they hold must read back.
//!
//! `tests/fixtures/schema-v1.redb` was written by the ignored generator below, with the
//! build whose `SCHEMA_VERSION` is 1, through the real shop (sandbox payments, the back
//! office). To write it again (only while the schema is still 1):
//!
//! ```sh
//! PUZI_FIXTURE_OUT=tests/fixtures/schema-v1.redb cargo test --test it upgrade::generate -- --ignored
//! ```
//!
//! Without `PUZI_FIXTURE_OUT` the generator only checks that what it writes passes the same
//! checks as the committed file. When the schema moves on, keep the old fixture, extend
//! `a_schema_1_file_opens_with_every_record_intact` with what the upgrade must produce, and
//! add a fixture for the new version.

use crate::admin::setup_owner;
use crate::support::*;
use puzi::money::Money;
use puzi::order::{Order, OrderNo, OrderState};
use puzi::store::Store;
use std::path::{Path, PathBuf};

/// The committed fixture for a schema version.
fn fixture(version: u32) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/schema-v{version}.redb"))
}

/// Copies a data file into a fresh temporary directory (as `puzi.redb`) and opens it with
/// this build's `Store`, upgrading it if its schema is older. The directory also holds the
/// copy taken before an upgrade; it lives as long as the returned `TempDir`.
pub fn open_copy(file: &Path) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("puzi.redb");
    std::fs::copy(file, &path)
        .unwrap_or_else(|e| panic!("copy the fixture {}: {e}", file.display()));
    let store = Store::open(&path).expect("open the copied fixture");
    (dir, store)
}

/// The one order in a state.
fn only(orders: &[Order], state: OrderState) -> &Order {
    let found: Vec<_> = orders.iter().filter(|o| o.state == state).collect();
    assert_eq!(found.len(), 1, "one {state:?} order in {orders:#?}");
    found[0]
}

/// What the schema-1 fixture holds, read back through the current `Store`.
fn assert_schema_1_records(store: &Store) {
    assert_eq!(
        store.schema_version().unwrap(),
        puzi::store::SCHEMA_VERSION,
        "opened at this build's schema"
    );
    // The demo catalog.
    let products = store.products().unwrap();
    let ids: Vec<&str> = products.iter().map(|p| p.id.as_str()).collect();
    for id in [
        "longjing",
        "dianhong",
        "stoneware-mug",
        "cotton-tee",
        "wool-socks",
    ] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
    assert_eq!(products.len(), 9, "{ids:?}");
    assert!(!store.categories().unwrap().is_empty());
    let (mug, _) = store.sku("stoneware-mug-white").unwrap().expect("a SKU");
    assert_eq!(mug.id, "stoneware-mug");
    // The owner account.
    let owner = store.owner().unwrap().expect("an owner");
    assert_eq!(owner.username, "boss");
    assert!(puzi::account::verify_password(
        "correct horse battery",
        &owner.password_hash
    ));
    // One order in each state.
    let orders = store.all_orders().unwrap();
    assert_eq!(orders.len(), 4);
    let paid = only(&orders, OrderState::Paid);
    let payment = paid.payment.as_ref().expect("a payment");
    assert_eq!(payment.amount, paid.total);
    assert!(!payment.transaction_id.is_empty());
    assert_eq!(paid.recipient.mobile, "13800138000");
    assert!(
        paid.history
            .iter()
            .any(|e| e.kind == puzi::order::EventKind::State(OrderState::Paid))
    );
    let shipped = only(&orders, OrderState::Shipped);
    let shipment = shipped.shipment.as_ref().expect("a shipment");
    // Stored as typed in a schema-1 file ("顺丰"), as the carrier's code by this build
    // ("SF"): both show as the same carrier.
    let (carrier, _) = puzi::carrier::display(
        &shipment.courier,
        &shipment.tracking_no,
        puzi::text::Lang::Zh,
    );
    assert_eq!(
        (carrier.as_str(), shipment.tracking_no.as_str()),
        ("顺丰速运", "SF1234567890")
    );
    assert!(["顺丰", "SF"].contains(&shipment.courier.as_str()));
    assert!(shipped.payment.is_some());
    assert_eq!(shipped.refunds.len(), 1);
    assert_eq!(shipped.refunds[0].amount, Money(1000));
    assert_eq!(
        store
            .refund_order(&shipped.refunds[0].out_refund_no)
            .unwrap()
            .as_ref(),
        Some(&shipped.no)
    );
    let pending = only(&orders, OrderState::PendingPayment);
    assert!(pending.payment.is_none());
    assert_eq!(store.open_orders().unwrap(), vec![pending.no.clone()]);
    let closed = only(&orders, OrderState::Closed);
    assert!(closed.payment.is_none());
    for o in &orders {
        assert_eq!(store.order(&o.no).unwrap().as_ref(), Some(o), "by number");
        assert!(!o.lines.is_empty() && o.total.minor() > 0);
    }
}

#[test]
fn a_schema_1_file_opens_with_every_record_intact() {
    let (dir, store) = open_copy(&fixture(1));
    assert_schema_1_records(&store);
    // Upgraded to schema 2: shipped orders are indexed for the completion job.
    let orders = store.all_orders().unwrap();
    let shipped = only(&orders, OrderState::Shipped);
    assert_eq!(
        store.shipped_orders().unwrap(),
        vec![(
            shipped.no.clone(),
            shipped.shipment.as_ref().unwrap().shipped_at
        )]
    );
    // Upgraded to schema 3: orders are indexed by the openid that paid them, so the
    // shopper finds them in any session; unpaid ones belong to no openid yet.
    for o in &orders {
        match o.state {
            OrderState::Paid | OrderState::Shipped => {
                let openid = &o.jsapi_attempt().expect("paid through an attempt").openid;
                assert_eq!(o.owner_openid(), Some(openid.as_str()));
                assert_eq!(store.orders_of_openid(openid).unwrap(), vec![o.no.clone()]);
            }
            _ => assert_eq!(o.owner_openid(), None, "{:?}", o.state),
        }
    }
    // A copy of the file as it was was taken first (a schema-1 file: opening it upgrades it).
    let copies: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.to_string_lossy().contains(&format!(
                "before-schema-{}-from-1",
                puzi::store::SCHEMA_VERSION
            ))
        })
        .collect();
    assert_eq!(copies.len(), 1, "{copies:?}");
    drop(store);
    let old = Store::open(&copies[0]).unwrap();
    assert_eq!(
        old.schema_version().unwrap(),
        puzi::store::SCHEMA_VERSION,
        "opening the copy upgrades it too"
    );
    drop(old);
    // Opening the upgraded file again changes nothing and takes no second copy.
    let again = Store::open(&dir.path().join("puzi.redb")).unwrap();
    assert_eq!(again.shipped_orders().unwrap().len(), 1);
    let shipped_by = shipped.jsapi_attempt().unwrap().openid.clone();
    assert_eq!(again.orders_of_openid(&shipped_by).unwrap().len(), 1);
    let n = std::fs::read_dir(dir.path()).unwrap().count();
    drop(again);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), n);
}

/// Writes a schema-1 data file through the real shop: the demo catalog, an owner, and one
/// order closed unpaid, one paid, one shipped (with a part refund), one awaiting payment.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "generator of tests/fixtures/schema-v1.redb (see the module docs)"]
async fn generate_schema_v1_fixture() {
    let t = TestApp::start().await;
    let owner = setup_owner(&t).await;
    let place = |sku: &'static str, qty: u32| {
        let t = &t;
        async move {
            let c = client();
            add_to_cart(&c, t, sku, qty).await;
            let (status, loc, _) = checkout(&c, t, &GOOD_FORM).await;
            assert_eq!(status, 303);
            let no = OrderNo::parse(placed_no(&loc.unwrap())).unwrap();
            (c, no)
        }
    };
    // Closed: never paid, past the timeout.
    place("dianhong-100g", 1).await;
    t.app.clock.advance(16 * 60);
    assert_eq!(t.app.payments.close_expired().await.unwrap(), 1);
    // Paid.
    let (c, paid) = place("longjing-50g", 2).await;
    pay_in_sandbox(&t, &c, &paid, "阿珍", None).await;
    // Shipped, with a part refund.
    let (c, shipped) = place("stoneware-mug-white", 2).await;
    pay_in_sandbox(&t, &c, &shipped, "小林", None).await;
    let r = owner
        .post(
            &t,
            &format!("/admin/orders/{shipped}/ship"),
            &[("courier", "顺丰"), ("tracking_no", "SF1234567890")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = owner
        .post(
            &t,
            &format!("/admin/orders/{shipped}/refund"),
            &[
                ("amount", "10.00"),
                ("reason", "破损补偿"),
                ("confirm", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    // Awaiting payment.
    place("cotton-tee-m", 1).await;
    for no in [&paid, &shipped] {
        assert_ne!(
            t.app.store.order(no).unwrap().unwrap().state,
            OrderState::PendingPayment
        );
    }
    let data = t.data.clone();
    let dir = t.stop().await;

    let written = data.join("puzi.redb");
    // Small in the repository: the free space redb keeps for growth goes.
    let mut db = redb::Database::open(&written).unwrap();
    db.compact().unwrap();
    drop(db);
    let (_copy, store) = open_copy(&written);
    assert_schema_1_records(&store);
    if let Some(out) = std::env::var_os("PUZI_FIXTURE_OUT") {
        assert_eq!(
            puzi::store::SCHEMA_VERSION,
            1,
            "this generator writes the schema-1 fixture; keep the committed one"
        );
        std::fs::copy(&written, &out).unwrap();
        eprintln!("wrote {}", Path::new(&out).display());
    }
    drop(dir);
}
