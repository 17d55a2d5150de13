//! `[wechat]`: the mode, the merchant's keys and secrets (from files or the environment),
//! the flavour (mainland or global, with the institution's ids), the endpoints, the
//! template ids and their field names, the menu, and what live mode requires.

use super::{Invalid, base_url, invalid};
use crate::config::raw::RawWechat;
use crate::config::{
    DEFAULT_API_BASE, DEFAULT_OAUTH_BASE, DEFAULT_OWNER_KEYS, DEFAULT_SHIPPED_KEYS,
    DEFAULT_SNS_BASE, ENV_APIV3_KEY, ENV_APP_SECRET, Flavour, GLOBAL_API_BASE, Institution, Secret,
    ShopConfig, WechatConfig, WechatMode,
};
use crate::money::Currency;
use std::path::PathBuf;

/// `[wechat]`, which needs the shop's currency and base URL for its cross-checks.
pub(super) fn wechat(
    mut w: RawWechat,
    env: &dyn Fn(&str) -> Option<String>,
    shop: &ShopConfig,
) -> Result<WechatConfig, Invalid> {
    let mode = match w.mode.as_deref().unwrap_or("sandbox") {
        "live" => WechatMode::Live,
        "sandbox" => WechatMode::Sandbox,
        m => {
            return Err(invalid(
                "wechat.mode",
                format!("{m:?} is not \"live\" or \"sandbox\""),
            ));
        }
    };
    let base = |key: &'static str, v: Option<String>, default: &str| -> Result<String, Invalid> {
        match v {
            None => Ok(default.to_string()),
            Some(u) => base_url(&u).map_err(|p| invalid(key, p)),
        }
    };
    let app_secret = env(ENV_APP_SECRET).or(w.app_secret.take()).map(Secret::new);
    let apiv3_key = match env(ENV_APIV3_KEY) {
        Some(k) => Some(Secret::new(k)),
        None => match &w.apiv3_key_file {
            None => None,
            Some(f) => Some(Secret::new(
                std::fs::read_to_string(f)
                    .map_err(|e| invalid("wechat.apiv3_key_file", format!("cannot read {f}: {e}")))?
                    .trim()
                    .to_string(),
            )),
        },
    };
    if let Some(k) = &apiv3_key
        && k.expose().len() != 32
    {
        return Err(invalid(
            "wechat.apiv3_key_file",
            "the APIv3 key must be exactly 32 characters",
        ));
    }
    if mode == WechatMode::Live
        && w.platform_certificates == Some(false)
        && w.public_key_id.is_none()
    {
        return Err(invalid(
            "wechat.platform_certificates",
            "false needs public_key_id and public_key_file: without platform certificates \
             the public key is the only way to verify WeChat Pay",
        ));
    }
    let flavour = flavour(&w, mode)?;
    if flavour == Flavour::Domestic && shop.currency != Currency::CNY {
        return Err(invalid(
            "shop.currency",
            format!(
                "{} needs wechat.flavour = \"global\"; mainland WeChat Pay settles in CNY only",
                shop.currency
            ),
        ));
    }
    let default_api = if flavour.is_global() {
        GLOBAL_API_BASE
    } else {
        DEFAULT_API_BASE
    };
    let wechat = WechatConfig {
        mode,
        flavour,
        appid: w.appid,
        app_secret,
        mchid: w.mchid,
        merchant_serial_no: w.merchant_serial_no,
        merchant_key_file: w.merchant_key_file.map(PathBuf::from),
        merchant_cert_file: w.merchant_cert_file.map(PathBuf::from),
        apiv3_key,
        public_key_id: w.public_key_id,
        public_key_file: w.public_key_file.map(PathBuf::from),
        platform_certificates: w.platform_certificates.unwrap_or(true),
        api_base: base("wechat.api_base", w.api_base, default_api)?,
        oauth_base: base("wechat.oauth_base", w.oauth_base, DEFAULT_OAUTH_BASE)?,
        sns_base: base("wechat.sns_base", w.sns_base, DEFAULT_SNS_BASE)?,
        shipped_template_id: w.shipped_template_id.filter(|t| !t.trim().is_empty()),
        shipped_template_keys: match w.shipped_template_keys {
            None => DEFAULT_SHIPPED_KEYS.map(String::from),
            Some(k) if k.len() == 4 && k.iter().all(|x| !x.is_empty()) => {
                [k[0].clone(), k[1].clone(), k[2].clone(), k[3].clone()]
            }
            Some(_) => {
                return Err(invalid(
                    "wechat.shipped_template_keys",
                    "needs four keys: order number, goods, courier, tracking number",
                ));
            }
        },
        aftersales_template_id: w.aftersales_template_id.filter(|t| !t.trim().is_empty()),
        owner_order_template_id: w.owner_order_template_id.filter(|t| !t.trim().is_empty()),
        owner_aftersales_template_id: w
            .owner_aftersales_template_id
            .filter(|t| !t.trim().is_empty()),
        owner_alert_template_id: w.owner_alert_template_id.filter(|t| !t.trim().is_empty()),
        owner_template_keys: match w.owner_template_keys {
            None => DEFAULT_OWNER_KEYS.map(String::from),
            Some(k) if k.len() == 5 && k.iter().all(|x| !x.is_empty()) => [
                k[0].clone(),
                k[1].clone(),
                k[2].clone(),
                k[3].clone(),
                k[4].clone(),
            ],
            Some(_) => {
                return Err(invalid(
                    "wechat.owner_template_keys",
                    "needs five keys: what happened, order number, amount, items, time",
                ));
            }
        },
        follow_qr_image: crate::config::follow::read(w.follow_qr_image)
            .map_err(|p| invalid("wechat.follow_qr_image", p))?,
        menu: {
            if w.menu.len() > 3 {
                return Err(invalid("wechat.menu", "a menu has at most 3 buttons"));
            }
            let mut v = Vec::new();
            for b in w.menu {
                if b.name.is_empty() || b.name.len() > 16 {
                    return Err(invalid(
                        "wechat.menu",
                        format!("button name {:?} must be 1–16 bytes", b.name),
                    ));
                }
                v.push((b.name, b.url));
            }
            v
        },
    };
    if mode == WechatMode::Live {
        live_requirements(&wechat, shop)?;
    }
    Ok(wechat)
}

