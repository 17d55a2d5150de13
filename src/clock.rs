//! Time as the shop sees it: wall-clock time plus an offset that tests move by hand, so
//! expiry, timeouts and signature windows are inputs a test controls without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

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
