//! Limits that mean what they say (issue 17 item 4): each route's body limit is the one
//! enforced (a phone photo and a big catalog CSV go through, more gets 413), a body that
//! trickles is cut off (408), idle connections are closed (h1 and h2), connections over
//! `[server] max_connections` get a short 503, and over-long URLs get 414.

use crate::admin::{Owner, setup_owner};
use crate::support::*;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Long enough never to be reached by a working server; a test that hangs fails here.
const PATIENCE: Duration = Duration::from_secs(20);

const BOUNDARY: &str = "LiMiTsBoUnDaRy";

/// A multipart body: the CSRF field and one file per `(field, filename, bytes)`.
fn multipart(csrf: &str, files: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut b =
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n")
            .into_bytes();
    for (field, name, data) in files {
        b.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; \
                 filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        b.extend_from_slice(data);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    b
}

async fn post_multipart(t: &TestApp, o: &Owner, path: &str, body: Vec<u8>) -> reqwest::Response {
    o.c.post(t.url(path))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .send()
        .await
        .unwrap()
}

/// A real PNG of `w`×`h` noise pixels: it does not compress, so it is about 3·w·h bytes.
fn noise_png(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header().unwrap();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let pixels: Vec<u8> = (0..w * h * 3)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    writer.write_image_data(&pixels).unwrap();
    writer.finish().unwrap();
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn uploads_and_imports_get_their_own_limits_not_a_one_mebibyte_ceiling() {
    let t = TestApp::start().await;
    let o = setup_owner(&t).await;
    let csrf = o.csrf(&t).await;
    let images = |t: &TestApp| {
        t.app
            .store
            .product("longjing")
            .unwrap()
            .unwrap()
            .images
            .len()
    };
    let before = images(&t);

    // A phone photo of 1.8 MB is stored.
    let photo = noise_png(800, 780);
    assert!(
        (1_700_000..2_000_000).contains(&photo.len()),
        "{}",
        photo.len()
    );
    let body = multipart(&csrf, &[("images", "photo.png", &photo)]);
    let r = post_multipart(&t, &o, "/admin/products/longjing/images", body).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert_eq!(images(&t), before + 1);

    // One image over 2 MB: 413, nothing stored.
    let mut big = photo.clone();
    big.resize(2 * 1024 * 1024 + 1, 0);
    let body = multipart(&csrf, &[("images", "big.png", &big)]);
    let r = post_multipart(&t, &o, "/admin/products/longjing/images", body).await;
    assert_eq!(r.status(), 413);
    assert_eq!(images(&t), before + 1);

    // An upload over 8 MB in all: 413, nothing stored.
    let mut parts: Vec<(&str, &str, &[u8])> = vec![("images", "p.png", &photo[..]); 4];
    parts.push(("images", "q.png", &photo[..1_000_000]));
    let body = multipart(&csrf, &parts);
    assert!((8 * 1024 * 1024..9 * 1024 * 1024).contains(&body.len()));
    let r = post_multipart(&t, &o, "/admin/products/longjing/images", body).await;
    assert_eq!(r.status(), 413);
    assert_eq!(images(&t), before + 1);

    // A catalog CSV of 7 MB is read and imported whole.
    let mut csv = puzi::catalog::csv::COLUMNS.join(",");
    csv.push('\n');
    let description = "长".repeat(3_400);
    for i in 0..700 {
        csv.push_str(&format!(
            "bulk-{i},,Bulk {i},s,{description},,bulk-{i}-a,,10.00,5,true,false,0,\n"
        ));
    }
    assert!((7_000_000..7_500_000).contains(&csv.len()), "{}", csv.len());
    let body = multipart(&csrf, &[("file", "catalog.csv", csv.as_bytes())]);
    let r = post_multipart(&t, &o, "/admin/catalog.csv", body).await;
    assert_eq!(r.status(), 200);
    assert!(t.app.store.product("bulk-699").unwrap().is_some());
    assert_eq!(t.app.store.stock("bulk-0-a").unwrap(), 5);

    // An ordinary admin form is still held to [server] body_limit (64 KB).
    let big_field = "x".repeat(100 * 1024);
    let r = o
        .post(
            &t,
            "/admin/categories",
            &[("id", "big"), ("name", &big_field)],
        )
        .await;
    assert_eq!(r.status(), 413);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_limit_set_above_one_mebibyte_is_the_one_enforced() {
    let t = TestApp::start_tuned(|c| c.server.body_limit = 2 * 1024 * 1024).await;
    let c = client();
    // 1.5 MB is under the configured limit: read, then refused for what it says (400).
    let sku = "x".repeat(1_500_000);
    let r = add_to_cart(&c, &t, &sku, 1).await;
    assert_eq!(r.status(), 400);
    // Over it: 413.
    let sku = "x".repeat(2 * 1024 * 1024 + 1);
    let r = add_to_cart(&c, &t, &sku, 1).await;
    assert_eq!(r.status(), 413);
    t.stop().await;
}

/// Reads until the server closes; `None` if it does not within `PATIENCE`.
async fn read_to_close(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    tokio::time::timeout(PATIENCE, s.read_to_end(&mut out))
        .await
        .ok()
        .map(|_| out)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_that_trickles_is_cut_off_with_408() {
    let t = TestApp::start_tuned(|c| c.server.body_timeout = Duration::from_millis(300)).await;
    let mut s = TcpStream::connect(t.addr).await.unwrap();
    s.write_all(
        b"POST /cart/add HTTP/1.1\r\nHost: shop\r\n\
          Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nsku=",
    )
    .await
    .unwrap();
    // The rest of the body never comes.
    let answer = read_to_close(&mut s).await.expect("the server gives up");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("传得太慢"), "{answer}");
    // A body that arrives in time is served as before.
    let c = client();
    assert_eq!(
        add_to_cart(&c, &t, "canvas-tote-black", 1).await.status(),
        303
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_connections_are_closed_silent_ones_and_http2() {
    let t = TestApp::start_tuned(|c| c.server.idle_timeout = Duration::from_millis(300)).await;
    // A connection that never says anything.
    let mut silent = TcpStream::connect(t.addr).await.unwrap();
    let got = read_to_close(&mut silent).await.expect("closed when idle");
    assert!(got.is_empty());

    // HTTP/2 (prior knowledge): the preface and SETTINGS, then nothing. The server answers
    // with its SETTINGS, and once idle with GOAWAY, and closes.
    let mut h2 = TcpStream::connect(t.addr).await.unwrap();
    h2.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        .await
        .unwrap();
    h2.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0]).await.unwrap();
    let mut frame_types = Vec::new();
    let closed = tokio::time::timeout(PATIENCE, async {
        loop {
            let mut head = [0u8; 9];
            if h2.read_exact(&mut head).await.is_err() {
                return;
            }
            let len = u32::from_be_bytes([0, head[0], head[1], head[2]]) as usize;
            let mut payload = vec![0u8; len];
            if h2.read_exact(&mut payload).await.is_err() {
                return;
            }
            let (kind, flags) = (head[3], head[4]);
            frame_types.push(kind);
            if kind == 4 && flags & 1 == 0 {
                // Acknowledge the server's SETTINGS, as a client must.
                let _ = h2.write_all(&[0, 0, 0, 4, 1, 0, 0, 0, 0]).await;
            }
            if kind == 6 && flags & 1 == 0 {
                // Answer a PING (graceful shutdown sends one), as a client must.
                let mut ack = vec![0, 0, 8, 6, 1, 0, 0, 0, 0];
                ack.extend_from_slice(&payload);
                let _ = h2.write_all(&ack).await;
            }
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "the h2 connection was not closed: {frame_types:?}"
    );
    assert!(frame_types.contains(&7), "GOAWAY first: {frame_types:?}");

    // A connection in use is not cut: a request still works on a fresh one.
    let c = client();
    assert_eq!(c.get(t.url("/healthz")).send().await.unwrap().status(), 200);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn connections_over_the_cap_get_a_short_503() {
    let t = TestApp::start_tuned(|c| c.server.max_connections = 2).await;
    // Two connections hold both places (accepted in order, before the third).
    let mut first = TcpStream::connect(t.addr).await.unwrap();
    let _second = TcpStream::connect(t.addr).await.unwrap();
    let r = reqwest::Client::new()
        .get(t.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("retry-after"));
    assert!(r.text().await.unwrap().contains("稍后再试"));
    // The first one is used and ends; its place is free once the server closes it.
    first
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let answer = read_to_close(&mut first).await.expect("served and closed");
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"));
    let r = reqwest::Client::new()
        .get(t.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn over_long_urls_get_414_and_oversized_headers_431() {
    let t = TestApp::start().await;
    let long = t.url(&format!("/?ch={}", "a".repeat(9 * 1024)));
    let h1 = reqwest::Client::new();
    let r = h1.get(&long).send().await.unwrap();
    assert_eq!(r.status(), 414);
    assert!(r.text().await.unwrap().contains("网址太长"));
    let h2 = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let r = h2.get(&long).send().await.unwrap();
    assert_eq!(r.version(), reqwest::Version::HTTP_2);
    assert_eq!(r.status(), 414);
    // A URL just under the limit is served.
    let fine = t.url(&format!("/?ch={}", "a".repeat(4 * 1024)));
    assert_eq!(h1.get(&fine).send().await.unwrap().status(), 200);
    // Headers over 32 KB: 431.
    let r = h1
        .get(t.url("/healthz"))
        .header("x-big", "b".repeat(40 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 431);
    t.stop().await;
}
