//! Background work while the shop runs: closing unpaid orders, reconciling pending
//! payments, retrying refunds, the daily trade-bill comparison, and the sandbox's
//! notification deliveries. Each job is a plain method the tests call directly with a
//! clock they control; this loop only calls them periodically.

use crate::app::App;
use std::time::Duration;

/// The trade bill of the previous day is compared once it is ready (after 10:00 China time).
pub const BILL_READY_HOUR: u8 = 10;

/// One pass over every job.
pub async fn tick(app: &App) {
    let p = &app.payments;
    if let Err(e) = p.close_expired().await {
        tracing::warn!(error = %e, "closing expired orders failed");
    }
    if let Err(e) = p.reconcile_pending().await {
        tracing::warn!(error = %e, "reconciling pending orders failed");
    }
    if let Err(e) = p.retry_refunds().await {
        tracing::warn!(error = %e, "retrying refunds failed");
    }
    if let Err(e) = app.fulfilment.deliver_outbox().await {
        tracing::warn!(error = %e, "outbox delivery failed");
    }
    if let Err(e) = daily_bill(app).await {
        tracing::warn!(error = %e, "trade bill comparison failed");
    }
}

/// Compares yesterday's trade bill once a day, after it is ready.
pub async fn daily_bill(app: &App) -> Result<bool, crate::payment::PaymentError> {
    let now = app.clock.now_cst();
    if now.hour() < BILL_READY_HOUR {
        return Ok(false);
    }
    let date = (now.date() - time::Duration::days(1)).to_string();
    let key = format!("bill_checked/{date}");
    let k2 = key.clone();
    if app.store.call(move |s| s.meta(&k2)).await?.is_some() {
        return Ok(false);
    }
    let report = app.payments.reconcile_bill(&date).await?;
    tracing::info!(
        date,
        lines = report.lines,
        differences = report.differences.len(),
        "trade bill compared"
    );
    app.store.call(move |s| s.set_meta(&key, b"1")).await?;
    Ok(true)
}

/// Runs `tick` every `interval` until `stop` resolves.
pub async fn run(app: App, interval: Duration, stop: impl std::future::Future<Output = ()>) {
    let mut stop = std::pin::pin!(stop);
    loop {
        tick(&app).await;
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = &mut stop => break,
        }
    }
}
