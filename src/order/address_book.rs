//! The shopper's address book: several saved recipients (name, mobile, structured
//! address), one of them the default that pre-fills checkout. Pure rules; the store keeps
//! one book per shopper (their openid when known, else their session).

use super::{AddressParts, Recipient};
use serde::{Deserialize, Serialize};

/// At most this many addresses are kept; the oldest non-default one goes first.
pub const MAX_ADDRESSES: usize = 10;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedAddress {
    /// Stable within the book (shown in forms as `addr=ID`).
    pub id: u32,
    pub name: String,
    pub mobile: String,
    /// The whole address as one line (as on the order).
    pub address: String,
    pub parts: AddressParts,
}

impl SavedAddress {
    pub fn recipient(&self) -> Recipient {
        Recipient {
            name: self.name.clone(),
            mobile: self.mobile.clone(),
            address: self.address.clone(),
            parts: Some(self.parts.clone()),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressBook {
    pub entries: Vec<SavedAddress>,
    /// The id of the default address.
    #[serde(default)]
    pub default: Option<u32>,
}

impl AddressBook {
    /// The default address (or the newest, when none is marked).
    pub fn default_entry(&self) -> Option<&SavedAddress> {
        self.default
            .and_then(|id| self.get(id))
            .or(self.entries.last())
    }

    pub fn get(&self, id: u32) -> Option<&SavedAddress> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// Keeps a structured recipient (an identical one is not saved twice) and returns its
    /// id. The first address, or one saved with `make_default`, becomes the default.
    pub fn remember(&mut self, r: &Recipient, make_default: bool) -> Option<u32> {
        let parts = r.parts.clone()?;
        let id = match self
            .entries
            .iter()
            .find(|e| e.name == r.name && e.mobile == r.mobile && e.parts == parts)
        {
            Some(e) => e.id,
            None => {
                let id = self.entries.iter().map(|e| e.id).max().unwrap_or(0) + 1;
                self.entries.push(SavedAddress {
                    id,
                    name: r.name.clone(),
                    mobile: r.mobile.clone(),
                    address: r.address.clone(),
                    parts,
                });
                while self.entries.len() > MAX_ADDRESSES {
                    let drop = self
                        .entries
                        .iter()
                        .position(|e| Some(e.id) != self.default)
                        .unwrap_or(0);
                    self.entries.remove(drop);
                }
                id
            }
        };
        if make_default || self.default.and_then(|d| self.get(d)).is_none() {
            self.default = Some(id);
        }
        Some(id)
    }

    /// Marks an address as the default; false when there is no such address.
    pub fn set_default(&mut self, id: u32) -> bool {
        let found = self.get(id).is_some();
        if found {
            self.default = Some(id);
        }
        found
    }

    /// Deletes an address; false when there is no such address. When it was the default,
    /// the newest remaining address becomes the default.
    pub fn remove(&mut self, id: u32) -> bool {
        let before = self.entries.len();
        self.entries.retain(|e| e.id != id);
        if self.default == Some(id) {
            self.default = self.entries.last().map(|e| e.id);
        }
        self.entries.len() != before
    }

    /// Adds the addresses of another book (a session's, when the shopper's openid becomes
    /// known), keeping this book's default when it has one.
    pub fn merge(&mut self, other: AddressBook) {
        let other_default = other.default_entry().map(|e| e.id);
        for e in &other.entries {
            let make_default = self.default.is_none() && Some(e.id) == other_default;
            self.remember(&e.recipient(), make_default);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(name: &str, district: &str) -> Recipient {
        Recipient {
            name: name.into(),
            mobile: "13800138000".into(),
            address: format!("北京市 {district} 1 号"),
            parts: Some(AddressParts {
                province: "11".into(),
                city: "1101".into(),
                district: district.into(),
                street: "1 号".into(),
            }),
        }
    }

    #[test]
    fn remembers_once_keeps_one_default_and_caps_the_book() {
        let mut b = AddressBook::default();
        let a = b.remember(&r("张三", "110101"), false).unwrap();
        assert_eq!(b.default, Some(a), "the first is the default");
        assert_eq!(b.remember(&r("张三", "110101"), false), Some(a));
        assert_eq!(b.entries.len(), 1);
        let c = b.remember(&r("李四", "110102"), false).unwrap();
        assert_eq!(b.default_entry().unwrap().id, a);
        assert!(b.set_default(c));
        assert!(!b.set_default(99));
        assert_eq!(b.default_entry().unwrap().name, "李四");
        for i in 0..20 {
            b.remember(&r(&format!("顾客{i}"), "110105"), false);
        }
        assert_eq!(b.entries.len(), MAX_ADDRESSES);
        assert_eq!(b.default, Some(c), "the default is never dropped");
        let mut free = r("x", "110101");
        free.parts = None;
        assert_eq!(b.remember(&free, true), None, "free text is not kept");
    }
}
