//! The sandbox's identities and keys, generated once into `<data>/sandbox/` and listed in
//! `sandbox.json`: the merchant key pair and certificate (what a merchant downloads from
//! WeChat's console), the "platform" key that signs WeChat's side (as a WeChat Pay public
//! key with a `PUB_KEY_ID_…` id, and as a platform certificate), the APIv3 key, and the
//! appid, mchid and app secret.

use crate::wechat::crypto::{MerchantKey, PublicKey};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const MERCHANT_KEY_FILE: &str = "apiclient_key.pem";
pub const MERCHANT_CERT_FILE: &str = "apiclient_cert.pem";
pub const PUBLIC_KEY_FILE: &str = "pub_key.pem";
pub const PLATFORM_KEY_FILE: &str = "platform_key.pem";
pub const PLATFORM_CERT_FILE: &str = "platform_cert.pem";
pub const APIV3_KEY_FILE: &str = "apiv3.key";

/// `sandbox.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub appid: String,
    pub mchid: String,
    pub app_secret: String,
    pub merchant_serial_no: String,
    pub public_key_id: String,
    pub platform_serial_no: String,
    pub apiv3_key: String,
    pub merchant_key_file: String,
    pub merchant_cert_file: String,
    pub public_key_file: String,
    pub apiv3_key_file: String,
    pub platform_cert_file: String,
    /// WeChat Pay Global institution mode: the shop as the institution's sub-merchant.
    #[serde(default)]
    pub sub_mchid: String,
}

pub struct SandboxKeys {
    pub dir: PathBuf,
    pub manifest: Manifest,
    /// The merchant's key (the shop signs with it; the sandbox verifies with its public half).
    pub merchant: MerchantKey,
    /// WeChat's side: signs responses and notifications.
    pub platform: MerchantKey,
    pub platform_cert_pem: String,
    /// Seconds since the epoch: the platform certificate's validity.
    pub platform_not_before: i64,
    pub platform_not_after: i64,
}

impl std::fmt::Debug for SandboxKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxKeys")
            .field("dir", &self.dir)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    #[error("{path}: {problem}")]
    File { path: String, problem: String },
}

fn file_err(path: &Path, problem: impl ToString) -> KeysError {
    KeysError::File {
        path: path.display().to_string(),
        problem: problem.to_string(),
    }
}

fn digits(n: usize) -> String {
    crate::random::random_bytes::<32>()
        .iter()
        .take(n)
        .map(|b| char::from(b'0' + b % 10))
        .collect()
}

fn self_signed(key: &MerchantKey, cn: &str, serial: &[u8]) -> Result<(String, i64, i64), String> {
    let pkcs8 = rustls::pki_types::PrivatePkcs8KeyDer::from(key.pkcs8_der());
    let kp = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(&pkcs8, &rcgen::PKCS_RSA_SHA256)
        .map_err(|e| e.to_string())?;
    let mut params =
        rcgen::CertificateParams::new(Vec::<String>::new()).map_err(|e| e.to_string())?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn);
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "puzi sandbox");
    params.serial_number = Some(rcgen::SerialNumber::from_slice(serial));
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(5 * 365);
    let cert = params.self_signed(&kp).map_err(|e| e.to_string())?;
    Ok((
        cert.pem(),
        params.not_before.unix_timestamp(),
        params.not_after.unix_timestamp(),
    ))
}

fn serial_bytes() -> [u8; 20] {
    let mut s = crate::random::random_bytes::<20>();
    s[0] = (s[0] & 0x7f) | 0x10; // positive, no leading zero nibble
    s
}

