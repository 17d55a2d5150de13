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
mod server;
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
pub use server::run;

/// How long a client may take to send its request headers (also the keep-alive idle limit).
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long in-flight requests get to finish after shutdown is asked for.
const DRAIN_DEADLINE: Duration = Duration::from_secs(10);

pub(crate) struct Ctx {
    pub app: App,
    pub assets: assets::Assets,
    pub pages: PageCache,
}

/// Rendered catalog pages by path and cart size, valid for one catalog generation.
#[derive(Default)]
pub(crate) struct PageCache {
    entries: std::sync::RwLock<std::collections::HashMap<String, (u64, Bytes)>>,
}

impl PageCache {
    /// Entries kept at most; beyond it the cache starts over.
    const MAX: usize = 4096;

    pub fn get(&self, key: &str, generation: u64) -> Option<Bytes> {
        let m = self.entries.read().expect("page cache lock");
        m.get(key)
            .filter(|(g, _)| *g == generation)
            .map(|(_, b)| b.clone())
    }

    pub fn put(&self, key: String, generation: u64, body: Bytes) {
        let mut m = self.entries.write().expect("page cache lock");
        if m.len() >= Self::MAX {
            m.clear();
        }
        m.insert(key, (generation, body));
    }
}

pub async fn serve(listener: TcpListener, app: App, shutdown: impl Future<Output = ()>) {
    let tls = app.tls.clone();
    let ctx = Arc::new(Ctx {
        app,
        assets: assets::Assets::load(),
        pages: PageCache::default(),
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
        let svc_ctx = ctx.clone();
        let svc = hyper::service::service_fn(move |req| {
            let ctx = svc_ctx.clone();
            async move { Ok::<_, std::convert::Infallible>(handle(&ctx, req, peer).await) }
        });
        match &tls {
            None => {
                let conn = builder.serve_connection_with_upgrades(TokioIo::new(tcp), svc);
                let conn = graceful.watch(conn.into_owned());
                tokio::spawn(async move {
                    let _ = conn.await;
                });
            }
            Some(tls) => {
                let (acceptor, builder, watcher) =
                    (tls.acceptor().clone(), builder.clone(), graceful.watcher());
                tokio::spawn(async move {
                    // rustls has no handshake timeout of its own.
                    let Ok(Ok(stream)) =
                        tokio::time::timeout(HEADER_TIMEOUT, acceptor.accept(tcp)).await
                    else {
                        return;
                    };
                    let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), svc);
                    let _ = watcher.watch(conn.into_owned()).await;
                });
            }
        }
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(DRAIN_DEADLINE) => {
            tracing::warn!("shutdown deadline reached with connections still open");
        }
    }
}

/// The plain-HTTP listener beside TLS: ACME HTTP-01 answers, and a redirect to https for
/// everything else.
pub async fn serve_redirect(
    listener: TcpListener,
    tls: Arc<crate::tls::Tls>,
    https_port: u16,
    stop: impl Future<Output = ()>,
) {
    let mut stop = std::pin::pin!(stop);
    loop {
        let (tcp, _) = tokio::select! {
            r = listener.accept() => match r { Ok(x) => x, Err(_) => continue },
            _ = &mut stop => break,
        };
        let tls = tls.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
                let tls = tls.clone();
                async move {
                    let path = req.uri().path().to_string();
                    let mut r = Response::new(Full::new(Bytes::new()));
                    if let Some(token) = path.strip_prefix("/.well-known/acme-challenge/") {
                        match tls.challenge(token) {
                            Some(ka) => *r.body_mut() = Full::new(Bytes::from(ka)),
                            None => *r.status_mut() = hyper::StatusCode::NOT_FOUND,
                        }
                        return Ok::<_, std::convert::Infallible>(r);
                    }
                    let host = req
                        .headers()
                        .get(hyper::header::HOST)
                        .and_then(|h| h.to_str().ok())
                        .map(|h| h.rsplit_once(':').map(|(h, _)| h).unwrap_or(h).to_string())
                        .unwrap_or_else(|| "localhost".into());
                    let port = if https_port == 443 {
                        String::new()
                    } else {
                        format!(":{https_port}")
                    };
                    let pq = req
                        .uri()
                        .path_and_query()
                        .map(|p| p.as_str())
                        .unwrap_or("/");
                    *r.status_mut() = hyper::StatusCode::PERMANENT_REDIRECT;
                    if let Ok(v) =
                        hyper::header::HeaderValue::from_str(&format!("https://{host}{port}{pq}"))
                    {
                        r.headers_mut().insert(hyper::header::LOCATION, v);
                    }
                    Ok(r)
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(TokioIo::new(tcp), svc)
                .await;
        });
    }
}

async fn handle(
    ctx: &Ctx,
    req: Request<Incoming>,
    peer: std::net::SocketAddr,
) -> Response<Full<Bytes>> {
    use tracing::Instrument;
    let started = std::time::Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    // One span per request; the store carries it onto its blocking threads.
    let span = tracing::info_span!(
        "request",
        method = %method,
        route = routes::label(&path),
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
    );
    let resp = async {
        match routes::route(ctx, req, peer).await {
            Ok(r) => r,
            Err(e) => e.into_response(ctx, &method, &path, peer),
        }
    }
    .instrument(span.clone())
    .await;
    let (status, elapsed) = (resp.status().as_u16(), started.elapsed());
    span.record("status", status);
    span.record("latency_ms", elapsed.as_secs_f64() * 1e3);
    tracing::debug!(parent: &span, "served");
    ctx.app.metrics.request(status, elapsed.as_secs_f64());
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
