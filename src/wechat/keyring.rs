//! The keyring of WeChat Pay's keys that sign responses and notifications, looked up by the
//! `Wechatpay-Serial` header: the WeChat Pay public key (`PUB_KEY_ID_…`, no expiry) and/or
//! platform certificates (by serial, each until it expires). Both can be present at once,
//! as during WeChat's migration from certificates to the public key: certificates are
//! then still downloaded and either signature is accepted. Downloads are rate-limited: a
//! scheduled one every six hours (sooner when a held certificate is about to expire),
//! after a failure at most every five minutes, and one for an unknown serial at most once
//! a minute.

use super::crypto::PublicKey;
use std::collections::HashMap;
use std::sync::RwLock;

/// Certificates are re-downloaded at least this often (WeChat asks for under 12 hours).
pub const REFRESH_EVERY_SECS: i64 = 6 * 3600;
/// An unknown serial triggers a download at most this often.
pub const UNKNOWN_SERIAL_COOLDOWN_SECS: i64 = 60;
/// A scheduled download that failed is tried again after this long, not on every call.
pub const RETRY_AFTER_FAILURE_SECS: i64 = 300;

#[derive(Debug, Clone)]
pub struct PlatformCert {
    pub key: PublicKey,
    pub not_before: i64,
    pub not_after: i64,
}

#[derive(Debug, Default)]
struct Inner {
    public_key: Option<(String, PublicKey)>,
    certs: HashMap<String, PlatformCert>,
    last_download: Option<i64>,
    /// The last unknown-serial download.
    last_attempt: Option<i64>,
    /// The last scheduled download, successful or not.
    last_scheduled: Option<i64>,
}

#[derive(Debug)]
pub struct Keyring {
    /// Whether platform certificates are in use (downloaded from `/v3/certificates`).
    cert_mode: bool,
    inner: RwLock<Inner>,
}

impl Keyring {
    /// `public_key`: the WeChat Pay public key and its id. `cert_mode`: also use platform
    /// certificates. At least one of them must be given.
    pub fn new(public_key: Option<(String, PublicKey)>, cert_mode: bool) -> Keyring {
        Keyring {
            cert_mode,
            inner: RwLock::new(Inner {
                public_key,
                ..Inner::default()
            }),
        }
    }

    pub fn cert_mode(&self) -> bool {
        self.cert_mode
    }

    pub fn public_key_id(&self) -> Option<String> {
        self.inner
            .read()
            .expect("keyring lock")
            .public_key
            .as_ref()
            .map(|(id, _)| id.clone())
    }

    /// The key named by a `Wechatpay-Serial`, if known and (for certificates) valid now.
    pub fn get(&self, serial: &str, now: i64) -> Option<PublicKey> {
        let inner = self.inner.read().expect("keyring lock");
        if let Some((id, key)) = &inner.public_key
            && id == serial
        {
            return Some(key.clone());
        }
        inner
            .certs
            .get(serial)
            .filter(|c| c.not_before <= now && now < c.not_after)
            .map(|c| c.key.clone())
    }

    /// Replaces the certificate set with a fresh download, dropping expired ones.
    pub fn set_certificates(&self, certs: Vec<(String, PlatformCert)>, now: i64) {
        let mut inner = self.inner.write().expect("keyring lock");
        inner.certs = certs
            .into_iter()
            .filter(|(_, c)| c.not_after > now)
            .collect();
        inner.last_download = Some(now);
    }

    pub fn serials(&self) -> Vec<String> {
        let inner = self.inner.read().expect("keyring lock");
        let mut v: Vec<String> = inner.certs.keys().cloned().collect();
        if let Some((id, _)) = &inner.public_key {
            v.push(id.clone());
        }
        v.sort();
        v
    }

    /// Records that WeChat has no certificates for this merchant (a public-key-only
    /// merchant): the next scheduled look is the regular one, not a retry in minutes.
    pub fn mark_checked(&self, now: i64) {
        self.inner.write().expect("keyring lock").last_download = Some(now);
    }

