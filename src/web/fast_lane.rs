//! The fast lane: cached pages answered on an HTTP/1.1 connection before hyper.
//!
//! A connection known to speak HTTP/1.1 (see `conn::Proto`) starts here. A request head,
//! read within hyper's header deadline and up to `MAX_LANE_HEAD` bytes, is parsed with
//! httparse (hyper's own parser); a `GET` or `HEAD` of a catalog page or of search results
//! (`/search?q=…` alone) in the page cache, from a visitor without a session, with no body
//! and nothing about the connection to negotiate, is answered here with the status,
//! headers and bytes the ordinary path sends (`Ctx::page_head`, built by `finish`). The
//! first request that is anything else — a cache miss, any other query string, a session
//! cookie, a body or its framing headers, `Connection` other than keep-alive, an upgrade,
//! HTTP/1.0, a longer head, one httparse refuses — hands the connection, with every byte
//! read so far, to hyper for the rest of its life. The lane may hand over more than it
//! must; it never answers what the ordinary path would answer otherwise.
//!
//! Why: hyper's per-request machinery (request and response objects, the header map, the
//! service future, its encoder) was two thirds of puzi's user-space time for a cached page,
//! and the storefront must keep up with nginx serving the same bytes (BENCHMARKS.md).

use super::*;
use std::io::Write as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Bytes read at a time while waiting for a request head.
const READ_BUF: usize = 4096;
/// A head not whole at this size is hyper's (which allows up to `MAX_HEADER_BYTES`).
const MAX_LANE_HEAD: usize = 2 * READ_BUF;

/// What the lane leaves of a connection.
pub(super) enum Left {
    /// Nothing: the client closed or stayed idle past `[server] idle_timeout`, a write
    /// failed, or the server is stopping.
    Closed,
    /// A request for hyper: the bytes read and not answered (its head, or the start of it).
    Hyper(Bytes),
}

/// A page the lane answers: which prebuilt head, the body, and whether it is a `HEAD`.
struct Hit {
    used: usize,
    head: usize,
    body: Bytes,
    head_only: bool,
}

/// Serves cached pages from `io` until a request needs hyper (see the module header).
pub(super) async fn serve<I>(
    io: &mut I,
    ctx: &Ctx,
    stop: &mut tokio::sync::watch::Receiver<bool>,
) -> Left
where
    I: AsyncRead + AsyncWrite + Unpin,
{
    // With debug logging on, every request takes the ordinary way and logs its span.
    if tracing::enabled!(tracing::Level::DEBUG) {
        return Left::Hyper(Bytes::new());
    }
    // A request head must arrive within hyper's header read timeout (or the idle limit when
    // shorter), which hyper starts when it begins to wait for a head: a silent or slow
    // connection is closed no later than hyper would close it.
    let wait = ctx.app.config.server.idle_timeout.min(HEADER_TIMEOUT);
    let mut buf = bytes::BytesMut::with_capacity(READ_BUF);
    let mut out = Vec::with_capacity(1024);
    loop {
        let deadline = tokio::time::Instant::now() + wait;
        let hit = loop {
            if !buf.is_empty() {
                match lookup(ctx, &buf) {
                    Look::Hit(hit) => break hit,
                    Look::Partial if buf.len() < MAX_LANE_HEAD => {}
                    Look::Partial | Look::Hyper => return Left::Hyper(buf.freeze()),
                }
            }
            buf.reserve(READ_BUF);
            let read = tokio::select! {
                r = tokio::time::timeout_at(deadline, io.read_buf(&mut buf)) => r,
                _ = stop.wait_for(|s| *s) => return Left::Closed,
            };
            if !matches!(read, Ok(Ok(n)) if n > 0) {
                return Left::Closed;
            }
        };
        let started = std::time::Instant::now();
        out.clear();
        out.extend_from_slice(&ctx.lane_head[hit.head]);
        let _ = write!(out, "content-length: {}\r\ndate: ", hit.body.len());
        date(&mut out);
        out.extend_from_slice(b"\r\n\r\n");
        // Counted when answered, before the write, as `handle` counts.
        ctx.app.metrics.fast_lane(started.elapsed().as_secs_f64());
        let body: &[u8] = if hit.head_only { &[] } else { &hit.body };
        if write_both(io, &out, body, wait).await.is_err() {
            return Left::Closed;
        }
        bytes::Buf::advance(&mut buf, hit.used);
    }
}

/// What the bytes read so far are to the lane.
enum Look {
    /// A page it answers.
    Hit(Hit),
    /// The start of a head: read on.
    Partial,
    /// A request for hyper.
    Hyper,
}

/// What the bytes read so far ask for (see `Look` and the module header).
fn lookup(ctx: &Ctx, bytes: &[u8]) -> Look {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(bytes) {
        Ok(httparse::Status::Complete(used)) => {
            page(ctx, &req, used).map_or(Look::Hyper, Look::Hit)
        }
        Ok(httparse::Status::Partial) => Look::Partial,
        Err(_) => Look::Hyper,
    }
}

