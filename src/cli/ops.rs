//! Operations: `restore`, `doctor` and `qr`.

use super::CliError;
use crate::config;
use std::path::Path;

/// Replaces the data file with a verified backup, keeping the old file aside.
pub fn restore(config_path: &Path, from: &Path) -> Result<(), CliError> {
    let cfg = config::load(config_path)?;
    if crate::control::ask(
        &crate::control::socket_path(&cfg),
        &crate::control::Command::SetupLink,
    )
    .is_some()
    {
        return Err(CliError::Failed(
            "the shop is running; stop it before restoring".into(),
        ));
    }
    match crate::store::Store::verify_file(from) {
        Ok(summary) => println!("backup verified: {summary}"),
        Err(e) => {
            return Err(CliError::Failed(format!(
                "{} is not a usable backup: {e}; nothing was changed",
                from.display()
            )));
        }
    }
    let db = cfg.storage.db_path();
    if let Some(dir) = db.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if db.exists() {
        let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
        let aside = db.with_extension(format!("redb.before-restore-{stamp}"));
        std::fs::rename(&db, &aside)
            .map_err(|e| CliError::Failed(format!("cannot move {} aside: {e}", db.display())))?;
        println!("the previous data file is kept as {}", aside.display());
    }
    let tmp = db.with_extension("restoring");
    let _ = std::fs::remove_file(&tmp);
    // Into a file created owner-only (0600), whatever the backup's own permissions.
    crate::store::private_file(&tmp)
        .and_then(|_| {
            let mut src = std::fs::File::open(from)?;
            let mut dst = std::fs::OpenOptions::new().write(true).open(&tmp)?;
            std::io::copy(&mut src, &mut dst)?;
            dst.sync_all()
        })
        .and_then(|_| std::fs::rename(&tmp, &db))
        .map_err(|e| CliError::Failed(format!("restore failed: {e}")))?;
    println!("restored {} from {}", db.display(), from.display());
    Ok(())
}

fn line(ok: bool, what: &str) -> bool {
    println!("{} {what}", if ok { "ok  " } else { "FAIL" });
    ok
}

/// Free bytes on the file system holding `dir`.
#[cfg(unix)]
fn free_bytes(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs is a plain C struct of integers, for which all zeroes is valid.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: a valid C string and a zeroed statvfs the call fills in.
    let rc = unsafe { libc::statvfs(c.as_ptr(), &mut st) };
    (rc == 0).then(|| st.f_bavail as u64 * st.f_frsize as u64)
}

#[cfg(not(unix))]
fn free_bytes(_: &Path) -> Option<u64> {
    None
}

/// `puzi doctor`: every check printed; exit 0 only when all pass.
pub fn doctor(config_path: &Path) -> Result<(), CliError> {
    let cfg = match config::load(config_path) {
        Ok(c) => {
            line(true, &format!("config {} is valid", config_path.display()));
            c
        }
        Err(e) => {
            line(false, &e.to_string());
            return Err(CliError::Reported);
        }
    };
    let mut ok = true;
    let fresh_sandbox = cfg.wechat.mode == config::WechatMode::Sandbox
        && !cfg
            .storage
            .data_dir
            .join("sandbox")
            .join("sandbox.json")
            .exists();
    if fresh_sandbox {
        line(true, "sandbox keys are generated on the first start");
    } else {
        match crate::app::clients_for(&cfg) {
            Ok(c) => {
                ok &= line(
                    true,
                    &format!(
                        "WeChat keys load (mchid {}, {})",
                        c.mchid,
                        match c.pay.keyring().public_key_id() {
                            Some(id) => format!("public key {id}"),
                            None => "platform certificates".into(),
                        }
                    ),
                )
            }
            Err(e) => ok &= line(false, &format!("WeChat keys: {e}")),
        }
    }
    ok &= match crate::tls::doctor(&cfg) {
        Ok(msg) => line(true, &msg),
        Err(msg) => line(false, &msg),
    };
    let now = time::OffsetDateTime::now_utc();
    ok &= line(
        now.year() >= 2025,
        &format!("system clock reads {now} (UTC)"),
    );
    let dir = &cfg.storage.data_dir;
    let _ = std::fs::create_dir_all(dir);
    match free_bytes(dir) {
        Some(b) => {
            ok &= line(
                b >= 200 * 1024 * 1024,
                &format!("{} MB free in {}", b / 1024 / 1024, dir.display()),
            )
        }
        None => {
            ok &= line(
                false,
                &format!("cannot read free space of {}", dir.display()),
            )
        }
    }
    let base = cfg.shop.base_url.clone().unwrap_or_default();
    if cfg.wechat.mode == config::WechatMode::Live {
        let host = base
            .trim_start_matches("https://")
            .split('/')
            .next()
            .unwrap_or("");
        ok &= line(
            base.starts_with("https://"),
            &format!("base_url {base} is https (WeChat's notify URL rule)"),
        );
        ok &= line(
            !host.contains(':') || host.ends_with(":443"),
            "base_url uses the standard port",
        );
        ok &= line(!base.contains('?'), "notify URLs carry no query string");
    } else {
        line(true, "sandbox mode: WeChat URL rules apply when going live");
    }
    let reply = crate::control::run(&cfg, crate::control::Command::Verify);
    ok &= line(reply.ok, &format!("data file: {}", reply.output));
    ok &= platform_checks(&cfg, fresh_sandbox);
    if ok {
        println!("all checks passed");
        Ok(())
    } else {
        println!("some checks FAILED");
        Err(CliError::Reported)
    }
}

/// The WeChat platform checks: each domain verification file fetched through the public
/// base URL (reachable, byte-identical), and one live token call for the IP whitelist.
fn platform_checks(cfg: &config::Config, fresh_sandbox: bool) -> bool {
    let reply = crate::control::run(cfg, crate::control::Command::DomainFiles);
    let files: Vec<(String, Vec<u8>)> = if reply.ok {
        serde_json::from_str(&reply.output).unwrap_or_default()
    } else {
        Vec::new()
    };
    let Ok(rt) = tokio::runtime::Runtime::new() else {
        return line(false, "cannot start the checks' runtime");
    };
    let base = cfg.public_base_url(cfg.server.listen);
    let mut ok = true;
    rt.block_on(async {
        for c in crate::checklist::verify_files(&base, &files).await {
            ok &= line(c.ok, &format!("verification file: {}", c.detail));
        }
        if fresh_sandbox {
            return;
        }
        let Ok(clients) = crate::app::clients_for(cfg) else {
            return;
        };
        let c = crate::checklist::whitelist(&clients).await;
        let sandbox_down = cfg.wechat.mode == config::WechatMode::Sandbox
            && c.detail.contains("cannot reach WeChat");
        if sandbox_down {
            line(
                true,
                "IP whitelist: the sandbox is not running (checked when live)",
            );
        } else {
            ok &= line(c.ok, &format!("IP whitelist: {}", c.detail));
        }
    });
    ok
}

/// `puzi qr URL --out FILE`.
pub fn qr(url: &str, out: &Path) -> Result<(), CliError> {
    let data = match out.extension().and_then(|e| e.to_str()) {
        Some("png") => crate::qr::png(url, 8),
        Some("svg") => crate::qr::svg(url, 300).map(String::into_bytes),
        _ => return Err(CliError::Usage("--out must end in .svg or .png".into())),
    };
    let data = data.ok_or_else(|| CliError::Usage("that URL is too long for a QR code".into()))?;
    std::fs::write(out, data).map_err(|e| CliError::output(out, e))?;
    println!("wrote {}", out.display());
    Ok(())
}
