//! The one integration-test binary: every test starts the real server in-process on port 0
//! (or runs the built binary) and talks HTTP to it.

mod support;

mod admin;
mod aftersales;
mod backoffice;
mod binary;
mod booth;
mod cli_wechat;
mod config;
mod coupons;
mod crowd;
mod disk;
mod durability;
mod exposure;
mod fast_lane;
mod global;
mod identity;
mod indexes;
mod jssdk;
mod limits;
mod login;
mod native;
mod ops;
mod orders;
mod owner_notify;
mod payment;
/// The same payment suite against WeChat Pay Global (a shop in HKD).
#[path = "payment.rs"]
#[allow(clippy::duplicate_mod)] // on purpose: one suite, two flavours
mod payment_global;
mod platform;
mod product_page;
mod qr;
mod quiet;
mod refunds;
mod restart;
mod sandbox;
mod sandbox_sdk;
mod search;
mod service_contact;
mod shipping_rules;
mod staff;
mod storefront;
mod tls;
mod upgrade;
mod wechat_client;
mod wechat_protocol;
