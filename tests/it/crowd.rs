//! A crowd at the door (issue 19 item 1, the flash sale): a connection over
//! `[server] max_connections` is answered with the short 503 in words, never closed
//! unanswered — also when more of them arrive at once than the server answers at a time,
//! and when slow clients hold those answering places.

use crate::support::*;
use std::future::Future;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Long enough never to be reached by a working server; a test that hangs fails here.
const PATIENCE: Duration = Duration::from_secs(30);

/// The server answers this many refused connections at a time (`REFUSALS_MAX` in
/// `src/web/mod.rs`); the silent clients below take all of those places.
const ANSWERING_PLACES: usize = 64;

async fn ask_and_read(mut s: TcpStream) -> String {
    let _ = s
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n")
        .await;
    let mut out = Vec::new();
    let read = tokio::time::timeout(PATIENCE, s.read_to_end(&mut out)).await;
    assert!(read.is_ok(), "no answer and not closed");
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crowd_over_the_cap_gets_503_in_words_not_resets() {
    let t = TestApp::start_tuned(|c| c.server.max_connections = 1).await;
    // The only place is held by an idle connection (accepted first: the kernel's queue is
    // first come, first served).
    let _held = TcpStream::connect(t.addr).await.unwrap();
    // Slow clients over the cap that never send a request: they hold every place the
    // server answers refusals from, until it gives up on them.
    let mut silent = Vec::new();
    for _ in 0..ANSWERING_PLACES {
        silent.push(TcpStream::connect(t.addr).await.unwrap());
    }
    // Then the crowd: each asks at once.
    let addr = t.addr;
    let crowd: Vec<_> = futures_join(
        (0..20)
            .map(|_| async move { ask_and_read(TcpStream::connect(addr).await.unwrap()).await })
            .collect(),
    )
    .await;
    for answer in &crowd {
        assert!(
            answer.starts_with("HTTP/1.1 503"),
            "closed without an answer: {answer:?}"
        );
        assert!(answer.contains("retry-after"), "{answer}");
        assert!(answer.contains("稍后再试"), "{answer}");
    }
    drop(silent);
    t.stop().await;
}

/// Runs the futures concurrently on the runtime and collects their outputs in order.
async fn futures_join<F>(futs: Vec<F>) -> Vec<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futs.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}
