//! TLS, terminated by puzi itself: rustls with a certificate resolver whose certificate can
//! be swapped while connections stay up. Modes: `self-signed` (generated once for the
//! configured names), `files` (PEM files, reloaded when they change), `acme` (obtained and
//! renewed from an ACME CA with HTTP-01, account and certificates kept in the data dir),
//! and `off`. ALPN offers h2 and http/1.1. The plain-HTTP listener redirects to https and
//! answers ACME challenges.

use crate::config::{Config, TlsMode};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

/// ACME certificates are renewed this long before they expire.
pub const RENEW_BEFORE_SECS: i64 = 30 * 24 * 3600;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{path}: {problem}")]
    File { path: String, problem: String },
    #[error("certificate: {0}")]
    Cert(String),
    #[error("ACME: {0}")]
    Acme(String),
}

fn file_err(path: &Path, e: impl std::fmt::Display) -> TlsError {
    TlsError::File {
        path: path.display().to_string(),
        problem: e.to_string(),
    }
}

/// The certificate currently served, swappable at any time.
#[derive(Debug)]
struct Resolver {
    current: RwLock<Arc<CertifiedKey>>,
}

impl ResolvesServerCert for Resolver {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.read().expect("cert lock").clone())
    }
}

/// A loaded certificate: the rustls key and its expiry.
struct Loaded {
    key: Arc<CertifiedKey>,
    not_after: i64,
}

fn load_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Loaded, TlsError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| TlsError::Cert(e.to_string()))?;
    let leaf = certs
        .first()
        .ok_or_else(|| TlsError::Cert("no certificate in the PEM".into()))?;
    let not_after = crate::x509::parse(leaf).map_err(TlsError::Cert)?.not_after;
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| TlsError::Cert(e.to_string()))?;
    let signing = rustls::crypto::aws_lc_rs::sign::any_supported_type(&key)
        .map_err(|e| TlsError::Cert(e.to_string()))?;
    Ok(Loaded {
        key: Arc::new(CertifiedKey::new(certs, signing)),
        not_after,
    })
}

/// A self-signed ECDSA P-256 certificate for `names`, as (cert PEM, key PEM).
pub fn self_signed(names: &[String]) -> Result<(String, String), TlsError> {
    let ck = rcgen::generate_simple_self_signed(names.to_vec())
        .map_err(|e| TlsError::Cert(e.to_string()))?;
    Ok((ck.cert.pem(), ck.signing_key.serialize_pem()))
}

/// Writes a key (or certificate, or ACME account) file readable by its owner only: a new
/// file created 0600 beside it, then renamed over it, so no one else can ever read it, not
/// even between creating and restricting it. A directory made for it is 0700.
fn write_private(path: &Path, data: &str) -> Result<(), TlsError> {
    use std::io::Write;
    if let Some(d) = path.parent() {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(d).map_err(|e| file_err(d, e))?;
    }
    let tmp = path.with_extension(format!("tmp-{}", crate::random::random_token::<4>()));
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let written = o.open(&tmp).and_then(|mut f| {
        f.write_all(data.as_bytes())?;
        f.sync_all()
    });
    if let Err(e) = written.and_then(|_| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(file_err(path, e));
    }
    Ok(())
}

fn mtime(p: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

pub struct Tls {
    mode: TlsMode,
    dir: PathBuf,
    resolver: Arc<Resolver>,
    acceptor: tokio_rustls::TlsAcceptor,
    not_after: AtomicI64,
    files_seen: RwLock<(Option<std::time::SystemTime>, Option<std::time::SystemTime>)>,
    /// ACME HTTP-01 tokens → key authorizations.
    challenges: RwLock<HashMap<String, String>>,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls").field("mode", &self.mode).finish()
    }
}

