//! A certificate as the WeChat client uses it: the leaf `crate::x509` reading, with the
//! public key as a `PublicKey` that verifies WeChat Pay signatures. The parsing lives in
//! `crate::x509`; callers that need no key (TLS expiry, the sandbox's validity) can call
//! that module directly.

use super::crypto::PublicKey;

#[derive(Debug)]
pub struct Certificate {
    /// Upper-case hex without leading zeros, as WeChat prints serials.
    pub serial: String,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    pub public_key: PublicKey,
}

/// Parses a DER certificate.
pub fn parse(der: &[u8]) -> Result<Certificate, String> {
    let c = crate::x509::parse(der)?;
    Ok(Certificate {
        serial: c.serial,
        not_before: c.not_before,
        not_after: c.not_after,
        public_key: PublicKey::from_spki_der(&c.spki_der),
    })
}
