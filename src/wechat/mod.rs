//! WeChat clients, independent of orders and pages: the Pay API v3 client (signing,
//! verification, keyring, operations), notification parsing, OAuth (openid) and the
//! Official Account (access token, template message, menu). Every endpoint base URL is
//! configurable, so the same code talks to real WeChat or to the built-in sandbox.

pub mod crypto;
pub mod keyring;
pub mod notify;
pub mod oauth;
pub mod official_account;
pub mod pay;
pub mod verify;
pub mod x509;

pub use crypto::{MerchantKey, PublicKey};
pub use keyring::Keyring;
pub use pay::{PayClient, PayConfig, PayError};

#[cfg(test)]
mod vectors;
