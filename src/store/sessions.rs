//! Shopper sessions: the cart, entry channel, openid and OAuth round trip a browser
//! carries, and the cart an openid keeps across sessions (`openid_carts`).

use super::*;

/// A shopper's server-side session.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub cart: Cart,
    /// Unix seconds.
    pub created_at: i64,
    pub last_seen: i64,
    /// The `?ch=` tag the shopper arrived with.
    #[serde(default)]
    pub channel: Option<String>,
    /// The shopper's openid under the shop's appid, once OAuth has run.
    #[serde(default)]
    pub openid: Option<String>,
    /// An OAuth round trip in flight: its single-use state and where to return.
    #[serde(default)]
    pub oauth: Option<OAuthPending>,
    /// Orders this session opened through a signed link (newest last, a few at most).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub opened: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthPending {
    pub state: String,
    pub return_to: String,
    pub at: i64,
}

impl Store {
    // -- sessions --------------------------------------------------------------------

    /// A session, with its openid's shared cart when it has one.
    pub fn session(&self, id: &str) -> Result<Option<Session>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(SESSIONS)?;
        let Some(mut s) = t
            .get(id)?
            .map(|v| dec::<Session>("sessions", v.value()))
            .transpose()?
        else {
            return Ok(None);
        };
        if let Some(openid) = &s.openid {
            let carts = tx.open_table(OPENID_CARTS)?;
            if let Some(v) = carts.get(openid.as_str())? {
                s.cart = dec("openid_carts", v.value())?;
            }
        }
        Ok(Some(s))
    }

    /// Reads, changes and writes a session in one transaction (creating it if absent).
    pub fn update_session<R>(
        &self,
        id: &str,
        now: i64,
        f: impl FnOnce(&mut Session) -> R,
    ) -> Result<R, StoreError> {
        let tx = self.db.begin_write()?;
        let r = session_in(&tx, id, now, f)?;
        // Sessions are not money: not synced on every change (see `sync_unsynced`).
        tx.commit_unsynced()?;
        Ok(r)
    }

    /// `update_session` for async callers (cart changes): through the group-commit writer,
    /// unsynced — it shares a batch's transaction and never waits for a sync of its own
    /// (see `write_grouped_unsynced`). A write the disk refuses (full disk) is an error,
    /// and the shopper is asked to try again: a change is reported as kept only when redb
    /// took it. What a crash loses is the cart changes since the last synced commit (an
    /// order, a prepay, a payment, or the job tick's `sync_unsynced`); a clean stop loses
    /// nothing.
    pub async fn change_session<R: Send + 'static>(
        &self,
        id: String,
        now: i64,
        f: impl FnOnce(&mut Session) -> R + Send + 'static,
    ) -> Result<R, StoreError> {
        self.write_grouped_unsynced(move |tx| session_in(tx, &id, now, f))
            .await
    }

    /// Like `update_session`, for a session that exists already: `None`, and nothing
    /// written, when there is none (a request cannot create a session this way).
    pub fn update_existing_session<R>(
        &self,
        id: &str,
        now: i64,
        f: impl FnOnce(&mut Session) -> R,
    ) -> Result<Option<R>, StoreError> {
        if self.session(id)?.is_none() {
            return Ok(None);
        }
        let tx = self.db.begin_write()?;
        if tx.open_table(SESSIONS)?.get(id)?.is_none() {
            return Ok(None);
        }
        let r = session_in(&tx, id, now, f)?;
        tx.commit_unsynced()?;
        Ok(Some(r))
    }

    /// Syncs the commits that were not synced (session changes) when no synced
    /// commit has carried them to the disk since. The job tick calls it, so a crash loses
    /// at most one job interval of session changes. Returns whether it wrote.
    pub fn sync_unsynced(&self) -> Result<bool, StoreError> {
        if !db::WriteTx::take_unsynced(&self.db) {
            return Ok(false);
        }
        let tx = self.db.begin_write()?;
        tx.commit()?;
        Ok(true)
    }

    /// Deletes shopper sessions last seen before `before` (unix seconds): their carts and
    /// entry channels. Orders keep the session id they were placed with. Returns how many.
    pub fn delete_idle_sessions(&self, before: i64) -> Result<usize, StoreError> {
        let idle: Vec<String> = {
            let tx = self.db.begin_read()?;
            let t = tx.open_table(SESSIONS)?;
            let mut v = Vec::new();
            for row in t.iter()? {
                let (k, b) = row?;
                if dec::<Session>("sessions", b.value())?.last_seen < before {
                    v.push(k.value().to_string());
                }
            }
            v
        };
        if idle.is_empty() {
            return Ok(0);
        }
        let tx = self.db.begin_write()?;
        let mut n = 0;
        {
            let mut t = tx.open_table(SESSIONS)?;
            for id in &idle {
                // Seen again since the read: kept.
                let still_idle = match t.get(id.as_str())? {
                    Some(b) => dec::<Session>("sessions", b.value())?.last_seen < before,
                    None => false,
                };
                if still_idle {
                    t.remove(id.as_str())?;
                    n += 1;
                }
            }
        }
        tx.commit()?;
        Ok(n)
    }

    /// How many shopper sessions are stored.
    pub fn session_count(&self) -> Result<u64, StoreError> {
        let tx = self.db.begin_read()?;
        Ok(tx.open_table(SESSIONS)?.len()?)
    }
}

