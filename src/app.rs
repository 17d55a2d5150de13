//! The one `App` value — validated config, the store, the clock — and `run`, which serves
//! it on a listener until a shutdown future resolves.
//!
//! There are no globals: everything a handler needs hangs off `App`, and tests build their
//! own (temporary data dir, port 0, a clock they move by hand).

use crate::config::Config;
use crate::store::{Store, StoreError};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use tokio::net::TcpListener;

#[derive(Clone, Debug)]
pub struct App {
    pub config: Arc<Config>,
    pub store: Store,
    pub clock: Clock,
}

/// Wall-clock time with an adjustable offset, so tests control time that matters
/// (expiry, timeouts) without sleeping.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_secs: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::now_utc()
            + time::Duration::seconds(self.offset_secs.load(Ordering::Relaxed))
    }

    pub fn unix(&self) -> i64 {
        self.now().unix_timestamp()
    }

    /// Moves this clock (and every clone of it) forward.
    pub fn advance(&self, secs: i64) {
        self.offset_secs.fetch_add(secs, Ordering::Relaxed);
    }

    /// The time in China (UTC+8), which order numbers and pages use.
    pub fn now_cst(&self) -> time::OffsetDateTime {
        self.now().to_offset(CST)
    }
}

/// China Standard Time, the zone WeChat Pay works in.
pub const CST: time::UtcOffset = match time::UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => panic!("valid offset"),
};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
}

impl App {
    /// Opens the data file named by the config. `seed_demo` fills an empty store with the
    /// demo catalog (once).
    pub fn open(config: Config, seed_demo: bool) -> Result<App, StartError> {
        let store = Store::open(&config.storage.db_path())?;
        if seed_demo {
            crate::seed::seed_demo(&store, config.shop.language)?;
        }
        Ok(App {
            config: Arc::new(config),
            store,
            clock: Clock::default(),
        })
    }
}

/// Serves the shop on `listener` until `shutdown` resolves, then lets in-flight requests
/// finish (up to a deadline) and returns.
pub async fn run(listener: TcpListener, app: App, shutdown: impl Future<Output = ()>) {
    crate::web::serve(listener, app, shutdown).await
}

/// Random bytes from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    aws_lc_rs::rand::fill(&mut b).expect("the system random source failed");
    b
}

pub fn random_u64() -> u64 {
    u64::from_le_bytes(random_bytes::<8>())
}

/// A random token of `2 * N` hex characters.
pub fn random_token<const N: usize>() -> String {
    crate::store::hex(&random_bytes::<N>())
}
