//! Back-office catalog: products (create, edit, publish, variants, images, stock with a
//! log), categories, CSV import/export, and QR entry points.

use super::{Admin, Form, flash_redirect, lang, page, product_edit, views};
use crate::audit::{Action, Entry};
use crate::catalog::{Category, Product, is_slug};
use crate::store::StoreError;
use crate::web::Ctx;
use crate::web::http::{Resp, WebError, redirect};
use bytes::Bytes;
use hyper::StatusCode;
use hyper::header::{self, HeaderValue};

pub async fn list(ctx: &Ctx, admin: &Admin) -> Result<Resp, WebError> {
    let rows = ctx
        .app
        .store
        .call(|s| -> Result<_, StoreError> {
            let mut v = Vec::new();
            for p in s.products()? {
                let st = s.stock_of(&p)?;
                v.push((p, st));
            }
            Ok(v)
        })
        .await?;
    Ok(page(views::products(ctx, admin, &rows)))
}

pub async fn edit_page(
    ctx: &Ctx,
    admin: &Admin,
    id: Option<&str>,
    saved: bool,
) -> Result<Resp, WebError> {
    let wanted = id.is_some();
    let id = id.map(str::to_string);
    let (product, cats, log) = ctx
        .app
        .store
        .call(move |s| -> Result<_, StoreError> {
            let p = match &id {
                Some(id) => s.product(id)?.map(|p| {
                    let st = s.stock_of(&p).unwrap_or_default();
                    (p, st)
                }),
                None => None,
            };
            let mut log = Vec::new();
            if let Some((p, _)) = &p {
                for v in &p.variants {
                    log.extend(s.stock_log(Some(&v.sku))?);
                }
            }
            log.sort_by_key(|c| std::cmp::Reverse(c.id));
            Ok((p, s.categories()?, log))
        })
        .await?;
    if wanted && product.is_none() {
        return Err(WebError::NotFound);
    }
    Ok(page(views::product_form(
        ctx,
        admin,
        product.as_ref(),
        &cats,
        &log,
        &[],
        saved,
    )))
}

pub async fn publish(ctx: &Ctx, admin: &Admin, id: &str, f: Form) -> Result<Resp, WebError> {
    let (id, on) = (id.to_string(), f.get("published") == "1");
    let by = admin.stamp(ctx);
    let found = ctx
        .app
        .store
        .call({
            let id = id.clone();
            move |s| -> Result<bool, StoreError> {
                match s.product(&id)? {
                    Some(mut p) => {
                        p.published = on;
                        let action = Action::ProductPublished {
                            name: p.name.clone(),
                            published: on,
                        };
                        s.put_product_as(&p, &[], &Entry::new(by.1, &by.0, action).product(&p.id))?;
                        Ok(true)
                    }
                    None => Ok(false),
                }
            }
        })
        .await?;
    if !found {
        return Err(WebError::NotFound);
    }
    Ok(flash_redirect(ctx, &format!("/admin/products/{id}")))
}

/// Several images at once; each is checked for type (PNG, JPEG, GIF, WebP) and size, and
/// none is stored unless all pass.
pub async fn upload(ctx: &Ctx, admin: &Admin, id: &str, f: Form) -> Result<Resp, WebError> {
    if f.files.is_empty() {
        return Err(WebError::Shown(
            ctx.app.config.shop.language.work().err_images_none.into(),
        ));
    }
    let images = product_edit::images_of(ctx, &f)?;
    let id2 = id.to_string();
    let by = admin.stamp(ctx);
    let found = ctx
        .app
        .store
        .call(move |s| -> Result<bool, StoreError> {
            let Some(mut p) = s.product(&id2)? else {
                return Ok(false);
            };
            for (ct, data) in images {
                let h = s.put_image(ct, &data)?;
                if !p.images.contains(&h) {
                    p.images.push(h);
                }
            }
            s.put_product_as(&p, &[], &images_changed(&by, &p))?;
            Ok(true)
        })
        .await?;
    if !found {
        return Err(WebError::NotFound);
    }
    Ok(flash_redirect(ctx, &format!("/admin/products/{id}")))
}

