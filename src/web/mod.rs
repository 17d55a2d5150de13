//! The web front: the hyper server, the one route table, handlers, views, sessions and
//! embedded assets. It turns HTTP into calls on the domain and store and back; business
//! rules live elsewhere.
//!
//! Every response leaves through `finish`, which adds the security headers (and HSTS when
//! the shop serves TLS itself), and every error through `WebError::into_response`, where it
//! is logged once.
//!
//! An HTTP/1.1 connection's cached catalog and search pages are answered before hyper
//! (`fast_lane.rs`).
//! Connections are limited here (one connection's life in `conn.rs`): at most `[server] max_connections` at once (a semaphore
//! permit per connection, mini-redis style; over the cap a short 503 on plain HTTP), closed
//! after `idle_timeout` with no request in flight (h1 and h2, and one that never speaks),
//! header and URI sizes (431, 414); each request carries its body deadline for `read_body`.

mod address;
mod addresses;
pub(crate) mod admin;
mod aftersales;
mod assets;
mod cart;
mod checkout;
/// The `AsyncWrite` methods a stream wrapper passes to its `io` field unchanged (all but
/// `poll_shutdown`, which each wrapper writes itself): `conn::Held`, `fast_lane::Rewind`.
macro_rules! write_through {
    () => {
        fn poll_write(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<std::io::Result<usize>> {
            Pin::new(&mut self.io).poll_write(cx, buf)
        }

        fn poll_write_vectored(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &[std::io::IoSlice<'_>],
        ) -> Poll<std::io::Result<usize>> {
            Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
        }

        fn is_write_vectored(&self) -> bool {
            self.io.is_write_vectored()
        }

        fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Pin::new(&mut self.io).poll_flush(cx)
        }
    };
}

mod conn;
mod fast_lane;
mod http;
mod page_cache;
mod pay;
mod routes;
mod search;
mod server;
mod service;
mod session;
mod shop;
mod shopper;
mod throttle;
mod views;
mod wx;

use crate::app::App;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use conn::{Held, Place, Proto, place, plain_h1, refuse, serve_conn};
pub use http::WebError;
pub(crate) use page_cache::PageCache;
pub use server::run;

/// How long a client may take to send its request headers (also the keep-alive idle limit).
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long in-flight requests get to finish after shutdown is asked for.
const DRAIN_DEADLINE: Duration = Duration::from_secs(10);
/// HTTP/1 read buffer: the request line and headers must fit (else hyper answers 431).
/// hyper checks it only between reads, so `MAX_HEADER_BYTES` is the exact limit.
const H1_MAX_BUF: usize = 64 * 1024;
/// Request headers (names and values) served at most; more get 431.
const MAX_HEADER_BYTES: usize = 32 * 1024;
/// Headers in one HTTP/1 request at most (else 431).
const MAX_HEADERS: usize = 100;
/// HTTP/2 header list size advertised to clients (hyper's default, set on purpose).
const H2_MAX_HEADER_LIST: u32 = 16 * 1024;
/// The longest request target (path and query) served; longer ones get 414.
pub(crate) const MAX_URI: usize = 8 * 1024;
/// Connections over the cap being answered 503 at once; beyond it the accept loop waits.
const REFUSALS_MAX: usize = 64;
/// How long a refused connection may take to send its request head.
const REFUSE_DEADLINE: Duration = Duration::from_secs(2);

pub(crate) struct Ctx {
    pub app: App,
    pub assets: assets::Assets,
    pub pages: PageCache,
    /// The storefront search index (`/search`).
    pub search: search::Searcher,
    /// Checkouts per client address and hour (`[shop] checkouts_per_hour`).
    pub checkouts: throttle::Throttle,
    /// The headers of a cached catalog page as `finish` leaves them — without and with
    /// WeChat's JS-SDK origin — cloned for each answer on the fast path instead of being
    /// inserted one by one (`page_head`).
    pub page_head: [hyper::HeaderMap; 2],
    /// The same as the fast lane writes them: status line and header lines (`fast_lane`).
    pub lane_head: [Bytes; 2],
}

/// What a cached catalog page's response carries: `http::html_bytes`' headers plus the
/// security headers `finish` adds; the same bytes as the ordinary path by construction.
fn page_head(tls: bool) -> [hyper::HeaderMap; 2] {
    let head = |origin| {
        finish(http::html_bytes(Bytes::new()), tls, origin)
            .headers()
            .clone()
    };
    [head(None), head(Some(wx::SDK_ORIGIN))]
}

pub async fn serve(listener: TcpListener, app: App, shutdown: impl Future<Output = ()>) {
    let tls = app.tls.clone();
    let max = app.config.server.max_connections;
    let checkouts = throttle::Throttle::new(app.config.shop.checkouts_per_hour as usize, 3600);
    let head = page_head(tls.is_some());
    let ctx = Arc::new(Ctx {
        app,
        assets: assets::Assets::load(),
        pages: PageCache::default(),
        search: search::Searcher::default(),
        checkouts,
        lane_head: head.each_ref().map(fast_lane::head_bytes),
        page_head: head,
    });
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .max_buf_size(H1_MAX_BUF)
        .max_headers(MAX_HEADERS);
    // The same HTTP/1 settings for connections known to speak HTTP/1.1 (see `Proto`).
    let mut h1 = hyper::server::conn::http1::Builder::new();
    h1.timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .max_buf_size(H1_MAX_BUF)
        .max_headers(MAX_HEADERS);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(64)
        .max_header_list_size(H2_MAX_HEADER_LIST)
        .keep_alive_interval(Duration::from_secs(30))
        .keep_alive_timeout(Duration::from_secs(10));

    // One permit per connection (mini-redis' cap); refusals have a small cap of their own.
    let permits = Arc::new(Semaphore::new(max));
    let refusals = Arc::new(Semaphore::new(REFUSALS_MAX));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    // Every connection task holds the app (and so the data file) until it ends.
    let mut conns = tokio::task::JoinSet::new();
    loop {
        let (tcp, peer) = tokio::select! {
            Some(_) = conns.join_next(), if !conns.is_empty() => continue,
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
        let place = tokio::select! {
            p = place(&permits, &refusals, tls.is_none()) => p,
            _ = &mut shutdown => break,
        };
        let permit = match place {
            Place::Serve(permit) => permit,
            Place::Refuse(r) => {
                tracing::debug!(%peer, "connection refused: at max_connections");
                let busy = ctx.app.config.shop.language.text().busy_body;
                tokio::spawn(refuse(tcp, busy, r));
                continue;
            }
            Place::Close => {
                tracing::debug!(%peer, "connection closed: at max_connections");
                continue;
            }
        };
        let io = Held {
            permit: Some(permit),
            io: tcp,
        };
        let (ctx, stop) = (ctx.clone(), stop_rx.clone());
        let (builder, h1) = (builder.clone(), h1.clone());
        match &tls {
            None => {
                conns.spawn(async move {
                    let mut stop = stop;
                    let Some(direct) = plain_h1(&io.io, &ctx, &mut stop).await else {
                        return;
                    };
                    let proto = if direct {
                        Proto::H1(h1)
                    } else {
                        Proto::Auto(builder)
                    };
                    serve_conn(proto, io, ctx, peer, stop).await;
                });
            }
            Some(tls) => {
                let acceptor = tls.acceptor().clone();
                conns.spawn(async move {
                    // rustls has no handshake timeout of its own.
                    let Ok(Ok(stream)) =
                        tokio::time::timeout(HEADER_TIMEOUT, acceptor.accept(io)).await
                    else {
                        return;
                    };
                    let proto = if stream.get_ref().1.alpn_protocol() == Some(b"h2") {
                        Proto::Auto(builder)
                    } else {
                        Proto::H1(h1)
                    };
                    serve_conn(proto, stream, ctx, peer, stop).await;
                });
            }
        }
    }
    drop(listener);
    let _ = stop_tx.send(true);
    // Waits for the connection tasks themselves, not only their permits (given back when a
    // connection shuts its side, before its task lets go of the app): when `serve` returns,
    // nothing of it holds the store, so the data file is free for the next start.
    let drained = async { while conns.join_next().await.is_some() {} };
    if tokio::time::timeout(DRAIN_DEADLINE, drained).await.is_err() {
        tracing::warn!("shutdown deadline reached with connections still open");
        conns.shutdown().await;
    }
}

/// The plain-HTTP listener beside TLS: ACME HTTP-01 answers, and a redirect to https for
/// everything else.
pub async fn serve_redirect(
    listener: TcpListener,
    tls: Arc<crate::tls::Tls>,
    https_port: u16,
    max_connections: usize,
    stop: impl Future<Output = ()>,
) {
    let permits = Arc::new(Semaphore::new(max_connections));
    let mut stop = std::pin::pin!(stop);
    loop {
        let (tcp, _) = tokio::select! {
            r = listener.accept() => match r { Ok(x) => x, Err(_) => continue },
            _ = &mut stop => break,
        };
        // Over the cap the connection is just closed: this listener only redirects.
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            continue;
        };
        let tls = tls.clone();
        tokio::spawn(async move {
            let _permit = permit;
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
    mut req: Request<Incoming>,
    peer: std::net::SocketAddr,
) -> Response<Full<Bytes>> {
    use tracing::Instrument;
    let started = std::time::Instant::now();
    let header_bytes: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    // The hot path: a cached catalog page for a visitor without a session is answered
    // before the request span, the body deadline and the route table cost anything. Such
    // a request logs nothing at the usual levels; with debug logging on it takes the
    // ordinary way, so its "served" line keeps its span.
    if header_bytes <= MAX_HEADER_BYTES
        && !tracing::enabled!(tracing::Level::DEBUG)
        && let Some(body) = shop::fast_page(ctx, &req)
    {
        ctx.app
            .metrics
            .request(200, started.elapsed().as_secs_f64());
        let mut resp = Response::new(Full::new(body));
        *resp.headers_mut() = match wx::csp_script_origin(ctx, &req) {
            None => ctx.page_head[0].clone(),
            Some(_) => ctx.page_head[1].clone(),
        };
        return resp;
    }
    let deadline = tokio::time::Instant::now() + ctx.app.config.server.body_timeout;
    req.extensions_mut().insert(http::BodyDeadline(deadline));
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
    let too_long = req
        .uri()
        .path_and_query()
        .is_some_and(|pq| pq.as_str().len() > MAX_URI);
    let wx_origin = wx::csp_script_origin(ctx, &req);
    let resp = async {
        let routed = if too_long {
            Err(WebError::UriTooLong)
        } else if header_bytes > MAX_HEADER_BYTES {
            Err(WebError::HeadersTooLarge)
        } else {
            routes::route(ctx, req, peer).await
        };
        match routed {
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
    finish(resp, ctx.app.tls.is_some(), wx_origin)
}

/// Security headers for every response; HSTS too when the shop serves TLS itself.
/// `script_origin`: one more script origin (WeChat's JS-SDK, on the pages that load it).
fn finish(
    mut resp: Response<Full<Bytes>>,
    tls: bool,
    script_origin: Option<&'static str>,
) -> Response<Full<Bytes>> {
    use hyper::header::{HeaderValue, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS};
    let h = resp.headers_mut();
    // Room for these and the handler's own at once, rather than growing on the way.
    h.reserve(8);
    const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
                       img-src 'self' data:; connect-src 'self'; form-action 'self'; \
                       base-uri 'none'; object-src 'none'; frame-ancestors 'none'";
    let csp = match script_origin {
        None => HeaderValue::from_static(CSP),
        // WeChat's JS-SDK pages inside WeChat: one more script origin.
        Some(o) => HeaderValue::from_str(&CSP.replacen(
            "script-src 'self'",
            &format!("script-src 'self' {o}"),
            1,
        ))
        .unwrap_or_else(|_| HeaderValue::from_static(CSP)),
    };
    h.insert(hyper::header::CONTENT_SECURITY_POLICY, csp);
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(
        REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if tls {
        h.insert(
            hyper::header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    resp
}