/// `wechat.flavour` and the keys that go with the global flavour.
fn flavour(w: &RawWechat, mode: WechatMode) -> Result<Flavour, Invalid> {
    match w.flavour.as_deref().unwrap_or("domestic") {
        "domestic" => Ok(Flavour::Domestic),
        "global" => {
            let mcc = w.merchant_category_code.clone().unwrap_or_else(|| {
                if mode == WechatMode::Sandbox {
                    "5499".into()
                } else {
                    String::new()
                }
            });
            if mcc.is_empty() || mcc.len() > 16 || !mcc.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid(
                    "wechat.merchant_category_code",
                    "required for the global flavour: the merchant's MCC, digits",
                ));
            }
            let institution = match (&w.sp_mchid, &w.sub_mchid) {
                (None, None) => None,
                (Some(sp), Some(sub)) => Some(Institution {
                    sp_mchid: sp.clone(),
                    sp_appid: w
                        .sp_appid
                        .clone()
                        .ok_or_else(|| invalid("wechat.sp_appid", "required with sp_mchid"))?,
                    sub_mchid: sub.clone(),
                    sub_appid: w.sub_appid.clone(),
                }),
                _ => {
                    return Err(invalid(
                        "wechat.sub_mchid",
                        "institution mode needs sp_mchid, sp_appid and sub_mchid together",
                    ));
                }
            };
            Ok(Flavour::Global {
                merchant_category_code: mcc,
                institution,
            })
        }
        f => Err(invalid(
            "wechat.flavour",
            format!("{f:?} is not \"domestic\" or \"global\""),
        )),
    }
}

/// What `wechat.mode = "live"` needs: the merchant's keys and the shop's https URL.
fn live_requirements(wechat: &WechatConfig, shop: &ShopConfig) -> Result<(), Invalid> {
    let inst = matches!(
        &wechat.flavour,
        Flavour::Global {
            institution: Some(_),
            ..
        }
    );
    let required: [(&'static str, bool); 6] = [
        ("wechat.appid", wechat.appid.is_some() || inst),
        ("wechat.app_secret", wechat.app_secret.is_some()),
        ("wechat.mchid", wechat.mchid.is_some() || inst),
        (
            "wechat.merchant_serial_no",
            wechat.merchant_serial_no.is_some(),
        ),
        (
            "wechat.merchant_key_file",
            wechat.merchant_key_file.is_some(),
        ),
        ("wechat.apiv3_key_file", wechat.apiv3_key.is_some()),
    ];
    if let Some((key, _)) = required.iter().find(|(_, present)| !present) {
        return Err(invalid(key, "required when wechat.mode = \"live\""));
    }
    match &shop.base_url {
        Some(u) if u.starts_with("https://") => Ok(()),
        _ => Err(invalid(
            "shop.base_url",
            "live WeChat Pay needs the shop's public https:// URL",
        )),
    }
}
