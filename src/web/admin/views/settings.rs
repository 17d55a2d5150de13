//! The settings page as a summary a shop owner can read: what is configured and what is
//! missing (with the config key that sets it), what to paste where in WeChat's consoles,
//! and the setup checks in words. Secrets never appear, not even redacted.

use super::{a, csrf, money, shell};
use crate::checklist::Check;
use crate::config::{TlsMode, WechatMode};
use crate::web::Ctx;
use crate::web::admin::Admin;
use maud::{Markup, html};

/// One summary row: a label, and the value or what to set.
struct Row {
    label: &'static str,
    value: Result<String, String>,
}

fn rows(ctx: &Ctx) -> Vec<Row> {
    let w = ctx.app.config.shop.language.work();
    let cfg = &ctx.app.config;
    let wc = &cfg.wechat;
    let live = wc.mode == WechatMode::Live;
    let set = |v: Option<&String>, key: &str| match v {
        Some(v) if !v.is_empty() => Ok(v.clone()),
        _ => Err(w.set_key(key)),
    };
    let mut v = vec![
        Row {
            label: w.shop_name,
            value: Ok(cfg.shop.name.clone()),
        },
        Row {
            label: w.base_url,
            value: match &cfg.shop.base_url {
                Some(u) => Ok(u.clone()),
                None => Err(format!(
                    "{} · {}",
                    ctx.app.base_url,
                    w.set_key("[shop] base_url")
                )),
            },
        },
        Row {
            label: w.currency,
            value: Ok(cfg.shop.currency.code().to_string()),
        },
        Row {
            label: w.language,
            value: Ok(match cfg.shop.language {
                crate::text::Lang::Zh => "简体中文".to_string(),
                crate::text::Lang::En => "English".to_string(),
            }),
        },
        Row {
            label: w.shipping_rule,
            value: Ok(w.shipping_words(
                &money(ctx, cfg.shop.shipping.flat_fee),
                cfg.shop
                    .shipping
                    .free_over
                    .map(|m| money(ctx, m))
                    .as_deref(),
            )),
        },
        Row {
            label: w.wechat_mode,
            value: Ok(if live { w.mode_live } else { w.mode_sandbox }.to_string()),
        },
    ];
    if live {
        v.push(Row {
            label: w.appid,
            value: set(wc.appid.as_ref(), "[wechat] appid"),
        });
        v.push(Row {
            label: w.mchid,
            value: set(wc.mchid.as_ref(), "[wechat] mchid"),
        });
        v.push(Row {
            label: w.merchant_key,
            value: match (&wc.merchant_key_file, &wc.merchant_serial_no) {
                (Some(_), Some(_)) => Ok(w.configured.to_string()),
                _ => Err(w.set_key("[wechat] merchant_key_file, merchant_serial_no")),
            },
        });
        v.push(Row {
            label: w.apiv3_key,
            value: match &wc.apiv3_key {
                Some(_) => Ok(w.configured.to_string()),
                None => Err(w.set_key("[wechat] apiv3_key_file")),
            },
        });
        v.push(Row {
            label: w.platform_keys,
            value: Ok(match &wc.public_key_id {
                Some(id) => format!("{} ({id})", w.public_key_mode),
                None => w.cert_mode.to_string(),
            }),
        });
    }
    v.push(Row {
        label: w.template,
        value: match &wc.shipped_template_id {
            Some(id) => Ok(id.clone()),
            None => Err(w.template_none.to_string()),
        },
    });
    for (label, value) in super::owner_notify::settings_rows(ctx) {
        v.push(Row { label, value });
    }
    v.push(Row {
        label: w.https,
        value: Ok(match &cfg.tls.mode {
            TlsMode::Off => w.tls_off.to_string(),
            TlsMode::SelfSigned { .. } => w.tls_self_signed.to_string(),
            TlsMode::Files { .. } => w.tls_files.to_string(),
            TlsMode::Acme { names, .. } => format!("{} · {}", w.tls_acme, names.join(", ")),
        }),
    });
    v.push(Row {
        label: w.backups,
        value: if cfg.backup.interval_hours > 0 {
            Ok(w.backups_every(cfg.backup.interval_hours, cfg.backup.keep))
        } else {
            Err(w.backups_off.to_string())
        },
    });
    v.push(Row {
        label: w.data_dir,
        value: Ok(cfg.storage.data_dir.display().to_string()),
    });
    v
}

