//! `puzi bench-growth --data DIR --orders N` (hidden; `bench/run.sh growth`): fills a demo
//! shop with `N` orders of two years' history in realistic states, in groups of 10,000 per
//! transaction, then times what grows with a shop's history, in-process, one line each
//! (`name milliseconds`): opening the shop, the back office's first order page and each
//! filter, a payment notification applied, the job tick, the order CSV export, a backup and a restore (verify + copy).

use super::error::CliError;
use crate::app::App;
use crate::config::Config;
use crate::money::{Currency, Money};
use crate::order::{EventKind, Order, OrderEvent, OrderLine, OrderNo, OrderState, Recipient};
use crate::store::OrderQuery;
use std::path::Path;
use std::time::Instant;

/// Orders written per transaction while generating.
const GROUP: u64 = 10_000;

fn ms(t: Instant) -> String {
    format!("{:.2}", t.elapsed().as_secs_f64() * 1000.0)
}

/// The `i`-th of `n` generated orders: created evenly over two years up to `now`; the
/// newest 20 unpaid, the newest 1% paid and waiting to ship, of the rest one in six closed
/// unpaid, one in fifty refunded, the others completed.
fn order(i: u64, n: u64, now: i64) -> Order {
    let span = 2 * 365 * 86_400;
    let at = now - span + (span * i as i64) / n.max(1) as i64;
    let when = time::OffsetDateTime::from_unix_timestamp(at)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(crate::clock::CST);
    let state = if i + 20 >= n {
        OrderState::PendingPayment
    } else if i + n / 100 >= n {
        OrderState::Paid
    } else if i.is_multiple_of(6) {
        OrderState::Closed
    } else if i % 50 == 1 {
        OrderState::Refunded
    } else {
        OrderState::Completed
    };
    let price = Money(6800);
    let total = Money(6800 + 800);
    let paid = matches!(
        state,
        OrderState::Paid | OrderState::Completed | OrderState::Refunded
    );
    let openid = format!("ogrowth{}", i % 50_000);
    let payment = paid.then(|| {
        serde_json::from_value(serde_json::json!({
            "transaction_id": format!("4200{i:024}"),
            "amount": total.minor(),
            "paid_at": at + 60,
            "source": "notification",
        }))
        .expect("a payment record")
    });
    Order {
        no: OrderNo::generate(when, i),
        session: format!("growth-session-{}", i % 50_000),
        openid: paid.then_some(openid),
        state,
        currency: Currency::CNY,
        lines: vec![OrderLine {
            product_id: "stoneware-mug".into(),
            sku: "stoneware-mug-white".into(),
            product_name: "粗陶马克杯".into(),
            variant_name: "白".into(),
            unit_price: price,
            qty: 1,
            line_total: price,
            discount: Money::ZERO,
        }],
        items_total: price,
        discount: Money::ZERO,
        coupon: None,
        shipping: Money(800),
        total,
        recipient: Recipient {
            name: format!("顾客{}", i % 50_000),
            mobile: format!("139{:08}", i % 50_000),
            address: "上海市徐汇区漕溪北路 1 号".into(),
            ..serde_json::from_value(serde_json::json!({"name": "", "mobile": "", "address": ""}))
                .expect("a recipient")
        },
        note: String::new(),
        channel: i.is_multiple_of(3).then(|| "group-chat".to_string()),
        created_at: at,
        history: vec![OrderEvent {
            at,
            kind: EventKind::Created,
            detail: serde_json::json!({ "total": total.minor() }),
        }],
        attempts: vec![],
        payment,
        refunds: vec![],
        shipment: None,
        dispute: None,
        aftersales: vec![],
    }
}

/// Times one verified `TRANSACTION.SUCCESS` for the newest unpaid order, signed and
/// encrypted as the sandbox's WeChat sends it and applied through the code behind
/// `POST /wechat/notify/pay` (verify, decrypt, one durable write); prints `notification`.
async fn notification(app: &App) -> Result<(), CliError> {
    use crate::wechat::crypto;
    let fail = |e: &dyn std::fmt::Display| CliError::Failed(e.to_string());
    let Some(sb) = &app.sandbox else {
        return Err(fail(&"bench-growth needs the sandbox"));
    };
    let q = OrderQuery {
        state: Some(OrderState::PendingPayment),
        ..OrderQuery::default()
    };
    let Some(o) = app.store.orders_page(&q, 1).map_err(|e| fail(&e))?.pop() else {
        eprintln!("notification: no unpaid order left to pay");
        return Ok(());
    };
    let k = sb.keys();
    let now = app.clock.unix();
    let plain = serde_json::json!({
        "appid": k.manifest.appid,
        "mchid": k.manifest.mchid,
        "out_trade_no": o.no.as_str(),
        "transaction_id": format!("4200{}", &o.no.as_str()[4..]),
        "trade_type": "JSAPI",
        "trade_state": "SUCCESS",
        "trade_state_desc": "支付成功",
        "bank_type": "OTHERS",
        "success_time": crate::clock::rfc3339_cst(now),
        "payer": { "openid": "ogrowth-bench" },
        "amount": {
            "total": o.total.minor(),
            "currency": "CNY",
            "payer_total": o.total.minor(),
            "payer_currency": "CNY",
        },
    })
    .to_string();
    let body = crate::wechat::notify::encrypt(
        k.manifest.apiv3_key.as_bytes(),
        &format!("EV-growth-{}", o.no),
        &crate::clock::rfc3339_cst(now),
        "TRANSACTION.SUCCESS",
        "支付成功",
        "transaction",
        &plain,
    )
    .map_err(|e| fail(&e))?;
    let (ts, nonce) = (now.to_string(), crypto::nonce());
    let sig = k
        .platform
        .sign(&crypto::response_message(&ts, &nonce, body.as_bytes()));
    let mut h = hyper::HeaderMap::new();
    for (name, v) in [
        ("wechatpay-timestamp", ts.as_str()),
        ("wechatpay-nonce", nonce.as_str()),
        ("wechatpay-signature", sig.as_str()),
        ("wechatpay-serial", k.manifest.public_key_id.as_str()),
        ("wechatpay-signature-type", "WECHATPAY2-SHA256-RSA2048"),
    ] {
        h.insert(name, v.parse().map_err(|e| fail(&e))?);
    }
    let t = Instant::now();
    let answer = app.payments.on_pay_notification(&h, body.as_bytes()).await;
    let took = ms(t);
    let paid = app.store.order(&o.no).map_err(|e| fail(&e))?;
    if !(200..300).contains(&answer.status)
        || paid.as_ref().map(|p| p.state) != Some(OrderState::Paid)
    {
        return Err(fail(&format!(
            "the notification was not applied: status {}",
            answer.status
        )));
    }
    println!("notification {took}");
    Ok(())
}