impl SandboxKeys {
    /// Loads the keys from `dir`, generating them (once) when `sandbox.json` is absent.
    pub fn load_or_create(dir: &Path) -> Result<SandboxKeys, KeysError> {
        let manifest_path = dir.join("sandbox.json");
        if !manifest_path.exists() {
            Self::generate(dir)?;
        }
        let text =
            std::fs::read_to_string(&manifest_path).map_err(|e| file_err(&manifest_path, e))?;
        let manifest: Manifest =
            serde_json::from_str(&text).map_err(|e| file_err(&manifest_path, e))?;
        let read = |name: &str| {
            let p = dir.join(name);
            std::fs::read(&p).map_err(|e| file_err(&p, e))
        };
        let merchant = MerchantKey::from_pem(&read(&manifest.merchant_key_file)?)
            .map_err(|e| file_err(&dir.join(&manifest.merchant_key_file), e))?;
        let platform = MerchantKey::from_pem(&read(PLATFORM_KEY_FILE)?)
            .map_err(|e| file_err(&dir.join(PLATFORM_KEY_FILE), e))?;
        let platform_cert_pem =
            String::from_utf8_lossy(&read(&manifest.platform_cert_file)?).into_owned();
        let der = rustls::pki_types::pem::PemObject::from_pem_slice(platform_cert_pem.as_bytes())
            .map(|c: rustls::pki_types::CertificateDer<'_>| c.as_ref().to_vec())
            .map_err(|e| file_err(&dir.join(&manifest.platform_cert_file), e))?;
        let cert = crate::x509::parse(&der)
            .map_err(|e| file_err(&dir.join(&manifest.platform_cert_file), e))?;
        Ok(SandboxKeys {
            dir: dir.to_path_buf(),
            manifest,
            merchant,
            platform,
            platform_cert_pem,
            platform_not_before: cert.not_before,
            platform_not_after: cert.not_after,
        })
    }

    fn generate(dir: &Path) -> Result<(), KeysError> {
        std::fs::create_dir_all(dir).map_err(|e| file_err(dir, e))?;
        let merchant = MerchantKey::generate();
        let platform = MerchantKey::generate();
        let m_serial = serial_bytes();
        let p_serial = serial_bytes();
        let mchid = format!("19{}", digits(8));
        let (m_cert, _, _) =
            self_signed(&merchant, &format!("{mchid} sandbox merchant"), &m_serial)
                .map_err(|e| file_err(dir, e))?;
        let (p_cert, _, _) = self_signed(&platform, "WeChat Pay sandbox platform", &p_serial)
            .map_err(|e| file_err(dir, e))?;
        let apiv3: String = crate::wechat::crypto::nonce();
        let manifest = Manifest {
            appid: format!("wxsandbox{}", &crate::random::random_token::<4>()[..8]),
            mchid,
            app_secret: crate::random::random_token::<16>(),
            merchant_serial_no: crate::random::hex(&m_serial).to_ascii_uppercase(),
            public_key_id: format!("PUB_KEY_ID_{}", digits(32)),
            platform_serial_no: crate::random::hex(&p_serial).to_ascii_uppercase(),
            apiv3_key: apiv3.clone(),
            merchant_key_file: MERCHANT_KEY_FILE.into(),
            merchant_cert_file: MERCHANT_CERT_FILE.into(),
            public_key_file: PUBLIC_KEY_FILE.into(),
            apiv3_key_file: APIV3_KEY_FILE.into(),
            platform_cert_file: PLATFORM_CERT_FILE.into(),
            sub_mchid: String::new(),
        };
        let write = |name: &str, data: &[u8], private: bool| -> Result<(), KeysError> {
            let p = dir.join(name);
            std::fs::write(&p, data).map_err(|e| file_err(&p, e))?;
            #[cfg(unix)]
            if private {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600))
                    .map_err(|e| file_err(&p, e))?;
            }
            let _ = private;
            Ok(())
        };
        write(MERCHANT_KEY_FILE, merchant.to_pem().as_bytes(), true)?;
        write(MERCHANT_CERT_FILE, m_cert.as_bytes(), false)?;
        write(PLATFORM_KEY_FILE, platform.to_pem().as_bytes(), true)?;
        write(PLATFORM_CERT_FILE, p_cert.as_bytes(), false)?;
        write(
            PUBLIC_KEY_FILE,
            platform.public_key().to_pem().as_bytes(),
            false,
        )?;
        write(APIV3_KEY_FILE, apiv3.as_bytes(), true)?;
        // The manifest last: its presence means the set is complete.
        let json = serde_json::to_string_pretty(&manifest).expect("manifest serializes");
        write("sandbox.json", json.as_bytes(), true)?;
        Ok(())
    }

    pub fn merchant_public(&self) -> PublicKey {
        self.merchant.public_key()
    }

    pub fn platform_public(&self) -> PublicKey {
        self.platform.public_key()
    }
}
