//! Sessions are not money (issue 19): a session change (the cashier's OAuth state, the
//! shopper's openid) commits without a sync and reaches the disk with the next synced
//! commit or the job tick's `sync_unsynced`; a clean stop loses nothing of it.

use crate::support::*;

#[tokio::test]
async fn session_changes_commit_unsynced_and_survive_a_clean_stop() {
    let t = TestApp::start().await;
    let c = client();
    add_to_cart(&c, &t, "stoneware-mug-white", 1).await;
    let (s, loc, _) = checkout(&c, &t, &GOOD_FORM).await;
    assert_eq!(s, 303);
    let no = placed_no(&loc.unwrap()).to_string();
    t.app.store.sync_unsynced().unwrap();
    // The cashier remembers the OAuth it starts in the session.
    let r = c.get(t.url(&format!("/pay/{no}"))).send().await.unwrap();
    assert_eq!(r.status(), 302);
    assert!(
        t.app.store.sync_unsynced().unwrap(),
        "the session change was committed without a sync"
    );
    assert!(
        !t.app.store.sync_unsynced().unwrap(),
        "nothing left to sync"
    );
    let sessions = t.app.store.session_count().unwrap();
    let dir = t.stop().await.unwrap();
    let t = TestApp::start_in(dir.path()).await;
    assert_eq!(t.app.store.session_count().unwrap(), sessions);
}