pub fn run(data: &Path, n: u64) -> Result<(), CliError> {
    let fail = |e: &dyn std::fmt::Display| CliError::Failed(e.to_string());
    let mut cfg = Config::demo(
        data.to_path_buf(),
        "127.0.0.1:0".parse().expect("an address"),
    );
    cfg.backup.interval_hours = 0;
    let addr = cfg.server.listen;
    let rt = tokio::runtime::Runtime::new().map_err(|e| fail(&e))?;
    rt.block_on(async move {
        {
            let app = App::open(cfg.clone(), true, addr).map_err(|e| fail(&e))?;
            let have = app.store.order_count().map_err(|e| fail(&e))?;
            if have < n {
                let t = Instant::now();
                let now = app.clock.unix();
                let mut i = have;
                while i < n {
                    let end = (i + GROUP).min(n);
                    let group: Vec<Order> = (i..end).map(|j| order(j, n, now)).collect();
                    app.store
                        .insert_generated_orders(&group)
                        .map_err(|e| fail(&e))?;
                    i = end;
                }
                println!("generate {}", ms(t));
            }
        }
        let t = Instant::now();
        let app = App::open(cfg.clone(), true, addr).map_err(|e| fail(&e))?;
        println!("open {}", ms(t));
        let store = app.store.clone();
        let newest = store.recent_orders(1).map_err(|e| fail(&e))?;
        let day = newest
            .first()
            .map(|o| {
                let d = &o.no.as_str()[..8];
                format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..])
            })
            .unwrap_or_default();
        let page = |name: &str, q: OrderQuery<'_>| -> Result<(), CliError> {
            let t = Instant::now();
            let got = store.orders_page(&q, 101).map_err(|e| fail(&e))?;
            println!("{name} {} ({} orders)", ms(t), got.len());
            Ok(())
        };
        page("orders_first_page", OrderQuery::default())?;
        page(
            "orders_filter_state",
            OrderQuery {
                state: Some(OrderState::Paid),
                ..OrderQuery::default()
            },
        )?;
        page(
            "orders_filter_date",
            OrderQuery {
                from: Some(&day),
                to: Some(&day),
                ..OrderQuery::default()
            },
        )?;
        // Searches owners type: a name's beginning, a full mobile and its last 4 digits
        // (shopper 7 ordered across the whole two years), the date-hour beginning of an
        // order number a year and a half old, and a fragment no index answers.
        let old_day =
            crate::clock::rfc3339_cst(app.clock.unix() - 540 * 86_400)[..10].replace('-', "");
        for (name, text) in [
            ("orders_search_name_prefix", "顾客7"),
            ("orders_search_mobile", "13900000007"),
            ("orders_search_last4", "0007"),
            ("orders_search_number_prefix", old_day.as_str()),
            ("orders_search_fragment", "客7"),
        ] {
            page(
                name,
                OrderQuery {
                    q: text,
                    ..OrderQuery::default()
                },
            )?;
        }
        notification(&app).await?;
        // The first tick closes what has expired; the second is the steady state.
        crate::jobs::tick(&app).await;
        let t = Instant::now();
        crate::jobs::tick(&app).await;
        println!("job_tick {}", ms(t));
        let t = Instant::now();
        let csv = crate::store::orders_csv(&store.all_orders().map_err(|e| fail(&e))?);
        println!("csv_export {} ({} bytes)", ms(t), csv.len());
        let out = data.join("growth-backup.redb");
        let _ = std::fs::remove_file(&out);
        let t = Instant::now();
        store.backup_to(&out).map_err(|e| fail(&e))?;
        println!("backup {}", ms(t));
        let t = Instant::now();
        crate::store::Store::verify_file(&out).map_err(|e| fail(&e))?;
        let copy = data.join("growth-restored.redb");
        std::fs::copy(&out, &copy).map_err(|e| fail(&e))?;
        println!("restore {}", ms(t));
        let _ = std::fs::remove_file(&out);
        let _ = std::fs::remove_file(&copy);
        Ok(())
    })
}
