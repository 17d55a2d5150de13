//! The fast lane (`web::fast_lane`): cached catalog pages answered on HTTP/1.1 before hyper
//! carry the same status, headers and bytes as hyper's answer; pipelined requests stay in
//! order across the hand-over to hyper; anything the lane does not fully understand is
//! hyper's. Raw sockets, so the bytes on the wire are what is checked.

use crate::support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One parsed response: status, headers (lowercase names, in order) and body.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The headers that may differ between two answers of the same page: the date, and
    /// `connection` on the answer that closes.
    fn stable_headers(&self) -> Vec<(String, String)> {
        let mut h: Vec<_> = self
            .headers
            .iter()
            .filter(|(k, _)| k != "date" && k != "connection")
            .cloned()
            .collect();
        h.sort();
        h
    }
}

/// Reads `n` responses from `s`; `head[i]` says the i-th answers a HEAD (no body).
async fn read_answers(s: &mut TcpStream, head: &[bool]) -> Vec<Answer> {
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    while out.len() < head.len() {
        // Parse every whole response in the buffer.
        while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let text = String::from_utf8(buf[..end].to_vec()).expect("ASCII head");
            let mut lines = text.split("\r\n");
            let status: u16 = lines
                .next()
                .unwrap()
                .split(' ')
                .nth(1)
                .unwrap()
                .parse()
                .unwrap();
            let headers: Vec<(String, String)> = lines
                .map(|l| {
                    let (k, v) = l.split_once(':').unwrap();
                    (k.trim().to_ascii_lowercase(), v.trim().to_string())
                })
                .collect();
            let len: usize = headers
                .iter()
                .find(|(k, _)| k == "content-length")
                .map_or(0, |(_, v)| v.parse().unwrap());
            let body_len = if head[out.len()] { 0 } else { len };
            if buf.len() < end + 4 + body_len {
                break;
            }
            let body = buf[end + 4..end + 4 + body_len].to_vec();
            buf.drain(..end + 4 + body_len);
            out.push(Answer {
                status,
                headers,
                body,
            });
            if out.len() == head.len() {
                break;
            }
        }
        if out.len() == head.len() {
            break;
        }
        let n = s.read(&mut chunk).await.expect("read");
        assert!(n > 0, "the connection closed after {} answers", out.len());
        buf.extend_from_slice(&chunk[..n]);
    }
    assert!(
        buf.is_empty(),
        "bytes beyond the answers: {:?}",
        String::from_utf8_lossy(&buf)
    );
    out
}

async fn lane_count(t: &TestApp) -> u64 {
    metric(t, "puzi_http_fast_lane_total").await
}

/// Renders the page once through the ordinary path so it is in the page cache.
async fn warm(t: &TestApp, path: &str) {
    let r = reqwest::get(t.url(path)).await.unwrap();
    assert_eq!(r.status(), 200);
}

async fn ask(t: &TestApp, raw: &str, head: &[bool]) -> Vec<Answer> {
    let mut s = TcpStream::connect(t.addr).await.unwrap();
    s.write_all(raw.as_bytes()).await.unwrap();
    read_answers(&mut s, head).await
}

