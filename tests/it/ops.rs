//! Operations through the built binary beside a running shop: the control socket
//! (`admin setup-link`, `admin reset-password`, `catalog`, `export`, `backup`), `restore`
//! and `doctor`.

use crate::support::*;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_puzi");

struct Shop {
    t: TestApp,
    dir: tempfile::TempDir,
    cfg: std::path::PathBuf,
}

async fn shop() -> Shop {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "data");
    let t = TestApp::start_with(puzi::config::load(&cfg).unwrap(), true).await;
    Shop { t, dir, cfg }
}

fn write_config(dir: &std::path::Path, data: &str) -> std::path::PathBuf {
    let cfg = dir.join(format!("{data}.toml"));
    std::fs::write(
        &cfg,
        format!(
            "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\ndata_dir = \"{}\"\n",
            dir.join(data).display()
        ),
    )
    .unwrap();
    cfg
}

async fn puzi(args: Vec<String>) -> (i32, String, String) {
    tokio::task::spawn_blocking(move || {
        let o = Command::new(BIN).args(&args).output().unwrap();
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    })
    .await
    .unwrap()
}

/// A file's permission bits.
pub fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn args(list: &[&str], cfg: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = list.iter().map(|s| s.to_string()).collect();
    v.push("--config".into());
    v.push(cfg.display().to_string());
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn setup_link_and_password_reset_go_through_the_running_shop() {
    let s = shop().await;
    let (code, out, err) = puzi(args(&["admin", "setup-link"], &s.cfg)).await;
    assert_eq!(code, 0, "{err}");
    let link = out.trim().to_string();
    assert!(link.contains("/admin/setup/"), "{out}");
    // The link was issued by the running shop, which answers it.
    let path = &link[link.find("/admin/").unwrap()..];
    let c = client();
    let r = c
        .post(s.t.url(path))
        .form(&[
            ("username", "boss"),
            ("password", "first password!"),
            ("confirm", "first password!"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let signed_in = client();
    assert_eq!(
        crate::admin::login(&s.t, &signed_in, "first password!").await,
        303
    );
    let r = signed_in.get(s.t.url("/admin")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // What the shop keeps is its owner's alone.
    let data = s.dir.path().join("data");
    assert_eq!(mode(&data), 0o700, "the data directory puzi made");
    assert_eq!(mode(&data.join("puzi.redb")), 0o600, "the data file");
    assert_eq!(mode(&data.join("puzi.sock")), 0o600, "the control socket");

    let (code, out, _) = puzi(args(&["admin", "reset-password"], &s.cfg)).await;
    assert_eq!(code, 0);
    let r = signed_in.get(s.t.url("/admin")).send().await.unwrap();
    assert_eq!(r.status(), 303, "the reset ended the session");
    assert_eq!(r.headers()["location"], "/admin/login");
    assert_eq!(
        crate::admin::login(&s.t, &client(), "first password!").await,
        401,
        "the old password stops working"
    );
    let path = &out.trim()[out.find("/admin/").unwrap()..];
    let r = c
        .post(s.t.url(path))
        .form(&[
            ("password", "second password"),
            ("confirm", "second password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        crate::admin::login(&s.t, &client(), "second password").await,
        303
    );
    s.t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn catalog_and_orders_export_and_import_from_the_command_line() {
    let s = shop().await;
    let c = client();
    add_to_cart(&c, &s.t, "canvas-tote-black", 1).await;
    let (_, loc, _) = checkout(&c, &s.t, &GOOD_FORM).await;
    let no = placed_no(&loc.unwrap()).to_string();

    let file = s.dir.path().join("catalog.csv");
    let (code, _, err) = puzi(
        [
            args(&["catalog", "export"], &s.cfg),
            vec!["--out".into(), file.display().to_string()],
        ]
        .concat(),
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let csv = std::fs::read_to_string(&file).unwrap();
    assert!(csv.contains("canvas-tote-black"));
    std::fs::write(&file, csv.replacen("帆布托特包", "帆布托特包 二代", 2)).unwrap();
    let (code, out, err) = puzi(
        [
            args(&["catalog", "import"], &s.cfg),
            vec![file.display().to_string()],
        ]
        .concat(),
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("imported 9 products"));
    assert_eq!(
        s.t.app.store.product("canvas-tote").unwrap().unwrap().name,
        "帆布托特包 二代"
    );

    let (code, out, _) = puzi(args(&["export", "orders"], &s.cfg)).await;
    assert_eq!(code, 0);
    assert!(out.contains(&no) && out.contains("pending_payment"));
    s.t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_under_write_load_restores_to_a_store_that_passes_doctor() {
    let s = shop().await;
    // Orders keep arriving while the backup runs.
    let t = std::sync::Arc::new(s.t);
    let load = {
        let t = t.clone();
        tokio::spawn(async move {
            for i in 0..20 {
                let c = client();
                add_to_cart(&c, &t, "wool-socks-sm", 1).await;
                checkout(&c, &t, &as_form(&shopper_form(i))).await;
            }
        })
    };
    let backup = s.dir.path().join("backup.redb");
    let (code, out, err) = puzi(
        [
            args(&["backup"], &s.cfg),
            vec!["--out".into(), backup.display().to_string()],
        ]
        .concat(),
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("backup written"));
    assert_eq!(mode(&backup), 0o600, "a backup is its owner's alone");
    load.await.unwrap();
    let orders_at_end = t.app.store.order_count().unwrap();
    assert_eq!(orders_at_end, 20);
    std::sync::Arc::into_inner(t).unwrap().stop().await;

    // Restore into a fresh shop directory and check it: the restored file is owner-only
    // even from a backup someone made readable.
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&backup, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let cfg2 = write_config(s.dir.path(), "restored");
    let (code, out, err) = puzi(
        [
            args(&["restore"], &cfg2),
            vec!["--from".into(), backup.display().to_string()],
        ]
        .concat(),
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("backup verified"));
    let (code, out, _) = puzi(args(&["doctor"], &cfg2)).await;
    assert_eq!(code, 0, "{out}");
    assert!(
        out.lines().any(|l| l.starts_with(&format!(
            "ok   data file: schema {}",
            puzi::store::SCHEMA_VERSION
        ))),
        "{out}"
    );
    assert_eq!(mode(&s.dir.path().join("restored/puzi.redb")), 0o600);
    let store = puzi::store::Store::open(&s.dir.path().join("restored/puzi.redb")).unwrap();
    let n = store.order_count().unwrap();
    assert!(n <= 20, "a consistent snapshot: {n}");
    assert_eq!(store.products().unwrap().len(), 9);
}

/// A backup holds every table of the store with every row: the indexes (a restored shop
/// with an empty order index shows no orders and stops retrying refunds), coupons,
/// shipping templates, the audit log and the outbox's indexes included.
#[tokio::test(flavor = "multi_thread")]
async fn a_backup_holds_every_table_and_row_of_the_store() {
    let s = shop().await;
    for i in 0..3 {
        let c = client();
        add_to_cart(&c, &s.t, "wool-socks-sm", 1).await;
        checkout(&c, &s.t, &as_form(&shopper_form(i))).await;
    }
    let backup = s.dir.path().join("whole.redb");
    s.t.app.store.backup_to(&backup).unwrap();
    let mine = s.t.app.store.table_sizes().unwrap();
    // The orders just placed are in the order indexes: the comparison below has rows to
    // lose.
    for table in ["orders_by_state", "order_search", "order_counts"] {
        assert!(
            mine.iter().any(|(t, n)| t == table && *n > 0),
            "{table}: {mine:?}"
        );
    }
    s.t.stop().await;
    let copy = puzi::store::Store::open(&backup).unwrap();
    assert_eq!(copy.table_sizes().unwrap(), mine);
}

#[tokio::test(flavor = "multi_thread")]
async fn restore_refuses_a_bad_backup_and_keeps_the_data() {
    let s = shop().await;
    s.t.stop().await;
    let junk = s.dir.path().join("junk.redb");
    std::fs::write(&junk, b"not a database at all").unwrap();
    let before = std::fs::read(s.dir.path().join("data/puzi.redb")).unwrap();
    let (code, _, err) = puzi(
        [
            args(&["restore"], &s.cfg),
            vec!["--from".into(), junk.display().to_string()],
        ]
        .concat(),
    )
    .await;
    assert_eq!(code, 1);
    assert!(err.contains("not a usable backup"), "{err}");
    assert_eq!(
        std::fs::read(s.dir.path().join("data/puzi.redb")).unwrap(),
        before
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_reports_and_exits_by_result() {
    let s = shop().await;
    let (code, out, _) = puzi(args(&["doctor"], &s.cfg)).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("all checks passed") && out.contains("MB free"));
    s.t.stop().await;
    let bad = s.dir.path().join("bad.toml");
    std::fs::write(&bad, "[shop]\ncurrency = \"XXX\"\n").unwrap();
    let (code, out, _) = puzi(args(&["doctor"], &bad)).await;
    assert_eq!(code, 1);
    assert!(out.contains("FAIL") && out.contains("shop.currency"));
}

#[tokio::test(flavor = "multi_thread")]
async fn qr_command_writes_svg_and_png() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("x.png");
    let (code, _, _) = puzi(vec![
        "qr".into(),
        "https://shop.example.com/p/tea".into(),
        "--out".into(),
        png.display().to_string(),
    ])
    .await;
    assert_eq!(code, 0);
    assert_eq!(
        crate::qr::decode_png(&std::fs::read(&png).unwrap()),
        "https://shop.example.com/p/tea"
    );
    let (code, _, _) = puzi(vec![
        "qr".into(),
        "x".into(),
        "--out".into(),
        dir.path().join("x.gif").display().to_string(),
    ])
    .await;
    assert_eq!(code, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn scheduled_backups_keep_the_newest() {
    let t = TestApp::start_tuned(|c| c.backup.keep = 2).await;
    let first = puzi::jobs::scheduled_backup(&t.app)
        .await
        .unwrap()
        .expect("first backup");
    assert!(puzi::store::Store::verify_file(&first).is_ok());
    assert!(
        puzi::jobs::scheduled_backup(&t.app)
            .await
            .unwrap()
            .is_none(),
        "not due yet"
    );
    for _ in 0..3 {
        t.app.clock.advance(24 * 3600);
        assert!(
            puzi::jobs::scheduled_backup(&t.app)
                .await
                .unwrap()
                .is_some()
        );
    }
    let kept: Vec<_> = std::fs::read_dir(&t.app.config.backup.dir)
        .unwrap()
        .collect();
    assert_eq!(kept.len(), 2);
    assert!(!first.exists(), "the oldest went");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_older_schema_is_backed_up_before_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("puzi.redb");
    {
        let s = puzi::store::Store::open(&path).unwrap();
        s.set_meta("schema_version", &0u32.to_le_bytes()).unwrap();
    }
    let s = puzi::store::Store::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), puzi::store::SCHEMA_VERSION);
    let copies: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("before-schema"))
        .collect();
    assert_eq!(copies.len(), 1);
    assert_eq!(
        mode(&copies[0].path()),
        0o600,
        "the copy before the upgrade"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_are_prometheus_text() {
    let t = TestApp::start().await;
    let c = client();
    add_to_cart(&c, &t, "canvas-tote-black", 1).await;
    checkout(&c, &t, &GOOD_FORM).await;
    assert_eq!(get_text(&client(), &t.url("/")).await.0, 200);
    reqwest::Client::new()
        .post(t.url("/wechat/notify/pay"))
        .body("{}")
        .send()
        .await
        .unwrap();
    let m = reqwest::get(t.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(m.contains("puzi_http_requests_total{class=\"3xx\"}"));
    assert!(
        m.contains("puzi_orders{state=\"pending_payment\"} 1"),
        "{m}"
    );
    assert!(m.contains("puzi_notifications_total{outcome=\"refused\"} 1"));
    assert!(m.contains("puzi_http_request_duration_seconds_bucket{le=\"+Inf\"}"));
    assert!(m.contains("puzi_outbox_pending 0"));
    // The home page a shopper saw was rendered and cached.
    let cached: u64 = m
        .lines()
        .find_map(|l| l.strip_prefix("puzi_page_cache_bytes "))
        .expect("page cache gauge")
        .parse()
        .unwrap();
    assert!(cached > 1000, "{cached}");
    t.stop().await;
}