/// Reads, changes and writes a session inside a transaction someone else commits.
pub(crate) fn session_in<R>(
    tx: &redb::WriteTransaction,
    id: &str,
    now: i64,
    f: impl FnOnce(&mut Session) -> R,
) -> Result<R, StoreError> {
    let mut t = tx.open_table(SESSIONS)?;
    let mut s = match t.get(id)? {
        Some(v) => dec::<Session>("sessions", v.value())?,
        None => Session {
            created_at: now,
            ..Session::default()
        },
    };
    let before = s.openid.clone();
    take_openid_cart(tx, &mut s)?;
    let r = f(&mut s);
    s.last_seen = now;
    if s.openid != before {
        let cart = std::mem::take(&mut s.cart);
        match before {
            // The session just learned its shopper: what it put in its cart joins the
            // cart the shopper keeps on their other phones and sessions.
            None => {
                take_openid_cart(tx, &mut s)?;
                s.cart = merge_carts(std::mem::take(&mut s.cart), cart);
            }
            // Another WeChat user on this browser: the cart stays with its owner, and
            // this user's own cart is the one shown from now on.
            Some(previous) => {
                let mut theirs = Session {
                    openid: Some(previous),
                    cart,
                    ..Session::default()
                };
                put_openid_cart(tx, &mut theirs)?;
                take_openid_cart(tx, &mut s)?;
            }
        }
    }
    put_openid_cart(tx, &mut s)?;
    t.insert(id, enc(&s).as_slice())?;
    Ok(r)
}

/// Reads the shared cart of the session's openid into `s.cart` (when there is one).
pub(crate) fn take_openid_cart(
    tx: &redb::WriteTransaction,
    s: &mut Session,
) -> Result<(), StoreError> {
    let Some(openid) = &s.openid else {
        return Ok(());
    };
    if let Some(v) = tx.open_table(OPENID_CARTS)?.get(openid.as_str())? {
        s.cart = dec("openid_carts", v.value())?;
    }
    Ok(())
}

/// Stores `s.cart` as its openid's shared cart and leaves the session's own cart empty
/// (the session row then holds no copy that could go stale).
pub(crate) fn put_openid_cart(
    tx: &redb::WriteTransaction,
    s: &mut Session,
) -> Result<(), StoreError> {
    if let Some(openid) = &s.openid {
        let cart = std::mem::take(&mut s.cart);
        let mut carts = tx.open_table(OPENID_CARTS)?;
        if cart.is_empty() {
            carts.remove(openid.as_str())?;
        } else {
            carts.insert(openid.as_str(), enc(&cart).as_slice())?;
        }
    }
    Ok(())
}

/// One cart from two: every line of both, the larger quantity where both hold a SKU (a
/// shopper who added the same thing on two phones wants it once, not twice).
fn merge_carts(mut kept: Cart, other: Cart) -> Cart {
    for line in other.lines {
        match kept.lines.iter_mut().find(|l| l.sku == line.sku) {
            Some(l) => l.qty = l.qty.max(line.qty),
            None => {
                kept.add(&line.sku, line.qty);
            }
        }
    }
    kept
}