#[tokio::test]
async fn a_cached_page_from_the_lane_is_the_page_hyper_sends() {
    let t = TestApp::start().await;
    for path in [
        "/",
        "/p/stoneware-mug",
        "/search?q=%E8%8C%B6",
        "/search?q=+%E8%8C%B6+",
    ] {
        warm(&t, path).await;
        let before = lane_count(&t).await;
        let lane = ask(
            &t,
            &format!("GET {path} HTTP/1.1\r\nHost: shop\r\n\r\n"),
            &[false],
        )
        .await;
        let lane_head = ask(
            &t,
            &format!("HEAD {path} HTTP/1.1\r\nHost: shop\r\n\r\n"),
            &[true],
        )
        .await;
        assert_eq!(
            lane_count(&t).await,
            before + 2,
            "{path}: both answered by the lane"
        );
        // `Connection: close` is for hyper: the same page by the ordinary path.
        let close = "Connection: close\r\n";
        let hyper = ask(
            &t,
            &format!("GET {path} HTTP/1.1\r\nHost: shop\r\n{close}\r\n"),
            &[false],
        )
        .await;
        let hyper_head = ask(
            &t,
            &format!("HEAD {path} HTTP/1.1\r\nHost: shop\r\n{close}\r\n"),
            &[true],
        )
        .await;
        assert_eq!(
            lane_count(&t).await,
            before + 2,
            "{path}: Connection: close is hyper's"
        );

        let (lane, hyper) = (&lane[0], &hyper[0]);
        assert_eq!((lane.status, hyper.status), (200, 200));
        assert_eq!(lane.body, hyper.body, "{path}: the same bytes");
        assert!(!lane.body.is_empty());
        assert_eq!(
            lane.stable_headers(),
            hyper.stable_headers(),
            "{path}: the same headers"
        );
        assert!(lane.header("date").is_some_and(|d| d.ends_with(" GMT")));
        assert!(lane.header("content-security-policy").is_some());
        assert_eq!(
            lane.header("content-length"),
            Some(lane.body.len().to_string().as_str())
        );
        assert_eq!(
            lane_head[0].stable_headers(),
            hyper_head[0].stable_headers(),
            "{path}: HEAD"
        );
        assert_eq!(
            lane_head[0].header("content-length"),
            lane.header("content-length")
        );
    }
}

#[tokio::test]
async fn pipelined_requests_are_answered_in_order_across_the_hand_over_to_hyper() {
    let t = TestApp::start().await;
    warm(&t, "/").await;
    warm(&t, "/p/stoneware-mug").await;
    let before = lane_count(&t).await;
    // Two pages for the lane, then a request for hyper (not cached), then a page that the
    // lane would have answered but hyper now serves: the connection is hyper's for good.
    let raw = "GET / HTTP/1.1\r\nHost: shop\r\n\r\n\
               GET /p/stoneware-mug HTTP/1.1\r\nHost: shop\r\n\r\n\
               GET /cart HTTP/1.1\r\nHost: shop\r\n\r\n\
               GET / HTTP/1.1\r\nHost: shop\r\n\r\n";
    let a = ask(&t, raw, &[false; 4]).await;
    assert_eq!(
        a.iter().map(|a| a.status).collect::<Vec<_>>(),
        [200, 200, 200, 200]
    );
    let home = String::from_utf8_lossy(&a[0].body).to_string();
    let mug = String::from_utf8_lossy(&a[1].body).to_string();
    let cart = String::from_utf8_lossy(&a[2].body).to_string();
    assert!(
        mug.contains("stoneware-mug") || mug.contains("马克杯"),
        "the mug's page second"
    );
    assert_ne!(home, mug);
    assert_ne!(cart, home, "the cart third");
    assert_eq!(a[3].body, a[0].body, "the home page again, from hyper");
    assert_eq!(
        lane_count(&t).await,
        before + 2,
        "two by the lane, two by hyper"
    );
}

