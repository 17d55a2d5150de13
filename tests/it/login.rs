//! Back-office login under attack: attempts counted before argon2, argon2 for unknown
//! usernames too, verifications capped, progressive delays (moved with the app's clock)
//! instead of a lockout, the owner's known address let through; and session tokens kept
//! only as hashes in the data file.

use crate::support::*;
use puzi::account::{FIRST_DELAY_SECS, FREE_FAILURES, MAX_VERIFYING};

const RIGHT: &str = "correct horse battery";

/// A shop that believes X-Forwarded-For from loopback, so one test plays many addresses;
/// its owner `boss` is set up but has not signed in yet.
async fn shop() -> TestApp {
    let t = TestApp::start_tuned(|c| c.server.trusted_proxies = vec!["127.0.0.1".parse().unwrap()])
        .await;
    // Every test here counts failures inside a wait of a few seconds (and one reads the
    // wait to the second): only the test moves time.
    t.app.clock.freeze();
    let link = puzi::account::first_start_link(&t.app.store, &t.app.base_url, t.app.clock.unix())
        .unwrap()
        .unwrap();
    let r = client()
        .post(&link)
        .form(&[
            ("username", "boss"),
            ("password", RIGHT),
            ("confirm", RIGHT),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    t
}

async fn login_as(t: &TestApp, from: &str, user: &str, password: &str) -> reqwest::Response {
    client()
        .post(t.url("/admin/login"))
        .header("x-forwarded-for", from)
        .form(&[("username", user), ("password", password)])
        .send()
        .await
        .unwrap()
}

async fn status(t: &TestApp, from: &str, password: &str) -> u16 {
    login_as(t, from, "boss", password).await.status().as_u16()
}

/// Wrong logins for `user`, all at once, each from its own address; their statuses.
async fn burst(t: &TestApp, user: &str, n: usize) -> Vec<u16> {
    let runs: Vec<_> = (0..n)
        .map(|i| {
            let (url, user) = (t.url("/admin/login"), user.to_string());
            tokio::spawn(async move {
                client()
                    .post(url)
                    .header("x-forwarded-for", format!("203.0.113.{}", i + 1))
                    .form(&[("username", user.as_str()), ("password", "wrong password!")])
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut out = Vec::new();
    for r in runs {
        out.push(r.await.unwrap());
    }
    out
}

fn retry_after(r: &reqwest::Response) -> i64 {
    r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_concurrent_wrong_logins_are_all_counted() {
    let t = shop().await;
    let before = t.app.logins.verifications();
    let statuses = burst(&t, "boss", 20).await;
    let tried = statuses.iter().filter(|s| **s == 401).count();
    let slowed = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(
        tried, FREE_FAILURES as usize,
        "none slipped past: {statuses:?}"
    );
    assert_eq!(slowed, 20 - tried, "{statuses:?}");
    assert_eq!(
        t.app.logins.verifications() - before,
        FREE_FAILURES as u64,
        "argon2 ran only for the attempts let through"
    );
    // One address alone is held to the same count.
    let mut alone = Vec::new();
    for _ in 0..FREE_FAILURES + 2 {
        alone.push(
            login_as(&t, "192.0.2.50", "someone", "wrong password!")
                .await
                .status(),
        );
    }
    assert!(
        alone[..FREE_FAILURES as usize].iter().all(|s| *s == 401),
        "{alone:?}"
    );
    assert!(
        alone[FREE_FAILURES as usize..].iter().all(|s| *s == 429),
        "{alone:?}"
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_owner_from_a_known_address_gets_in_during_an_attack() {
    let t = shop().await;
    assert_eq!(status(&t, "10.0.0.1", RIGHT).await, 303);
    burst(&t, "boss", 20).await;
    assert_eq!(
        status(&t, "198.51.100.7", RIGHT).await,
        429,
        "a new address waits like the attackers"
    );
    let r = login_as(&t, "10.0.0.1", "boss", RIGHT).await;
    assert_eq!(r.status(), 303, "the owner's known address is not slowed");
    assert!(
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .starts_with("puzi_admin=")
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_username_runs_argon2_and_verifications_are_capped() {
    let t = shop().await;
    let v0 = t.app.logins.verifications();
    assert_eq!(
        login_as(&t, "192.0.2.1", "nobody", RIGHT).await.status(),
        401
    );
    assert_eq!(
        t.app.logins.verifications(),
        v0 + 1,
        "argon2 ran for an unknown name"
    );
    assert_eq!(status(&t, "192.0.2.2", "wrong password!").await, 401);
    assert_eq!(t.app.logins.verifications(), v0 + 2);
    // Twenty unknown names from twenty addresses: every one may be verified, but never
    // more than the cap at once, and pages answer meanwhile.
    let flood: Vec<_> = (0..20)
        .map(|i| {
            let url = t.url("/admin/login");
            tokio::spawn(async move {
                client()
                    .post(url)
                    .header("x-forwarded-for", format!("198.51.100.{}", i + 1))
                    .form(&[("username", format!("user{i}").as_str()), ("password", "x")])
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    assert_eq!(client().get(t.url("/")).send().await.unwrap().status(), 200);
    for f in flood {
        let s = f.await.unwrap();
        assert!(s == 401 || s == 503, "{s}");
    }
    assert!(
        t.app.logins.peak_verifying() <= MAX_VERIFYING,
        "{} at once",
        t.app.logins.peak_verifying()
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_delay_grows_and_resets() {
    let t = shop().await;
    let from = "192.0.2.9";
    for _ in 0..FREE_FAILURES {
        assert_eq!(status(&t, from, "wrong password!").await, 401);
    }
    let r = login_as(&t, from, "boss", RIGHT).await;
    assert_eq!(r.status(), 429, "slowed even with the right password");
    let first = retry_after(&r);
    assert!(
        (FIRST_DELAY_SECS - 1..=FIRST_DELAY_SECS).contains(&first),
        "{first}"
    );
    let page = r.text().await.unwrap();
    assert!(
        page.contains(&format!("{first} 秒后再试")),
        "the wait is shown"
    );
    // After the wait: one more try, and the next wait is longer.
    t.app.clock.advance(first);
    assert_eq!(status(&t, from, "wrong password!").await, 401);
    let r = login_as(&t, from, "boss", RIGHT).await;
    assert_eq!(r.status(), 429);
    let second = retry_after(&r);
    assert!(second >= 2 * FIRST_DELAY_SECS - 1, "{second} after {first}");
    // The right password after the wait gets in, and the count starts again.
    t.app.clock.advance(second);
    assert_eq!(status(&t, from, RIGHT).await, 303);
    for _ in 0..FREE_FAILURES {
        assert_eq!(status(&t, from, "wrong password!").await, 401, "reset");
    }
    assert_eq!(status(&t, from, "wrong password!").await, 429);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stolen_data_file_holds_no_session_token() {
    let t = shop().await;
    let r = login_as(&t, "10.0.0.1", "boss", RIGHT).await;
    assert_eq!(r.status(), 303);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    let token = cookie
        .strip_prefix("puzi_admin=")
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_string();
    assert_eq!(token.len(), 64, "{cookie}");
    let r = client()
        .get(t.url("/admin"))
        .header("cookie", format!("puzi_admin={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the cookie opens the back office");
    let data = t.app.config.storage.db_path();
    let _dir = t.stop().await;
    let bytes = std::fs::read(&data).unwrap();
    let found = bytes.windows(token.len()).any(|w| w == token.as_bytes());
    assert!(!found, "the cookie token is in the data file");
}
