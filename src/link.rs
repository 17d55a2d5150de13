//! Signed order links: `/orders/{no}?t=EXPIRY.MAC` lets whoever holds the link open that
//! one order, in any browser or session, until it expires. The shop hands these out in
//! the delivery message, the "open in WeChat" QR code and the thank-you page.
//!
//! The MAC is HMAC-SHA256 (aws-lc-rs) over `order-link|{no}|{expiry}`, cut to 128 bits,
//! keyed by 32 random bytes kept in `<data>/link.key` (created owner-only on first start,
//! like the other secrets). The expiry is unix seconds in the token itself, checked
//! against the app's clock *after* the MAC, so only a genuine link can say "expired".

use crate::order::OrderNo;
use aws_lc_rs::hmac;
use std::path::Path;
use std::sync::Arc;

/// The key file in the data directory.
pub const KEY_FILE: &str = "link.key";
/// Hex characters of the MAC kept in a token (128 bits).
const MAC_HEX: usize = 32;

#[derive(Clone)]
pub struct Links {
    key: Arc<hmac::Key>,
    ttl_secs: i64,
}

impl std::fmt::Debug for Links {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Links([redacted])")
    }
}

/// Why a link does not open its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Not made by this shop for this order (tampered, truncated, another order's).
    #[error("not a link this shop made")]
    Forged,
    /// Genuine, but past its expiry.
    #[error("the link has expired")]
    Expired,
}

impl Links {
    /// Loads the key from `<dir>/link.key`, creating it (mode 0600) on first use. Links
    /// made now expire after `ttl_days`.
    pub fn load_or_create(dir: &Path, ttl_days: u32) -> std::io::Result<Links> {
        let path = dir.join(KEY_FILE);
        let secret = match std::fs::read_to_string(&path) {
            Ok(s) => s.trim().to_string(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let s = crate::random::random_token::<32>();
                write_new_private(&path, &s)?;
                s
            }
            Err(e) => return Err(e),
        };
        if secret.len() < 32 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{} is too short to be a key", path.display()),
            ));
        }
        Ok(Links::with_key(secret.as_bytes(), ttl_days))
    }

    /// Links under a key given directly (unit tests).
    pub fn with_key(key: &[u8], ttl_days: u32) -> Links {
        Links {
            key: Arc::new(hmac::Key::new(hmac::HMAC_SHA256, key)),
            ttl_secs: i64::from(ttl_days) * 86_400,
        }
    }

    fn mac(&self, no: &OrderNo, expiry: i64) -> String {
        let tag = hmac::sign(&self.key, format!("order-link|{no}|{expiry}").as_bytes());
        let mut hex = crate::random::hex(tag.as_ref());
        hex.truncate(MAC_HEX);
        hex
    }

    /// A token for one order, made at `now` (unix seconds).
    pub fn token(&self, no: &OrderNo, now: i64) -> String {
        let expiry = now + self.ttl_secs;
        format!("{expiry}.{}", self.mac(no, expiry))
    }

    /// Checks a token against its order: forged first, then expired.
    pub fn verify(&self, no: &OrderNo, token: &str, now: i64) -> Result<(), LinkError> {
        let (expiry, mac) = token.split_once('.').ok_or(LinkError::Forged)?;
        let expiry: i64 = expiry.parse().map_err(|_| LinkError::Forged)?;
        let want = self.mac(no, expiry);
        if mac.len() != MAC_HEX
            || aws_lc_rs::constant_time::verify_slices_are_equal(mac.as_bytes(), want.as_bytes())
                .is_err()
        {
            return Err(LinkError::Forged);
        }
        if now >= expiry {
            return Err(LinkError::Expired);
        }
        Ok(())
    }

    /// The path of an order's page with a token (`/orders/{no}?t=…`).
    pub fn order_path(&self, no: &OrderNo, now: i64) -> String {
        format!("/orders/{no}?t={}", self.token(no, now))
    }

    /// The path of an order's cashier with a token (`/pay/{no}?t=…`).
    pub fn pay_path(&self, no: &OrderNo, now: i64) -> String {
        format!("/pay/{no}?t={}", self.token(no, now))
    }
}

fn write_new_private(path: &Path, data: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut f = o.open(path)?;
    f.write_all(data.as_bytes())?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_opens_its_order_until_it_expires_and_nothing_else() {
        let links = Links::with_key(b"0123456789abcdef0123456789abcdef", 30);
        let no = OrderNo::parse("202611250809100000000123").unwrap();
        let other = OrderNo::parse("202611250809100000000124").unwrap();
        let t = links.token(&no, 1000);
        assert_eq!(links.verify(&no, &t, 1000), Ok(()));
        assert_eq!(links.verify(&no, &t, 1000 + 30 * 86_400 - 1), Ok(()));
        assert_eq!(
            links.verify(&no, &t, 1000 + 30 * 86_400),
            Err(LinkError::Expired)
        );
        assert_eq!(links.verify(&other, &t, 1000), Err(LinkError::Forged));
        // A later expiry written into the token breaks the MAC.
        let (_, mac) = t.split_once('.').unwrap();
        let longer = format!("{}.{mac}", 1000 + 60 * 86_400);
        assert_eq!(links.verify(&no, &longer, 1000), Err(LinkError::Forged));
        for bad in ["", ".", "x.y", "1.", &t[..t.len() - 1]] {
            assert_eq!(
                links.verify(&no, bad, 1000),
                Err(LinkError::Forged),
                "{bad}"
            );
        }
        let other_key = Links::with_key(b"fedcba9876543210fedcba9876543210", 30);
        assert_eq!(other_key.verify(&no, &t, 1000), Err(LinkError::Forged));
    }

    #[test]
    fn the_key_is_created_owner_only_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let a = Links::load_or_create(dir.path(), 30).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let b = Links::load_or_create(dir.path(), 30).unwrap();
        let no = OrderNo::parse("202611250809100000000123").unwrap();
        assert_eq!(b.verify(&no, &a.token(&no, 5), 6), Ok(()));
    }
}
