//! The control socket: CLI subcommands that need the data while the shop runs
//! (`admin setup-link`, `admin reset-password`, `catalog import|export`, `export orders`,
//! `backup`, `wechat verify-file`) ask the running server over a Unix socket in the data directory, readable by
//! its owner only. When no server answers they open the store themselves. Either way the
//! same function does the work.

use crate::config::Config;
use crate::store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const SOCKET: &str = "puzi.sock";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "cmd", rename_all = "kebab-case")]
pub enum Command {
    SetupLink,
    ResetPassword,
    CatalogExport,
    CatalogImport {
        csv: String,
    },
    ExportOrders,
    Backup {
        out: PathBuf,
    },
    /// Checks every record of the data file.
    Verify,
    /// Stores a WeChat domain verification file (`MP_verify_….txt`), served at the root.
    VerifyFile {
        name: String,
        data: Vec<u8>,
    },
    /// The stored verification files, as JSON `[[name, [bytes…]], …]` (for `doctor`).
    DomainFiles,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Reply {
    pub ok: bool,
    /// What the command prints on stdout (a link, a CSV…), or the error.
    pub output: String,
}

pub fn socket_path(config: &Config) -> PathBuf {
    config.storage.data_dir.join(SOCKET)
}

/// Runs a command against an open store.
pub fn execute(store: &Store, config: &Config, base: &str, cmd: Command) -> Reply {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let r: Result<Result<String, String>, StoreError> = (|| match cmd {
        Command::SetupLink => Ok(Ok(crate::account::setup_link(store, base, now, false)?)),
        Command::ResetPassword => Ok(Ok(crate::account::setup_link(store, base, now, true)?)),
        Command::CatalogExport => Ok(Ok(store.export_catalog(config.shop.currency)?)),
        Command::CatalogImport { csv } => Ok(store
            .import_catalog(&csv, config.shop.currency, "cli", now)?
            .map(|n| format!("imported {n} products"))
            .map_err(|e| e.join("\n"))),
        Command::ExportOrders => Ok(Ok(crate::store::orders_csv(&store.all_orders()?))),
        Command::Backup { out } => Ok(store
            .backup_to(&out)
            .map(|n| format!("backup written: {} ({n} bytes)", out.display()))),
        Command::Verify => Ok(store.verify()),
        Command::VerifyFile { name, data } => Ok(store
            .put_domain_file(&name, &data, ("cli", now))?
            .map(|()| format!("stored {name}; served at {base}/{name}"))
            .map_err(|e| format!("{name}: {e}"))),
        Command::DomainFiles => Ok(Ok(
            serde_json::to_string(&store.domain_files()?).unwrap_or_default()
        )),
    })();
    match r {
        Ok(Ok(output)) => Reply { ok: true, output },
        Ok(Err(e)) => Reply {
            ok: false,
            output: e,
        },
        Err(e) => Reply {
            ok: false,
            output: e.to_string(),
        },
    }
}

/// Binds the control socket (owner-only), replacing a stale one. The socket is made in a
/// fresh 0700 directory beside it, restricted to 0600 there (where no one else can reach
/// it), and only then renamed into place: it is never open to others, not even briefly.
/// No umask is touched (it is process-wide).
#[cfg(unix)]
pub fn bind(path: &Path) -> std::io::Result<std::os::unix::net::UnixListener> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    let dir = path.parent().unwrap_or(Path::new("."));
    let private = dir.join(format!(".puzi-sock-{}", crate::random::random_token::<4>()));
    std::fs::DirBuilder::new().mode(0o700).create(&private)?;
    let inner = private.join(SOCKET);
    let bound = (|| {
        let l = std::os::unix::net::UnixListener::bind(&inner)?;
        std::fs::set_permissions(&inner, std::fs::Permissions::from_mode(0o600))?;
        // Replaces a stale socket in one step.
        std::fs::rename(&inner, path)?;
        l.set_nonblocking(true)?;
        Ok(l)
    })();
    let _ = std::fs::remove_file(&inner);
    let _ = std::fs::remove_dir(&private);
    bound
}

/// Serves the control socket until `stop` resolves.
#[cfg(unix)]
pub async fn serve(app: crate::app::App, stop: impl Future<Output = ()>) {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    let path = socket_path(&app.config);
    let bound = app.control.lock().expect("control lock").take();
    let listener = match bound.map(tokio::net::UnixListener::from_std) {
        Some(Ok(l)) => l,
        Some(Err(e)) => {
            tracing::warn!(error = %e, path = %path.display(), "control socket unavailable");
            return;
        }
        None => {
            tracing::warn!(path = %path.display(), "control socket unavailable");
            return;
        }
    };
    let mut stop = std::pin::pin!(stop);
    loop {
        let (stream, _) = tokio::select! {
            r = listener.accept() => match r { Ok(s) => s, Err(_) => continue },
            _ = &mut stop => break,
        };
        let app = app.clone();
        tokio::spawn(async move {
            let (rd, mut wr) = stream.into_split();
            let mut line = String::new();
            let mut rd = BufReader::new(rd.take(64 * 1024 * 1024));
            if rd.read_line(&mut line).await.is_err() {
                return;
            }
            let reply = match serde_json::from_str::<Command>(&line) {
                Ok(cmd) => {
                    let (store, cfg, base) =
                        (app.store.clone(), app.config.clone(), app.base_url.clone());
                    tokio::task::spawn_blocking(move || execute(&store, &cfg, &base, cmd))
                        .await
                        .unwrap_or(Reply {
                            ok: false,
                            output: "command failed".into(),
                        })
                }
                Err(e) => Reply {
                    ok: false,
                    output: format!("bad request: {e}"),
                },
            };
            let mut out = serde_json::to_string(&reply).unwrap_or_default();
            out.push('\n');
            let _ = wr.write_all(out.as_bytes()).await;
        });
    }
    let _ = std::fs::remove_file(&path);
}

/// Asks the running server; `None` when none answers on the socket.
#[cfg(unix)]
pub fn ask(path: &Path, cmd: &Command) -> Option<Reply> {
    use std::io::{BufRead, BufReader, Write};
    let mut s = std::os::unix::net::UnixStream::connect(path).ok()?;
    let mut line = serde_json::to_string(cmd).ok()?;
    line.push('\n');
    s.write_all(line.as_bytes()).ok()?;
    let mut reply = String::new();
    BufReader::new(s).read_line(&mut reply).ok()?;
    serde_json::from_str(&reply).ok()
}

#[cfg(not(unix))]
pub fn ask(_: &Path, _: &Command) -> Option<Reply> {
    None
}

/// Runs a command: through the running server if there is one, else on the store directly.
pub fn run(config: &Config, cmd: Command) -> Reply {
    if let Some(r) = ask(&socket_path(config), &cmd) {
        return r;
    }
    match Store::open(&config.storage.db_path()) {
        Ok(store) => execute(
            &store,
            config,
            &config.public_base_url(config.server.listen),
            cmd,
        ),
        Err(e) => Reply {
            ok: false,
            output: e.to_string(),
        },
    }
}
