//! One connection's life: how it is served (HTTP/1 directly, or hyper-util's detecting
//! connection for h2 and h2c), its place under `[server] max_connections` and the short
//! 503 over the cap, and closing it when the server stops or it has been idle.

use super::*;

/// How a connection is served. A connection known to speak HTTP/1.1 — TLS that did not
/// negotiate `h2`, or plain HTTP whose first byte cannot begin the HTTP/2 preface — goes
/// straight to hyper's HTTP/1 connection; the rest (h2, h2c prior knowledge, and plain
/// requests beginning with `P`: POST, PUT, PATCH, PRI) to hyper-util's detecting one. The
/// detection wrapper cost about 4 % of a cached page's CPU time (profiled), and catalog
/// pages are GETs over HTTP/1.1 or h2.
pub(super) enum Proto {
    H1(hyper::server::conn::http1::Builder),
    Auto(Builder<TokioExecutor>),
}

/// Waits for a plain connection's first byte (peeked, not consumed) and says whether it
/// is HTTP/1 for certain (`Some(true)`). `None`: the client closed, failed, stayed silent
/// past the idle limit (or the header deadline), or the server is stopping — then the
/// connection is just closed, as an idle one would be.
pub(super) async fn plain_h1(
    tcp: &TcpStream,
    ctx: &Ctx,
    stop: &mut tokio::sync::watch::Receiver<bool>,
) -> Option<bool> {
    let limit = ctx.app.config.server.idle_timeout.min(HEADER_TIMEOUT);
    let mut first = [0u8; 1];
    tokio::select! {
        r = tokio::time::timeout(limit, tcp.peek(&mut first)) => match r {
            Ok(Ok(1)) => Some(first[0] != b'P'),
            _ => None,
        },
        _ = stop.wait_for(|s| *s) => None,
    }
}

/// Serves one connection (h1 or h2) until it ends, closing it gracefully when the server
/// stops or when it has had no request in flight for `[server] idle_timeout`. An HTTP/1.1
/// connection starts in the fast lane (`fast_lane`), which answers cached pages and
/// hands hyper the connection at the first request that is anything else.
pub(super) async fn serve_conn<I>(
    proto: Proto,
    mut io: I,
    ctx: Arc<Ctx>,
    peer: std::net::SocketAddr,
    mut stop: tokio::sync::watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let rest = match proto {
        Proto::H1(_) => match fast_lane::serve(&mut io, &ctx, &mut stop).await {
            fast_lane::Left::Closed => return,
            fast_lane::Left::Hyper(rest) => rest,
        },
        Proto::Auto(_) => Bytes::new(),
    };
    let io = fast_lane::Rewind::new(rest, io);
    let idle = ctx.app.config.server.idle_timeout;
    let activity = Arc::new(Activity::new());
    let a = activity.clone();
    let svc = hyper::service::service_fn(move |req| {
        let (ctx, busy) = (ctx.clone(), a.busy());
        async move {
            let r = handle(&ctx, req, peer).await;
            drop(busy);
            Ok::<_, std::convert::Infallible>(r)
        }
    });
    match proto {
        Proto::H1(h1) => {
            let conn = h1.serve_connection(TokioIo::new(io), svc);
            drive(conn, stop, &activity, idle).await;
        }
        Proto::Auto(builder) => {
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(io), svc);
            drive(conn, stop, &activity, idle).await;
        }
    }
}

/// Runs a connection to its end, shutting it down gracefully on stop or when idle.
async fn drive<C: hyper_util::server::graceful::GracefulConnection>(
    conn: C,
    mut stop: tokio::sync::watch::Receiver<bool>,
    activity: &Activity,
    idle: Duration,
) {
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => return,
        _ = stop.wait_for(|s| *s) => {}
        _ = activity.idle(idle) => {}
    }
    conn.as_mut().graceful_shutdown();
    let _ = conn.await;
}

/// What becomes of a connection just accepted.
pub(super) enum Place {
    /// Served, holding one of `max_connections` places.
    Serve(OwnedSemaphorePermit),
    /// Over the cap: answered with the short 503, holding one of `REFUSALS_MAX` places.
    Refuse(OwnedSemaphorePermit),
    /// Over the cap on TLS (a 503 would need a handshake first): closed.
    Close,
}

/// A place for the connection just accepted. Over the cap on plain HTTP it is answered
/// 503 in words; when `REFUSALS_MAX` refusals are already under way (slow clients), the
/// accept loop waits for whichever frees first — a place to serve it or one to refuse it
/// — and the connections behind it wait in the listen backlog: none is closed unanswered.
pub(super) async fn place(
    permits: &Arc<Semaphore>,
    refusals: &Arc<Semaphore>,
    plain: bool,
) -> Place {
    if let Ok(p) = permits.clone().try_acquire_owned() {
        return Place::Serve(p);
    }
    if !plain {
        return Place::Close;
    }
    if let Ok(r) = refusals.clone().try_acquire_owned() {
        return Place::Refuse(r);
    }
    // Neither semaphore is ever closed, so both acquisitions succeed eventually.
    tokio::select! {
        biased;
        Ok(p) = permits.clone().acquire_owned() => Place::Serve(p),
        Ok(r) = refusals.clone().acquire_owned() => Place::Refuse(r),
        else => Place::Close,
    }
}

/// Answers a connection over the cap with a short 503 (after reading its request head, so
/// the client is not reset mid-request), then closes it.
pub(super) async fn refuse(mut tcp: TcpStream, busy: &'static str, _slot: OwnedSemaphorePermit) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let _ = tokio::time::timeout(REFUSE_DEADLINE, async {
        let mut head = Vec::with_capacity(1024);
        let mut buf = [0u8; 1024];
        while head.len() < 8 * 1024 && !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
        let resp = format!(
            "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n\
             content-length: {}\r\nretry-after: 5\r\nconnection: close\r\n\r\n{busy}",
            busy.len()
        );
        let _ = tcp.write_all(resp.as_bytes()).await;
        let _ = tcp.shutdown().await;
    })
    .await;
}

/// A connection's stream holding its place under `[server] max_connections`: the place is
/// given back when the connection shuts down its side, or at the latest when it is dropped.
pub(super) struct Held<T> {
    pub(super) permit: Option<OwnedSemaphorePermit>,
    pub(super) io: T,
}

impl<T: AsyncRead + Unpin> AsyncRead for Held<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Held<T> {
    write_through!();

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.permit.take();
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// Requests in flight on one connection and when the last one started or ended.
struct Activity {
    in_flight: AtomicUsize,
    last: std::sync::Mutex<tokio::time::Instant>,
}

/// One request in flight; ends when dropped.
struct Busy(Arc<Activity>);

impl Activity {
    fn new() -> Activity {
        Activity {
            in_flight: AtomicUsize::new(0),
            last: std::sync::Mutex::new(tokio::time::Instant::now()),
        }
    }

    fn touch(&self) {
        *self.last.lock().expect("activity lock") = tokio::time::Instant::now();
    }

    /// `last` is read only while nothing is in flight, so a request marks it when it ends
    /// (in `Busy::drop`), not also when it starts.
    fn busy(self: &Arc<Self>) -> Busy {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        Busy(self.clone())
    }

    /// Resolves once no request has been in flight for `limit`.
    async fn idle(&self, limit: Duration) {
        loop {
            let now = tokio::time::Instant::now();
            let wake = if self.in_flight.load(Ordering::SeqCst) > 0 {
                now + limit
            } else {
                let last = *self.last.lock().expect("activity lock");
                if now >= last + limit {
                    return;
                }
                last + limit
            };
            tokio::time::sleep_until(wake).await;
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}
