//! The store: one redb file holding every table, with typed methods per domain noun.
//!
//! All tables are declared here and nowhere else. Values are serialized JSON bytes (not
//! redb's own type encodings) so the file survives redb's planned encoding changes. The
//! schema version is written when the file is created and checked on open; a file from a
//! newer puzi is refused rather than misread. Every state change is one write transaction
//! committed with `Durability::Immediate`, except shopper-session writes (`update_session`:
//! carts, OAuth state, openid) and the sandbox's own records (not money), which commit
//! unsynced and reach the disk with the next synced commit
//! (`WriteTx::commit_unsynced`, `Store::sync_unsynced`). Methods are synchronous; async callers go
//! through `Store::call`, which runs them on the blocking pool.

use crate::cart::{self, Cart, ShippingRule};
use crate::catalog::{Category, Product};
use crate::money::Currency;
use crate::order::{Order, OrderEvent, OrderLine, OrderNo, OrderState, Recipient};
use redb::{
    Database, MultimapTableDefinition, ReadableDatabase, ReadableTable, ReadableTableMetadata,
    TableDefinition,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Arc;

/// The schema this build writes and understands.
pub const SCHEMA_VERSION: u32 = 5;

pub(crate) const META: TableDefinition<'static, &str, &[u8]> = TableDefinition::new("meta");
pub(crate) const CATEGORIES: TableDefinition<'static, &str, &[u8]> =
    TableDefinition::new("categories");
pub(crate) const PRODUCTS: TableDefinition<'static, &str, &[u8]> = TableDefinition::new("products");
/// sku → product id.
pub(crate) const SKUS: TableDefinition<'static, &str, &str> = TableDefinition::new("skus");
/// sku → units available (not reserved by an order).
pub(crate) const STOCK: TableDefinition<'static, &str, u64> = TableDefinition::new("stock");
/// content hash → content type byte length, content type, bytes.
pub(crate) const IMAGES: TableDefinition<'static, &str, &[u8]> = TableDefinition::new("images");
pub(crate) const SESSIONS: TableDefinition<'static, &str, &[u8]> = TableDefinition::new("sessions");
pub(crate) const ORDERS: TableDefinition<'static, &str, &[u8]> = TableDefinition::new("orders");
/// WeChat transaction id → out_trade_no: a payment is applied at most once.
pub(crate) const PAYMENTS: TableDefinition<'static, &str, &str> = TableDefinition::new("payments");
/// Every notification received, raw and decoded, by WeChat's notification id.
pub(crate) const NOTIFICATIONS: TableDefinition<'static, &str, &[u8]> =
    TableDefinition::new("notifications");
/// Orders still awaiting payment (out_trade_no → created_at), for the reconciler.
/// Shipped orders awaiting completion (out_trade_no → shipped_at), for the job that
/// completes them. Since schema 2.
pub(crate) const SHIPPED_ORDERS: TableDefinition<'static, &str, u64> =
    TableDefinition::new("shipped_orders");
pub(crate) const OPEN_ORDERS: TableDefinition<'static, &str, u64> =
    TableDefinition::new("open_orders");
/// out_refund_no → out_trade_no.
pub(crate) const REFUNDS: TableDefinition<'static, &str, &str> = TableDefinition::new("refunds");
/// The owner account and one-time setup links.
pub(crate) const ADMIN: TableDefinition<'static, &str, &[u8]> = TableDefinition::new("admin");
/// The back-office audit log, by sequence number: who changed what, written in the
/// transaction of the change it records (`audit.rs`).
pub(crate) const AUDIT: TableDefinition<'static, u64, &[u8]> = TableDefinition::new("audit");
/// Back-office sessions by token.
pub(crate) const ADMIN_SESSIONS: TableDefinition<'static, &str, &[u8]> =
    TableDefinition::new("admin_sessions");
/// Every stock adjustment, by sequence number.
pub(crate) const STOCK_LOG: TableDefinition<'static, u64, &[u8]> =
    TableDefinition::new("stock_log");
/// Messages to send to WeChat (delivery notices), by sequence number.
pub(crate) const OUTBOX: TableDefinition<'static, u64, &[u8]> = TableDefinition::new("outbox");
/// Merchant alerts by sequence number.
pub(crate) const ALERTS: TableDefinition<'static, u64, &[u8]> = TableDefinition::new("alerts");
/// The WeChat sandbox's own records (transactions, refunds, deliveries, messages), by
/// prefixed key. Only the sandbox reads or writes it.
pub(crate) const SANDBOX: TableDefinition<'static, &str, &[u8]> = TableDefinition::new("sandbox");
/// session id → order numbers.
pub(crate) const SESSION_ORDERS: MultimapTableDefinition<'static, &str, &str> =
    MultimapTableDefinition::new("session_orders");

/// openid → out_trade_no: a WeChat shopper's orders in every session. Since schema 3.
pub(crate) const OPENID_ORDERS: MultimapTableDefinition<'static, &str, &str> =
    MultimapTableDefinition::new("openid_orders");
/// Address-book owner (`openid:…` or `session:…`) → the shopper's addresses. Since schema 3.
pub(crate) const ADDRESSES: TableDefinition<'static, &str, &[u8]> =
    TableDefinition::new("addresses");
/// openid → the cart of a WeChat shopper: once a session knows its openid, its cart lives
/// here, so every phone and session of that shopper shares one cart.
pub(crate) const OPENID_CARTS: TableDefinition<'static, &str, &[u8]> =
    TableDefinition::new("openid_carts");

/// `{out_trade_no}/{sha256}` → an after-sales photo (content type length, content type,
/// bytes): private to the shopper and the owner, unlike product images.
pub(crate) const AFTERSALES_PHOTOS: TableDefinition<'static, &str, &[u8]> =
    TableDefinition::new("aftersales_photos");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("storage error: {0}")]
    Db(#[from] redb::Error),
    #[error(
        "the data file was written by a newer puzi (schema {found}, this build understands {supported}); upgrade puzi or restore a backup"
    )]
    SchemaTooNew { found: u32, supported: u32 },
    #[error("the data file is already in use by another puzi process: {0}")]
    Locked(String),
    #[error("corrupt record in {table}: {detail}")]
    Corrupt { table: &'static str, detail: String },
    #[error("cannot create data directory {0}")]
    Io(String),
    /// The data file does not accept writes for now (disk full, failed fsync); the store
    /// reopens it by itself once it does. Callers answer "try again".
    #[error("the data file does not accept writes for now; try again shortly")]
    Unavailable,
}

