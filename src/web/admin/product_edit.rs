//! The product form's handling: reading it into a product with errors in words, ids and
//! SKU codes generated when left empty (the owner may still type their own), stock set in
//! the variant table, images uploaded with the form itself, and images reordered.

use super::{Admin, Form, IMAGE_MAX, flash_redirect, multipart, page, views};
use crate::catalog::{Product, Variant, is_slug};
use crate::money::Money;
use crate::store::StoreError;
use crate::web::Ctx;
use crate::web::http::{Resp, WebError};
use hyper::StatusCode;

/// A product id from its name: the ASCII words of the name, or `p-` and random hex when
/// the name has none (a Chinese name).
pub fn id_from_name(name: &str) -> String {
    let mut id = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c.to_ascii_lowercase());
        } else if !id.is_empty() && !id.ends_with('-') {
            id.push('-');
        }
    }
    let id: String = id.trim_end_matches('-').chars().take(40).collect();
    if id.is_empty() {
        format!(
            "p-{}",
            crate::random::hex(&crate::random::random_bytes::<3>())
        )
    } else {
        id
    }
}

/// A variant's SKU code when left empty: the product id and the variant's place.
pub fn sku_for(id: &str, i: usize) -> String {
    format!("{id}-{}", i + 1)
}

/// The product form, read: the product, each variant's stock when the owner changed it,
/// or every problem in words.
pub struct ProductForm {
    pub product: Product,
    pub stock: Vec<(String, u32)>,
}

fn read(ctx: &Ctx, f: &Form, existing: Option<&Product>) -> Result<ProductForm, Vec<String>> {
    let w = ctx.app.config.shop.language.work();
    let cur = ctx.app.config.shop.currency;
    let mut errors = Vec::new();
    let name = f.get("name").trim().to_string();
    if name.is_empty() || name.chars().count() > 60 {
        errors.push(w.err_name.to_string());
    }
    let id = match existing {
        Some(p) => p.id.clone(),
        None => match f.get("id").trim() {
            "" => id_from_name(&name),
            typed => typed.to_string(),
        },
    };
    if !is_slug(&id) {
        errors.push(w.err_id.to_string());
    }
    let mut variants = Vec::new();
    let mut stock = Vec::new();
    for i in 0..20 {
        let field = |k: &str| f.get(&format!("{k}{i}")).trim().to_string();
        let (sku, vname, price, units) =
            (field("sku"), field("vname"), field("price"), field("stock"));
        if sku.is_empty() && vname.is_empty() && price.is_empty() {
            continue;
        }
        let sku = if sku.is_empty() {
            sku_for(&id, variants.len())
        } else {
            sku
        };
        if sku.len() > 64 || sku.contains(char::is_whitespace) {
            errors.push(w.err_sku(i + 1));
        }
        let price = match Money::parse_decimal(&price, cur) {
            Some(m) if m > Money::ZERO => m,
            _ => {
                errors.push(w.err_price(i + 1, &price));
                Money::ZERO
            }
        };
        // Stock changes only when the owner changed the number the form showed, so an
        // order placed while the form was open is not undone.
        if units != field("stock_was") || existing.is_none() {
            match units.parse::<u32>() {
                Ok(n) => stock.push((sku.clone(), n)),
                Err(_) if units.is_empty() => {}
                Err(_) => errors.push(w.err_variant_stock(i + 1)),
            }
        }
        variants.push(Variant {
            sku,
            name: vname,
            price,
        });
    }
    if variants.is_empty() {
        errors.push(w.err_no_variant.to_string());
    }
    let mut skus: Vec<&str> = variants.iter().map(|v| v.sku.as_str()).collect();
    skus.sort();
    if skus.windows(2).any(|w| w[0] == w[1]) {
        errors.push(w.err_sku_dup.to_string());
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ProductForm {
        product: Product {
            id,
            category: f.get("category").to_string(),
            name,
            summary: f.get("summary").trim().chars().take(80).collect(),
            description: f.get("description").trim().chars().take(2000).collect(),
            images: existing.map(|p| p.images.clone()).unwrap_or_default(),
            option_name: f.get("option_name").trim().chars().take(20).collect(),
            variants,
            featured: f.get("featured") == "1",
            published: existing.map(|p| p.published).unwrap_or(false) || f.get("published") == "1",
            sort: f.get("sort").trim().parse().unwrap_or(0),
        },
        stock,
    })
}

