//! The scan-and-pay sheet of the sandbox's Native payment: what WeChat shows after the
//! payer scans a Native QR code. `GET /sandbox/phone/scan?pr=…` shows the merchant, the
//! amount and who pays (the browser's current persona, or another); `POST` with the
//! six-digit password marks the transaction paid as that persona and sends the usual
//! signed notification. (Real WeChat opens `weixin://wxpay/bizpayurl?pr=…` in its own
//! scanner; the sandbox's code opens this page instead — see `pay::native`.)

use super::pay::native::code_key;
use super::pay::{Tx, get_tx, load_tx, tx_key};
use super::{Request, Resp, Sandbox, SandboxError, blocking, enc, html};
use crate::store::StoreError;
use maud::{Markup, html as m};

const PERSONA_COOKIE: &str = "sandbox_persona";

fn page(title: &str, body: Markup) -> Resp {
    html(m! {
        (maud::DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                link rel="stylesheet" href="/sandbox/sheet.css";
            }
            body.sb-page { div.sb-card { (body) } }
        }
    })
}

/// The persona this browser picked on the sandbox's OAuth page, if any.
fn cookie_persona(req: &Request) -> Option<String> {
    req.headers
        .get_all(hyper::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == PERSONA_COOKIE)
        .and_then(|(_, v)| {
            form_urlencoded::parse(format!("p={v}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
        })
}

fn valid_persona(name: &str) -> bool {
    let n = name.chars().count();
    (1..=20).contains(&n) && !name.chars().any(|c| c.is_control() || c == '/')
}

/// The transaction a code's `pr` names.
fn code_tx(sb: &Sandbox, pr: &str) -> Result<Option<Tx>, StoreError> {
    if pr.is_empty() || !pr.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    match sb.inner.store.sandbox_get(&code_key(pr))? {
        Some(no) => get_tx(sb, &String::from_utf8_lossy(&no)),
        None => Ok(None),
    }
}

fn amount(tx: &Tx) -> String {
    crate::money::Currency::parse(&tx.currency)
        .map(|c| crate::money::Money(tx.total).display(c))
        .unwrap_or_else(|| format!("{} {}", tx.currency, tx.total))
}

fn refused(msg: &str) -> Resp {
    page(
        "微信支付",
        m! { h1 { "无法支付" } p.sb-err role="alert" { (msg) } },
    )
}

/// `GET /sandbox/phone/scan?pr=…`: the sheet after scanning.
pub async fn scan_page(sb: &Sandbox, req: &Request) -> Result<Resp, SandboxError> {
    let pr = req.query_map().get("pr").cloned().unwrap_or_default();
    let Some(tx) = code_tx(sb, &pr)? else {
        return Ok(refused("二维码无效或已过期"));
    };
    if tx.state.is_paid() {
        return Ok(refused("该订单已支付"));
    }
    let current = cookie_persona(req).filter(|p| valid_persona(p));
    let people = super::oauth::personas(sb)?;
    Ok(page(
        "微信支付",
        m! {
            h1 { "微信支付 · 扫码付款" }
            p.sb-mute { (sb.inner.settings.merchant_name) }
            p { (tx.description) }
            p.sb-amount { (amount(&tx)) }
            form method="post" action="/sandbox/phone/scan" {
                input type="hidden" name="pr" value=(pr);
                fieldset {
                    legend { "付款人 · payer" }
                    @for p in &people {
                        label.sb-persona {
                            input type="radio" name="persona" value=(p.name) checked[current.as_deref() == Some(p.name.as_str())];
                            " " (p.name)
                        }
                    }
                    label for="new-persona" { "新顾客名称 · or a new persona" }
                    input #new-persona name="new_persona" maxlength="20" placeholder="例如：小王";
                }
                label for="password" { "支付密码 · six digits" }
                input #password name="password" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" required autocomplete="off";
                button.sb-pay type="submit" { "确认支付" }
            }
            p.sb-mute { "演示：真实微信的二维码只能用微信扫一扫打开；沙箱的二维码打开此页。" }
        },
    ))
}

/// `POST /sandbox/phone/scan` `pr, persona | new_persona, password`: pays as the persona.
pub async fn scan_pay(sb: &Sandbox, req: &Request) -> Result<Resp, SandboxError> {
    let f = req.form();
    let get = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let (pr, password) = (get("pr"), get("password"));
    let persona = Some(get("new_persona"))
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| get("persona"));
    if password.len() != 6 || !password.bytes().all(|c| c.is_ascii_digit()) {
        return Ok(refused("请输入六位支付密码"));
    }
    if !valid_persona(&persona) {
        return Ok(refused("请选择付款人"));
    }
    let Some(tx) = code_tx(sb, &pr)? else {
        return Ok(refused("二维码无效或已过期"));
    };
    let openid = super::oauth::openid(&tx.appid, &persona);
    let no = tx.out_trade_no.clone();
    let sb2 = sb.clone();
    blocking(move || {
        sb2.inner
            .store
            .sandbox_write(|t| -> Result<(), StoreError> {
                if let Some(mut tx) = load_tx(t, &no)?
                    && tx.state == super::pay::TradeState::NotPay
                {
                    tx.openid = openid;
                    t.put(&tx_key(&no), &enc(&tx))?;
                }
                Ok(())
            })
    })
    .await?;
    Ok(
        match super::sheet::mark_paid(sb, &tx.out_trade_no, false).await? {
            Ok(t) => page(
                "支付成功",
                m! {
                    h1 { "✅ 支付成功" }
                    p.sb-amount { (amount(&t)) }
                    p.sb-mute { (sb.inner.settings.merchant_name) " · " (persona) }
                    p.sb-mute.mono { (t.transaction_id.clone().unwrap_or_default()) }
                    p { a href="/sandbox/phone" { "📱 查看付款凭证 · the voucher" } }
                },
            ),
            Err(e) => refused(e),
        },
    )
}