impl StoreError {
    /// A failure of the storage itself (disk full, failed fsync), which passes: the
    /// caller should be told to try again rather than that something is broken.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            StoreError::Unavailable
                | StoreError::Db(
                    redb::Error::Io(_) | redb::Error::PreviousIo | redb::Error::DatabaseClosed
                )
        )
    }
}

macro_rules! from_redb {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self { StoreError::Db(e.into()) }
        }
    )*};
}
from_redb!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

#[derive(Debug, thiserror::Error)]
pub enum PlaceOrderError {
    #[error("the cart is empty")]
    EmptyCart,
    #[error("some items are no longer sold")]
    Unavailable(Vec<String>),
    #[error("not enough stock")]
    OutOfStock(Vec<(String, u32)>),
    #[error("amount out of range")]
    Overflow,
    /// The shopper (session, openid or mobile number) already holds this many unpaid orders.
    #[error("too many unpaid orders")]
    TooManyUnpaid(u32),
    /// The coupon asked for does not apply (any more).
    #[error("coupon refused: {0}")]
    Coupon(crate::coupon::CouponProblem),
    /// The recipient's province has a template saying the shop does not deliver there.
    #[error("{0}")]
    NotDelivered(crate::shipping::NotDelivered),
    /// The address came as one line of text, but shipping templates price by province.
    #[error("shipping depends on the province; the address has none")]
    RegionRequired,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<redb::TableError> for PlaceOrderError {
    fn from(e: redb::TableError) -> Self {
        PlaceOrderError::Store(e.into())
    }
}
impl From<redb::StorageError> for PlaceOrderError {
    fn from(e: redb::StorageError) -> Self {
        PlaceOrderError::Store(e.into())
    }
}

/// What an order is made from, besides the cart.
pub struct NewOrder {
    pub session: String,
    pub recipient: Recipient,
    pub note: String,
    pub currency: Currency,
    pub shipping: ShippingRule,
    pub now: time::OffsetDateTime,
    pub random: u64,
    /// Unpaid orders one shopper may hold at once (`[shop] max_unpaid_orders`).
    pub max_unpaid: u32,
    // -- coupons and buy-now (issue 15) --
    /// A coupon code the shopper entered (checked and counted in the order's transaction).
    pub coupon: Option<String>,
    /// Buy now: the order is made of these items, and the session's cart is left alone.
    pub items: Option<Cart>,
    /// The entry channel the request's cookie carries (a shopper who buys at once never
    /// touched the cart, which is where the channel usually reaches the session).
    pub channel: Option<String>,
}

#[derive(Clone)]
pub struct Store {
    pub(crate) db: Arc<db::Db>,
    /// Bumped after every commit that may change what a catalog page shows (products,
    /// categories, stock). Page caches compare it; it lives in memory only.
    generation: Arc<std::sync::atomic::AtomicU64>,
    /// The group-commit writer, started on first use (see `update_order_grouped`).
    group: Arc<std::sync::OnceLock<std::sync::mpsc::Sender<group_commit::GroupJob>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

pub(crate) fn enc<T: Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).expect("serializing a plain struct cannot fail")
}

