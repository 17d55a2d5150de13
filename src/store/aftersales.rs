//! After-sales in the store: a request and its photos written with the order in one
//! transaction, a decision written with its Official Account message (the outbox) in one
//! transaction, and the photos read back for the shopper and the owner only.

use super::order_txn::update_order_in;
use super::*;
use crate::order::AftersalesProblem;

/// A photo the shopper sent, its type already checked by its bytes.
#[derive(Clone, Debug)]
pub struct NewPhoto {
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

impl NewPhoto {
    /// Its SHA-256, hex: the name it is stored and linked under.
    pub fn hash(&self) -> String {
        crate::random::hex(
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &self.bytes).as_ref(),
        )
    }
}

fn photo_key(no: &OrderNo, hash: &str) -> String {
    format!("{no}/{hash}")
}

impl Store {
    /// Stores `photos` and lets `f` add the request to the order, in one transaction:
    /// when `f` refuses (or the order is missing: `None`), nothing is written.
    pub fn request_aftersales<R>(
        &self,
        no: &OrderNo,
        now: i64,
        photos: Vec<NewPhoto>,
        f: impl FnOnce(&mut Order, Vec<String>) -> Result<R, AftersalesProblem>,
    ) -> Result<Option<Result<R, AftersalesProblem>>, StoreError> {
        let hashes: Vec<String> = photos.iter().map(NewPhoto::hash).collect();
        let tx = self.db.begin_write()?;
        let r = update_order_in(&tx, no, now, |o, _| {
            Ok::<_, StoreError>(f(o, hashes.clone()))
        })?;
        let v = match r {
            // Dropped without a commit: nothing changed.
            None => return Ok(None),
            Some(Err(p)) => return Ok(Some(Err(p))),
            Some(Ok(v)) => v,
        };
        {
            let mut t = tx.open_table(AFTERSALES_PHOTOS)?;
            for (p, h) in photos.iter().zip(&hashes) {
                let ct = p.content_type.as_bytes();
                let mut v = Vec::with_capacity(1 + ct.len() + p.bytes.len());
                v.push(ct.len() as u8);
                v.extend_from_slice(ct);
                v.extend_from_slice(&p.bytes);
                t.insert(photo_key(no, h).as_str(), v.as_slice())?;
            }
        }
        tx.commit()?;
        Ok(Some(Ok(v)))
    }

    /// Lets `f` decide the order's open request (and touch its refunds through `OrderTxn`)
    /// and queues the message it returns, with the member's audit `entry`, in one
    /// transaction; nothing is written when `f` refuses.
    pub fn decide_aftersales<R>(
        &self,
        no: &OrderNo,
        now: i64,
        entry: &crate::audit::Entry,
        f: impl FnOnce(
            &mut Order,
            &mut OrderTxn<'_>,
        )
            -> Result<Result<(R, Option<OutboxEntry>), AftersalesProblem>, StoreError>,
    ) -> Result<Option<Result<R, AftersalesProblem>>, StoreError> {
        let tx = self.db.begin_write()?;
        let r = update_order_in(&tx, no, now, f)?;
        let (v, message) = match r {
            None => return Ok(None),
            Some(Err(p)) => return Ok(Some(Err(p))),
            Some(Ok(x)) => x,
        };
        if let Some(e) = message {
            outbox::OutboxTables::open(&tx)?.add(e)?;
        }
        audit::write_in(&tx, entry)?;
        tx.commit()?;
        Ok(Some(Ok(v)))
    }

    /// An after-sales photo of order `no`: its content type and bytes.
    pub fn aftersales_photo(
        &self,
        no: &OrderNo,
        hash: &str,
    ) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(AFTERSALES_PHOTOS)?;
        let Some(v) = t.get(photo_key(no, hash).as_str())? else {
            return Ok(None);
        };
        let v = v.value();
        let n = usize::from(*v.first().unwrap_or(&0));
        if v.len() < 1 + n {
            return Err(StoreError::Corrupt {
                table: "aftersales_photos",
                detail: format!("photo {hash} is truncated"),
            });
        }
        let ct = String::from_utf8_lossy(&v[1..1 + n]).into_owned();
        Ok(Some((ct, v[1 + n..].to_vec())))
    }
}
