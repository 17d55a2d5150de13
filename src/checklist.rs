//! The WeChat setup checklist: the exact strings a merchant pastes into WeChat's consoles,
//! and pass/fail checks — offline ones (https on the standard port, keys, mode) and a live
//! one (key/certificate pairing, one signed call, clock offset). Shared by the back office
//! and `puzi wechat check`.

use crate::app::App;
use crate::config::{Config, WechatMode};
use crate::wechat::Clients;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

fn check(name: &str, ok: bool, detail: impl Into<String>) -> Check {
    Check {
        name: name.to_string(),
        ok,
        detail: detail.into(),
    }
}

/// What to paste where: (console field, value).
pub fn console_strings(base_url: &str) -> Vec<(&'static str, String)> {
    let host = base_url
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or("")
        .to_string();
    vec![
        ("pay_dir", format!("{base_url}/pay/")),
        ("oauth_domain", host.clone()),
        ("js_domain", host),
        ("notify_pay", format!("{base_url}/wechat/notify/pay")),
        ("notify_refund", format!("{base_url}/wechat/notify/refund")),
    ]
}

/// Checks that need no network.
pub fn offline(app: &App) -> Vec<Check> {
    let mut v = Vec::new();
    let cfg = &app.config;
    let base = &app.base_url;
    let https = base.starts_with("https://");
    let host_part = base
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let has_port = host_part
        .split('/')
        .next()
        .is_some_and(|h| h.contains(':') && !h.ends_with(":443"));
    match cfg.wechat.mode {
        WechatMode::Sandbox => v.push(check(
            "mode",
            true,
            "sandbox: WeChat is simulated; no real money moves",
        )),
        WechatMode::Live => v.push(check("mode", true, "live WeChat Pay")),
    }
    let live = cfg.wechat.mode == WechatMode::Live;
    v.push(check(
        "https",
        https && !has_port || !live,
        if https && !has_port {
            format!("{base} is https on the standard port")
        } else {
            format!(
                "{base}: WeChat needs https on port 443 for the notify URL and payment directory"
            )
        },
    ));
    let kr = app.wechat.pay.keyring();
    v.push(match kr.public_key_id() {
        Some(id) => check("keys", true, format!("WeChat Pay public-key mode ({id})")),
        None => check(
            "keys",
            true,
            "platform-certificate mode (downloaded every 6 hours)",
        ),
    });
    v
}

/// The live checks: key and certificate belong together, one signed call verifies both
/// ways, and the clock agrees with WeChat's.
pub async fn live(app: &App) -> Vec<Check> {
    let mut v = run_live(&app.config, &app.wechat).await;
    let files = app
        .store
        .call(|s| s.domain_files())
        .await
        .unwrap_or_default();
    v.extend(verify_files(&app.base_url, &files).await);
    v.push(whitelist(&app.wechat).await);
    v
}

/// Fetches each domain verification file through the public base URL, as WeChat will, and
/// checks that it arrives byte for byte (one check per file).
pub async fn verify_files(base_url: &str, files: &[(String, Vec<u8>)]) -> Vec<Check> {
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client builds");
    let mut v = Vec::new();
    for (name, data) in files {
        let url = format!("{}/{name}", base_url.trim_end_matches('/'));
        let got = match http.get(&url).send().await {
            Ok(r) if r.status().is_success() => r.bytes().await.map_err(|e| e.to_string()),
            Ok(r) => Err(format!("HTTP {}", r.status().as_u16())),
            Err(e) => Err(e.without_url().to_string()),
        };
        v.push(match got {
            Ok(b) if b.as_ref() == data.as_slice() => check(
                "verify_file",
                true,
                format!("{url} is reachable and byte-identical"),
            ),
            Ok(_) => check(
                "verify_file",
                false,
                format!("{url} answers different bytes"),
            ),
            Err(e) => check("verify_file", false, format!("{url} is not reachable: {e}")),
        });
    }
    v
}

