//! A sliding-window rate limit by client address, in memory: checkouts per address, so a
//! script cannot reserve stock from many fresh sessions at one address. Time comes from
//! the app's clock, so tests move it by hand.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;

/// At most `max` events per address within `window_secs`.
#[derive(Debug)]
pub struct Throttle {
    max: usize,
    window_secs: i64,
    seen: Mutex<HashMap<IpAddr, VecDeque<i64>>>,
}

impl Throttle {
    /// Addresses tracked at most; beyond it the oldest knowledge is dropped wholesale.
    const ADDRESSES_MAX: usize = 100_000;

    pub fn new(max: usize, window_secs: i64) -> Throttle {
        Throttle {
            max,
            window_secs,
            seen: Mutex::default(),
        }
    }

    /// Counts an event of `ip` at `now` if the window has room; false when it has not.
    pub fn allow(&self, ip: IpAddr, now: i64) -> bool {
        let mut seen = self.seen.lock().expect("throttle lock");
        if seen.len() >= Self::ADDRESSES_MAX {
            let window = self.window_secs;
            seen.retain(|_, q| q.back().is_some_and(|t| now - t < window));
            if seen.len() >= Self::ADDRESSES_MAX {
                seen.clear();
            }
        }
        let q = seen.entry(ip).or_default();
        while q.front().is_some_and(|t| now - t >= self.window_secs) {
            q.pop_front();
        }
        if q.len() >= self.max {
            return false;
        }
        q.push_back(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_slides() {
        let t = Throttle::new(2, 60);
        let a: IpAddr = "203.0.113.7".parse().unwrap();
        let b: IpAddr = "203.0.113.8".parse().unwrap();
        assert!(t.allow(a, 0) && t.allow(a, 10));
        assert!(!t.allow(a, 59), "a third within the minute");
        assert!(t.allow(b, 59), "another address is not held up");
        assert!(t.allow(a, 60), "the first left the window");
        assert!(!t.allow(a, 61));
    }
}
