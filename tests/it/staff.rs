//! Staff and the audit log: invitations (one-time links), roles enforced by the server on
//! every route (403 with a page in words), removal ending a member's sessions at once, and
//! the audit log written in the transaction of the change it records, shown and exported.

use crate::admin::{Owner, setup_owner};
use crate::support::*;
use puzi::audit::Action;
use puzi::order::{OrderNo, OrderState};

const PASSWORD: &str = "staff password 123";

/// The owner creates an invitation; returns the link shown (once) on the page.
async fn invite(t: &TestApp, o: &Owner, role: &str) -> String {
    let r = o.post(t, "/admin/staff/invite", &[("role", role)]).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    let i = page.find("/admin/join/").expect("the link on the page");
    let start = page[..i].rfind('"').unwrap() + 1;
    let end = i + page[i..].find('"').unwrap();
    page[start..end].to_string()
}

/// Someone opens the invitation, sets a username and password, and signs in.
async fn join(t: &TestApp, link: &str, name: &str) -> Owner {
    let c = client();
    let (s, page) = get_text(&c, link).await;
    assert_eq!(s, 200, "{page}");
    let form = [
        ("username", name),
        ("password", PASSWORD),
        ("confirm", PASSWORD),
    ];
    let r = c.post(link).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = c
        .post(t.url("/admin/login"))
        .form(&[("username", name), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{name} signs in");
    Owner { c }
}

async fn paid_order(t: &TestApp) -> OrderNo {
    let c = client();
    add_to_cart(&c, t, "stoneware-mug-white", 1).await;
    let (_, loc, _) = checkout(&c, t, &GOOD_FORM).await;
    let no = OrderNo::parse(placed_no(&loc.unwrap())).unwrap();
    pay_in_sandbox(t, &c, &no, "阿珍", None).await;
    assert_eq!(state(t, &no), OrderState::Paid);
    no
}

fn state(t: &TestApp, no: &OrderNo) -> OrderState {
    t.app.store.order(no).unwrap().unwrap().state
}

fn refused(status: u16, page: &str) {
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("id=\"forbidden\"") && page.contains("不能进行这项操作"));
}

#[tokio::test(flavor = "multi_thread")]
async fn invited_staff_ship_but_cannot_refund_configure_or_manage_and_viewers_change_nothing() {
    let t = TestApp::start().await;
    let o = setup_owner(&t).await;
    let link = invite(&t, &o, "staff").await;
    let (_, again) = get_text(&o.c, &t.url("/admin/staff")).await;
    assert!(!again.contains(&link), "the link is shown once");
    let staff = join(&t, &link, "xiaoli").await;
    // The link works once.
    let (s, _) = get_text(&client(), &link).await;
    assert_eq!(s, 404);

    // Staff ship…
    let no = paid_order(&t).await;
    let (s, detail) = get_text(&staff.c, &t.url(&format!("/admin/orders/{no}"))).await;
    assert_eq!(s, 200);
    assert!(
        detail.contains("/ship\"") && !detail.contains("/refund\""),
        "no refund form"
    );
    let (_, dash) = get_text(&staff.c, &t.url("/admin")).await;
    assert!(!dash.contains("href=\"/admin/settings\"") && !dash.contains("href=\"/admin/staff\""));
    let r = staff
        .post(
            &t,
            &format!("/admin/orders/{no}/ship"),
            &[("carrier", "sf"), ("tracking_no", "SF100200300")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(state(&t, &no), OrderState::Shipped);
    // …but the server refuses a refund, settings, staff and catalog import, whatever the
    // page shows.
    let r = staff
        .post(
            &t,
            &format!("/admin/orders/{no}/refund"),
            &[("amount", "1.00"), ("reason", "x"), ("confirm", "1")],
        )
        .await;
    let s = r.status().as_u16();
    refused(s, &r.text().await.unwrap());
    assert!(t.app.store.order(&no).unwrap().unwrap().refunds.is_empty());
    for path in [
        "/admin/settings",
        "/admin/staff",
        "/admin/audit",
        "/admin/audit.csv",
    ] {
        let (s, page) = get_text(&staff.c, &t.url(path)).await;
        refused(s, &page);
    }
    for path in [
        "/admin/settings/check",
        "/admin/staff/invite",
        "/admin/catalog.csv",
    ] {
        let r = staff.post(&t, path, &[("role", "staff")]).await;
        let s = r.status().as_u16();
        refused(s, &r.text().await.unwrap());
    }
    assert_eq!(
        t.app.store.members().unwrap().len(),
        1,
        "no invitation made"
    );

    // A viewer looks and changes nothing.
    let link = invite(&t, &o, "viewer").await;
    let viewer = join(&t, &link, "auditor").await;
    let no2 = paid_order(&t).await;
    let (s, detail) = get_text(&viewer.c, &t.url(&format!("/admin/orders/{no2}"))).await;
    assert_eq!(s, 200);
    assert!(!detail.contains("/ship\""), "no ship form for a viewer");
    assert!(
        detail.contains("role-viewer"),
        "the page hides its forms for a viewer"
    );
    let stock = t.app.store.stock("stoneware-mug-white").unwrap();
    let posts: [(&str, &[(&str, &str)]); 6] = [
        (
            &format!("/admin/orders/{no2}/ship"),
            &[("carrier", "sf"), ("tracking_no", "SF1")],
        ),
        (
            "/admin/products/stoneware-mug/stock",
            &[("sku", "stoneware-mug-white"), ("stock", "1")],
        ),
        ("/admin/categories", &[("id", "x"), ("name", "x")]),
        ("/admin/products/new", &[("name", "x")]),
        ("/admin/ship-bulk", &[]),
        ("/admin/alerts/1/ack", &[]),
    ];
    for (path, fields) in posts {
        let r = viewer.post(&t, path, fields).await;
        let s = r.status().as_u16();
        refused(s, &r.text().await.unwrap());
    }
    assert_eq!(state(&t, &no2), OrderState::Paid);
    assert_eq!(t.app.store.stock("stoneware-mug-white").unwrap(), stock);

    // The owner's own account cannot be removed or demoted.
    let r = o
        .post(&t, "/admin/staff/boss/revoke", &[("confirm", "1")])
        .await;
    assert_eq!(r.status(), 404);
    let r = o
        .post(&t, "/admin/staff/boss/role", &[("role", "viewer")])
        .await;
    assert_eq!(r.status(), 404);
    let (s, _) = get_text(&o.c, &t.url("/admin/settings")).await;
    assert_eq!(s, 200, "still the owner");

    // A role change applies at once: the viewer, made staff, ships.
    let r = o
        .post(&t, "/admin/staff/auditor/role", &[("role", "staff")])
        .await;
    assert_eq!(r.status(), 303);
    let r = viewer
        .post(
            &t,
            &format!("/admin/orders/{no2}/ship"),
            &[("carrier", "zto"), ("tracking_no", "ZT1")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(state(&t, &no2), OrderState::Shipped);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn removing_a_member_is_confirmed_and_ends_their_session_at_once() {
    let t = TestApp::start().await;
    let o = setup_owner(&t).await;
    let link = invite(&t, &o, "staff").await;
    let staff = join(&t, &link, "xiaoli").await;
    let (s, _) = get_text(&staff.c, &t.url("/admin/orders")).await;
    assert_eq!(s, 200);
    // Signed in again as "XiaoLi" on another phone: the same member, also removed below.
    let phone = client();
    let r = phone
        .post(t.url("/admin/login"))
        .form(&[("username", "XiaoLi"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // First the confirmation; nothing changes yet.
    let r = o.post(&t, "/admin/staff/xiaoli/revoke", &[]).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("id=\"revoke-confirm\""));
    let (s, _) = get_text(&staff.c, &t.url("/admin/orders")).await;
    assert_eq!(s, 200, "still signed in before the confirmation");
    let r = o
        .post(&t, "/admin/staff/xiaoli/revoke", &[("confirm", "1")])
        .await;
    assert_eq!(r.status(), 303);
    // The next request of the removed member goes to the login page.
    let r = staff.c.get(t.url("/admin/orders")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/admin/login");
    let r = phone.get(t.url("/admin/orders")).send().await.unwrap();
    assert_eq!(r.status(), 303, "every session of theirs ends");
    let r = staff
        .c
        .post(t.url("/admin/login"))
        .form(&[("username", "xiaoli"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "cannot sign in again");
    // Joining, signing in and the removal are in the log.
    let log = t.app.store.audit_entries(None, None, 100).unwrap();
    let removed = log
        .iter()
        .filter(|e| {
            e.action
                == Action::MemberRevoked {
                    member: "xiaoli".into(),
                }
        })
        .count();
    assert_eq!(removed, 1);
    assert!(
        log.iter()
            .any(|e| e.by == "xiaoli" && e.action == Action::LoginSucceeded)
    );
    t.stop().await;
}

fn entries_for(t: &TestApp, no: &OrderNo, f: impl Fn(&Action) -> bool) -> usize {
    let log = t.app.store.audit_entries(None, None, usize::MAX).unwrap();
    log.iter()
        .filter(|e| e.order.as_deref() == Some(no.as_str()) && f(&e.action))
        .count()
}

fn shipped(a: &Action) -> bool {
    matches!(a, Action::Shipped { .. })
}

fn refunded(a: &Action) -> bool {
    matches!(a, Action::Refunded { .. })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ship_and_a_refund_are_audited_in_the_transaction_of_the_change() {
    let (t, faults) = TestApp::start_faulty(|_| {}).await;
    let o = setup_owner(&t).await;
    let staff = join(&t, &invite(&t, &o, "staff").await, "xiaoli").await;
    let no = paid_order(&t).await;
    let r = staff
        .post(
            &t,
            &format!("/admin/orders/{no}/ship"),
            &[("carrier", "sf"), ("tracking_no", "SF100200300")],
        )
        .await;
    assert_eq!(r.status(), 303);
    // Shipping again is refused (already shipped): no second entry.
    let r = staff
        .post(
            &t,
            &format!("/admin/orders/{no}/ship"),
            &[("carrier", "sf"), ("tracking_no", "SF999")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(entries_for(&t, &no, shipped), 1);
    // The staff's refused refund leaves no entry; the owner's refund one.
    let refund = [
        ("amount", "10.00"),
        ("reason", "破损补偿"),
        ("confirm", "1"),
    ];
    let r = staff
        .post(&t, &format!("/admin/orders/{no}/refund"), &refund)
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(entries_for(&t, &no, refunded), 0);
    let r = o
        .post(&t, &format!("/admin/orders/{no}/refund"), &refund)
        .await;
    assert_eq!(r.status(), 303);
    let log = t.app.store.audit_entries(None, None, usize::MAX).unwrap();
    let e = log
        .iter()
        .find(|e| e.order.as_deref() == Some(no.as_str()) && refunded(&e.action))
        .expect("the refund's entry");
    assert_eq!(e.by, "boss");
    assert_eq!(
        e.action,
        Action::Refunded {
            amount: 1000,
            reason: "破损补偿".into()
        }
    );
    // The log page tells it in words, newest first, and filters by member.
    let (s, page) = get_text(&o.c, &t.url("/admin/audit")).await;
    assert_eq!(s, 200);
    let (refund_at, ship_at) = (
        page.find("退款 ¥10.00，原因：破损补偿")
            .expect("the refund in words"),
        page.find("运单号 SF100200300")
            .expect("the shipment in words"),
    );
    assert!(refund_at < ship_at, "newest first");
    let (_, mine) = get_text(&o.c, &t.url("/admin/audit?by=xiaoli")).await;
    assert!(mine.contains("运单号 SF100200300") && !mine.contains("破损补偿"));

    // A commit that fails leaves neither the shipment nor its entry.
    let no2 = paid_order(&t).await;
    let csrf = staff.csrf(&t).await;
    faults.fail_nth_sync(1);
    let r = staff
        .c
        .post(t.url(&format!("/admin/orders/{no2}/ship")))
        .form(&[
            ("carrier", "sf"),
            ("tracking_no", "SF424242"),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), 303);
    assert!(faults.crashed(), "the fault fired");
    let data = t.data.clone();
    let dir = t.stop().await;
    let t = TestApp::start_in(&data).await;
    assert_eq!(state(&t, &no2), OrderState::Paid, "not shipped");
    assert_eq!(entries_for(&t, &no2, shipped), 0, "and no entry");
    assert_eq!(entries_for(&t, &no, shipped), 1, "earlier entries are kept");
    t.stop().await;
    drop(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn exports_guard_cells_a_spreadsheet_would_run_as_formulas() {
    let t = TestApp::start().await;
    let o = setup_owner(&t).await;
    // A product whose name looks like a formula, ordered and paid.
    let (mut p, _) = t.app.store.sku("stoneware-mug-white").unwrap().unwrap();
    p.name = "=HYPERLINK(\"http://evil.example\")".into();
    t.app.store.put_product(&p, &[]).unwrap();
    let no = paid_order(&t).await;
    let csv =
        o.c.get(t.url("/admin/orders.csv"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    assert!(csv.contains(no.as_str()));
    assert!(csv.contains("'=HYPERLINK("), "{csv}");
    assert!(!csv.contains(",=HYPERLINK(") && !csv.contains(",\"=HYPERLINK("));
    // A failed sign-in with a formula for a name is in the log, and the export guards it.
    let r = client()
        .post(t.url("/admin/login"))
        .form(&[("username", "@SUM(1+1)"), ("password", "wrong password")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let csv =
        o.c.get(t.url("/admin/audit.csv"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    assert!(
        csv.contains("'@SUM(1+1)") && csv.contains("登录失败"),
        "{csv}"
    );
    assert!(!csv.contains(",@SUM"));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn dismissing_an_alert_is_audited_with_the_change() {
    let t = TestApp::start().await;
    let o = setup_owner(&t).await;
    let now = t.app.clock.unix();
    t.app
        .store
        .alert(puzi::alert::AlertKind::RefundFailed, None, "x".into(), now)
        .unwrap();
    let id = t.app.store.alerts().unwrap()[0].id;
    let r = o.post(&t, &format!("/admin/alerts/{id}/ack"), &[]).await;
    assert_eq!(r.status(), 303);
    assert!(t.app.store.alerts().unwrap()[0].acknowledged);
    let log = t.app.store.audit_entries(None, None, 10).unwrap();
    assert!(
        log.iter().any(|e| e.action
            == Action::AlertDismissed {
                alert: puzi::alert::AlertKind::RefundFailed
            }),
        "{log:?}"
    );
    let (_, page) = get_text(&o.c, &t.url("/admin/audit")).await;
    assert!(page.contains("处理完提醒：退款未成功"), "in words");
    t.stop().await;
}
