//! Time as the shop sees it: wall-clock time plus an offset that tests move by hand, so
//! expiry, timeouts and signature windows are inputs a test controls without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Wall-clock time with an adjustable offset, so tests control time that matters
/// (expiry, timeouts) without sleeping.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_secs: Arc<AtomicI64>,
    /// Unix seconds the clock stands still at (plus the offset); 0: it follows the wall.
    frozen_at: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> time::OffsetDateTime {
        let base = match self.frozen_at.load(Ordering::Relaxed) {
            0 => time::OffsetDateTime::now_utc(),
            at => time::OffsetDateTime::from_unix_timestamp(at)
                .unwrap_or_else(|_| time::OffsetDateTime::now_utc()),
        };
        base + time::Duration::seconds(self.offset_secs.load(Ordering::Relaxed))
    }

    /// Stops this clock (and every clone) at the current second; from then on only
    /// `advance` moves it. For tests that count seconds exactly.
    pub fn freeze(&self) {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let _ = self
            .frozen_at
            .compare_exchange(0, now, Ordering::Relaxed, Ordering::Relaxed);
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

/// RFC 3339 in China time, as WeChat writes times (`2026-11-25T12:00:00+08:00`).
pub fn rfc3339_cst(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| t.to_offset(CST))
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// China Standard Time, the zone WeChat Pay works in.
pub const CST: time::UtcOffset = match time::UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => panic!("valid offset"),
};
