//! The back office under `/admin`: access (setup link, login, sessions, CSRF), the
//! dashboard, products and categories, orders (ship, refund, CSV), QR entry points and the
//! WeChat setup checklist, staff and the audit log. Every route but login, setup and an
//! invitation refuses without a session, and refuses (403, a page in words) what the
//! member's role may not do ([`allowed`]); every form carries the session's CSRF token.

// The dashboard's figures, read without scanning every order (issue 19).
mod aftersales;
mod audit;
mod catalog;
mod coupons;
mod dashboard_data;
pub(super) mod multipart;
mod orders;
mod owner_notify;
mod product_edit;
mod service;
pub(crate) mod shipping;
mod shipping_rules;
mod staff;
mod verify_files;
mod views;

use super::Ctx;
use super::http::{Resp, WebError, cookie, html, parse_form, query, read_body, redirect};
use crate::account;
use crate::audit::{Action, Entry, Role};
use crate::store::AdminSession;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, StatusCode};
use std::collections::HashMap;

pub const COOKIE: &str = "puzi_admin";
/// A notice shown once, on the page a change redirects to ("saved"), then gone.
pub const FLASH: &str = "puzi_flash";
/// Uploads (multipart: images, a catalog CSV) may be larger than other forms: several
/// images of up to `IMAGE_MAX` each, or a big catalog; `read_body` enforces this limit.
pub const UPLOAD_LIMIT: usize = 8 * 1024 * 1024;
/// One image at most (413 beyond it): a phone photo fits.
pub const IMAGE_MAX: usize = 2 * 1024 * 1024;

/// A signed-in member (the owner, staff or a viewer).
pub struct Admin {
    pub token: String,
    pub session: AdminSession,
    /// Looked up on every request: a changed role applies at once.
    pub role: Role,
}

impl Admin {
    /// Who and when, for an audit entry made where its action is known (in the store).
    pub fn stamp(&self, ctx: &Ctx) -> (String, i64) {
        (self.session.username.clone(), ctx.app.clock.unix())
    }

    /// An audit entry by this member, now.
    pub fn entry(&self, ctx: &Ctx, action: Action) -> Entry {
        Entry::new(ctx.app.clock.unix(), &self.session.username, action)
    }
}

/// What a role may reach — the server's rule, whatever the pages show. The owner: all.
/// Staff: everything but refunds (also approving an after-sales refund), settings,
/// catalog import, staff and the audit log. A viewer: only looks (and may sign out).
pub fn allowed(role: Role, segs: &[&str], post: bool) -> bool {
    match segs {
        ["settings", ..] | ["staff", ..] | ["audit", ..] | ["audit.csv"] => role.is_owner(),
        ["coupons", ..] | ["shipping-rules", ..] => role.is_owner(),
        ["service"] => role.is_owner(),
        ["logout"] => true,
        ["orders", _, "refund"] | ["aftersales", _, "approve"] | ["catalog.csv"] if post => {
            role.is_owner()
        }
        _ if post => role.can_change(),
        _ => true,
    }
}

/// A POSTed form, CSRF-checked.
pub struct Form {
    pub fields: HashMap<String, String>,
    pub files: Vec<multipart::Part>,
}

impl Form {
    pub fn get(&self, k: &str) -> &str {
        self.fields.get(k).map(String::as_str).unwrap_or("")
    }
}

fn lang(ctx: &Ctx) -> &'static crate::text::AdminText {
    ctx.app.config.shop.language.admin()
}

