//! puzi (铺子): a small-shop appliance — an H5 mall for WeChat in one binary.
//!
//! Domain modules (`money`, `catalog`, `cart`, `order`) hold types and rules and do no
//! I/O. `store` persists them in one redb file; `web` serves them over HTTP; `app` ties
//! config, store and clock together; `cli` is what `main` calls. See the README codemap.

pub mod account;
pub mod alert;
pub mod app;
pub mod cart;
pub mod catalog;
pub mod checklist;
pub mod cli;
pub mod clock;
pub mod config;
pub mod control;
pub mod fulfilment;
pub mod id;
pub mod jobs;
pub mod metrics;
pub mod money;
pub mod order;
pub mod payment;
pub mod qr;
pub mod sandbox;
pub mod secret;
pub mod seed;
pub mod store;
pub mod text;
pub mod tls;
pub mod web;
pub mod wechat;
pub mod x509;