pub fn settings(ctx: &Ctx, admin: &Admin, offline: &[Check], live: Option<&[Check]>) -> Markup {
    let l = a(ctx);
    let w = ctx.app.config.shop.language.work();
    let strings = crate::checklist::console_strings(&ctx.app.base_url);
    let label = |k: &str| match k {
        "pay_dir" => (l.pay_dir, w.console_where_pay_dir),
        "oauth_domain" => (l.oauth_domain, w.console_where_oauth),
        "js_domain" => (l.js_domain, w.console_where_js),
        "notify_refund" => (w.notify_refund, w.console_where_notify),
        _ => (l.notify_urls, w.console_where_notify),
    };
    let wechat_mode = ctx.app.config.wechat.mode;
    shell(
        ctx,
        Some(admin),
        l.settings,
        html! {
            h1 { (l.settings) }
            section.panel #summary {
                h2 { (w.summary) }
                dl.meta.summary-list {
                    @for r in rows(ctx) {
                        dt { (r.label) }
                        @match r.value {
                            Ok(v) => { dd.set { (v) } }
                            Err(m) => { dd.missing { span.tag.err { (w.missing) } " " (m) } }
                        }
                    }
                }
            }
            // Customer service (/service): set on its own page.
            section.panel #service-settings {
                h2 { (ctx.app.config.shop.language.service_contact().title) }
                p { a #service-link href="/admin/service" { (ctx.app.config.shop.language.service_contact().edit) } }
            }
            section.panel #console {
                h2 { (l.console_strings) }
                dl.meta.console {
                    @for (k, v) in &strings {
                        @let (name, place) = label(k);
                        dt { (name) }
                        dd { code.mono.paste { (v) } br; span.muted.small { (place) } }
                    }
                    dt { (ctx.app.config.shop.language.platform().verify_files) }
                    dd { a #verify-files-link href="/admin/settings/verify-files" { (ctx.app.config.shop.language.platform().verify_upload) } }
                    dt { (w.ip_whitelist) }
                    dd { span.muted.small { (w.ip_whitelist_hint) } }
                }
            }
            section.panel #checks {
                h2 { (l.checks) }
                ul.checks {
                    @for c in offline.iter().chain(live.unwrap_or(&[])) {
                        li class=(if c.ok { "ok" } else { "fail" }) {
                            (if c.ok { "✓ " } else { "✗ " })
                            @if c.name == "mode" {
                                (w.check(&c.name, c.ok)) ": "
                                (if wechat_mode == WechatMode::Live { w.mode_live } else { w.mode_sandbox })
                            } @else if c.name == "keys" {
                                (w.check(&c.name, c.ok)) ": "
                                @match ctx.app.wechat.pay.keyring().public_key_id() {
                                    Some(id) => { (w.public_key_mode) " (" (id) ")" }
                                    None => { (w.cert_mode) }
                                }
                            } @else {
                                (w.check(&c.name, c.ok))
                            }
                            @if !c.ok && matches!(c.name.as_str(), "signed_call" | "platform_certificates" | "certificate" | "verify_file" | "oa_whitelist") {
                                br; span.muted.small { (w.wechat_said) ": " (c.detail) }
                            }
                        }
                    }
                }
                form method="post" action="/admin/settings/check" { (csrf(admin)) button type="submit" { (l.run_check) } }
            }
        },
    )
}
