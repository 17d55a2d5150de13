//! WeChat clients, independent of orders and pages: the Pay API v3 client (signing,
//! verification, keyring, operations), notification parsing, OAuth (openid) and the
//! Official Account (access token, template message, menu) with the JS-SDK's
//! `jsapi_ticket` and signature. Every endpoint base URL is
//! configurable, so the same code talks to real WeChat or to the built-in sandbox. The
//! clients own their settings types (`settings`); they do not read `crate::config`.

pub mod crypto;
pub mod jssdk;
pub mod keyring;
pub mod notify;
pub mod oauth;
pub mod official_account;
pub mod pay;
pub mod settings;
pub mod verify;
pub mod x509;

pub use crypto::{MerchantKey, PublicKey};
pub use keyring::Keyring;
pub use pay::{PayClient, PayConfig, PayError};
pub use settings::{Flavour, Institution};

use oauth::OAuthClient;
use official_account::OfficialAccount;

/// The WeChat clients one shop uses, configured together.
#[derive(Debug)]
pub struct Clients {
    pub pay: PayClient,
    pub oauth: OAuthClient,
    pub oa: OfficialAccount,
    pub appid: String,
    pub mchid: String,
    /// `{base_url}/wechat/notify/pay`.
    pub notify_url: String,
    /// `{base_url}/wechat/notify/refund`.
    pub refund_notify_url: String,
}

#[cfg(test)]
mod vectors;
