//! Fulfilment: shipping an order (courier and tracking number) and the delivery message to
//! the shopper's WeChat through a durable outbox, retried until WeChat accepts it. A
//! failing message never blocks shipping. Then completion: the shopper confirms receipt,
//! or the order completes by itself `auto_complete_days` after shipping.

use crate::alert::AlertKind;
use crate::audit::{Action, Entry};
use crate::carrier::Carrier;
use crate::clock::Clock;
use crate::order::{CompletedBy, OrderNo, OrderState, Shipment};
use crate::owner_notify::OwnerNotify;
use crate::store::OwnerMessage;
use crate::store::{OutboxEntry, OutboxKind, OutboxState, Store, StoreError};
use crate::wechat::Clients;
use crate::wechat::official_account::{OaError, TemplateMessage, TemplateValue};
use std::sync::Arc;

pub use crate::order::DEFAULT_AUTO_COMPLETE_DAYS;

/// One order of a bulk shipment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BulkShipment {
    pub no: OrderNo,
    pub carrier: Carrier,
    /// The carrier's name when `carrier` is `Other`.
    pub other_name: String,
    pub tracking_no: String,
}

/// What a shipment stores for a carrier: its code, or the typed name for `Other`.
fn stored_courier(carrier: Carrier, other_name: &str) -> String {
    match carrier {
        Carrier::Other => other_name.trim().to_string(),
        c => c.code().to_string(),
    }
}

/// Waits between attempts of an outbox message, in seconds; then it is marked failed.
pub const OUTBOX_BACKOFF: [i64; 6] = [60, 300, 1800, 7200, 21600, 43200];

