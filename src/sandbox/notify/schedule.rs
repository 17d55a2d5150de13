//! Creating deliveries: the `TRANSACTION.SUCCESS` delivery of a paid transaction (one,
//! two, held, delayed, lost, tampered with, or with its order number named `id`,
//! `transaction_id` or both, as the pending notification fault asks), the `REFUND.SUCCESS`
//! delivery of a refund, due when the refund succeeds, and the release of deliveries held
//! until the payment sheet returned.

use super::{Delivery, DeliveryState, all, new_delivery, save};
use crate::sandbox::pay::{RefundRec, RefundStatus, Tx};
use crate::sandbox::{NotificationFault, OrderNumberName, Sandbox, rfc3339_cst};
use crate::store::{SandboxTable, StoreError};
use serde_json::json;

/// Creates the `TRANSACTION.SUCCESS` delivery (or deliveries) for a paid transaction,
/// shaped by the pending notification fault.
pub(crate) fn schedule_payment(
    t: &mut SandboxTable<'_>,
    tx: &Tx,
    fault: Option<NotificationFault>,
    now: i64,
) -> Result<Vec<u64>, StoreError> {
    let mut resource = tx.to_json();
    if let Some(NotificationFault::OrderNumberAs { name }) = &fault
        && let (Some(id), Some(o)) = (&tx.transaction_id, resource.as_object_mut())
    {
        o.remove("id");
        o.remove("transaction_id");
        let id = serde_json::Value::from(id.as_str());
        if matches!(name, OrderNumberName::Id | OrderNumberName::Both) {
            o.insert("id".into(), id.clone());
        }
        if matches!(name, OrderNumberName::TransactionId | OrderNumberName::Both) {
            o.insert("transaction_id".into(), id);
        }
    }
    let plain = resource.to_string();
    let mk = |t: &mut SandboxTable<'_>,
              next_at: i64,
              state: DeliveryState,
              fault: Option<NotificationFault>,
              group: Option<u64>| {
        new_delivery(
            t,
            &tx.notify_url,
            "TRANSACTION.SUCCESS",
            "支付成功",
            "transaction",
            plain.clone(),
            &tx.out_trade_no,
            now,
            next_at,
            state,
            fault,
            group,
        )
    };
    let ids = match fault {
        None => vec![mk(t, now, DeliveryState::Pending, None, None)?.id],
        Some(NotificationFault::Duplicate) => {
            let a = mk(t, now, DeliveryState::Pending, None, None)?;
            let mut b = mk(t, now, DeliveryState::Pending, None, None)?;
            b.notification_id = a.notification_id.clone();
            save(t, &b)?;
            vec![a.id, b.id]
        }
        Some(NotificationFault::Concurrent) => {
            let a = mk(t, now, DeliveryState::Pending, None, None)?;
            let mut b = mk(t, now, DeliveryState::Pending, None, Some(a.id))?;
            b.notification_id = a.notification_id.clone();
            save(t, &b)?;
            vec![a.id, b.id]
        }
        Some(NotificationFault::Delay { seconds }) => {
            vec![mk(t, now + seconds.max(0), DeliveryState::Pending, None, None)?.id]
        }
        Some(NotificationFault::Lose) => vec![mk(t, now, DeliveryState::Lost, None, None)?.id],
        Some(NotificationFault::AfterReturn) => {
            vec![mk(t, now, DeliveryState::WaitingReturn, None, None)?.id]
        }
        // Applied to the resource above.
        Some(NotificationFault::OrderNumberAs { .. }) => {
            vec![mk(t, now, DeliveryState::Pending, None, None)?.id]
        }
        Some(
            f @ (NotificationFault::Forged
            | NotificationFault::Stale
            | NotificationFault::Probe
            | NotificationFault::CertSerial),
        ) => {
            vec![mk(t, now, DeliveryState::Pending, Some(f), None)?.id]
        }
    };
    Ok(ids)
}

/// Creates the `REFUND.SUCCESS` delivery of a refund, due when it succeeds.
pub(crate) fn schedule_refund(
    t: &mut SandboxTable<'_>,
    r: &RefundRec,
    url: &str,
    due: i64,
) -> Result<(), StoreError> {
    let plain = json!({
        "mchid": "",
        "out_trade_no": r.out_trade_no,
        "transaction_id": r.transaction_id,
        "out_refund_no": r.out_refund_no,
        "refund_id": r.refund_id,
        "refund_status": RefundStatus::Success,
        "success_time": rfc3339_cst(due),
        "user_received_account": "支付用户零钱",
        "amount": { "total": r.total, "refund": r.refund, "payer_total": r.total, "payer_refund": r.refund },
    });
    new_delivery(
        t,
        url,
        "REFUND.SUCCESS",
        "退款成功",
        "refund",
        plain.to_string(),
        &r.out_trade_no,
        r.created_at,
        due,
        DeliveryState::Pending,
        None,
        None,
    )?;
    Ok(())
}

/// Releases deliveries held until the payment sheet returned.
pub(crate) fn release_after_return(sb: &Sandbox, out_trade_no: &str) -> Result<(), StoreError> {
    let now = sb.inner.clock.unix();
    let held: Vec<Delivery> = all(sb)?
        .into_iter()
        .filter(|d| d.state == DeliveryState::WaitingReturn && d.out_trade_no == out_trade_no)
        .collect();
    sb.inner.store.sandbox_write(|t| -> Result<(), StoreError> {
        for mut d in held {
            d.state = DeliveryState::Pending;
            d.next_at = now;
            save(t, &d)?;
        }
        Ok(())
    })
}
