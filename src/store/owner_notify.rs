//! The owner's phone in the store: which back-office member bound which WeChat (openid,
//! under `wxbind:{username}` in the admin table), the one-time bind links (`wxlink:{sha256}`,
//! holding only the token's hash), and the owner messages — paid orders, after-sales
//! requests, low stock, alerts — queued in the outbox, one entry per bound member, **inside
//! the write transaction of the event that causes them** (`queue_owner_in`), so a crash can
//! neither lose nor duplicate one. What the messages say is decided when they are sent
//! (`crate::owner_notify`), from config the store does not know.

use super::*;
use crate::alert::AlertKind;
use crate::audit::{Action, Entry};

/// A member's WeChat, bound by scanning the back office's QR code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WechatBinding {
    pub username: String,
    pub openid: String,
    pub bound_at: i64,
}

/// A one-time link that binds the WeChat that opens it to `username`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindLink {
    pub token_sha256: String,
    pub username: String,
    pub expires_at: i64,
}

/// Why a bind link did not bind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindRefusal {
    /// Unknown or used already.
    Unknown,
    /// Older than its ten minutes.
    Expired,
}

/// What an owner message is about. Amounts are integer minor units.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum OwnerEvent {
    Paid {
        order: String,
        amount: i64,
        currency: Currency,
        summary: String,
    },
    Aftersales {
        order: String,
        amount: i64,
        currency: Currency,
        summary: String,
    },
    LowStock {
        sku: String,
        product: String,
        left: u32,
    },
    Alert {
        kind: AlertKind,
        #[serde(default)]
        order: Option<String>,
        message: String,
    },
}

impl OwnerEvent {
    /// The outbox kind that carries this event.
    pub fn kind(&self) -> OutboxKind {
        match self {
            OwnerEvent::Paid { .. } => OutboxKind::OwnerPaid,
            OwnerEvent::Aftersales { .. } => OutboxKind::OwnerAftersales,
            OwnerEvent::LowStock { .. } => OutboxKind::OwnerLowStock,
            OwnerEvent::Alert { .. } => OutboxKind::OwnerAlert,
        }
    }

    /// The order it concerns, if any.
    pub fn order(&self) -> Option<&str> {
        match self {
            OwnerEvent::Paid { order, .. } | OwnerEvent::Aftersales { order, .. } => Some(order),
            OwnerEvent::Alert { order, .. } => order.as_deref(),
            OwnerEvent::LowStock { .. } => None,
        }
    }
}

/// The payload of an owner message in the outbox: to whom and about what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerMessage {
    pub touser: String,
    pub member: String,
    #[serde(flatten)]
    pub event: OwnerEvent,
}

/// The items of an order in a few words: "Mug" or "Mug and 3 more" (in the shop's
/// language at send time; here only the first name and the count).
pub fn order_summary(order: &Order) -> String {
    match order.lines.as_slice() {
        [one] => one.product_name.clone(),
        [first, rest @ ..] => format!(
            "{} +{}",
            first.product_name,
            rest.iter().map(|l| l.qty).sum::<u32>()
        ),
        [] => String::new(),
    }
}

/// A low-stock event when a SKU's stock fell across the low-stock threshold.
pub fn low_stock(sku: &str, product: &str, before: u32, after: u32) -> Option<OwnerEvent> {
    (before > crate::catalog::LOW_STOCK && after <= crate::catalog::LOW_STOCK).then(|| {
        OwnerEvent::LowStock {
            sku: sku.to_string(),
            product: product.to_string(),
            left: after,
        }
    })
}

/// What an order change means for the owner's phone: newly paid, a new after-sales request
/// (`had_payment` and `requests`: the order's payment and request count before the change).
pub fn order_events(had_payment: bool, requests: usize, after: &Order) -> Vec<OwnerEvent> {
    let mut v = Vec::new();
    if !had_payment && after.payment.is_some() {
        v.push(OwnerEvent::Paid {
            order: after.no.to_string(),
            amount: after.total.minor(),
            currency: after.currency,
            summary: order_summary(after),
        });
    }
    for r in after.aftersales.iter().skip(requests) {
        let amount = r.amount.map(|m| m.minor()).unwrap_or_else(|| {
            if r.whole_order {
                after.total.minor()
            } else {
                0
            }
        });
        v.push(OwnerEvent::Aftersales {
            order: after.no.to_string(),
            amount,
            currency: after.currency,
            summary: order_summary(after),
        });
    }
    v
}

/// Queues `events` for every bound member, inside the caller's write transaction. Opens
/// the admin and outbox tables: the caller must not hold them open.
pub(crate) fn queue_owner_in(
    tx: &redb::WriteTransaction,
    events: &[OwnerEvent],
    now: i64,
) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    let bound = bindings_in(&tx.open_table(ADMIN)?)?;
    if bound.is_empty() {
        return Ok(());
    }
    let mut t = outbox::OutboxTables::open(tx)?;
    for event in events {
        for b in &bound {
            let id = t.next_id()?;
            let msg = OwnerMessage {
                touser: b.openid.clone(),
                member: b.username.clone(),
                event: event.clone(),
            };
            let e = OutboxEntry {
                id,
                // Not the shopper's message: kept off the order's own message list.
                order: String::new(),
                kind: event.kind(),
                payload: serde_json::to_value(&msg).expect("message serializes"),
                created_at: now,
                attempts: 0,
                next_at: now,
                state: OutboxState::Pending,
                last_error: None,
                msgid: None,
            };
            t.put(&e)?;
        }
    }
    Ok(())
}

