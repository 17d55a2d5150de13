//! puzi (铺子): a small-shop appliance — an H5 mall for WeChat in one binary.
//!
//! Dependencies point one way, down this list; a module uses only modules on lines below
//! its own (checked by hand with `grep -rho 'crate::[a-z_]*'`, see the README):
//!
//! | layer | modules | depend on |
//! |---|---|---|
//! | entry | `cli` | everything |
//! | HTTP | `web` | everything below; nothing but `cli` depends on `web` |
//! | wiring | `jobs`, `control`, `checklist` | `app` and below |
//! | the shop value | `app` | flows, `sandbox`, `tls`, `config`, `store`, `wechat` |
//! | flows | `payment`, `fulfilment`, `owner_notify`, `account`, `sandbox`, `seed` | `store`, `wechat`, domain |
//! | I/O | `store` (redb), `wechat` (HTTP clients), `tls`, `link` (signed order links, its key file) | domain, leaves; `wechat` owns its settings and never reads `config` |
//! | configuration | `config` | domain, leaves, `wechat::settings` |
//! | domain (no I/O) | `order` → `alert`, `coupon`, `cart` → `catalog` → `money`; `shipping` → `cart`, `region` | nothing else |
//! | leaves | `money`, `alert`, `random`, `clock`, `secret`, `x509`, `qr`, `metrics`, `text` | nothing (`text` names order states) |

pub mod account;
pub mod alert;
pub mod app;
pub mod audit;
pub mod carrier;
pub mod cart;
pub mod catalog;
pub mod checklist;
pub mod cli;
pub mod clock;
pub mod config;
pub mod control;
pub mod coupon;
pub mod fulfilment;
pub mod jobs;
pub mod link;
pub mod metrics;
pub mod money;
pub mod order;
pub mod owner_notify;
pub mod payment;
pub mod qr;
pub mod random;
pub mod region;
pub mod sandbox;
pub mod secret;
pub mod seed;
pub mod shipping;
pub mod store;
pub mod text;
pub mod tls;
pub mod web;
pub mod wechat;
pub mod x509;