impl Tls {
    /// Sets up TLS for the config; `None` when TLS is off.
    pub fn setup(cfg: &Config) -> Result<Option<Arc<Tls>>, TlsError> {
        let dir = cfg.storage.data_dir.join("tls");
        let loaded = match &cfg.tls.mode {
            TlsMode::Off => return Ok(None),
            TlsMode::SelfSigned { names } => {
                let (c, k) = (dir.join("self-signed.crt"), dir.join("self-signed.key"));
                if !c.exists() || !k.exists() {
                    let (cert, key) = self_signed(names)?;
                    write_private(&k, &key)?;
                    write_private(&c, &cert)?;
                }
                load_pem(
                    &std::fs::read(&c).map_err(|e| file_err(&c, e))?,
                    &std::fs::read(&k).map_err(|e| file_err(&k, e))?,
                )?
            }
            TlsMode::Files { cert, key } => {
                let c = std::fs::read(cert).map_err(|e| file_err(cert, e))?;
                let k = std::fs::read(key).map_err(|e| file_err(key, e))?;
                load_pem(&c, &k).map_err(|e| file_err(cert, e))?
            }
            TlsMode::Acme { names, .. } => {
                let (c, k) = (dir.join("acme-cert.pem"), dir.join("acme-key.pem"));
                match (std::fs::read(&c), std::fs::read(&k)) {
                    (Ok(c), Ok(k)) => load_pem(&c, &k)?,
                    // Until the CA answers: a temporary self-signed certificate.
                    _ => {
                        let (cert, key) = self_signed(names)?;
                        let mut l = load_pem(cert.as_bytes(), key.as_bytes())?;
                        l.not_after = 0;
                        l
                    }
                }
            }
        };
        let resolver = Arc::new(Resolver {
            current: RwLock::new(loaded.key),
        });
        let mut sc = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_cert_resolver(resolver.clone());
        sc.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let files_seen = match &cfg.tls.mode {
            TlsMode::Files { cert, key } => (mtime(cert), mtime(key)),
            _ => (None, None),
        };
        Ok(Some(Arc::new(Tls {
            mode: cfg.tls.mode.clone(),
            dir,
            resolver,
            acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(sc)),
            not_after: AtomicI64::new(loaded.not_after),
            files_seen: RwLock::new(files_seen),
            challenges: RwLock::new(HashMap::new()),
        })))
    }

    pub fn acceptor(&self) -> &tokio_rustls::TlsAcceptor {
        &self.acceptor
    }

    /// Unix seconds when the served certificate expires (0: a temporary one).
    pub fn not_after(&self) -> i64 {
        self.not_after.load(Ordering::Relaxed)
    }

    fn install(&self, l: Loaded) {
        *self.resolver.current.write().expect("cert lock") = l.key;
        self.not_after.store(l.not_after, Ordering::Relaxed);
    }

    /// `files` mode: loads the files again when either changed. A broken new file keeps the
    /// old certificate in service. Returns whether a new certificate is served.
    pub fn reload_files(&self) -> Result<bool, TlsError> {
        let TlsMode::Files { cert, key } = &self.mode else {
            return Ok(false);
        };
        let now = (mtime(cert), mtime(key));
        if *self.files_seen.read().expect("lock") == now {
            return Ok(false);
        }
        let c = std::fs::read(cert).map_err(|e| file_err(cert, e))?;
        let k = std::fs::read(key).map_err(|e| file_err(key, e))?;
        let l = load_pem(&c, &k)?;
        self.install(l);
        *self.files_seen.write().expect("lock") = now;
        Ok(true)
    }

    /// The key authorization for an HTTP-01 token, if one is pending.
    pub fn challenge(&self, token: &str) -> Option<String> {
        self.challenges.read().expect("lock").get(token).cloned()
    }

    /// `acme` mode: obtains a certificate when there is none or it expires within 30 days.
    pub async fn acme_renew_if_due(&self, now: i64) -> Result<bool, TlsError> {
        let TlsMode::Acme {
            names,
            directory,
            email,
            ca_file,
        } = &self.mode
        else {
            return Ok(false);
        };
        if self.not_after() - now > RENEW_BEFORE_SECS {
            return Ok(false);
        }
        let (cert, key) = self
            .acme_obtain(names, directory, email.as_deref(), ca_file.as_deref())
            .await?;
        write_private(&self.dir.join("acme-key.pem"), &key)?;
        write_private(&self.dir.join("acme-cert.pem"), &cert)?;
        self.install(load_pem(cert.as_bytes(), key.as_bytes())?);
        tracing::info!(names = ?names, not_after = self.not_after(), "ACME certificate installed");
        Ok(true)
    }

    async fn acme_obtain(
        &self,
        names: &[String],
        directory: &str,
        email: Option<&str>,
        ca_file: Option<&Path>,
    ) -> Result<(String, String), TlsError> {
        use instant_acme::{
            Account, AccountCredentials, ChallengeType, Identifier, NewAccount, NewOrder,
            OrderStatus, RetryPolicy,
        };
        let e = |e: instant_acme::Error| TlsError::Acme(e.to_string());
        let builder = || match ca_file {
            Some(ca) => Account::builder_with_root(ca).map_err(e),
            None => Account::builder().map_err(e),
        };
        let creds_path = self.dir.join("acme-account.json");
        let account = match std::fs::read_to_string(&creds_path)
            .ok()
            .and_then(|t| serde_json::from_str::<AccountCredentials>(&t).ok())
        {
            Some(c) => builder()?.from_credentials(c).await.map_err(e)?,
            None => {
                let contact = email.map(|m| format!("mailto:{m}"));
                let contacts: Vec<&str> = contact.iter().map(String::as_str).collect();
                let (account, creds) = builder()?
                    .create(
                        &NewAccount {
                            contact: &contacts,
                            terms_of_service_agreed: true,
                            only_return_existing: false,
                        },
                        directory.to_string(),
                        None,
                    )
                    .await
                    .map_err(e)?;
                write_private(
                    &creds_path,
                    &serde_json::to_string(&creds).map_err(|x| TlsError::Acme(x.to_string()))?,
                )?;
                account
            }
        };
        let ids: Vec<Identifier> = names.iter().map(|n| Identifier::Dns(n.clone())).collect();
        let mut order = account.new_order(&NewOrder::new(&ids)).await.map_err(e)?;
        let mut authz = order.authorizations();
        while let Some(a) = authz.next().await {
            let mut a = a.map_err(e)?;
            if matches!(a.status, instant_acme::AuthorizationStatus::Valid) {
                continue;
            }
            let mut ch = a
                .challenge(ChallengeType::Http01)
                .ok_or_else(|| TlsError::Acme("the CA offers no http-01 challenge".into()))?;
            let token = ch.token.clone();
            let ka = ch.key_authorization().as_str().to_string();
            self.challenges.write().expect("lock").insert(token, ka);
            ch.set_ready().await.map_err(e)?;
        }
        let status = order.poll_ready(&RetryPolicy::default()).await.map_err(e)?;
        if status != OrderStatus::Ready {
            return Err(TlsError::Acme(format!("order is {status:?}")));
        }
        let key = order.finalize().await.map_err(e)?;
        let cert = order
            .poll_certificate(&RetryPolicy::default())
            .await
            .map_err(e)?;
        self.challenges.write().expect("lock").clear();
        Ok((cert, key))
    }
}

