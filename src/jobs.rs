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
    // Session changes are committed without a sync; this makes them durable.
    if let Err(e) = app.store.call(|s| s.sync_unsynced()).await {
        tracing::warn!(error = %e, "syncing cart changes failed");
    }
    // Platform certificates are refreshed here, not while a notification waits.
    app.wechat.pay.refresh_if_due().await;
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
    if let Err(e) = sweep_sessions(app).await {
        tracing::warn!(error = %e, "deleting idle sessions failed");
    }
    if let Err(e) = app.fulfilment.complete_due().await {
        tracing::warn!(error = %e, "completing delivered orders failed");
    }
    if let Err(e) = scheduled_backup(app).await {
        tracing::warn!(error = %e, "scheduled backup failed");
    }
    if let Err(e) = daily_bill(app).await {
        tracing::warn!(error = %e, "trade bill comparison failed");
    }
}

/// Compares yesterday's trade bill once a day, after it is ready.
pub async fn daily_bill(app: &App) -> Result<bool, crate::payment::PaymentError> {
    if app.config.wechat.flavour.is_global() {
        // Not implemented for WeChat Pay Global (its statements differ).
        return Ok(false);
    }
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
pub async fn run(app: App, interval: Duration, stop: impl Future<Output = ()>) {
    let mut stop = std::pin::pin!(stop);
    loop {
        tick(&app).await;
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = &mut stop => break,
        }
    }
}

/// Takes a backup when the last one is older than `[backup] interval_hours`, then keeps
/// only the newest `keep`. Returns the file written, if any.
pub async fn scheduled_backup(app: &App) -> Result<Option<std::path::PathBuf>, String> {
    let b = app.config.backup.clone();
    if b.interval_hours == 0 {
        return Ok(None);
    }
    let now = app.clock.unix();
    let last = app
        .store
        .call(|s| s.meta("last_backup_at"))
        .await
        .map_err(|e| e.to_string())?
        .and_then(|v| {
            std::str::from_utf8(&v)
                .ok()
                .and_then(|s| s.parse::<i64>().ok())
        });
    if last.is_some_and(|t| now - t < b.interval_hours as i64 * 3600) {
        return Ok(None);
    }
    std::fs::create_dir_all(&b.dir).map_err(|e| format!("{}: {e}", b.dir.display()))?;
    let stamp = app
        .clock
        .now_cst()
        .format(time::macros::format_description!(
            "[year][month][day]-[hour][minute][second]"
        ))
        .unwrap_or_default();
    let out = b.dir.join(format!("puzi-{stamp}.redb"));
    let o2 = out.clone();
    app.store.call(move |s| s.backup_to(&o2)).await?;
    app.store
        .call(move |s| s.set_meta("last_backup_at", now.to_string().as_bytes()))
        .await
        .map_err(|e| e.to_string())?;
    // Retention: names sort by time.
    let mut files: Vec<_> = std::fs::read_dir(&b.dir)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("puzi-") && n.ends_with(".redb"))
        })
        .collect();
    files.sort();
    while files.len() > b.keep {
        let old = files.remove(0);
        let _ = std::fs::remove_file(&old);
    }
    tracing::info!(file = %out.display(), "scheduled backup written");
    Ok(Some(out))
}

/// Deletes shopper sessions idle longer than `[shop] session_idle_days`, at most hourly
/// (the time of the last sweep is kept in the store).
pub async fn sweep_sessions(app: &App) -> Result<usize, crate::store::StoreError> {
    const KEY: &str = "sessions_swept_at";
    let now = app.clock.unix();
    let before = now - i64::from(app.config.shop.session_idle_days) * 86_400;
    app.store
        .call(move |s| {
            let last = s
                .meta(KEY)?
                .and_then(|b| b.try_into().ok())
                .map(i64::from_le_bytes);
            if last.is_some_and(|t| now - t < 3600) {
                return Ok(0);
            }
            let n = s.delete_idle_sessions(before)?;
            s.set_meta(KEY, &now.to_le_bytes())?;
            if n > 0 {
                tracing::info!(sessions = n, "idle shopper sessions deleted");
            }
            Ok(n)
        })
        .await
}
