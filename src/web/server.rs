//! The server's lifecycle: `run` starts the background work that lives as long as the
//! server (sandbox deliveries, the control socket, TLS reloads and the http listener, the
//! job loop), serves HTTP until the shutdown future resolves, then stops them all.

use crate::app::App;
use std::future::Future;
use tokio::net::TcpListener;

/// Serves the shop on `listener` until `shutdown` resolves, then lets in-flight requests
/// finish (up to a deadline) and returns.
pub async fn run(listener: TcpListener, app: App, shutdown: impl Future<Output = ()>) {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let mut background = Vec::new();
    if let Some(sb) = app.sandbox.clone() {
        let stop = stopped(stop_rx.clone());
        background.push(tokio::spawn(async move { sb.run_deliveries(stop).await }));
    }
    #[cfg(unix)]
    {
        let (control_app, stop) = (app.clone(), stopped(stop_rx.clone()));
        background.push(tokio::spawn(async move {
            crate::control::serve(control_app, stop).await
        }));
    }
    if let Some(tls) = app.tls.clone() {
        let every = std::time::Duration::from_secs(app.config.tls.reload_secs);
        let stop = stopped(stop_rx.clone());
        let t = tls.clone();
        background.push(tokio::spawn(async move {
            crate::tls::run(t, every, stop).await
        }));
        if let Some(addr) = app.config.tls.http_listen {
            match TcpListener::bind(addr).await {
                Ok(l) => {
                    let https_port = listener.local_addr().map(|a| a.port()).unwrap_or(443);
                    let stop = stopped(stop_rx.clone());
                    let max = app.config.server.max_connections;
                    background.push(tokio::spawn(async move {
                        super::serve_redirect(l, tls, https_port, max, stop).await
                    }));
                }
                Err(e) => {
                    tracing::warn!(%addr, error = %e, "the http listener (redirect and ACME) is unavailable")
                }
            }
        }
    }
    if let Some(interval) = app.config.jobs_interval {
        let (jobs_app, stop) = (app.clone(), stopped(stop_rx.clone()));
        background.push(tokio::spawn(async move {
            crate::jobs::run(jobs_app, interval, stop).await
        }));
    }
    super::serve(listener, app, shutdown).await;
    let _ = stop_tx.send(true);
    for task in background {
        let _ = task.await;
    }
}