#[derive(Debug, thiserror::Error)]
pub enum ShipError {
    #[error("no such order")]
    NotFound,
    #[error("only a paid order can ship (this one is {})", .0.as_str())]
    NotPaid(OrderState),
    #[error("courier and tracking number are required (at most 40 characters each)")]
    Invalid,
    /// A refund request waits for the owner's decision: shipping is held until then.
    #[error("shipping is held: a refund request on this order waits for a decision")]
    Held,
    #[error("only a shipped order can be completed (this one is {})", .0.as_str())]
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
    /// How owner messages (to members' bound WeChat) are sent; none: never.
    owner: Option<Arc<OwnerNotify>>,
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
            owner: None,
        }
    }

    /// Sends owner messages (to members' bound WeChat) as `owner` says.
    pub fn with_owner(mut self, owner: OwnerNotify) -> Fulfilment {
        self.owner = Some(Arc::new(owner));
        self
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

    /// Ships a paid order, recording it in the audit log (by `by`) in the same transaction,
    /// and queues the delivery message (when a template is configured
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
        // The member's audit entry is written in the transaction that ships.
        let audit = Entry::new(
            now,
            &by,
            Action::Shipped {
                carrier: courier.clone(),
                tracking_no: tracking_no.clone(),
            },
        )
        .order(no.as_str());
        let order = self
            .store
            .call(move |s| {
                s.update_order_as(
                    &no2,
                    now,
                    &audit,
                    |o, _| -> Result<crate::order::Order, ShipError> {
                        let shipment = Shipment {
                            courier: c2,
                            tracking_no: t2,
                            shipped_at: now,
                        };
                        if o.aftersales_open() {
                            return Err(ShipError::Held);
                        }
                        // Nothing is written for an error.
                        o.ship(shipment, &by, now)
                            .map_err(|e| ShipError::NotPaid(e.from))?;
                        Ok(o.clone())
                    },
                )
            })
            .await?
            .ok_or(ShipError::NotFound)?;
        let Some(entry) = self.delivery_message(&order, now) else {
            return Ok(None);
        };
        let id = self.store.call(move |s| s.enqueue(&entry)).await?;
        // Try at once; the job retries on failure.
        let _ = self.deliver_outbox().await;
        Ok(Some(id))
    }

    /// The delivery message of a shipped order, when a template is configured and the
    /// shopper's openid is known. The carrier goes by its Chinese name (WeChat's templates
    /// are Chinese); a free-text courier as it was typed.
    fn delivery_message(&self, order: &crate::order::Order, now: i64) -> Option<OutboxEntry> {
        let (template_id, keys) = self.template.as_ref()?;
        let openid = order.owner_openid()?.to_string();
        let shipment = order.shipment.as_ref()?;
        let (courier, _) = crate::carrier::display(
            &shipment.courier,
            &shipment.tracking_no,
            crate::text::Lang::Zh,
        );
        let goods = match order.lines.as_slice() {
            [one] => one.product_name.clone(),
            [first, ..] => format!("{}等{}件", first.product_name, order.units()),
            [] => String::new(),
        };
        let values = [
            order.no.to_string(),
            clip(&goods, 20),
            clip(&courier, 20),
            shipment.tracking_no.clone(),
        ];
        let data = keys
            .iter()
            .cloned()
            .zip(values.map(|value| TemplateValue { value }))
            .collect();
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
        Some(OutboxEntry {
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
        })
    }

    /// Ships a paid order with a carrier from the list (its code is stored), or with
    /// `Carrier::Other` and the carrier's name as typed.
    pub async fn ship_with(
        &self,
        no: &OrderNo,
        carrier: Carrier,
        other_name: &str,
        tracking_no: &str,
        by: &str,
    ) -> Result<Option<u64>, ShipError> {
        self.ship(no, &stored_courier(carrier, other_name), tracking_no, by)
            .await
    }

    /// Ships several paid orders at once, all or none, in one store transaction with their
    /// delivery messages and an audit entry each (by `by`). Fails without shipping any when one is missing or not paid.
    pub async fn ship_many(&self, items: Vec<BulkShipment>, by: &str) -> Result<usize, ShipError> {
        let now = self.clock.unix();
        let mut plan = std::collections::HashMap::new();
        let mut nos = Vec::new();
        let mut audit = Vec::new();
        for it in items {
            let courier = stored_courier(it.carrier, &it.other_name);
            let tracking_no = it.tracking_no.trim().to_string();
            if courier.is_empty()
                || tracking_no.is_empty()
                || courier.chars().count() > 40
                || tracking_no.chars().count() > 40
            {
                return Err(ShipError::Invalid);
            }
            nos.push(it.no.clone());
            let action = Action::Shipped {
                carrier: courier.clone(),
                tracking_no: tracking_no.clone(),
            };
            audit.push(Entry::new(now, by, action).order(it.no.as_str()));
            plan.insert(it.no.to_string(), (courier, tracking_no));
        }
        let n = nos.len();
        let by = by.to_string();
        let this = self.clone();
        let ids = self
            .store
            .call(move |s| {
                s.update_orders_with_outbox(&nos, now, &audit, |o| -> Result<_, ShipError> {
                    let (courier, tracking_no) =
                        plan.get(o.no.as_str()).cloned().unwrap_or_default();
                    // A refund request waiting for the owner holds shipping (all or none).
                    if o.aftersales_open() {
                        return Err(ShipError::Held);
                    }
                    let shipment = Shipment {
                        courier,
                        tracking_no,
                        shipped_at: now,
                    };
                    o.ship(shipment, &by, now)
                        .map_err(|e| ShipError::NotPaid(e.from))?;
                    Ok(this.delivery_message(o, now))
                })
            })
            .await?
            .ok_or(ShipError::NotFound)?;
        if !ids.is_empty() {
            let _ = self.deliver_outbox().await;
        }
        Ok(n)
    }

    /// Sends every due outbox message; failures wait on the backoff, and after the last
    /// attempt the message is marked failed and the merchant alerted. A refusal because
    /// the shopper does not follow the account (43004) is final, without an alert; a
    /// refused server IP (40164) raises one alert naming the IP, not one per message.
    pub async fn deliver_outbox(&self) -> Result<usize, StoreError> {
        let now = self.clock.unix();
        let due: Vec<OutboxEntry> = self
            .store
            .call(|s| s.outbox_pending())
            .await?
            .into_iter()
            .filter(|e| e.state == OutboxState::Pending && e.next_at <= now)
            .collect();
        let mut sent = 0;
        for mut e in due {
            let msg = if e.kind.is_owner() {
                match self.owner_message(&e, now) {
                    OwnerStep::Send(m) => Ok(m),
                    OwnerStep::Hold(until) => {
                        // Quiet hours: no attempt counted; the job finds it due at `until`.
                        e.next_at = until;
                        let e2 = e.clone();
                        self.store.call(move |s| s.put_outbox(&e2)).await?;
                        continue;
                    }
                    OwnerStep::Skip => {
                        e.state = OutboxState::Skipped;
                        let e2 = e.clone();
                        self.store.call(move |s| s.put_outbox(&e2)).await?;
                        continue;
                    }
                    OwnerStep::Broken(err) => Err(err),
                }
            } else {
                serde_json::from_value::<TemplateMessage>(e.payload.clone())
                    .map_err(|err| err.to_string())
            };
            let result = match msg {
                Ok(m) => self.wechat.oa.send_template(&m).await,
                Err(err) => Err(OaError::Invalid(err)),
            };
            e.attempts += 1;
            // A problem that affects every message (the IP whitelist) is reported once.
            let mut shared_alert = None;
            match result {
                Ok(msgid) => {
                    e.state = OutboxState::Sent;
                    e.msgid = Some(msgid);
                    e.last_error = None;
                    sent += 1;
                }
                // Final: WeChat never delivers templates to non-followers; no retry, no alert.
                Err(err) if err.not_follower() => {
                    e.state = OutboxState::NotFollower;
                    e.last_error = None;
                }
                Err(err) => {
                    e.last_error = Some(err.to_string());
                    if err.whitelist_refused() {
                        let ip = err.whitelist_ip().unwrap_or_else(|| "?".into());
                        tracing::warn!(%ip, "WeChat refused this server's IP (40164): add it to the Official Account's IP whitelist");
                        shared_alert = Some((AlertKind::IpWhitelist, ip));
                    }
                    match OUTBOX_BACKOFF.get(e.attempts as usize - 1) {
                        Some(wait) => e.next_at = now + wait,
                        None => {
                            e.state = OutboxState::Failed;
                            // An owner message that failed is logged, not alerted: the
                            // alert would only queue more owner messages.
                            if e.kind.is_owner() {
                                tracing::warn!(id = e.id, error = %err, "an owner message could not be sent");
                            } else if shared_alert.is_none() {
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
            }
            let e2 = e.clone();
            match shared_alert {
                Some(alert) => {
                    self.store
                        .call(move |s| s.put_outbox_alerting(&e2, alert, now))
                        .await?
                }
                None => self.store.call(move |s| s.put_outbox(&e2)).await?,
            }
        }
        Ok(sent)
    }
}

/// What to do with an owner message now.
enum OwnerStep {
    Send(TemplateMessage),
    /// Quiet hours: wait until then.
    Hold(i64),
    /// No template for its kind (or owner messages are off): nothing is sent.
    Skip,
    Broken(String),
}

impl Fulfilment {
    fn owner_message(&self, e: &OutboxEntry, now: i64) -> OwnerStep {
        let Some(owner) = &self.owner else {
            return OwnerStep::Skip;
        };
        let msg: OwnerMessage = match serde_json::from_value(e.payload.clone()) {
            Ok(m) => m,
            Err(err) => return OwnerStep::Broken(err.to_string()),
        };
        if owner.template(e.kind).is_none() {
            return OwnerStep::Skip;
        }
        if let Some(until) = owner.hold_until(&msg.event, now) {
            return OwnerStep::Hold(until);
        }
        match owner.render(&msg, e.id, e.created_at) {
            Some(m) => OwnerStep::Send(m),
            None => OwnerStep::Skip,
        }
    }
}
