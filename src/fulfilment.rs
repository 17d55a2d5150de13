//! Fulfilment: shipping an order (courier and tracking number) and the delivery message to
//! the shopper's WeChat through a durable outbox, retried until WeChat accepts it. A
//! failing message never blocks shipping. Then completion: the shopper confirms receipt,
//! or the order completes by itself `auto_complete_days` after shipping.

use crate::alert::AlertKind;
use crate::clock::Clock;
use crate::order::{CompletedBy, OrderNo, OrderState, Shipment};
use crate::store::{OutboxEntry, OutboxKind, OutboxState, Store, StoreError};
use crate::wechat::Clients;
use crate::wechat::official_account::{TemplateMessage, TemplateValue};
use std::sync::Arc;

pub use crate::order::DEFAULT_AUTO_COMPLETE_DAYS;

/// Waits between attempts of an outbox message, in seconds; then it is marked failed.
pub const OUTBOX_BACKOFF: [i64; 6] = [60, 300, 1800, 7200, 21600, 43200];

#[derive(Debug, thiserror::Error)]
pub enum ShipError {
    #[error("no such order")]
    NotFound,
    #[error("only a paid order can ship (this one is {0:?})")]
    NotPaid(OrderState),
    #[error("courier and tracking number are required (at most 40 characters each)")]
    Invalid,
    /// A refund request waits for the owner's decision: shipping is held until then.
    #[error("shipping is held: a refund request on this order waits for a decision")]
    Held,
    #[error("only a shipped order can be completed (this one is {0:?})")]
    NotShipped(OrderState),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Clone)]
pub struct Fulfilment {
    store: Store,
    wechat: Arc<Clients>,
    clock: Clock,
    template: Option<(String, [String; 4])>,
    base_url: String,
    auto_complete_days: u32,
    /// Signs the order link in the delivery message, so it opens in any session.
    links: Option<crate::link::Links>,
}

impl std::fmt::Debug for Fulfilment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fulfilment")
    }
}

fn clip(s: &str, n: usize) -> String {
    let c: String = s.chars().take(n).collect();
    if s.chars().count() > n {
        format!("{}…", c.chars().take(n - 1).collect::<String>())
    } else {
        c
    }
}

impl Fulfilment {
    pub fn new(
        store: Store,
        wechat: Arc<Clients>,
        clock: Clock,
        template: Option<(String, [String; 4])>,
        base_url: &str,
    ) -> Fulfilment {
        Fulfilment {
            store,
            wechat,
            clock,
            template,
            base_url: base_url.to_string(),
            auto_complete_days: DEFAULT_AUTO_COMPLETE_DAYS,
            links: None,
        }
    }

    /// Sets the days after shipping when an order completes by itself.
    pub fn with_auto_complete_days(mut self, days: u32) -> Fulfilment {
        self.auto_complete_days = days;
        self
    }

    /// Signs the order link in the delivery message.
    pub fn with_links(mut self, links: crate::link::Links) -> Fulfilment {
        self.links = Some(links);
        self
    }

    /// The shopper confirms receipt of a shipped order: it completes.
    pub async fn confirm_receipt(&self, no: &OrderNo) -> Result<(), ShipError> {
        self.complete(no, CompletedBy::Shopper).await
    }

    async fn complete(&self, no: &OrderNo, by: CompletedBy) -> Result<(), ShipError> {
        let now = self.clock.unix();
        let no2 = no.clone();
        self.store
            .call(move |s| {
                s.update_order(
                    &no2,
                    now,
                    |o, _| -> Result<Result<(), ShipError>, StoreError> {
                        Ok(o.complete(now, by)
                            .map_err(|e| ShipError::NotShipped(e.from)))
                    },
                )
            })
            .await?
            .ok_or(ShipError::NotFound)?
    }

    /// Completes every shipped order whose days after shipping ran out. Returns how many.
    pub async fn complete_due(&self) -> Result<usize, StoreError> {
        let now = self.clock.unix();
        let days = self.auto_complete_days;
        let due: Vec<OrderNo> = self
            .store
            .call(|s| s.shipped_orders())
            .await?
            .into_iter()
            .filter(|(_, shipped_at)| now >= shipped_at + i64::from(days) * 86_400)
            .map(|(no, _)| no)
            .collect();
        let mut n = 0;
        for no in due {
            match self.complete(&no, CompletedBy::Automatic).await {
                Ok(()) => n += 1,
                // The shopper confirmed in between, or a refund settled it: nothing to do.
                Err(ShipError::NotShipped(_) | ShipError::NotFound) => {}
                Err(ShipError::Store(e)) => return Err(e),
                Err(ShipError::NotPaid(_) | ShipError::Invalid | ShipError::Held) => {}
            }
        }
        Ok(n)
    }