    /// Whether a scheduled download is due: never made, older than six hours, or a held
    /// certificate expires before the next one would be made. After a failed attempt the
    /// next waits `RETRY_AFTER_FAILURE_SECS`.
    pub fn refresh_due(&self, now: i64) -> bool {
        let inner = self.inner.read().expect("keyring lock");
        let stale = inner
            .last_download
            .is_none_or(|t| now - t >= REFRESH_EVERY_SECS);
        let expiring = inner
            .certs
            .values()
            .any(|c| c.not_after - now < REFRESH_EVERY_SECS);
        let resting = inner
            .last_scheduled
            .is_some_and(|t| now - t < RETRY_AFTER_FAILURE_SECS);
        self.cert_mode && (stale || expiring) && !resting
    }

    /// Claims a due scheduled download (false when none is due, or another caller has
    /// just claimed it).
    pub fn try_begin_scheduled_refresh(&self, now: i64) -> bool {
        if !self.refresh_due(now) {
            return false;
        }
        let mut inner = self.inner.write().expect("keyring lock");
        if inner
            .last_scheduled
            .is_some_and(|t| now - t < RETRY_AFTER_FAILURE_SECS)
        {
            return false;
        }
        inner.last_scheduled = Some(now);
        true
    }

    /// Records an attempt to download for an unknown serial; false when one was made too
    /// recently (rate limit).
    pub fn try_begin_unknown_serial_refresh(&self, now: i64) -> bool {
        if !self.cert_mode {
            return false;
        }
        let mut inner = self.inner.write().expect("keyring lock");
        if inner
            .last_attempt
            .is_some_and(|t| now - t < UNKNOWN_SERIAL_COOLDOWN_SECS)
        {
            return false;
        }
        inner.last_attempt = Some(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wechat::crypto::MerchantKey;

    fn cert(not_after: i64) -> PlatformCert {
        PlatformCert {
            key: MerchantKey::generate().public_key(),
            not_before: 0,
            not_after,
        }
    }

    #[test]
    fn public_key_and_certificates_are_held_together() {
        let pk = MerchantKey::generate().public_key();
        let kr = Keyring::new(Some(("PUB_KEY_ID_1".into(), pk)), true);
        assert!(
            kr.refresh_due(1000),
            "certificates are downloaded beside the key"
        );
        kr.set_certificates(vec![("AB12".into(), cert(1_000_000))], 1000);
        assert!(kr.get("PUB_KEY_ID_1", 1000).is_some());
        assert!(kr.get("AB12", 1000).is_some());
        assert!(kr.get("AB12", 1_000_000).is_none(), "expired");
        // Without cert mode nothing is ever downloaded.
        let only = Keyring::new(Some(("PUB_KEY_ID_1".into(), cert(1).key)), false);
        assert!(!only.try_begin_scheduled_refresh(0));
        assert!(!only.try_begin_unknown_serial_refresh(0));
    }

    #[test]
    fn downloads_are_rate_limited_and_come_before_expiry() {
        let kr = Keyring::new(None, true);
        assert!(kr.try_begin_scheduled_refresh(0));
        // The attempt failed: not again on every call, but after five minutes.
        assert!(!kr.try_begin_scheduled_refresh(RETRY_AFTER_FAILURE_SECS - 1));
        assert!(kr.try_begin_scheduled_refresh(RETRY_AFTER_FAILURE_SECS));
        let now = RETRY_AFTER_FAILURE_SECS;
        kr.set_certificates(vec![("AB12".into(), cert(now + 30 * 86400))], now);
        assert!(!kr.refresh_due(now + REFRESH_EVERY_SECS - 1));
        assert!(kr.refresh_due(now + REFRESH_EVERY_SECS));
        // A certificate about to expire brings the download forward.
        kr.set_certificates(vec![("AB12".into(), cert(now + 3600))], now);
        assert!(kr.refresh_due(now + RETRY_AFTER_FAILURE_SECS));
        // A public-key-only merchant (no certificates at WeChat) waits the full period.
        kr.mark_checked(now);
        kr.set_certificates(vec![], now);
        assert!(!kr.refresh_due(now + REFRESH_EVERY_SECS - 1));
        // Unknown serials: one download a minute.
        assert!(kr.try_begin_unknown_serial_refresh(now));
        assert!(!kr.try_begin_unknown_serial_refresh(now + 59));
        assert!(kr.try_begin_unknown_serial_refresh(now + 60));
    }
}
