//! The one `App` value — validated config, the store, the clock — and `run`, which serves
//! it on a listener until a shutdown future resolves.
//!
//! There are no globals: everything a handler needs hangs off `App`, and tests build their
//! own (temporary data dir, port 0, a clock they move by hand).

pub use crate::clock::{CST, Clock};
use crate::config::Config;
use crate::store::{Store, StoreError};
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

#[derive(Clone, Debug)]
pub struct App {
    pub config: Arc<Config>,
    pub store: Store,
    pub clock: Clock,
}

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

pub use crate::id::{random_bytes, random_token, random_u64};
