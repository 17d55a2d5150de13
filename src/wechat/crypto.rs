//! WeChat Pay v3 cryptography: SHA256withRSA request signing and response verification
//! (aws-lc-rs), AEAD_AES_256_GCM for notification resources and certificates, and the
//! exact byte strings each signature covers.

use aws_lc_rs::aead::{AES_128_GCM, AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    KeyPair, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair, UnparsedPublicKey,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, SubjectPublicKeyInfoDer};
use std::fmt;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("not a PEM private key: {0}")]
    Pem(String),
    #[error("the private key is not a usable RSA key: {0}")]
    Rejected(String),
    #[error("not a PEM public key or certificate: {0}")]
    PublicKey(String),
    #[error("the certificate cannot be read: {0}")]
    Certificate(String),
}

/// The merchant's API private key (`apiclient_key.pem`), which signs every request and
/// every `paySign`.
pub struct MerchantKey {
    pair: RsaKeyPair,
}

impl fmt::Debug for MerchantKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MerchantKey([redacted])")
    }
}

impl MerchantKey {
    /// Reads a PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`) PEM.
    pub fn from_pem(pem: &[u8]) -> Result<MerchantKey, KeyError> {
        let der = PrivateKeyDer::from_pem_slice(pem).map_err(|e| KeyError::Pem(e.to_string()))?;
        let pair = match &der {
            PrivateKeyDer::Pkcs8(k) => RsaKeyPair::from_pkcs8(k.secret_pkcs8_der()),
            PrivateKeyDer::Pkcs1(k) => RsaKeyPair::from_der(k.secret_pkcs1_der()),
            _ => return Err(KeyError::Rejected("not an RSA key".into())),
        }
        .map_err(|e| KeyError::Rejected(e.to_string()))?;
        Ok(MerchantKey { pair })
    }

    /// A fresh 2048-bit key (for the sandbox and tests).
    pub fn generate() -> MerchantKey {
        MerchantKey {
            pair: RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                .expect("RSA key generation failed"),
        }
    }

    /// PKCS#8 PEM of the private key.
    pub fn to_pem(&self) -> String {
        let der: Pkcs8V1Der<'_> = self.pair.as_der().expect("key encodes");
        pem("PRIVATE KEY", der.as_ref())
    }

    /// PKCS#8 DER of the private key.
    pub fn pkcs8_der(&self) -> Vec<u8> {
        let der: Pkcs8V1Der<'_> = self.pair.as_der().expect("key encodes");
        der.as_ref().to_vec()
    }

    /// The public half, for verification.
    pub fn public_key(&self) -> PublicKey {
        let der: PublicKeyX509Der<'_> = self.pair.public_key().as_der().expect("key encodes");
        PublicKey {
            spki: der.as_ref().to_vec(),
        }
    }

    /// SHA256withRSA (PKCS#1 v1.5) over `msg`, base64. Deterministic. About 0.25 ms:
    /// async callers run it on the blocking pool.
    pub fn sign(&self, msg: &[u8]) -> String {
        let mut sig = vec![0u8; self.pair.public_modulus_len()];
        self.pair
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), msg, &mut sig)
            .expect("RSA signing failed");
        B64.encode(sig)
    }
}

/// An RSA public key that verifies WeChat Pay signatures: the WeChat Pay public key
/// (`pub_key.pem`), a platform certificate's key, or a merchant key (in the sandbox).
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    spki: Vec<u8>,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({} bytes)", self.spki.len())
    }
}

impl PublicKey {
    /// Reads a `BEGIN PUBLIC KEY` PEM, or the key of a `BEGIN CERTIFICATE` PEM.
    pub fn from_pem(pem: &[u8]) -> Result<PublicKey, KeyError> {
        if let Ok(spki) = SubjectPublicKeyInfoDer::from_pem_slice(pem) {
            return Ok(PublicKey {
                spki: spki.as_ref().to_vec(),
            });
        }
        if let Ok(cert) = CertificateDer::from_pem_slice(pem) {
            let cert = crate::x509::parse(cert.as_ref()).map_err(KeyError::Certificate)?;
            return Ok(PublicKey::from_spki_der(&cert.spki_der));
        }
        Err(KeyError::PublicKey(
            "no PUBLIC KEY or CERTIFICATE block".into(),
        ))
    }

    pub fn from_spki_der(der: &[u8]) -> PublicKey {
        PublicKey { spki: der.to_vec() }
    }

    pub fn spki_der(&self) -> &[u8] {
        &self.spki
    }

    pub fn to_pem(&self) -> String {
        pem("PUBLIC KEY", &self.spki)
    }

    /// Verifies a base64 SHA256withRSA signature. Anything that is not valid base64 (such
    /// as a `WECHATPAY/SIGNTEST/` probe) simply fails.
    pub fn verify(&self, msg: &[u8], signature_b64: &str) -> bool {
        let Ok(sig) = B64.decode(signature_b64.trim()) else {
            return false;
        };
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &self.spki)
            .verify(msg, &sig)
            .is_ok()
    }
}