#[tokio::test]
async fn requests_the_lane_does_not_fully_understand_are_hyper_s() {
    let t = TestApp::start().await;
    warm(&t, "/").await;
    warm(&t, "/search?q=%E8%8C%B6").await;
    let before = lane_count(&t).await;
    // A body on a GET (framing is hyper's), followed by a page on the same connection: the
    // body is not taken for a request.
    let a = ask(
        &t,
        "GET / HTTP/1.1\r\nHost: shop\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: shop\r\n\r\n",
        &[false, false],
    )
    .await;
    assert_eq!((a[0].status, a[1].status), (200, 200));
    assert_eq!(a[0].body, a[1].body);
    // Chunked framing, an upgrade, HTTP/1.0, a query string (also on a cached search with
    // a channel tag, or a fragment), a session cookie.
    let cases = [
        "GET / HTTP/1.1\r\nHost: shop\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: shop\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n",
        "GET / HTTP/1.0\r\nHost: shop\r\nConnection: keep-alive\r\n\r\n",
        "GET /?ch=poster HTTP/1.1\r\nHost: shop\r\n\r\n",
        "GET /search?q=%E8%8C%B6&ch=poster HTTP/1.1\r\nHost: shop\r\n\r\n",
        "GET /search?q=%E8%8C%B6#top HTTP/1.1\r\nHost: shop\r\n\r\n",
        "GET /search?q= HTTP/1.1\r\nHost: shop\r\n\r\n",
        "GET /search?q=+++ HTTP/1.1\r\nHost: shop\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: shop\r\nCookie: a=1; puzi_sid=nosuchsession\r\n\r\n",
    ];
    for raw in cases {
        let a = ask(&t, raw, &[false]).await;
        assert!(a[0].status < 500, "{raw:?}: {}", a[0].status);
    }
    assert_eq!(lane_count(&t).await, before, "none of them by the lane");

    // A head that arrives in two pieces is read whole, and answered.
    let before = lane_count(&t).await;
    let mut s = TcpStream::connect(t.addr).await.unwrap();
    s.set_nodelay(true).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHo").await.unwrap();
    s.write_all(b"st: shop\r\n\r\n").await.unwrap();
    let a = read_answers(&mut s, &[false]).await;
    assert_eq!(a[0].status, 200);
    assert_eq!(lane_count(&t).await, before + 1);

    // Garbage gets hyper's 400, not silence.
    let a = ask(&t, "GET / HTTP/1.1\r\nHost shop\r\n\r\n", &[false]).await;
    assert_eq!(a[0].status, 400);
}

#[tokio::test]
async fn a_head_that_never_ends_is_closed_without_an_answer() {
    let t =
        TestApp::start_tuned(|cfg| cfg.server.idle_timeout = std::time::Duration::from_millis(300))
            .await;
    warm(&t, "/").await;
    let mut s = TcpStream::connect(t.addr).await.unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: shop\r\n")
        .await
        .unwrap();
    // Nothing more is sent: the header deadline (here the 300 ms idle limit) closes it.
    let mut rest = Vec::new();
    s.read_to_end(&mut rest).await.unwrap();
    assert!(rest.is_empty(), "{:?}", String::from_utf8_lossy(&rest));
}

#[tokio::test]
async fn a_catalog_change_takes_the_old_pages_out_of_the_lane() {
    let t = TestApp::start().await;
    let (page, search) = ("/p/longjing", "/search?q=%E9%BE%99%E4%BA%95");
    let get = |p: &str| format!("GET {p} HTTP/1.1\r\nHost: shop\r\n\r\n");
    for p in [page, search] {
        warm(&t, p).await;
        let old = ask(&t, &get(p), &[false]).await;
        assert!(
            String::from_utf8_lossy(&old[0].body).contains("¥68.00"),
            "{p}"
        );
    }
    // The price changes: the catalog's generation moves on.
    let mut tea = t.app.store.product("longjing").unwrap().unwrap();
    tea.variants[0].price = puzi::money::Money(7800);
    t.app.store.put_product(&tea, &[]).unwrap();
    let before = lane_count(&t).await;
    for p in [page, search] {
        let new = ask(&t, &get(p), &[false]).await;
        let body = String::from_utf8_lossy(&new[0].body).to_string();
        assert!(
            body.contains("¥78.00") && !body.contains("¥68.00"),
            "{p}: the new price"
        );
        // Rendered anew by hyper, then the lane's again.
        let again = ask(&t, &get(p), &[false]).await;
        assert_eq!(again[0].body, new[0].body, "{p}");
    }
    assert_eq!(
        lane_count(&t).await,
        before + 2,
        "one render each by hyper, then the lane"
    );
}
