//! The web front: the hyper server, the one route table, handlers, views, sessions and
//! embedded assets. It turns HTTP into calls on the domain and store and back; business
//! rules live elsewhere.
//!
//! Every response leaves through `finish`, which adds the security headers, and every
//! error through `WebError::into_response`, where it is logged once.

pub(crate) mod admin;
mod assets;
mod http;
mod pay;
mod routes;
mod session;
mod shop;
mod views;

use crate::app::App;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

pub use http::WebError;

/// How long a client may take to send its request headers (also the keep-alive idle limit).
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long in-flight requests get to finish after shutdown is asked for.
const DRAIN_DEADLINE: Duration = Duration::from_secs(10);

pub(crate) struct Ctx {
    pub app: App,
    pub assets: assets::Assets,
}

pub async fn serve(listener: TcpListener, app: App, shutdown: impl Future<Output = ()>) {
    let ctx = Arc::new(Ctx {
        app,
        assets: assets::Assets::load(),
    });
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .max_buf_size(64 * 1024);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(64)
        .keep_alive_interval(Duration::from_secs(30))
        .keep_alive_timeout(Duration::from_secs(10));

    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = tcp.set_nodelay(true);
        let ctx = ctx.clone();
        let conn = builder.serve_connection_with_upgrades(
            TokioIo::new(tcp),
            hyper::service::service_fn(move |req| {
                let ctx = ctx.clone();
                async move { Ok::<_, std::convert::Infallible>(handle(&ctx, req, peer).await) }
            }),
        );
        let conn = graceful.watch(conn.into_owned());
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(DRAIN_DEADLINE) => {
            tracing::warn!("shutdown deadline reached with connections still open");
        }
    }
}

async fn handle(
    ctx: &Ctx,
    req: Request<Incoming>,
    peer: std::net::SocketAddr,
) -> Response<Full<Bytes>> {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let resp = match routes::route(ctx, req, peer).await {
        Ok(r) => r,
        Err(e) => e.into_response(ctx, &method, &path, peer),
    };
    finish(resp)
}

/// Security headers for every response.
fn finish(mut resp: Response<Full<Bytes>>) -> Response<Full<Bytes>> {
    use hyper::header::{HeaderValue, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS};
    let h = resp.headers_mut();
    h.insert(
        hyper::header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; \
             frame-ancestors 'none'",
        ),
    );
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(
        REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    resp
}