pub(crate) fn dec<T: DeserializeOwned>(table: &'static str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        table,
        detail: e.to_string(),
    })
}

impl Store {
    /// Opens (or creates) the data file, checking its schema version.
    /// The file (and a directory puzi makes for it) is readable by its owner only, from
    /// the moment it exists; a file from an older puzi is narrowed to that.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            private_dir(dir).map_err(|e| StoreError::Io(format!("{}: {e}", dir.display())))?;
        }
        private_file(path).map_err(|e| StoreError::Io(format!("{}: {e}", path.display())))?;
        let reopen = db::PathReopen(path.to_path_buf());
        Store::from_db(reopen.open(), path, Box::new(reopen))
    }

    /// Opens (or creates) a data file through a storage backend the caller supplies;
    /// otherwise like `open`. `path` names the file the backend stores to (the copy taken
    /// before a schema upgrade goes beside it). Tests pass a [`FaultyBackend`] here.
    pub fn open_with_backend(
        path: &Path,
        backend: impl redb::StorageBackend,
    ) -> Result<Store, StoreError> {
        let db = Database::builder().create_with_backend(backend);
        Store::from_db(db, path, Box::new(db::NoReopen))
    }

    /// Opens a data file through `reopen`, which also opens it again after a storage
    /// failure (see [`Reopen`]). Tests pass a [`FaultyReopen`] here.
    pub fn open_reopening(path: &Path, reopen: impl Reopen) -> Result<Store, StoreError> {
        Store::from_db(reopen.open(), path, Box::new(reopen))
    }

    /// The store tells time by the shop's clock (the backoff between reopen attempts).
    pub fn use_clock(&self, clock: crate::clock::Clock) {
        self.db.set_clock(clock);
    }

    /// Whether the data file accepts writes (false while the store waits to reopen it).
    pub fn writable(&self) -> bool {
        !self.db.is_broken()
    }

    /// Storage counters and state as Prometheus text, for `/metrics`.
    pub fn storage_metrics(&self) -> String {
        self.db.render_metrics()
    }

    fn from_db(
        db: Result<Database, redb::DatabaseError>,
        path: &Path,
        reopen: Box<dyn Reopen>,
    ) -> Result<Store, StoreError> {
        let db = match db {
            Ok(db) => db,
            Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
                return Err(StoreError::Locked(path.display().to_string()));
            }
            Err(e) => return Err(e.into()),
        };
        let store = Store {
            db: Arc::new(db::Db::new(db, reopen)),
            generation: Arc::default(),
            group: Arc::default(),
        };
        store.init_schema(path)?;
        Ok(store)
    }

    /// The catalog generation (see the field).
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    pub(crate) fn catalog_changed(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    /// Runs blocking store work off the async threads.
    pub async fn call<R, F>(&self, f: F) -> R
    where
        F: FnOnce(&Store) -> R + Send + 'static,
        R: Send + 'static,
    {
        let store = self.clone();
        // The blocking work stays inside the caller's span (the request, the job).
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(|| f(&store)))
            .await
            .expect("store task panicked")
    }

    pub fn schema_version(&self) -> Result<u32, StoreError> {
        let tx = self.db.begin_read()?;
        let meta = tx.open_table(META)?;
        Ok(meta
            .get("schema_version")?
            .map(|v| u32::from_le_bytes(v.value().try_into().unwrap_or([0; 4])))
            .unwrap_or(0))
    }

    // -- meta flags ------------------------------------------------------------------

    pub fn meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(META)?;
        Ok(t.get(key)?.map(|v| v.value().to_vec()))
    }

    pub fn set_meta(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        tx.open_table(META)?.insert(key, value)?;
        tx.commit()?;
        Ok(())
    }
}

