//! The one integration-test binary: every test starts the real server in-process on port 0
//! (or runs the built binary) and talks HTTP to it.

mod support;

mod admin;
mod binary;
mod cli_wechat;
mod config;
mod global;
mod ops;
mod orders;
mod payment;
mod sandbox;
mod storefront;
mod tls;
mod wechat_client;
