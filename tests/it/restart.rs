//! Restarting on the same data directory: when `stop` returns, the stopped shop has let go
//! of its data file (no connection task still holds the app), so the next start — an
//! operator's restart, or a test's after a simulated crash — opens it at once.

use crate::support::*;

/// Several kept-alive connections are closed by the shutdown itself; their tasks end
/// after they give back their connection slot, and `stop` must wait for that too.
#[tokio::test(flavor = "multi_thread")]
async fn a_stopped_shop_has_let_go_of_its_data_file() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..12 {
        let t = TestApp::start_in(dir.path()).await;
        let clients: Vec<_> = (0..16).map(|_| client()).collect();
        for c in &clients {
            assert_eq!(get_text(c, &t.url("/healthz")).await.0, 200);
        }
        let path = t.app.config.storage.db_path();
        t.stop().await;
        let opened = puzi::store::Store::open(&path);
        assert!(
            opened.is_ok(),
            "round {round}: the data file is still held after stop: {}",
            opened.err().map(|e| e.to_string()).unwrap_or_default()
        );
    }
}
