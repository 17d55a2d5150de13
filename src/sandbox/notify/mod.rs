//! Notification deliveries, as WeChat makes them: `TRANSACTION.SUCCESS` and `REFUND.*`
//! envelopes, encrypted with the APIv3 key and signed with the platform key, POSTed to the
//! notify URL with a 5 s timeout and retried on WeChat's schedule (scaled for tests) until a
//! 2xx. This module owns the delivery records and their storage (`dlv/<id>`, with a
//! `dlvp/<id>` marker while one is pending), so a restart resumes them; `schedule` creates
//! them for payments and refunds, shaped by the pending fault; `send` delivers them.

mod schedule;
mod send;

pub(crate) use schedule::{release_after_return, schedule_payment, schedule_refund};
pub use send::RETRY_SCHEDULE;
pub(crate) use send::{deliver_due, run};

use super::{NotificationFault, Sandbox, dec, enc, next_seq};
use crate::store::{SandboxTable, StoreError};
use serde::{Deserialize, Serialize};

/// Where a delivery stands, stored as the snake-case names earlier builds wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Due at `next_at`: the first attempt, or a retry.
    Pending,
    /// Held until the payment sheet has returned to the page (`AfterReturn` fault).
    WaitingReturn,
    /// Acknowledged with a 2xx.
    Delivered,
    /// Never sent (`Lose` fault).
    Lost,
    /// Every retry of WeChat's schedule failed.
    GaveUp,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::WaitingReturn => "waiting_return",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Lost => "lost",
            DeliveryState::GaveUp => "gave_up",
        }
    }
}

impl std::fmt::Display for DeliveryState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Compares with the stored spelling, so callers that know the states by name
/// (`d.state == "delivered"`) keep reading naturally.
impl PartialEq<&str> for DeliveryState {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Attempt {
    pub at: i64,
    pub status: Option<u16>,
    pub error: Option<String>,
    /// The fault applied to this attempt, if any.
    pub fault: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Delivery {
    pub id: u64,
    /// The notification id (`EV-…`), the same on every retry.
    pub notification_id: String,
    pub url: String,
    pub event_type: String,
    pub summary: String,
    pub original_type: String,
    pub plaintext: String,
    pub out_trade_no: String,
    pub created_at: i64,
    pub next_at: i64,
    pub attempts: u32,
    pub state: DeliveryState,
    /// Applied to the first attempt only: WeChat's genuine retry follows.
    pub fault: Option<NotificationFault>,
    /// Deliveries of one group are sent at the same moment.
    pub group: u64,
    pub log: Vec<Attempt>,
}

pub(super) fn save(t: &mut SandboxTable<'_>, d: &Delivery) -> Result<(), StoreError> {
    t.put(&format!("dlv/{:020}", d.id), &enc(d))?;
    let pending_key = format!("dlvp/{:020}", d.id);
    if d.state == DeliveryState::Pending {
        t.put(&pending_key, b"")?;
    } else {
        t.remove(&pending_key)?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub(super) fn new_delivery(
    t: &mut SandboxTable<'_>,
    url: &str,
    event_type: &str,
    summary: &str,
    original_type: &str,
    plaintext: String,
    out_trade_no: &str,
    now: i64,
    next_at: i64,
    state: DeliveryState,
    fault: Option<NotificationFault>,
    group: Option<u64>,
) -> Result<Delivery, StoreError> {
    let id = next_seq(t, "dlv")?;
    let d = Delivery {
        id,
        notification_id: format!("EV-{}", crate::random::random_token::<12>()),
        url: url.to_string(),
        event_type: event_type.into(),
        summary: summary.into(),
        original_type: original_type.into(),
        plaintext,
        out_trade_no: out_trade_no.into(),
        created_at: now,
        next_at,
        attempts: 0,
        state,
        fault,
        group: group.unwrap_or(id),
        log: Vec::new(),
    };
    save(t, &d)?;
    Ok(d)
}

/// Every delivery, newest first.
pub fn all(sb: &Sandbox) -> Result<Vec<Delivery>, StoreError> {
    let mut v: Vec<Delivery> = sb
        .inner
        .store
        .sandbox_scan("dlv/")?
        .into_iter()
        .map(|(_, b)| dec(&b))
        .collect::<Result<_, _>>()?;
    v.reverse();
    Ok(v)
}

pub(super) fn pending(sb: &Sandbox) -> Result<Vec<Delivery>, StoreError> {
    let store = &sb.inner.store;
    let mut out = Vec::new();
    for (k, _) in store.sandbox_scan("dlvp/")? {
        let id = &k["dlvp/".len()..];
        if let Some(b) = store.sandbox_get(&format!("dlv/{id}"))? {
            out.push(dec::<Delivery>(&b)?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A delivery as an earlier build stored it, with `state` as a bare string.
    const OLD_DELIVERY: &str = r#"{"id":7,"notification_id":"EV-abcdefghijkl","url":"https://shop.example/pay/notify","event_type":"TRANSACTION.SUCCESS","summary":"支付成功","original_type":"transaction","plaintext":"{}","out_trade_no":"P1","created_at":1704081600,"next_at":1704081615,"attempts":1,"state":"waiting_return","fault":{"kind":"delay","seconds":30},"group":7,"log":[{"at":1704081600,"status":500,"error":null,"fault":null}]}"#;

    #[test]
    fn old_stored_delivery_round_trips_byte_for_byte() {
        let d: Delivery = serde_json::from_str(OLD_DELIVERY).unwrap();
        assert_eq!(d.state, DeliveryState::WaitingReturn);
        assert_eq!(serde_json::to_string(&d).unwrap(), OLD_DELIVERY);
    }

    #[test]
    fn every_delivery_state_keeps_its_stored_name() {
        for s in [
            DeliveryState::Pending,
            DeliveryState::WaitingReturn,
            DeliveryState::Delivered,
            DeliveryState::Lost,
            DeliveryState::GaveUp,
        ] {
            let json = format!("\"{}\"", s.as_str());
            assert_eq!(serde_json::to_string(&s).unwrap(), json);
            assert_eq!(serde_json::from_str::<DeliveryState>(&json).unwrap(), s);
            assert_eq!(s.to_string(), s.as_str());
            assert!(s == s.as_str());
        }
    }
}