/// Background upkeep: `files` reload checks and `acme` renewals, until `stop`.
pub async fn run(tls: Arc<Tls>, every: std::time::Duration, stop: impl Future<Output = ()>) {
    let mut stop = std::pin::pin!(stop);
    loop {
        match tls.reload_files() {
            Ok(true) => tracing::info!("TLS certificate files changed; reloaded"),
            Ok(false) => {}
            Err(e) => {
                tracing::error!(error = %e, "TLS files could not be reloaded; the old certificate stays")
            }
        }
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        if let Err(e) = tls.acme_renew_if_due(now).await {
            tracing::error!(error = %e, "ACME certificate not obtained; will retry");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = &mut stop => break,
        }
    }
}

/// The doctor's TLS line.
pub fn doctor(cfg: &Config) -> Result<String, String> {
    match &cfg.tls.mode {
        TlsMode::Off => Ok(
            "tls off: plain HTTP (put a TLS reverse proxy in front, or use acme/files/self-signed)"
                .into(),
        ),
        _ => {
            let tls = Tls::setup(cfg).map_err(|e| e.to_string())?.expect("tls on");
            let left = tls.not_after() - time::OffsetDateTime::now_utc().unix_timestamp();
            match &cfg.tls.mode {
                TlsMode::Acme { .. } if tls.not_after() == 0 => {
                    Ok("acme: no certificate yet; puzi obtains one when it starts".into())
                }
                _ if left <= 0 => Err("the TLS certificate has expired".into()),
                _ if left < 14 * 24 * 3600 => Err(format!(
                    "the TLS certificate expires in {} days",
                    left / 86400
                )),
                _ => Ok(format!(
                    "TLS certificate valid for {} more days",
                    left / 86400
                )),
            }
        }
    }
}