fn bindings_in(
    t: &impl ReadableTable<&'static str, &'static [u8]>,
) -> Result<Vec<WechatBinding>, StoreError> {
    let mut v = Vec::new();
    for row in t.range("wxbind:".."wxbind;")? {
        let (_, b) = row?;
        v.push(dec("admin", b.value())?);
    }
    Ok(v)
}

fn bind_key(username: &str) -> String {
    format!("wxbind:{}", username.to_lowercase())
}

impl Store {
    /// Every member's bound WeChat.
    pub fn wechat_bindings(&self) -> Result<Vec<WechatBinding>, StoreError> {
        let tx = self.db.begin_read()?;
        bindings_in(&tx.open_table(ADMIN)?)
    }

    /// The WeChat bound to `username`, if any.
    pub fn wechat_binding(&self, username: &str) -> Result<Option<WechatBinding>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(ADMIN)?;
        t.get(bind_key(username).as_str())?
            .map(|v| dec("admin", v.value()))
            .transpose()
    }

    /// Stores a new bind link.
    pub fn put_bind_link(&self, link: &BindLink) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        tx.open_table(ADMIN)?.insert(
            format!("wxlink:{}", link.token_sha256).as_str(),
            enc(link).as_slice(),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Whether the last owner message WeChat answered for `member`'s bound WeChat `openid`
    /// was refused because that WeChat does not follow the Official Account (43004). A
    /// later message that went through (they followed since) clears it.
    pub fn owner_not_follower(&self, member: &str, openid: &str) -> Result<bool, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(OUTBOX)?;
        for row in t.iter()?.rev() {
            let (_, b) = row?;
            let e: OutboxEntry = dec("outbox", b.value())?;
            if !e.kind.is_owner()
                || !matches!(e.state, OutboxState::Sent | OutboxState::NotFollower)
            {
                continue;
            }
            let Ok(m) = serde_json::from_value::<OwnerMessage>(e.payload) else {
                continue;
            };
            if m.member == member && m.touser == openid {
                return Ok(e.state == OutboxState::NotFollower);
            }
        }
        Ok(false)
    }

    /// Whether a bind link can still be used (without using it).
    pub fn bind_link(
        &self,
        token_sha256: &str,
        now: i64,
    ) -> Result<Result<BindLink, BindRefusal>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(ADMIN)?;
        let link: Option<BindLink> = t
            .get(format!("wxlink:{token_sha256}").as_str())?
            .map(|v| dec("admin", v.value()))
            .transpose()?;
        Ok(match link {
            None => Err(BindRefusal::Unknown),
            Some(l) if now >= l.expires_at => Err(BindRefusal::Expired),
            Some(l) => Ok(l),
        })
    }

    /// Uses a bind link (once, before it expires) and binds `openid` to its member, with
    /// the audit entry (by that member, naming the openid as `masked`), in one transaction.
    /// Returns the binding.
    pub fn bind_wechat(
        &self,
        token_sha256: &str,
        openid: &str,
        masked: &str,
        now: i64,
    ) -> Result<Result<WechatBinding, BindRefusal>, StoreError> {
        let tx = self.db.begin_write()?;
        let r = {
            let mut t = tx.open_table(ADMIN)?;
            let key = format!("wxlink:{token_sha256}");
            let link: Option<BindLink> = t
                .remove(key.as_str())?
                .map(|v| dec("admin", v.value()))
                .transpose()?;
            match link {
                None => Err(BindRefusal::Unknown),
                Some(l) if now >= l.expires_at => Err(BindRefusal::Expired),
                Some(l) => {
                    let b = WechatBinding {
                        username: l.username.clone(),
                        openid: openid.to_string(),
                        bound_at: now,
                    };
                    t.insert(bind_key(&l.username).as_str(), enc(&b).as_slice())?;
                    let action = Action::WechatBound {
                        wechat: masked.to_string(),
                    };
                    audit::write_in(&tx, &Entry::new(now, &l.username, action))?;
                    Ok(b)
                }
            }
        };
        tx.commit()?;
        Ok(r)
    }

    /// Unbinds the WeChat of `entry.by`, writing `entry` in the same transaction.
    /// `false`: none was bound (nothing changed, nothing written).
    pub fn unbind_wechat_as(&self, entry: &Entry) -> Result<bool, StoreError> {
        let tx = self.db.begin_write()?;
        let found = tx
            .open_table(ADMIN)?
            .remove(bind_key(&entry.by).as_str())?
            .is_some();
        if !found {
            return Ok(false);
        }
        audit::write_in(&tx, entry)?;
        tx.commit()?;
        Ok(true)
    }
}