    /// Ships a paid order and queues the delivery message (when a template is configured
    /// and the shopper's openid is known). Returns the outbox id, if any.
    pub async fn ship(
        &self,
        no: &OrderNo,
        courier: &str,
        tracking_no: &str,
        by: &str,
    ) -> Result<Option<u64>, ShipError> {
        let (courier, tracking_no) = (courier.trim().to_string(), tracking_no.trim().to_string());
        if courier.is_empty()
            || tracking_no.is_empty()
            || courier.chars().count() > 40
            || tracking_no.chars().count() > 40
        {
            return Err(ShipError::Invalid);
        }
        let now = self.clock.unix();
        let (no2, c2, t2, by) = (
            no.clone(),
            courier.clone(),
            tracking_no.clone(),
            by.to_string(),
        );
        let order = self
            .store
            .call(move |s| {
                s.update_order(
                    &no2,
                    now,
                    |o, _| -> Result<Result<crate::order::Order, ShipError>, StoreError> {
                        let shipment = Shipment {
                            courier: c2,
                            tracking_no: t2,
                            shipped_at: now,
                        };
                        if o.aftersales_open() {
                            return Ok(Err(ShipError::Held));
                        }
                        if let Err(e) = o.ship(shipment, &by, now) {
                            // Nothing was changed; the store writes nothing for an error.
                            return Ok(Err(ShipError::NotPaid(e.from)));
                        }
                        Ok(Ok(o.clone()))
                    },
                )
            })
            .await?
            .ok_or(ShipError::NotFound)??;
        let Some((template_id, keys)) = &self.template else {
            return Ok(None);
        };
        let Some(openid) = order.attempt.as_ref().map(|a| a.openid.clone()) else {
            return Ok(None);
        };
        let goods = match order.lines.as_slice() {
            [one] => one.product_name.clone(),
            [first, ..] => format!("{}等{}件", first.product_name, order.units()),
            [] => String::new(),
        };
        let mut data = std::collections::BTreeMap::new();
        data.insert(
            keys[0].clone(),
            TemplateValue {
                value: order.no.to_string(),
            },
        );
        data.insert(
            keys[1].clone(),
            TemplateValue {
                value: clip(&goods, 20),
            },
        );
        data.insert(
            keys[2].clone(),
            TemplateValue {
                value: clip(&courier, 20),
            },
        );
        data.insert(
            keys[3].clone(),
            TemplateValue {
                value: tracking_no.clone(),
            },
        );
        let msg = TemplateMessage {
            touser: openid,
            template_id: template_id.clone(),
            url: Some(match &self.links {
                Some(l) => format!("{}{}", self.base_url, l.order_path(&order.no, now)),
                None => format!("{}/orders/{}", self.base_url, order.no),
            }),
            client_msg_id: Some(format!("ship-{}", order.no)),
            data,
        };
        let entry = OutboxEntry {
            id: 0,
            order: order.no.to_string(),
            kind: OutboxKind::Shipped,
            payload: serde_json::to_value(&msg).expect("message serializes"),
            created_at: now,
            attempts: 0,
            next_at: now,
            state: OutboxState::Pending,
            last_error: None,
            msgid: None,
        };
        let id = self.store.call(move |s| s.enqueue(&entry)).await?;
        // Try at once; the job retries on failure.
        let _ = self.deliver_outbox().await;
        Ok(Some(id))
    }

    /// Sends every due outbox message; failures wait on the backoff, and after the last
    /// attempt the message is marked failed and the merchant alerted.
    pub async fn deliver_outbox(&self) -> Result<usize, StoreError> {
        let now = self.clock.unix();
        let due: Vec<OutboxEntry> = self
            .store
            .call(|s| s.outbox())
            .await?
            .into_iter()
            .filter(|e| e.state == OutboxState::Pending && e.next_at <= now)
            .collect();
        let mut sent = 0;
        for mut e in due {
            let msg: Result<TemplateMessage, _> = serde_json::from_value(e.payload.clone());
            let result = match msg {
                Ok(m) => self
                    .wechat
                    .oa
                    .send_template(&m)
                    .await
                    .map_err(|e| e.to_string()),
                Err(err) => Err(err.to_string()),
            };
            e.attempts += 1;
            match result {
                Ok(msgid) => {
                    e.state = OutboxState::Sent;
                    e.msgid = Some(msgid);
                    e.last_error = None;
                    sent += 1;
                }
                Err(err) => {
                    e.last_error = Some(err.clone());
                    match OUTBOX_BACKOFF.get(e.attempts as usize - 1) {
                        Some(wait) => e.next_at = now + wait,
                        None => {
                            e.state = OutboxState::Failed;
                            let order = OrderNo::parse(&e.order);
                            let msg = format!(
                                "the delivery message for order {} could not be sent: {err}",
                                e.order
                            );
                            self.store
                                .call(move |s| {
                                    s.alert(AlertKind::MessageFailed, order.as_ref(), msg, now)
                                })
                                .await?;
                        }
                    }
                }
            }
            let e2 = e.clone();
            self.store.call(move |s| s.put_outbox(&e2)).await?;
        }
        Ok(sent)
    }
}
