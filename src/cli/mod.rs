//! The command line: parses arguments, sets up logging and the runtime, and calls into the
//! library. Every subcommand returns `Result<(), CliError>`; `error::finish` is the one
//! place that prints the error and picks the exit status (0 success, 1 runtime failure,
//! 2 bad configuration or usage).

mod error;
mod growth;
pub mod lan;
mod listen;
mod ops;
mod wechat;

pub use error::{CliError, exit_code};

use crate::app::{self, App};
use crate::config::{self, Config, LogFormat};
use crate::control;
use clap::{Parser, Subcommand};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "puzi",
    version,
    about = "铺子 — a small-shop appliance for WeChat"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a demo shop with zero configuration; WeChat is simulated by the built-in sandbox.
    Demo {
        /// Data directory (created if missing).
        #[arg(long, default_value = "./puzi-demo")]
        data: PathBuf,
        /// Address to listen on; port 0 picks a free port.
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Listen on all interfaces so phones on the same network can open the shop; prints
        /// every LAN address and a QR code of the first.
        #[arg(long)]
        lan: bool,
        /// Put the demo catalog's stock back to its seeded levels first (orders, the owner
        /// account and settings stay).
        #[arg(long)]
        reset_stock: bool,
        /// The shop's language ("zh-CN" or "en"): words and the seeded catalog.
        #[arg(long, value_parser = |s: &str| crate::text::Lang::parse(s).ok_or("use zh-CN or en"))]
        lang: Option<crate::text::Lang>,
    },
    /// Run the shop from a config file.
    Serve {
        #[arg(long)]
        config: PathBuf,
    },
    /// Write a commented config template (refuses to overwrite).
    Init {
        #[arg(long)]
        config: PathBuf,
    },
    /// WeChat debugging aids and the Official Account menu.
    Wechat {
        #[command(subcommand)]
        command: WechatCommand,
    },
    /// The owner account.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Catalog CSV import and export.
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
    /// Bookkeeping exports.
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// A consistent copy of the data file, taken while the shop keeps serving.
    Backup {
        #[arg(long)]
        config: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
    /// Replace the data file with a verified backup (the shop must be stopped).
    Restore {
        #[arg(long)]
        config: PathBuf,
        #[arg(long)]
        from: PathBuf,
    },
    /// Check config, keys, TLS, clock, disk space, WeChat URL rules and the data file.
    Doctor {
        #[arg(long)]
        config: PathBuf,
    },
    /// Write the QR code of any URL (SVG or PNG by the file's extension).
    Qr {
        url: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// The growth benchmark's generator and timings (`bench/run.sh growth`).
    #[command(hide = true)]
    BenchGrowth {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        orders: u64,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Print a one-time link that creates the owner account.
    SetupLink {
        #[arg(long)]
        config: PathBuf,
    },
    /// Disable the owner's password and print a one-time link to set a new one.
    ResetPassword {
        #[arg(long)]
        config: PathBuf,
    },
}

#[derive(Subcommand)]
enum CatalogCommand {
    /// Import products from CSV (all rows or none).
    Import {
        #[arg(long)]
        config: PathBuf,
        file: PathBuf,
    },
    /// Export the catalog as CSV to stdout (or --out FILE).
    Export {
        #[arg(long)]
        config: PathBuf,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// Orders as CSV for bookkeeping, to stdout (or --out FILE).
    Orders {
        #[arg(long)]
        config: PathBuf,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum WechatCommand {
    /// Verify and decrypt a captured notification ({"headers": {...}, "body": "..."}).
    DecryptNotify {
        #[arg(long)]
        config: PathBuf,
        capture: PathBuf,
    },
    /// Load the keys, match key and certificate, and make one signed call.
    Check {
        #[arg(long)]
        config: PathBuf,
    },
    /// Install the Official Account custom menu from `[[wechat.menu]]`.
    Menu {
        #[arg(long)]
        config: PathBuf,
    },
    /// Store a domain verification file (MP_verify_….txt) that the shop serves at its root.
    VerifyFile {
        #[arg(long)]
        config: PathBuf,
        path: PathBuf,
    },
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // clap prints its own usage message; help and version are not errors.
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    error::finish(dispatch(cli.command))
}

fn dispatch(command: Command) -> Result<(), CliError> {
    match command {
        Command::Init { config } => init(&config),
        Command::Demo {
            data,
            listen,
            lan,
            reset_stock,
            lang,
        } => {
            let listen = listen.unwrap_or_else(|| {
                let ip = if lan { [0, 0, 0, 0] } else { [127, 0, 0, 1] };
                SocketAddr::from((ip, 8080))
            });
            let mut cfg = Config::demo(data, listen);
            if let Some(lang) = lang {
                cfg.shop.language = lang;
            }
            // A booth's phones reach the sandbox over the Wi-Fi.
            cfg.sandbox.public = !listen.ip().is_loopback();
            // A booth sells all day: sold-out demo products refill themselves.
            cfg.sandbox.refill = true;
            serve_config(cfg, Some(Demo { lan, reset_stock }))
        }
        Command::Wechat {
            command: WechatCommand::VerifyFile { config, path },
        } => {
            let data = std::fs::read(&path).map_err(|e| CliError::input(&path, e))?;
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            control_command(&config, control::Command::VerifyFile { name, data }, None)
        }
        Command::Wechat { command } => {
            let path = match &command {
                WechatCommand::DecryptNotify { config, .. }
                | WechatCommand::Check { config }
                | WechatCommand::Menu { config }
                | WechatCommand::VerifyFile { config, .. } => config.clone(),
            };
            let cfg = config::load(&path)?;
            let rt = tokio::runtime::Runtime::new().map_err(|e| CliError::Failed(e.to_string()))?;
            rt.block_on(async move {
                let clients = app::clients_for(&cfg).map_err(CliError::Setup)?;
                match command {
                    WechatCommand::DecryptNotify { capture, .. } => {
                        wechat::decrypt_notify(&cfg, &clients, &capture).await
                    }
                    WechatCommand::Check { .. } => wechat::check(&cfg, &clients).await,
                    WechatCommand::Menu { .. } => wechat::menu(&cfg, &clients).await,
                    WechatCommand::VerifyFile { .. } => Ok(()),
                }
            })
        }
        Command::Admin { command } => match command {
            AdminCommand::SetupLink { config } => {
                control_command(&config, control::Command::SetupLink, None)
            }
            AdminCommand::ResetPassword { config } => {
                control_command(&config, control::Command::ResetPassword, None)
            }
        },
        Command::Catalog { command } => match command {
            CatalogCommand::Import { config, file } => {
                let csv = std::fs::read_to_string(&file).map_err(|e| CliError::input(&file, e))?;
                control_command(&config, control::Command::CatalogImport { csv }, None)
            }
            CatalogCommand::Export { config, out } => {
                control_command(&config, control::Command::CatalogExport, out)
            }
        },
        Command::Export { command } => match command {
            ExportCommand::Orders { config, out } => {
                control_command(&config, control::Command::ExportOrders, out)
            }
        },
        Command::Backup { config, out } => {
            let out = std::path::absolute(&out).unwrap_or(out);
            control_command(&config, control::Command::Backup { out }, None)
        }
        Command::Restore { config, from } => ops::restore(&config, &from),
        Command::Doctor { config } => ops::doctor(&config),
        Command::Qr { url, out } => ops::qr(&url, &out),
        Command::BenchGrowth { data, orders } => growth::run(&data, orders),
        Command::Serve { config } => serve_config(config::load(&config)?, None),
    }
}

/// Runs a control command (through the running shop, or on the store) and prints its
/// output to stdout or `out`.
fn control_command(
    config: &std::path::Path,
    cmd: control::Command,
    out: Option<PathBuf>,
) -> Result<(), CliError> {
    let cfg = config::load(config)?;
    let reply = control::run(&cfg, cmd);
    if !reply.ok {
        return Err(CliError::Failed(reply.output));
    }
    match out {
        Some(path) => {
            std::fs::write(&path, reply.output.as_bytes()).map_err(|e| CliError::output(&path, e))
        }
        None => {
            println!("{}", reply.output.trim_end());
            Ok(())
        }
    }
}

fn init(path: &std::path::Path) -> Result<(), CliError> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => CliError::Usage(format!(
                "{} already exists; not overwriting it",
                path.display()
            )),
            _ => CliError::output(path, e),
        })?;
    file.write_all(config::TEMPLATE.as_bytes())
        .map_err(|e| CliError::output(path, e))?;
    println!("wrote {}", path.display());
    Ok(())
}

fn init_logging(format: LogFormat) {
    let level = std::env::var("PUZI_LOG")
        .ok()
        .and_then(|l| l.parse::<tracing::Level>().ok())
        .unwrap_or(tracing::Level::INFO);
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// What `puzi demo` asks of `serve_config` beyond seeding the demo catalog.
#[derive(Clone, Copy)]
struct Demo {
    lan: bool,
    reset_stock: bool,
}

fn serve_config(mut cfg: Config, demo: Option<Demo>) -> Result<(), CliError> {
    init_logging(cfg.log);
    let seed_demo = demo.is_some();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(64)
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the runtime: {e}")))?;
    rt.block_on(async move {
        let listen = cfg.server.listen;
        listen::prepare_file_limit(cfg.server.max_connections);
        let listener = listen::bind(listen).map_err(|source| app::StartError::Listen {
            addr: listen,
            source,
        })?;
        let addr = listener.local_addr().unwrap_or(listen);
        let lan_urls = match demo {
            Some(d) if d.lan => {
                let scheme = if cfg.tls.is_on() { "https" } else { "http" };
                lan::lan_urls(addr, scheme, &lan::system_interfaces())
            }
            _ => Vec::new(),
        };
        if cfg.shop.base_url.is_none()
            && let Some(first) = lan_urls.first()
        {
            // Phones follow OAuth redirects and QR codes to the public URL: the LAN one.
            cfg.shop.base_url = Some(first.url.clone());
        }
        let app = tokio::task::spawn_blocking(move || App::open(cfg, seed_demo, addr))
            .await
            .map_err(|e| CliError::Failed(e.to_string()))??;
        let refilled = if demo.is_some_and(|d| d.reset_stock) {
            let (store, lang, now) = (
                app.store.clone(),
                app.config.shop.language,
                app.clock.unix(),
            );
            let n = tokio::task::spawn_blocking(move || {
                crate::seed::refill_demo_stock(&store, crate::seed::Refill::All, lang, now)
            })
            .await
            .map_err(|e| CliError::Failed(e.to_string()))?
            .map_err(|e| CliError::Failed(format!("cannot refill the demo stock: {e}")))?;
            Some(n)
        } else {
            None
        };
        let link = {
            let (store, base, now) = (app.store.clone(), app.base_url.clone(), app.clock.unix());
            tokio::task::spawn_blocking(move || {
                crate::account::first_start_link(&store, &base, now)
            })
            .await
            .ok()
            .and_then(Result::ok)
            .flatten()
        };
        // Before the first line that says the shop listens: a stop asked for from then on
        // is a clean one.
        let stop = shutdown_signal();
        {
            let mut out = std::io::stdout().lock();
            let scheme = if app.tls.is_some() { "https" } else { "http" };
            let _ = writeln!(out, "listening on {scheme}://{addr}");
            if let Some(l) = &link {
                let _ = writeln!(out, "create the owner account (one-time link): {l}");
            }
            if let Some(n) = refilled {
                let _ = writeln!(
                    out,
                    "demo stock refilled to its seeded levels ({n} variants changed)"
                );
            }
            if demo.is_some_and(|d| d.lan) {
                print_lan(&mut out, &lan_urls);
            }
            let _ = out.flush();
        }
        if let Some(l) = &link {
            tracing::warn!(link = %l, "no owner account yet; open the one-time setup link");
        }
        tracing::info!(%addr, data = %app.config.storage.data_dir.display(), "shop open");
        crate::web::run(listener, app, stop).await;
        tracing::info!("stopped");
        Ok(())
    })
}

/// The LAN addresses, one a line, and the QR code of the first (or why there is none).
fn print_lan(out: &mut impl Write, urls: &[lan::LanUrl]) {
    if urls.is_empty() {
        let _ = writeln!(
            out,
            "no LAN address found: connect this machine to the network the phones use"
        );
        return;
    }
    for u in urls {
        let _ = writeln!(out, "on the LAN ({}): {}", u.iface, u.url);
    }
    if let Some(qr) = lan::terminal_qr(&urls[0].url) {
        let _ = writeln!(out, "scan to open {}:", urls[0].url);
        let _ = writeln!(out, "{qr}\n");
    }
}

/// Resolves on ctrl-c or SIGTERM. The handlers are installed when this is called, not
/// when the future is first polled: a SIGTERM that arrives while the server is already
/// answering requests is a clean stop, never the default action that kills the process.
/// (The accept loop may not poll its shutdown future before it serves the first
/// connection; a test that stops the shop right after its first answer met exactly that.)
/// Call it inside the runtime.
pub fn shutdown_signal() -> impl Future<Output = ()> {
    #[cfg(unix)]
    let (mut term, mut int) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::terminate()).ok(),
            signal(SignalKind::interrupt()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let term = async {
                match term.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            let int = async {
                match int.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = term => {},
                _ = int => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