pub fn pem(label: &str, der: &[u8]) -> String {
    let b64 = B64.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ascii"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// `METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n` — what a request's Authorization signs.
pub fn request_message(
    method: &str,
    url: &str,
    timestamp: i64,
    nonce: &str,
    body: &[u8],
) -> Vec<u8> {
    let mut m = format!("{method}\n{url}\n{timestamp}\n{nonce}\n").into_bytes();
    m.extend_from_slice(body);
    m.push(b'\n');
    m
}

/// `TIMESTAMP\nNONCE\nBODY\n` — what a response's or notification's signature covers.
pub fn response_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut m = format!("{timestamp}\n{nonce}\n").into_bytes();
    m.extend_from_slice(body);
    m.push(b'\n');
    m
}

/// `appId\ntimeStamp\nnonceStr\npackage\n` — what `paySign` covers.
pub fn pay_sign_message(app_id: &str, timestamp: &str, nonce: &str, package: &str) -> Vec<u8> {
    format!("{app_id}\n{timestamp}\n{nonce}\n{package}\n").into_bytes()
}

/// The `Authorization` header value for a signed request.
pub fn authorization(
    mchid: &str,
    serial_no: &str,
    nonce: &str,
    timestamp: i64,
    signature: &str,
) -> String {
    format!(
        "WECHATPAY2-SHA256-RSA2048 mchid=\"{mchid}\",nonce_str=\"{nonce}\",signature=\"{signature}\",timestamp=\"{timestamp}\",serial_no=\"{serial_no}\""
    )
}

/// The parts of an `Authorization: WECHATPAY2-SHA256-RSA2048 …` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    pub mchid: String,
    pub nonce_str: String,
    pub signature: String,
    pub timestamp: String,
    pub serial_no: String,
}

/// Parses an Authorization header (field order free, as WeChat allows).
pub fn parse_authorization(header: &str) -> Option<Authorization> {
    let rest = header.strip_prefix("WECHATPAY2-SHA256-RSA2048 ")?;
    let mut a = Authorization {
        mchid: String::new(),
        nonce_str: String::new(),
        signature: String::new(),
        timestamp: String::new(),
        serial_no: String::new(),
    };
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        let v = v.strip_prefix('"')?.strip_suffix('"')?.to_string();
        match k {
            "mchid" => a.mchid = v,
            "nonce_str" => a.nonce_str = v,
            "signature" => a.signature = v,
            "timestamp" => a.timestamp = v,
            "serial_no" => a.serial_no = v,
            _ => return None,
        }
    }
    let complete = [
        &a.mchid,
        &a.nonce_str,
        &a.signature,
        &a.timestamp,
        &a.serial_no,
    ]
    .iter()
    .all(|s| !s.is_empty());
    complete.then_some(a)
}

/// A random string of 32 `[0-9A-Za-z]`, as WeChat's SDKs use for nonces.
pub fn nonce() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut raw = [0u8; 32];
    aws_lc_rs::rand::fill(&mut raw).expect("random source failed");
    raw.iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone, Copy)]
pub enum AeadError {
    #[error("the key must be 32 bytes (APIv3 key) or 16 bytes")]
    KeyLength,
    #[error("the nonce must be 12 bytes")]
    NonceLength,
    #[error("the ciphertext is not base64")]
    Base64,
    #[error("decryption failed: wrong key, nonce, associated data or a tampered ciphertext")]
    Open,
    #[error("the plaintext is not UTF-8")]
    Utf8,
}

fn aead_key(key: &[u8]) -> Result<LessSafeKey, AeadError> {
    let alg = match key.len() {
        32 => &AES_256_GCM,
        16 => &AES_128_GCM,
        _ => return Err(AeadError::KeyLength),
    };
    Ok(LessSafeKey::new(
        UnboundKey::new(alg, key).map_err(|_| AeadError::KeyLength)?,
    ))
}

/// AEAD_AES_256_GCM decryption of a WeChat `resource` or `encrypt_certificate`:
/// base64 ciphertext whose last 16 bytes are the tag. (A 16-byte key selects AES-128-GCM,
/// which only WeChat's SDK test vectors use.)
pub fn aead_decrypt(
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    ciphertext_b64: &str,
) -> Result<String, AeadError> {
    let k = aead_key(key)?;
    let n = Nonce::try_assume_unique_for_key(nonce).map_err(|_| AeadError::NonceLength)?;
    let mut buf = B64
        .decode(ciphertext_b64.trim())
        .map_err(|_| AeadError::Base64)?;
    let plain = k
        .open_in_place(n, Aad::from(aad), &mut buf)
        .map_err(|_| AeadError::Open)?;
    String::from_utf8(plain.to_vec()).map_err(|_| AeadError::Utf8)
}

/// The inverse of `aead_decrypt` (used by the sandbox to encrypt notifications).
pub fn aead_encrypt(
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<String, AeadError> {
    let k = aead_key(key)?;
    let n = Nonce::try_assume_unique_for_key(nonce).map_err(|_| AeadError::NonceLength)?;
    let mut buf = plaintext.to_vec();
    k.seal_in_place_append_tag(n, Aad::from(aad), &mut buf)
        .map_err(|_| AeadError::Open)?;
    Ok(B64.encode(buf))
}

pub fn sha1_hex(data: &[u8]) -> String {
    crate::random::hex(
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, data).as_ref(),
    )
}

pub fn sha256_hex(data: &[u8]) -> String {
    crate::random::hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data).as_ref())
}
