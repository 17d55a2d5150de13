//! The customer-service contact the owner sets in the back office (`/admin/service`): a
//! phone number, a WeChat ID and opening hours, kept as JSON in the `meta` table under one
//! key (so backups and restores carry it), written with its audit entry in one
//! transaction. Until the owner saves it once, the config's `[shop] service_*` values
//! stand. A change bumps the catalog generation: cached product pages show the contact
//! link only when a contact is set.

use super::*;
use crate::config::Service;

const KEY: &str = "service_contact";
/// Opening hours: free text of at most this many characters.
pub const HOURS_MAX: usize = 40;

/// The stored contact; an empty field is not shown.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceContact {
    pub phone: String,
    pub wechat_id: String,
    pub hours: String,
}

/// Why a contact was refused (told in words by `Lang::service_contact`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContactProblem {
    Phone,
    WechatId,
    Hours,
}

/// A phone number a shopper can dial: a mainland mobile (`13812345678`), a landline with
/// its area code (`021-12345678`), a 400/800 number (`400-123-4567`), or `+` and 7–15
/// digits. Spaces and hyphens between digits are allowed.
pub fn valid_phone(p: &str) -> bool {
    if p.len() > 30 || p.starts_with(['-', ' ']) || p.ends_with(['-', ' ']) {
        return false;
    }
    let (plus, rest) = match p.strip_prefix('+') {
        Some(r) => (true, r),
        None => (false, p),
    };
    if !rest
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b' ' || b == b'-')
    {
        return false;
    }
    let d: Vec<u8> = rest.bytes().filter(u8::is_ascii_digit).collect();
    let n = d.len();
    if plus {
        return (7..=15).contains(&n) && d[0] != b'0';
    }
    match d.first() {
        Some(b'1') => n == 11 && (b'3'..=b'9').contains(&d[1]),
        Some(b'0') => (10..=12).contains(&n) && d[1] != b'0',
        Some(b'4' | b'8') => n == 10 && d[1..3] == *b"00",
        _ => false,
    }
}

/// WeChat's rule for an ID: 6–20 letters, digits, `_` or `-`, starting with a letter.
pub fn valid_wechat_id(w: &str) -> bool {
    let n = w.len();
    (6..=20).contains(&n)
        && w.starts_with(|c: char| c.is_ascii_alphabetic())
        && w.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl ServiceContact {
    /// The config's contact (the default until the owner saves one).
    pub fn of(s: &Service) -> ServiceContact {
        let f = |v: &Option<String>| v.clone().unwrap_or_default();
        ServiceContact {
            phone: f(&s.phone),
            wechat_id: f(&s.wechat_id),
            hours: f(&s.hours),
        }
    }

    /// The form's values, trimmed and checked.
    pub fn checked(phone: &str, wechat_id: &str, hours: &str) -> Result<Self, ContactProblem> {
        let c = ServiceContact {
            phone: phone.trim().to_string(),
            wechat_id: wechat_id.trim().to_string(),
            hours: hours.trim().to_string(),
        };
        if !c.phone.is_empty() && !valid_phone(&c.phone) {
            return Err(ContactProblem::Phone);
        }
        if !c.wechat_id.is_empty() && !valid_wechat_id(&c.wechat_id) {
            return Err(ContactProblem::WechatId);
        }
        if c.hours.chars().count() > HOURS_MAX || c.hours.chars().any(char::is_control) {
            return Err(ContactProblem::Hours);
        }
        Ok(c)
    }

    /// As the pages use it (empty fields unset).
    pub fn service(&self) -> Service {
        let f = |v: &str| (!v.is_empty()).then(|| v.to_string());
        Service {
            phone: f(&self.phone),
            wechat_id: f(&self.wechat_id),
            hours: f(&self.hours),
        }
    }
}

impl Store {
    /// The contact saved in the back office, if the owner ever saved one.
    pub fn service_contact(&self) -> Result<Option<ServiceContact>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(META)?;
        t.get(KEY)?.map(|v| dec("meta", v.value())).transpose()
    }

    /// Saves the contact (already checked) with its audit entry by `by` (member, unix
    /// seconds) in one transaction, then makes cached pages render again.
    pub fn save_service_contact(
        &self,
        c: &ServiceContact,
        by: (&str, i64),
    ) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        tx.open_table(META)?.insert(KEY, enc(c).as_slice())?;
        let action = crate::audit::Action::ServiceContactSaved {
            phone: c.phone.clone(),
            wechat_id: c.wechat_id.clone(),
            hours: c.hours.clone(),
        };
        audit::write_in(&tx, &crate::audit::Entry::new(by.1, by.0, action))?;
        tx.commit()?;
        self.catalog_changed();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_follow_the_mainland_forms() {
        for ok in [
            "13812345678",
            "138 1234 5678",
            "021-12345678",
            "0755-1234567",
            "400-123-4567",
            "800 123 4567",
            "+44 20 7946 0958",
        ] {
            assert!(valid_phone(ok), "{ok}");
        }
        for bad in [
            "call us",
            "12345678901",
            "1381234567",
            "021-123",
            "400-123-456",
            "+0123456",
            "-13812345678",
            "13812345678x",
            "",
        ] {
            assert!(!valid_phone(bad), "{bad}");
        }
    }

    #[test]
    fn wechat_ids_follow_wechat_rule() {
        assert!(valid_wechat_id("shop_kefu"));
        assert!(valid_wechat_id("a-12345"));
        assert!(!valid_wechat_id("1shop_kefu"));
        assert!(!valid_wechat_id("short"));
        assert!(!valid_wechat_id("has space"));
        assert!(!valid_wechat_id("abcdefghijklmnopqrstu"));
        assert!(!valid_wechat_id("店铺客服123"));
    }

    #[test]
    fn checked_trims_and_allows_empty() {
        let c = ServiceContact::checked(" 13812345678 ", "", " 9:00–18:00 ").unwrap();
        assert_eq!(c.phone, "13812345678");
        assert_eq!(c.service().wechat_id, None);
        assert_eq!(
            ServiceContact::checked("", "", &"时".repeat(41)),
            Err(ContactProblem::Hours)
        );
    }
}