pub async fn delete_image(ctx: &Ctx, admin: &Admin, id: &str, f: Form) -> Result<Resp, WebError> {
    let (id2, hash) = (id.to_string(), f.get("hash").to_string());
    let by = admin.stamp(ctx);
    let found = ctx
        .app
        .store
        .call(move |s| -> Result<bool, StoreError> {
            let Some(mut p) = s.product(&id2)? else {
                return Ok(false);
            };
            p.images.retain(|h| *h != hash);
            s.put_product_as(&p, &[], &images_changed(&by, &p))?;
            Ok(true)
        })
        .await?;
    if !found {
        return Err(WebError::NotFound);
    }
    Ok(flash_redirect(ctx, &format!("/admin/products/{id}")))
}

pub async fn adjust_stock(ctx: &Ctx, admin: &Admin, id: &str, f: Form) -> Result<Resp, WebError> {
    let sku = f.get("sku").to_string();
    let stock: u32 = f
        .get("stock")
        .trim()
        .parse()
        .map_err(|_| WebError::Shown(ctx.app.config.shop.language.work().err_stock.into()))?;
    let reason = f.get("reason").trim().chars().take(80).collect::<String>();
    let reason = if reason.is_empty() {
        "manual".to_string()
    } else {
        reason
    };
    let (id2, by, now) = (
        id.to_string(),
        admin.session.username.clone(),
        ctx.app.clock.unix(),
    );
    let ok = ctx
        .app
        .store
        .call(move |s| -> Result<bool, StoreError> {
            match s.product(&id2)? {
                Some(p) if p.variant(&sku).is_some() => {
                    s.adjust_stock(&sku, stock, &reason, &by, now)?;
                    Ok(true)
                }
                _ => Ok(false),
            }
        })
        .await?;
    if !ok {
        return Err(WebError::NotFound);
    }
    Ok(flash_redirect(ctx, &format!("/admin/products/{id}")))
}

pub async fn categories(ctx: &Ctx, admin: &Admin) -> Result<Resp, WebError> {
    let cats = ctx.app.store.call(|s| s.categories()).await?;
    Ok(page(views::categories(ctx, admin, &cats)))
}

pub async fn save_category(ctx: &Ctx, admin: &Admin, f: Form) -> Result<Resp, WebError> {
    let id = f.get("id").trim().to_string();
    let name = f.get("name").trim().to_string();
    if !is_slug(&id) || name.is_empty() || name.chars().count() > 20 {
        return Err(WebError::Shown(
            ctx.app.config.shop.language.work().err_category.into(),
        ));
    }
    if f.get("delete") == "1" {
        let e = admin.entry(ctx, Action::CategoryDeleted { id: id.clone() });
        ctx.app
            .store
            .call(move |s| s.delete_category(&id, &e))
            .await?;
    } else {
        let e = admin.entry(ctx, Action::CategorySaved { name: name.clone() });
        let c = Category {
            id,
            name,
            sort: f.get("sort").trim().parse().unwrap_or(0),
        };
        ctx.app
            .store
            .call(move |s| s.put_category_as(&c, &e))
            .await?;
    }
    Ok(redirect("/admin/categories"))
}

/// The audit entry for a product whose images changed, by `by` (who, when).
pub(super) fn images_changed(by: &(String, i64), p: &Product) -> Entry {
    let action = Action::ImagesChanged {
        name: p.name.clone(),
    };
    Entry::new(by.1, &by.0, action).product(&p.id)
}