/// The images sent with a form: each checked for type and size, none kept unless all pass.
pub fn images_of(ctx: &Ctx, f: &Form) -> Result<Vec<(&'static str, Vec<u8>)>, WebError> {
    let w = ctx.app.config.shop.language.work();
    let mut images = Vec::new();
    for file in &f.files {
        if file.data.len() > IMAGE_MAX {
            return Err(WebError::TooLarge);
        }
        let Some(ct) = multipart::image_type(&file.data) else {
            return Err(WebError::Shown(
                w.err_image_type(file.filename.as_deref().unwrap_or("?")),
            ));
        };
        images.push((ct, file.data.clone()));
    }
    Ok(images)
}

/// Creates (`id` none) or saves a product, with the images chosen in the form and the
/// variants' stock, in one transaction for the product and its stock.
pub async fn save(ctx: &Ctx, admin: &Admin, id: Option<&str>, f: Form) -> Result<Resp, WebError> {
    let w = ctx.app.config.shop.language.work();
    let existing = match id {
        Some(id) => {
            let id = id.to_string();
            Some(
                ctx.app
                    .store
                    .call(move |s| s.product(&id))
                    .await?
                    .ok_or(WebError::NotFound)?,
            )
        }
        None => None,
    };
    let images = images_of(ctx, &f)?;
    let form = match read(ctx, &f, existing.as_ref()) {
        Ok(form) => form,
        Err(errors) => return render_errors(ctx, admin, existing, errors).await,
    };
    let ProductForm {
        product: mut p,
        stock,
    } = form;
    if existing.is_none() {
        let pid = p.id.clone();
        if ctx
            .app
            .store
            .call(move |s| s.product(&pid))
            .await?
            .is_some()
        {
            let msg = w.err_exists(&p.id);
            return render_errors(ctx, admin, None, vec![msg]).await;
        }
    }
    let (by, now) = (admin.session.username.clone(), ctx.app.clock.unix());
    let reason = w.stock_reason_form;
    let pid = p.id.clone();
    ctx.app
        .store
        .call(move |s| -> Result<(), StoreError> {
            // Images are content-addressed: storing one the product ends up without is
            // harmless, so they go first and the product with its stock in one write.
            for (ct, data) in images {
                let h = s.put_image(ct, &data)?;
                if !p.images.contains(&h) {
                    p.images.push(h);
                }
            }
            s.put_product_with_stock(&p, &stock, reason, &by, now)
        })
        .await?;
    Ok(flash_redirect(ctx, &format!("/admin/products/{pid}")))
}

async fn render_errors(
    ctx: &Ctx,
    admin: &Admin,
    existing: Option<Product>,
    errors: Vec<String>,
) -> Result<Resp, WebError> {
    let (cats, st) = ctx
        .app
        .store
        .call({
            let e = existing.clone();
            move |s| -> Result<_, StoreError> {
                let st = match &e {
                    Some(p) => s.stock_of(p)?,
                    None => vec![],
                };
                Ok((s.categories()?, st))
            }
        })
        .await?;
    let p = existing.map(|p| (p, st));
    let mut r = page(views::product_form(
        ctx,
        admin,
        p.as_ref(),
        &cats,
        &[],
        &errors,
        false,
    ));
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(r)
}

/// Moves an image one place earlier (`dir=up`) or later; the first is the cover.
pub async fn move_image(ctx: &Ctx, admin: &Admin, id: &str, f: Form) -> Result<Resp, WebError> {
    let by = admin.stamp(ctx);
    let (id2, hash, up) = (
        id.to_string(),
        f.get("hash").to_string(),
        f.get("dir") == "up",
    );
    let found = ctx
        .app
        .store
        .call(move |s| -> Result<bool, StoreError> {
            let Some(mut p) = s.product(&id2)? else {
                return Ok(false);
            };
            if let Some(i) = p.images.iter().position(|h| *h == hash) {
                let j = if up { i.checked_sub(1) } else { Some(i + 1) };
                if let Some(j) = j.filter(|j| *j < p.images.len()) {
                    p.images.swap(i, j);
                    s.put_product_as(&p, &[], &super::catalog::images_changed(&by, &p))?;
                }
            }
            Ok(true)
        })
        .await?;
    if !found {
        return Err(WebError::NotFound);
    }
    Ok(flash_redirect(ctx, &format!("/admin/products/{id}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_from_the_name_or_are_random() {
        assert_eq!(id_from_name("Green Tea 50g!"), "green-tea-50g");
        assert_eq!(id_from_name("碧螺春 Bi Luo Chun"), "bi-luo-chun");
        let id = id_from_name("碧螺春");
        assert!(
            id.starts_with("p-") && id.len() == 8 && is_slug(&id),
            "{id}"
        );
        assert_eq!(sku_for("tea", 0), "tea-1");
    }
}
