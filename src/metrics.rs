//! Counters for `GET /metrics` (Prometheus text format): requests by status class and a
//! latency histogram, notifications by outcome. Gauges (orders by state, outbox depth) come
//! from a scan of the store that is kept for `GAUGE_TTL_SECS`, so scrapes — however many —
//! scan at most twice a minute; the certificate expiry is read from TLS.

use std::sync::atomic::{AtomicU64, Ordering};

/// Upper bounds of the latency buckets, in seconds.
pub const BUCKETS: [f64; 8] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0];

/// How long one scan of the store serves the gauges.
pub const GAUGE_TTL_SECS: i64 = 30;

/// The gauges read from the store: orders by state and messages waiting in the outbox.
#[derive(Clone, Debug, Default)]
pub struct Gauges {
    pub orders_by_state: Vec<(&'static str, u64)>,
    pub outbox_pending: u64,
}

#[derive(Debug, Default)]
pub struct Metrics {
    /// The last scan and when it was taken (unix seconds, by the app's clock). Held while a
    /// scan runs, so concurrent scrapes wait for it rather than scanning again.
    pub gauges: tokio::sync::Mutex<Option<(i64, Gauges)>>,
    /// 1xx..5xx.
    pub requests: [AtomicU64; 5],
    latency: [AtomicU64; BUCKETS.len() + 1],
    latency_sum_micros: AtomicU64,
    /// accepted, refused, failed.
    pub notifications: [AtomicU64; 3],
    /// Requests the fast lane answered (cached catalog and search pages; also in `requests`).
    pub fast_lane: AtomicU64,
}

/// Acknowledged (applied, or a duplicate) after a durable write.
pub const NOTIFY_ACCEPTED: usize = 0;
/// Refused: signature, window or key.
pub const NOTIFY_REFUSED: usize = 1;
/// Not stored: WeChat will retry.
pub const NOTIFY_FAILED: usize = 2;
const NOTIFY_NAMES: [&str; 3] = ["accepted", "refused", "failed"];

impl Metrics {
    pub fn request(&self, status: u16, seconds: f64) {
        let class = (status / 100).clamp(1, 5) as usize - 1;
        self.requests[class].fetch_add(1, Ordering::Relaxed);
        let b = BUCKETS
            .iter()
            .position(|b| seconds <= *b)
            .unwrap_or(BUCKETS.len());
        self.latency[b].fetch_add(1, Ordering::Relaxed);
        self.latency_sum_micros
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
    }

    /// A cached page answered by the fast lane (`web::fast_lane`), counted as a 200 too.
    pub fn fast_lane(&self, seconds: f64) {
        self.fast_lane.fetch_add(1, Ordering::Relaxed);
        self.request(200, seconds);
    }

    pub fn notification(&self, outcome: usize) {
        self.notifications[outcome].fetch_add(1, Ordering::Relaxed);
    }

    /// The text exposition, with the gauges passed in.
    pub fn render(&self, gauges: &Gauges, cert_not_after: Option<i64>) -> String {
        let (orders_by_state, outbox_pending) = (&gauges.orders_by_state, gauges.outbox_pending);
        let mut s = String::new();
        s.push_str("# HELP puzi_http_requests_total HTTP requests by status class.\n# TYPE puzi_http_requests_total counter\n");
        for (i, c) in self.requests.iter().enumerate() {
            s.push_str(&format!(
                "puzi_http_requests_total{{class=\"{}xx\"}} {}\n",
                i + 1,
                c.load(Ordering::Relaxed)
            ));
        }
        s.push_str("# HELP puzi_http_request_duration_seconds Request latency.\n# TYPE puzi_http_request_duration_seconds histogram\n");
        let mut cumulative = 0;
        for (i, b) in BUCKETS.iter().enumerate() {
            cumulative += self.latency[i].load(Ordering::Relaxed);
            s.push_str(&format!(
                "puzi_http_request_duration_seconds_bucket{{le=\"{b}\"}} {cumulative}\n"
            ));
        }
        cumulative += self.latency[BUCKETS.len()].load(Ordering::Relaxed);
        s.push_str(&format!(
            "puzi_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {cumulative}\n"
        ));
        s.push_str(&format!(
            "puzi_http_request_duration_seconds_sum {}\npuzi_http_request_duration_seconds_count {cumulative}\n",
            self.latency_sum_micros.load(Ordering::Relaxed) as f64 / 1e6
        ));
        s.push_str(&format!(
            "# HELP puzi_http_fast_lane_total Cached catalog and search pages answered before hyper (also in puzi_http_requests_total).\n# TYPE puzi_http_fast_lane_total counter\npuzi_http_fast_lane_total {}\n",
            self.fast_lane.load(Ordering::Relaxed)
        ));
        s.push_str("# HELP puzi_orders Orders by state.\n# TYPE puzi_orders gauge\n");
        for (state, n) in orders_by_state {
            s.push_str(&format!("puzi_orders{{state=\"{state}\"}} {n}\n"));
        }
        s.push_str("# HELP puzi_notifications_total WeChat Pay notifications by outcome.\n# TYPE puzi_notifications_total counter\n");
        for (i, c) in self.notifications.iter().enumerate() {
            s.push_str(&format!(
                "puzi_notifications_total{{outcome=\"{}\"}} {}\n",
                NOTIFY_NAMES[i],
                c.load(Ordering::Relaxed)
            ));
        }
        s.push_str(&format!("# HELP puzi_outbox_pending Messages waiting for WeChat.\n# TYPE puzi_outbox_pending gauge\npuzi_outbox_pending {outbox_pending}\n"));
        if let Some(t) = cert_not_after {
            s.push_str(&format!("# HELP puzi_tls_certificate_expiry_seconds Unix time the TLS certificate expires.\n# TYPE puzi_tls_certificate_expiry_seconds gauge\npuzi_tls_certificate_expiry_seconds {t}\n"));
        }
        s
    }
}