fn attachment(content_type: &'static str, name: &str, body: Vec<u8>) -> Resp {
    let mut r = hyper::Response::new(http_body_util::Full::new(Bytes::from(body)));
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

pub async fn export_csv(ctx: &Ctx) -> Result<Resp, WebError> {
    let cur = ctx.app.config.shop.currency;
    let text = ctx.app.store.call(move |s| s.export_catalog(cur)).await?;
    Ok(attachment(
        "text/csv; charset=utf-8",
        "catalog.csv",
        text.into_bytes(),
    ))
}

pub async fn import_csv(ctx: &Ctx, admin: &Admin, f: Form) -> Result<Resp, WebError> {
    let text = match f.files.first() {
        Some(file) => String::from_utf8(file.data.clone()).map_err(|_| {
            WebError::Shown(ctx.app.config.shop.language.work().bulk_not_utf8.into())
        })?,
        None => f.get("csv").to_string(),
    };
    let cur = ctx.app.config.shop.currency;
    let (by, now) = (admin.session.username.clone(), ctx.app.clock.unix());
    let r = ctx
        .app
        .store
        .call(move |s| s.import_catalog(&text, cur, &by, now))
        .await?;
    let rows = ctx
        .app
        .store
        .call(|s| -> Result<_, StoreError> {
            let mut v = Vec::new();
            for p in s.products()? {
                let st = s.stock_of(&p)?;
                v.push((p, st));
            }
            Ok(v)
        })
        .await?;
    let l = lang(ctx);
    Ok(match r {
        Ok(n) => page(views::products_with(
            ctx,
            admin,
            &rows,
            Some(format!("{} {n}", l.imported)),
            &[],
        )),
        Err(errors) => {
            let mut r = page(views::products_with(ctx, admin, &rows, None, &errors));
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            r
        }
    })
}

fn product_url(ctx: &Ctx, id: &str, ch: Option<&str>) -> String {
    let ch = ch.filter(|c| {
        !c.is_empty()
            && c.len() <= 32
            && c.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    match ch {
        Some(c) => format!("{}/p/{id}?ch={c}", ctx.app.base_url),
        None => format!("{}/p/{id}", ctx.app.base_url),
    }
}

/// `/admin/qr/{product}.svg` or `.png`, with an optional `?ch=` channel tag.
pub async fn qr(ctx: &Ctx, file: &str, ch: Option<&str>) -> Result<Resp, WebError> {
    let (id, ext) = file.rsplit_once('.').ok_or(WebError::NotFound)?;
    if !is_slug(id) {
        return Err(WebError::NotFound);
    }
    let id2 = id.to_string();
    if ctx
        .app
        .store
        .call(move |s| s.product(&id2))
        .await?
        .is_none()
    {
        return Err(WebError::NotFound);
    }
    let url = product_url(ctx, id, ch);
    let (ct, body): (&'static str, Vec<u8>) = match ext {
        "svg" => (
            "image/svg+xml",
            crate::qr::svg(&url, 300)
                .ok_or(WebError::Internal("QR".into()))?
                .into_bytes(),
        ),
        "png" => (
            "image/png",
            crate::qr::png(&url, 8).ok_or(WebError::Internal("QR".into()))?,
        ),
        _ => return Err(WebError::NotFound),
    };
    let mut r = hyper::Response::new(http_body_util::Full::new(Bytes::from(body)));
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// A printable A4 sheet of product cards with their QR codes.
pub async fn qr_sheet(ctx: &Ctx, ch: Option<&str>) -> Result<Resp, WebError> {
    let products: Vec<Product> = ctx
        .app
        .store
        .call(|s| s.products())
        .await?
        .into_iter()
        .filter(|p| p.published)
        .collect();
    let cards: Vec<(Product, String, String)> = products
        .into_iter()
        .map(|p| {
            let url = product_url(ctx, &p.id, ch);
            let svg = crate::qr::svg(&url, 150).unwrap_or_default();
            let svg = svg
                .find("<svg")
                .map(|i| svg[i..].to_string())
                .unwrap_or(svg);
            (p, url, svg)
        })
        .collect();
    Ok(page(views::qr_sheet(ctx, &cards)))
}