/// One live token call: WeChat answers 40164 when the server's outgoing IP is not on the
/// Official Account's IP whitelist (the detail names the IP WeChat saw).
pub async fn whitelist(clients: &Clients) -> Check {
    match clients.oa.check_token().await {
        Ok(()) => check(
            "oa_whitelist",
            true,
            "a token call to the Official Account API works",
        ),
        Err(e) => match e.whitelist_ip() {
            Some(ip) => check(
                "oa_whitelist",
                false,
                format!("add {ip} to the Official Account's IP whitelist (WeChat answered 40164)"),
            ),
            None if e.whitelist_refused() => check(
                "oa_whitelist",
                false,
                "the server's IP is not on the Official Account's IP whitelist (40164)",
            ),
            None => check("oa_whitelist", false, format!("token call failed: {e}")),
        },
    }
}

pub async fn run_live(cfg: &Config, clients: &Clients) -> Vec<Check> {
    let pay = &clients.pay;
    let mut v = vec![check(
        "merchant_key",
        true,
        format!(
            "merchant key loaded (mchid {}, appid {})",
            clients.mchid, clients.appid
        ),
    )];
    let cert_file = match cfg.wechat.mode {
        WechatMode::Sandbox => Some(
            cfg.storage
                .data_dir
                .join("sandbox")
                .join(crate::sandbox::keys::MERCHANT_CERT_FILE),
        ),
        WechatMode::Live => cfg.wechat.merchant_cert_file.clone(),
    };
    match cert_file {
        Some(f) => {
            let parsed = std::fs::read(&f)
                .map_err(|e| e.to_string())
                .and_then(|pem| {
                    use rustls::pki_types::pem::PemObject;
                    let der = rustls::pki_types::CertificateDer::from_pem_slice(&pem)
                        .map_err(|e| e.to_string())?;
                    crate::wechat::x509::parse(&der)
                });
            match parsed {
                Ok(cert) => {
                    let key_ok = cert.public_key == pay.merchant_public_key();
                    let serial = &pay.config().merchant_serial_no;
                    let serial_ok = cert
                        .serial
                        .eq_ignore_ascii_case(serial.trim_start_matches('0'));
                    v.push(check(
                        "certificate_key",
                        key_ok,
                        format!("{} belongs to the merchant key", f.display()),
                    ));
                    v.push(check(
                        "certificate_serial",
                        serial_ok,
                        format!(
                            "certificate serial {} matches merchant_serial_no {serial}",
                            cert.serial
                        ),
                    ));
                }
                Err(e) => v.push(check("certificate", false, format!("{}: {e}", f.display()))),
            }
        }
        None => v.push(check(
            "certificate",
            true,
            "no merchant_cert_file configured: key/serial pairing not checked",
        )),
    }
    if pay.keyring().cert_mode() {
        v.push(match pay.refresh_certificates().await {
            Ok(n) => check(
                "platform_certificates",
                true,
                format!("{n} platform certificate(s) downloaded and verified"),
            ),
            // A merchant WeChat moved to the public key alone has no certificates left.
            Err(e)
                if e.code() == Some("RESOURCE_NOT_EXISTS")
                    && pay.keyring().public_key_id().is_some() =>
            {
                check(
                    "platform_certificates",
                    true,
                    "no platform certificates at WeChat; the public key is used",
                )
            }
            Err(e) => check("platform_certificates", false, e.to_string()),
        });
    }
    let before = time::OffsetDateTime::now_utc().unix_timestamp();
    v.push(match pay.query_by_out_trade_no("PUZICHECK0000001").await {
        Err(e) if e.code() == Some("ORDER_NOT_EXIST") => check(
            "signed_call",
            true,
            format!("signed call to {}: WeChat verified our signature and its signed answer verified", pay.config().api_base),
        ),
        Ok(_) => check("signed_call", true, "signed call answered and verified"),
        Err(crate::wechat::PayError::Api { code, message, .. }) if code == "SIGN_ERROR" => check(
            "signed_call",
            false,
            format!("WeChat refused our signature ({message}): check merchant_serial_no and apiclient_key.pem"),
        ),
        Err(crate::wechat::PayError::Verify(e)) => check(
            "signed_call",
            false,
            format!("WeChat's answer did not verify ({e}): check public_key_id / pub_key.pem"),
        ),
        Err(e) => check("signed_call", false, e.to_string()),
    });
    // A verified answer inside WeChat's five-minute window means the clocks agree that well.
    let after = time::OffsetDateTime::now_utc().unix_timestamp();
    v.push(check(
        "clock",
        after - before < 60,
        "the clock agrees with WeChat's within the signature window",
    ));
    v
}
