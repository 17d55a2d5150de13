//! Sending deliveries: one signed, encrypted POST per attempt (a fault applies to the first
//! attempt only, so WeChat's genuine retry follows), WeChat's retry schedule after a
//! failure, the pass that sends what is due (the members of a group at the same moment), and
//! the loop that runs it.

use super::{Attempt, Delivery, DeliveryState, pending, save};
use crate::sandbox::{NotificationFault, Sandbox, SandboxError, blocking, rfc3339_cst};
use crate::wechat::crypto::{self, MerchantKey};
use std::sync::OnceLock;
use std::time::Duration;

/// WeChat's retry schedule after a failed delivery, in seconds (24 h 4 min in all).
pub const RETRY_SCHEDULE: [i64; 15] = [
    15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600,
];

fn forger() -> &'static MerchantKey {
    static KEY: OnceLock<MerchantKey> = OnceLock::new();
    KEY.get_or_init(MerchantKey::generate)
}

/// One POST of a delivery. Returns the HTTP status, or the transport error.
async fn send(
    sb: &Sandbox,
    d: &Delivery,
    fault: Option<&NotificationFault>,
) -> Result<u16, String> {
    let k = &sb.inner.keys;
    let body = crate::wechat::notify::encrypt(
        k.manifest.apiv3_key.as_bytes(),
        &d.notification_id,
        &rfc3339_cst(d.created_at),
        &d.event_type,
        &d.summary,
        &d.original_type,
        &d.plaintext,
    )
    .map_err(|e| e.to_string())?;
    let mut ts = sb.inner.clock.unix();
    if fault == Some(&NotificationFault::Stale) {
        ts -= 600;
    }
    let ts = ts.to_string();
    let nonce = crypto::nonce();
    let msg = crypto::response_message(&ts, &nonce, body.as_bytes());
    let signature = match fault {
        Some(NotificationFault::Forged) => forger().sign(&msg),
        Some(NotificationFault::Probe) => format!("WECHATPAY/SIGNTEST/{}", crypto::nonce()),
        _ => k.platform.sign(&msg),
    };
    // The same key pair is both the WeChat Pay public key and the platform certificate's.
    let serial = match fault {
        Some(NotificationFault::CertSerial) => &k.manifest.platform_serial_no,
        _ => &k.manifest.public_key_id,
    };
    let r = sb
        .inner
        .http
        .post(&d.url)
        .header("Content-Type", "application/json")
        .header("User-Agent", "Mozilla/4.0 (WeChat Pay sandbox)")
        .header("Wechatpay-Timestamp", ts)
        .header("Wechatpay-Nonce", nonce)
        .header("Wechatpay-Signature", signature)
        .header("Wechatpay-Serial", serial)
        .header("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048")
        .body(body)
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    Ok(r.status().as_u16())
}

async fn attempt(sb: &Sandbox, mut d: Delivery) -> Result<(), SandboxError> {
    let fault = if d.attempts == 0 {
        d.fault.clone()
    } else {
        None
    };
    let outcome = send(sb, &d, fault.as_ref()).await;
    let now = sb.inner.clock.unix();
    d.attempts += 1;
    let ok = matches!(outcome, Ok(s) if (200..300).contains(&s));
    d.log.push(Attempt {
        at: now,
        status: outcome.as_ref().ok().copied(),
        error: outcome.as_ref().err().cloned(),
        fault: fault.map(|f| format!("{f:?}")),
    });
    if ok {
        d.state = DeliveryState::Delivered;
    } else if let Some(wait) = RETRY_SCHEDULE.get(d.attempts as usize - 1) {
        d.next_at = now + (*wait as f64 * sb.inner.settings.retry_scale).round() as i64;
    } else {
        d.state = DeliveryState::GaveUp;
    }
    tracing::debug!(id = d.id, event = %d.event_type, state = %d.state, attempts = d.attempts, "sandbox notification attempt");
    let store = sb.inner.store.clone();
    blocking(move || store.sandbox_write(|t| save(t, &d))).await
}

/// Sends every delivery that is due now: groups in order, the members of a group at once.
pub async fn deliver_due(sb: &Sandbox) -> Result<usize, SandboxError> {
    let _guard = sb.inner.deliver_lock.lock().await;
    let mut sent = 0;
    // Retries that come due at once (scale 0) are picked up by the next pass.
    for _ in 0..RETRY_SCHEDULE.len() + 1 {
        let now = sb.inner.clock.unix();
        let sb2 = sb.clone();
        let mut due: Vec<Delivery> = blocking(move || pending(&sb2))
            .await?
            .into_iter()
            .filter(|d| d.next_at <= now)
            .collect();
        if due.is_empty() {
            break;
        }
        due.sort_by_key(|d| (d.group, d.id));
        for group in due.chunk_by(|a, b| a.group == b.group) {
            // Members of a group go out at the same moment.
            let handles: Vec<_> = group
                .iter()
                .cloned()
                .map(|d| {
                    let sb = sb.clone();
                    tokio::spawn(async move { attempt(&sb, d).await })
                })
                .collect();
            // Every attempt is awaited before an error is returned: none outlives this call
            // (each holds the store, which a stopping server must let go of).
            let mut failed = None;
            for h in handles {
                if let Err(e) = h.await.map_err(SandboxError::from).and_then(|r| r) {
                    failed.get_or_insert(e);
                }
            }
            if let Some(e) = failed {
                return Err(e);
            }
            sent += group.len();
        }
    }
    if sent > 0 && sb.inner.settings.refill {
        // A sale is committed once its notification was answered: refill what sold out,
        // in a transaction of its own.
        crate::sandbox::booth::refill_sold_out(sb).await?;
    }
    Ok(sent)
}

/// The delivery loop: runs due deliveries, then waits for the next due time, a kick, or
/// at most a second (the clock may be moved by tests).
pub async fn run(sb: &Sandbox, stop: impl Future<Output = ()>) {
    let mut stop = std::pin::pin!(stop);
    loop {
        if let Err(e) = deliver_due(sb).await {
            tracing::error!(error = %e, "sandbox delivery failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = sb.inner.wake.notified() => {}
            _ = &mut stop => break,
        }
    }
}
