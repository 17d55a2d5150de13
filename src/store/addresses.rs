//! Address books in the store: one per shopper, keyed by their openid when known, else
//! by their session; a session's book joins the openid's when OAuth runs.

use super::*;
use crate::order::AddressBook;

/// Whose address book.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddressBookOwner {
    OpenId(String),
    Session(String),
}

impl AddressBookOwner {
    /// The owner of a visitor's book: the openid once known.
    pub fn of(session: &str, openid: Option<&str>) -> AddressBookOwner {
        match openid {
            Some(o) => AddressBookOwner::OpenId(o.to_string()),
            None => AddressBookOwner::Session(session.to_string()),
        }
    }

    fn key(&self) -> String {
        match self {
            AddressBookOwner::OpenId(o) => format!("openid:{o}"),
            AddressBookOwner::Session(s) => format!("session:{s}"),
        }
    }
}

impl Store {
    pub fn address_book(&self, owner: &AddressBookOwner) -> Result<AddressBook, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(ADDRESSES)?;
        Ok(t.get(owner.key().as_str())?
            .map(|v| dec::<AddressBook>("addresses", v.value()))
            .transpose()?
            .unwrap_or_default())
    }

    /// Reads, changes and writes an address book in one transaction.
    pub fn update_address_book<R>(
        &self,
        owner: &AddressBookOwner,
        f: impl FnOnce(&mut AddressBook) -> R,
    ) -> Result<R, StoreError> {
        let tx = self.db.begin_write()?;
        let r = {
            let mut t = tx.open_table(ADDRESSES)?;
            let key = owner.key();
            let mut book = match t.get(key.as_str())? {
                Some(v) => dec::<AddressBook>("addresses", v.value())?,
                None => AddressBook::default(),
            };
            let r = f(&mut book);
            t.insert(key.as_str(), enc(&book).as_slice())?;
            r
        };
        tx.commit()?;
        Ok(r)
    }

    /// Moves a session's address book into the openid's (OAuth just told us who it is).
    pub fn join_address_books(&self, session: &str, openid: &str) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        {
            let mut t = tx.open_table(ADDRESSES)?;
            let from = AddressBookOwner::Session(session.to_string()).key();
            let Some(v) = t.remove(from.as_str())? else {
                return Ok(());
            };
            let moved: AddressBook = dec("addresses", v.value())?;
            drop(v);
            let to = AddressBookOwner::OpenId(openid.to_string()).key();
            let mut book = match t.get(to.as_str())? {
                Some(v) => dec::<AddressBook>("addresses", v.value())?,
                None => AddressBook::default(),
            };
            book.merge(moved);
            t.insert(to.as_str(), enc(&book).as_slice())?;
        }
        tx.commit()?;
        Ok(())
    }
}