mod schema;
mod sessions;
mod shipping;
pub use sessions::{OAuthPending, Session};
pub(crate) use sessions::{put_openid_cart, session_in, take_openid_cart};
mod addresses;
mod aftersales;
mod audit;
mod backup;
mod catalog;
mod coupons;
use catalog::{lookup_sku, put_product_in, stock_change_in};
mod alerts;
mod csv_io;
mod db;
mod faults;
mod group_commit;
mod order_txn;
mod orders;
mod outbox;
mod owner;
pub(crate) mod owner_notify;
mod sandbox;
mod verify_files;

// Secondary indexes over orders and alerts (schema 4).
mod generate;
mod indexes;
pub use indexes::OrderQuery;
// The back office's order search index (schema 5).
mod order_search;
pub(crate) use indexes::{
    AFTERSALES_ORDERS, OPEN_ALERTS, ORDERS_BY_STATE, REFUNDS_DUE, UNPAID_BY_SHOPPER, index_order,
};
pub use order_search::{NAME_PREFIX_CHARS, SEARCH_WINDOW, SearchPage};
// Running order counts per state and sales per channel (schema 5).
mod totals;

pub use addresses::AddressBookOwner;
pub use aftersales::NewPhoto;
pub use alerts::{Alert, AlertKind};
pub use audit::AuditPage;
pub use backup::{private_dir, private_file};
pub use catalog::StockChange;
pub use csv_io::{orders_csv, spreadsheet_safe};
pub use db::{Reopen, probe_dir};
pub use faults::{Faults, FaultyBackend, FaultyReopen};
pub use order_txn::OrderTxn;
pub use outbox::{OutboxEntry, OutboxKind, OutboxState};
pub use owner::{AcceptRefusal, AdminSession, Invite, Member, Owner, SetupToken};
pub use owner_notify::{BindLink, BindRefusal, OwnerEvent, OwnerMessage, WechatBinding};
pub use sandbox::SandboxTable;
pub use verify_files::{VERIFY_FILE_MAX, VerifyFileError, valid_verify_name};
// customer-service contact from the back office (issue 15)
mod service_contact;
pub use service_contact::{
    ContactProblem, HOURS_MAX, ServiceContact, valid_phone, valid_wechat_id,
};
