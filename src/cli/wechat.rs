//! `puzi wechat …`: the merchant's debugging aids. `decrypt-notify` explains a captured
//! notification check by check; `check` proves the keys and one signed call work end to
//! end; `menu` installs the Official Account menu.

use super::CliError;
use crate::config::{Config, WechatMode};
use crate::wechat::verify::SignedHeaders;
use crate::wechat::{Clients, PublicKey};
use std::path::Path;

fn mark(ok: bool) -> &'static str {
    if ok { "ok  " } else { "FAIL" }
}

/// `puzi wechat decrypt-notify --config FILE CAPTURE`. The capture is
/// `{"headers": {...}, "body": "..."}` as a proxy or a log would record it.
pub async fn decrypt_notify(
    cfg: &Config,
    clients: &Clients,
    capture: &Path,
) -> Result<(), CliError> {
    let text = std::fs::read_to_string(capture).map_err(|e| CliError::input(capture, e))?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        CliError::input(
            capture,
            format!("not a capture ({{\"headers\": …, \"body\": …}}): {e}"),
        )
    })?;
    let mut headers = hyper::HeaderMap::new();
    if let Some(h) = v["headers"].as_object() {
        for (k, val) in h {
            if let (Ok(name), Some(Ok(value))) = (
                hyper::header::HeaderName::from_bytes(k.to_ascii_lowercase().as_bytes()),
                val.as_str().map(hyper::header::HeaderValue::from_str),
            ) {
                headers.insert(name, value);
            }
        }
    }
    let body = v["body"].as_str().unwrap_or("").as_bytes().to_vec();
    let mut all_ok = true;
    let signed = match SignedHeaders::from_headers(&headers) {
        Ok(s) => {
            println!(
                "{} signature headers present (serial {})",
                mark(true),
                s.serial
            );
            s
        }
        Err(e) => {
            println!("{} signature headers: {e}", mark(false));
            println!("verdict: FAILED at the signature headers");
            return Err(CliError::Reported);
        }
    };
    let ts: i64 = signed.timestamp.parse().unwrap_or(0);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let age = now - ts;
    if age.abs() < crate::wechat::verify::WINDOW_SECS {
        println!("{} timestamp inside the 5-minute window", mark(true));
    } else {
        println!(
            "note timestamp is {age} s old: the shop would refuse it now as stale (normal for an old capture)"
        );
    }
    let pay = &clients.pay;
    let mut key: Option<PublicKey> = pay.keyring().get(&signed.serial, ts);
    if key.is_none() && pay.keyring().cert_mode() {
        match pay.refresh_certificates().await {
            Ok(n) => println!("{} downloaded {n} platform certificate(s)", mark(true)),
            Err(e) => println!("{} platform certificate download: {e}", mark(false)),
        }
        key = pay.keyring().get(&signed.serial, ts);
    }
    match &key {
        Some(_) => println!(
            "{} key for Wechatpay-Serial {} is known",
            mark(true),
            signed.serial
        ),
        None => {
            all_ok = false;
            println!(
                "{} no key for Wechatpay-Serial {} (configured: {:?})",
                mark(false),
                signed.serial,
                pay.keyring().serials()
            );
        }
    }
    if let Some(k) = key {
        // Checked at the capture's own time, so an old capture can still be verified.
        match signed.verify(&body, ts, |_| Some(k.clone())) {
            Ok(()) => println!("{} signature verifies over the raw body", mark(true)),
            Err(e) => {
                all_ok = false;
                println!("{} signature: {e}", mark(false));
            }
        }
    }
    let apiv3 = match cfg.wechat.mode {
        WechatMode::Sandbox | WechatMode::Live => {
            pay.config().apiv3_key.expose().as_bytes().to_vec()
        }
    };
    match crate::wechat::notify::decrypt(&body, &apiv3) {
        Ok(n) => {
            println!(
                "{} resource decrypted: {} ({}), id {}",
                mark(true),
                n.event_type,
                n.summary,
                n.id
            );
            let pretty = serde_json::from_str::<serde_json::Value>(&n.plaintext)
                .map(|j| serde_json::to_string_pretty(&j).unwrap_or_default())
                .unwrap_or(n.plaintext);
            println!("{pretty}");
        }
        Err(e) => {
            all_ok = false;
            println!("{} resource: {e}", mark(false));
        }
    }
    if all_ok {
        println!("verdict: OK");
        Ok(())
    } else {
        println!("verdict: FAILED");
        Err(CliError::Reported)
    }
}

/// `puzi wechat check --config FILE`.
pub async fn check(cfg: &Config, clients: &Clients) -> Result<(), CliError> {
    let checks = crate::checklist::run_live(cfg, clients).await;
    for c in &checks {
        println!("{} {}", mark(c.ok), c.detail);
    }
    if checks.iter().all(|c| c.ok) {
        println!("all checks passed");
        Ok(())
    } else {
        println!("some checks FAILED");
        Err(CliError::Reported)
    }
}

/// `puzi wechat menu --config FILE`: installs `[[wechat.menu]]` (paths are made absolute
/// with the shop's base URL).
pub async fn menu(cfg: &Config, clients: &Clients) -> Result<(), CliError> {
    let base = cfg.public_base_url(cfg.server.listen);
    if cfg.wechat.menu.is_empty() {
        return Err(CliError::Usage(
            "no [[wechat.menu]] buttons in the config".into(),
        ));
    }
    let buttons: Vec<crate::wechat::official_account::MenuButton> = cfg
        .wechat
        .menu
        .iter()
        .map(|(name, url)| crate::wechat::official_account::MenuButton {
            name: name.clone(),
            kind: Some("view".into()),
            url: Some(if url.starts_with('/') {
                format!("{base}{url}")
            } else {
                url.clone()
            }),
            sub_button: vec![],
        })
        .collect();
    clients
        .oa
        .create_menu(&buttons)
        .await
        .map_err(|e| CliError::Failed(e.to_string()))?;
    println!(
        "menu installed: {}",
        buttons
            .iter()
            .map(|b| b.name.as_str())
            .collect::<Vec<_>>()
            .join(" | ")
    );
    Ok(())
}