/// The cached page a whole request head asks for, if the lane may answer it.
fn page(ctx: &Ctx, req: &httparse::Request<'_, '_>, used: usize) -> Option<Hit> {
    let head_only = match req.method? {
        "GET" => false,
        "HEAD" => true,
        _ => return None,
    };
    let target = req.path?;
    if req.version != Some(1)
        || !target.starts_with('/')
        || target.len() > MAX_URI
        || !target.bytes().all(plain_uri_byte)
    {
        return None;
    }
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    let (mut header_bytes, mut wechat, mut agent_seen) = (0, false, false);
    for h in req.headers.iter() {
        header_bytes += h.name.len() + h.value.len() + 4;
        let is = |n: &str| h.name.eq_ignore_ascii_case(n);
        if is("content-length") || is("transfer-encoding") || is("upgrade") || is("expect") {
            return None;
        }
        // Only values hyper would read the same way (visible ASCII) are looked into.
        let visible = h
            .value
            .iter()
            .all(|&b| b == b'\t' || (32..127).contains(&b));
        if is("connection") && !h.value.eq_ignore_ascii_case(b"keep-alive") {
            return None;
        }
        if is("cookie") && (!visible || has_cookie(h.value, session::COOKIE)) {
            return None;
        }
        // The first User-Agent, as `pay::in_wechat` reads it.
        if is("user-agent") && !agent_seen {
            if !visible {
                return None;
            }
            agent_seen = true;
            wechat = h.value.windows(14).any(|w| w == b"MicroMessenger");
        }
    }
    if header_bytes > MAX_HEADER_BYTES {
        return None;
    }
    let body = match query {
        None => shop::cached_page(ctx, path)?,
        Some(q) if path == "/search" => search::cached_results(ctx, q)?,
        Some(_) => return None,
    };
    let head = usize::from(wx::script_origin(ctx, path, wechat).is_some());
    Some(Hit {
        used,
        head,
        body,
        head_only,
    })
}

/// A byte every URI parser takes the same way in a path or query (RFC 3986's unreserved
/// and sub-delims, `%`, `/`, `?`, `:`, `@`); a target with any other (`#`, quotes, angle
/// brackets, non-ASCII…) is hyper's, which may refuse it.
fn plain_uri_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~%/?:@!$&'()*+,;=".contains(&b)
}

/// Whether a `Cookie` header value names `name` (as `http::cookie` reads it).
fn has_cookie(value: &[u8], name: &str) -> bool {
    value
        .split(|&b| b == b';')
        .filter_map(|kv| {
            let kv = kv.trim_ascii();
            kv.iter().position(|&b| b == b'=').map(|i| &kv[..i])
        })
        .any(|k| k == name.as_bytes())
}

/// Writes `a` then `b`, in one `writev` when the socket takes it all, and flushes (TLS).
/// A client that takes nothing for `limit` is given up on; a slow one that keeps reading
/// gets the whole page.
async fn write_both<I: AsyncWrite + Unpin>(
    io: &mut I,
    a: &[u8],
    b: &[u8],
    limit: Duration,
) -> std::io::Result<()> {
    let stalled = |_| std::io::Error::from(std::io::ErrorKind::TimedOut);
    let (mut a, mut b) = (a, b);
    while !a.is_empty() || !b.is_empty() {
        let bufs = [std::io::IoSlice::new(a), std::io::IoSlice::new(b)];
        let n = tokio::time::timeout(limit, io.write_vectored(&bufs))
            .await
            .map_err(stalled)??;
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        let from_a = n.min(a.len());
        a = &a[from_a..];
        b = &b[n - from_a..];
    }
    tokio::time::timeout(limit, io.flush())
        .await
        .map_err(stalled)?
}

/// Appends the `date` header's value (RFC 9110 IMF-fixdate), formatted once a second.
fn date(out: &mut Vec<u8>) {
    use std::cell::RefCell;
    use std::time::{SystemTime, UNIX_EPOCH};
    thread_local! {
        static NOW: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
    }
    let now = SystemTime::now();
    let secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    NOW.with_borrow_mut(|(at, s)| {
        if *at != secs {
            *at = secs;
            *s = httpdate::fmt_http_date(now);
        }
        out.extend_from_slice(s.as_bytes());
    });
}

/// The status line and headers of a cached page as the lane sends them, before its
/// `content-length` and `date`: the same headers `finish` gives the ordinary path.
pub(super) fn head_bytes(map: &hyper::HeaderMap) -> Bytes {
    let mut b = b"HTTP/1.1 200 OK\r\n".to_vec();
    for (k, v) in map {
        b.extend_from_slice(k.as_str().as_bytes());
        b.extend_from_slice(b": ");
        b.extend_from_slice(v.as_bytes());
        b.extend_from_slice(b"\r\n");
    }
    Bytes::from(b)
}

/// A connection's stream with bytes already read in front of it: what the lane hands
/// hyper, so the request it did not answer is read again from its first byte.
pub(super) struct Rewind<T> {
    pre: Bytes,
    io: T,
}

impl<T> Rewind<T> {
    pub(super) fn new(pre: Bytes, io: T) -> Self {
        Rewind { pre, io }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Rewind<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if !self.pre.is_empty() {
            let n = self.pre.len().min(buf.remaining());
            buf.put_slice(&self.pre[..n]);
            bytes::Buf::advance(&mut self.pre, n);
            if self.pre.is_empty() {
                // Lets go of the lane's read buffer for the rest of the connection.
                self.pre = Bytes::new();
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Rewind<T> {
    write_through!();

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::has_cookie;

    #[test]
    fn a_cookie_header_names_the_session_only_as_a_whole_name() {
        assert!(has_cookie(b"puzi_sid=abc", "puzi_sid"));
        assert!(has_cookie(b"ch=qr1; puzi_sid=abc", "puzi_sid"));
        assert!(has_cookie(b"ch=qr1;puzi_sid=", "puzi_sid"));
        assert!(!has_cookie(b"ch=qr1", "puzi_sid"));
        assert!(!has_cookie(b"xpuzi_sid=abc", "puzi_sid"));
        assert!(!has_cookie(b"puzi_sid", "puzi_sid"));
    }
}
