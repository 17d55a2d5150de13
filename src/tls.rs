//! TLS: rustls server configuration for the `[tls]` modes.

use crate::config::{Config, TlsMode};

/// The doctor's TLS line.
pub fn doctor(cfg: &Config) -> Result<String, String> {
    match cfg.tls {
        TlsMode::Off => Ok("tls mode off: plain HTTP (put a TLS reverse proxy in front, or use acme/files/self-signed)".into()),
    }
}