/// Redirects after a change with the "saved" notice for the next page only.
pub(crate) fn flash_redirect(ctx: &Ctx, to: &str) -> Resp {
    let mut r = redirect(to);
    let v = format!(
        "{FLASH}=saved; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=60{}",
        secure(ctx)
    );
    if let Ok(v) = HeaderValue::from_str(&v) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// Clears the flash once a page has shown it.
fn clear_flash(ctx: &Ctx, r: &mut Resp) {
    let v = format!(
        "{FLASH}=; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0{}",
        secure(ctx)
    );
    if let Ok(v) = HeaderValue::from_str(&v) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// The owner signed in on this request, if any.
pub(crate) async fn admin_of(
    ctx: &Ctx,
    req: &Request<Incoming>,
) -> Result<Option<Admin>, WebError> {
    let Some(token) = cookie(req.headers(), COOKIE).map(str::to_string) else {
        return Ok(None);
    };
    if token.len() != 64 {
        return Ok(None);
    }
    let now = ctx.app.clock.unix();
    let t2 = token.clone();
    let s = ctx
        .app
        .store
        .call(move |s| account::session(s, &t2, now))
        .await?;
    Ok(s.map(|(session, role)| Admin {
        token,
        session,
        role,
    }))
}

/// Reads a POST body as a form (urlencoded or multipart) and checks its CSRF token.
async fn form(ctx: &Ctx, admin: &Admin, req: Request<Incoming>) -> Result<Form, WebError> {
    super::http::check_origin(&req)?;
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let limit = if ct.starts_with("multipart/") {
        UPLOAD_LIMIT
    } else {
        ctx.app.config.server.body_limit
    };
    let body = read_body(req, limit).await?;
    let f = match multipart::boundary(&ct) {
        Some(b) => {
            let parts = multipart::parse(body, &b)
                .await
                .map_err(|e| WebError::BadRequest(e.to_string()))?;
            let mut fields = HashMap::new();
            let mut files = Vec::new();
            for p in parts {
                if p.filename.is_some() {
                    if !p.data.is_empty() {
                        files.push(p);
                    }
                } else {
                    fields.insert(
                        p.name.clone(),
                        String::from_utf8_lossy(&p.data).into_owned(),
                    );
                }
            }
            Form { fields, files }
        }
        None => Form {
            fields: parse_form(&body),
            files: Vec::new(),
        },
    };
    if !account::constant_time_eq(f.get("csrf"), &admin.session.csrf) {
        return Err(WebError::Forbidden(
            "the form expired; reload the page and try again",
        ));
    }
    Ok(f)
}

fn secure(ctx: &Ctx) -> &'static str {
    if ctx.app.config.served_over_https() {
        "; Secure"
    } else {
        ""
    }
}

/// The owner's cookie covers the whole site (still `HttpOnly`, `SameSite=Strict`): a public
/// sandbox's control API and key page under `/sandbox/` recognise the owner by it.
fn set_cookie(ctx: &Ctx, r: &mut Resp, value: &str) {
    let v = format!(
        "{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict{}",
        secure(ctx)
    );
    if let Ok(v) = HeaderValue::from_str(&v) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

pub(crate) fn page(markup: maud::Markup) -> Resp {
    let mut r = html(markup);
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

pub async fn route(
    ctx: &Ctx,
    req: Request<Incoming>,
    segs: &[&str],
    peer: std::net::SocketAddr,
) -> Result<Resp, WebError> {
    let get = req.method() == Method::GET || req.method() == Method::HEAD;
    let post = req.method() == Method::POST;
    // Without a session: only login and setup.
    match segs {
        ["login"] if get => return Ok(page(views::login(ctx, None))),
        ["login"] if post => return login(ctx, req, peer).await,
        ["setup", token] if get => return setup_page(ctx, token).await,
        ["setup", token] if post => return setup(ctx, req, token).await,
        ["join", token] if get => return staff::join_page(ctx, token).await,
        ["join", token] if post => return staff::join(ctx, req, token).await,
        ["bind", token] if get => return owner_notify::start(ctx, token).await,
        ["bind", token, "done"] if get => return owner_notify::done(ctx, req, token).await,
        _ => {}
    }
    let Some(admin) = admin_of(ctx, &req).await? else {
        return if get {
            Ok(redirect("/admin/login"))
        } else {
            Err(WebError::Forbidden("sign in first"))
        };
    };
    if !allowed(admin.role, segs, post) {
        let mut r = page(views::forbidden(ctx, &admin));
        *r.status_mut() = StatusCode::FORBIDDEN;
        return Ok(r);
    }
    let q = query(&req);
    let flashed = cookie(req.headers(), FLASH) == Some("saved");
    match segs {
        [] | [""] if get => dashboard(ctx, &admin).await,
        ["logout"] if post => {
            let _ = form(ctx, &admin, req).await?;
            let t = admin.token.clone();
            ctx.app
                .store
                .call(move |s| account::end_session(s, &t))
                .await?;
            let mut r = redirect("/admin/login");
            set_cookie(ctx, &mut r, "; Max-Age=0");
            Ok(r)
        }
        ["alerts", id, "ack"] if post => {
            let _ = form(ctx, &admin, req).await?;
            let id: u64 = id.parse().map_err(|_| WebError::NotFound)?;
            let (by, now) = admin.stamp(ctx);
            ctx.app
                .store
                .call(move |s| s.acknowledge_alert(id, (&by, now)))
                .await?;
            Ok(redirect("/admin"))
        }
        ["notify", rest @ ..] => owner_notify::route(ctx, &admin, req, rest).await,
        ["products"] if get => catalog::list(ctx, &admin).await,
        ["products", "new"] if get => catalog::edit_page(ctx, &admin, None, false).await,
        ["products", "new"] if post => {
            product_edit::save(ctx, &admin, None, form(ctx, &admin, req).await?).await
        }
        ["products", id] if get => {
            let mut r = catalog::edit_page(ctx, &admin, Some(id), flashed).await?;
            if flashed {
                clear_flash(ctx, &mut r);
            }
            Ok(r)
        }
        ["products", id] if post => {
            product_edit::save(ctx, &admin, Some(id), form(ctx, &admin, req).await?).await
        }
        ["products", id, "images", "move"] if post => {
            product_edit::move_image(ctx, &admin, id, form(ctx, &admin, req).await?).await
        }
        ["products", id, "publish"] if post => {
            catalog::publish(ctx, &admin, id, form(ctx, &admin, req).await?).await
        }
        ["products", id, "images"] if post => {
            catalog::upload(ctx, &admin, id, form(ctx, &admin, req).await?).await
        }
        ["products", id, "images", "delete"] if post => {
            catalog::delete_image(ctx, &admin, id, form(ctx, &admin, req).await?).await
        }
        ["products", id, "stock"] if post => {
            catalog::adjust_stock(ctx, &admin, id, form(ctx, &admin, req).await?).await
        }
        ["categories"] if get => catalog::categories(ctx, &admin).await,
        ["categories"] if post => {
            catalog::save_category(ctx, &admin, form(ctx, &admin, req).await?).await
        }
        ["catalog.csv"] if get => catalog::export_csv(ctx).await,
        ["catalog.csv"] if post => {
            catalog::import_csv(ctx, &admin, form(ctx, &admin, req).await?).await
        }
        ["qr", file] if get => catalog::qr(ctx, file, q.get("ch").map(String::as_str)).await,
        ["qr-sheet"] if get => catalog::qr_sheet(ctx, q.get("ch").map(String::as_str)).await,
        ["orders"] if get => orders::list(ctx, &admin, &q).await,
        ["orders.csv"] if get => orders::export_csv(ctx, &q).await,
        ["orders", no] if get => orders::detail(ctx, &admin, no, None).await,
        ["orders", no, "ship"] if post => {
            orders::ship(ctx, &admin, no, form(ctx, &admin, req).await?).await
        }
        ["orders", no, "slip"] if get => {
            shipping::slips(
                ctx,
                Some(no),
                shipping::SlipSize::parse(q.get("size").map(String::as_str)),
            )
            .await
        }
        ["slips"] if get => {
            shipping::slips(
                ctx,
                None,
                shipping::SlipSize::parse(q.get("size").map(String::as_str)),
            )
            .await
        }
        ["ship-bulk"] if get => shipping::bulk_page(ctx, &admin).await,
        ["ship-bulk"] if post => shipping::bulk(ctx, &admin, form(ctx, &admin, req).await?).await,
        ["orders", no, "refund"] if post => {
            orders::refund(ctx, &admin, no, form(ctx, &admin, req).await?).await
        }
        ["aftersales", rest @ ..] => aftersales::route(ctx, &admin, req, rest).await,
        ["staff", rest @ ..] => staff::route(ctx, &admin, req, rest).await,
        ["coupons", rest @ ..] => coupons::route(ctx, &admin, req, rest).await,
        ["shipping-rules", rest @ ..] => shipping_rules::route(ctx, &admin, req, rest).await,
        ["audit"] if get => audit::list(ctx, &admin, &q).await,
        ["audit.csv"] if get => audit::export_csv(ctx, &q).await,
        ["settings"] if get => settings(ctx, &admin, None).await,
        ["service"] if get => service::show(ctx, &admin, flashed).await,
        ["service"] if post => service::save(ctx, &admin, form(ctx, &admin, req).await?).await,
        ["settings", "verify-files", rest @ ..] => {
            verify_files::route(ctx, &admin, req, rest).await
        }
        ["settings", "check"] if post => {
            let _ = form(ctx, &admin, req).await?;
            let checks = crate::checklist::live(&ctx.app).await;
            settings(ctx, &admin, Some(checks)).await
        }
        _ if get || post => Err(WebError::NotFound),
        _ => Err(WebError::MethodNotAllowed),
    }
}

fn client_addr(req: &Request<Incoming>, peer: std::net::SocketAddr, ctx: &Ctx) -> String {
    super::http::client_ip(req, peer, &ctx.app.config.server.trusted_proxies).to_string()
}

async fn login(
    ctx: &Ctx,
    req: Request<Incoming>,
    peer: std::net::SocketAddr,
) -> Result<Resp, WebError> {
    super::http::check_origin(&req)?;
    let addr = client_addr(&req, peer, ctx);
    let body = read_body(req, 4096).await?;
    let f = parse_form(&body);
    let user = f.get("username").cloned().unwrap_or_default();
    let pass = f.get("password").cloned().unwrap_or_default();
    let now = ctx.app.clock.unix();
    let l = lang(ctx);
    let logins = &ctx.app.logins;
    // Counted before anything is verified: a burst cannot pass the limit.
    let trusted = match logins.attempt(&addr, &user, now) {
        Ok(trusted) => trusted,
        Err(refusal) => return Ok(refused(ctx, refusal)),
    };
    let u2 = user.clone();
    let account = ctx
        .app
        .store
        .call(move |s| account::login_account(s, &u2))
        .await?;
    let (name, hash) = account.unzip();
    // argon2 runs whether or not the username is real (a dummy hash otherwise).
    let ok = match logins.verify(pass, hash, trusted).await {
        Ok(ok) => ok,
        Err(refusal) => return Ok(refused(ctx, refusal)),
    };
    if !ok {
        tracing::warn!(%addr, user, "back-office login failed");
        let e = Entry::new(now, &user, Action::LoginFailed);
        ctx.app.store.call(move |s| s.record_audit(&e)).await?;
        let mut r = page(views::login(ctx, Some(l.login_failed)));
        *r.status_mut() = StatusCode::UNAUTHORIZED;
        return Ok(r);
    }
    logins.succeeded(&addr, &user, now);
    // The session (and the audit log) holds the name as stored, whatever case was typed.
    let name = name.unwrap_or(user);
    let token = ctx
        .app
        .store
        .call(move |s| account::start_session(s, &name, now))
        .await?;
    let mut r = redirect("/admin");
    set_cookie(ctx, &mut r, &token);
    Ok(r)
}

/// A login not tried now: 429 with the wait (slowed down) or 503 (too many at once), and
/// `Retry-After` either way.
fn refused(ctx: &Ctx, refusal: account::Refusal) -> Resp {
    let l = lang(ctx);
    let (status, msg, secs) = match refusal {
        account::Refusal::Wait(secs) => (StatusCode::TOO_MANY_REQUESTS, l.login_wait(secs), secs),
        account::Refusal::Busy => (
            StatusCode::SERVICE_UNAVAILABLE,
            l.login_busy().to_string(),
            1,
        ),
    };
    let mut r = page(views::login(ctx, Some(&msg)));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
    r
}

async fn setup_page(ctx: &Ctx, token: &str) -> Result<Resp, WebError> {
    let st = ctx.app.store.call(|s| s.setup_token()).await?;
    let now = ctx.app.clock.unix();
    let valid = st.as_ref().is_some_and(|s| {
        account::constant_time_eq(&s.token_sha256, &account::sha256_hex(token))
            && now < s.expires_at
    });
    let reset = st.as_ref().is_some_and(|s| s.reset);
    let mut r = page(views::setup(
        ctx,
        token,
        reset,
        (!valid).then_some(lang(ctx).link_invalid),
    ));
    if !valid {
        *r.status_mut() = StatusCode::NOT_FOUND;
    }
    Ok(r)
}

async fn setup(ctx: &Ctx, req: Request<Incoming>, token: &str) -> Result<Resp, WebError> {
    super::http::check_origin(&req)?;
    let body = read_body(req, 4096).await?;
    let f = parse_form(&body);
    let g = |k: &str| f.get(k).cloned().unwrap_or_default();
    let (user, pass, confirm, token2) = (
        g("username"),
        g("password"),
        g("confirm"),
        token.to_string(),
    );
    let now = ctx.app.clock.unix();
    let r = ctx
        .app
        .store
        .call(move |s| account::complete_setup(s, &token2, &user, &pass, &confirm, now))
        .await?;
    let l = lang(ctx);
    match r {
        Ok(_) => Ok(page(views::login(ctx, Some(l.setup_done)))),
        Err(problem) => {
            let msg = problem_text(l, problem);
            let st = ctx.app.store.call(|s| s.setup_token()).await?;
            let mut r = page(views::setup(
                ctx,
                token,
                st.is_some_and(|s| s.reset),
                Some(msg),
            ));
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
    }
}

/// Why a setup or invitation form was refused, in words.
fn problem_text(l: &'static crate::text::AdminText, p: account::SetupProblem) -> &'static str {
    match p {
        account::SetupProblem::LinkInvalid => l.link_invalid,
        account::SetupProblem::Username => l.bad_username,
        account::SetupProblem::PasswordTooShort => l.password_short,
        account::SetupProblem::PasswordsDiffer => l.passwords_differ,
        account::SetupProblem::NameTaken => l.staff().name_taken,
    }
}

async fn dashboard(ctx: &Ctx, admin: &Admin) -> Result<Resp, WebError> {
    let now = ctx.app.clock.now_cst();
    let (orders, alerts, products, has_category, has_published) = ctx
        .app
        .store
        .call(move |s| -> Result<_, crate::store::StoreError> {
            let products = s.products()?;
            let mut low = Vec::new();
            for p in products.iter().filter(|p| p.published) {
                for (v, n) in p.variants.iter().zip(s.stock_of(p)?) {
                    if n <= crate::catalog::LOW_STOCK {
                        low.push((p.name.clone(), v.name.clone(), n));
                    }
                }
            }
            let published = products.iter().any(|p| p.published);
            let cats = !s.categories()?.is_empty();
            Ok((
                dashboard_data::figures(s, now)?,
                s.open_alerts()?,
                low,
                cats,
                published,
            ))
        })
        .await?;
    let stats = orders;
    let open: Vec<_> = alerts.into_iter().filter(|a| !a.acknowledged).collect();
    let steps = views::FirstSteps::of(&ctx.app, has_category, has_published);
    Ok(page(views::dashboard(
        ctx, admin, &stats, &open, &products, &steps,
    )))
}

async fn settings(
    ctx: &Ctx,
    admin: &Admin,
    live: Option<Vec<crate::checklist::Check>>,
) -> Result<Resp, WebError> {
    let offline = crate::checklist::offline(&ctx.app);
    Ok(page(views::settings(ctx, admin, &offline, live.as_deref())))
}
