//! The catalog pages: the home page, a category, a product.

use super::*;

pub fn home(
    ctx: &Ctx,
    v: &Visitor,
    cats: &[Category],
    products: &[Product],
    stock: &HashMap<String, u32>,
) -> Markup {
    let tx = t(ctx);
    let featured: Vec<&Product> = products.iter().filter(|p| p.featured).collect();
    let units = |p: &Product| stock.get(&p.id).copied().unwrap_or(0);
    let body = html! {
        (search_form(ctx, ""))
        (category_nav(cats, None, tx.all_products))
        @if let Some(over) = ctx.app.config.shop.shipping.free_over {
            p.banner { (tx.free_shipping_over(&money(ctx, over))) }
        }
        @if !featured.is_empty() {
            section {
                h2 { (tx.featured) }
                div.grid { @for p in &featured { (product_card(ctx, p, units(p))) } }
            }
        }
        // Featured products are shown once, at the top; the categories list the rest.
        @for c in cats {
            @let in_cat: Vec<&Product> = products.iter().filter(|p| p.category == c.id && !p.featured).collect();
            @if !in_cat.is_empty() {
                section {
                    h2 { a href={ "/c/" (c.id) } { (c.name) } }
                    div.grid { @for p in &in_cat { (product_card(ctx, p, units(p))) } }
                }
            }
        }
    };
    let cover = featured
        .iter()
        .copied()
        .chain(products)
        .find_map(|p| p.cover());
    let names = featured
        .iter()
        .copied()
        .chain(products)
        .map(|p| p.name.as_str());
    let head = share_head(ctx, v, &ctx.app.config.shop.name, names, cover, "/");
    layout_with(ctx, v.cart_units(), "", Tab::Home, head, body)
}

pub fn category(
    ctx: &Ctx,
    v: &Visitor,
    cats: &[Category],
    cat: &Category,
    products: &[Product],
    stock: &HashMap<String, u32>,
) -> Markup {
    let tx = t(ctx);
    let body = html! {
        (search_form(ctx, ""))
        (category_nav(cats, Some(&cat.id), tx.all_products))
        h1 { (cat.name) }
        div.grid {
            @for p in products { (product_card(ctx, p, stock.get(&p.id).copied().unwrap_or(0))) }
        }
    };
    let cover = products.iter().find_map(|p| p.cover());
    let names = products.iter().map(|p| p.name.as_str());
    let head = share_head(ctx, v, &cat.name, names, cover, &format!("/c/{}", cat.id));
    layout_with(ctx, v.cart_units(), &cat.name, Tab::Home, head, body)
}

pub fn product(
    ctx: &Ctx,
    v: &Visitor,
    p: &Product,
    stock: &[u32],
    selected: Option<&str>,
    notice: Option<Notice>,
) -> Markup {
    let tx = t(ctx);
    let sf = tx.lang.storefront();
    let total: u32 = stock.iter().sum();
    // The pre-selected variant: the one asked for if it is in stock, else the first in stock.
    let chosen = p
        .variants
        .iter()
        .zip(stock)
        .enumerate()
        .find(|(_, (var, n))| Some(var.sku.as_str()) == selected && **n > 0)
        .or_else(|| {
            p.variants
                .iter()
                .zip(stock)
                .enumerate()
                .find(|(_, (_, n))| **n > 0)
        });
    let (headline, left) = match chosen {
        Some((_, (var, n))) => (var.price, *n),
        None => (p.min_price(), 0),
    };
    // Variants have no pictures of their own: when there are as many images as variants,
    // the n-th image shows the n-th variant and the gallery follows the choice.
    let image_of = |i: usize| (p.images.len() == p.variants.len()).then_some(i);
    let max = left.clamp(1, crate::catalog::MAX_QUANTITY);
    let service = crate::web::service::contact_set(ctx);
    let body = html! {
        @match notice {
            Some(Notice::Added) => div.notice.ok role="status" {
                (tx.added_to_cart) " · " a href="/cart" { (tx.view_cart) }
            },
            Some(Notice::SoldOut) => div.notice.err role="alert" { (tx.sold_out) },
            Some(Notice::CartFull) => div.notice.err role="alert" { (tx.cart_full) },
            None => {},
        }
        div.gallery #gallery role="region" aria-label=(sf.gallery) tabindex="0" {
            @for (i, h) in p.images.iter().enumerate() { (img(Some(h), &p.name, i > 0)) }
            @if p.images.is_empty() { (img(None, &p.name, false)) }
        }
        @if p.images.len() > 1 {
            p.dots #dots aria-hidden="true" {
                @for (i, _) in p.images.iter().enumerate() {
                    span.on[i == 0] title=(sf.image_of(i + 1, p.images.len())) {}
                }
            }
        }
        div.pinfo {
            p.bigprice #headline-price aria-live="polite" {
                (money(ctx, headline))
                @if chosen.is_none() && p.has_price_range() { small { " " (tx.price_from) } }
            }
            h1 { (p.name) }
            p.summary { (p.summary) }
            p.stockline {
                span #headline-stock {
                    @if total == 0 { (tx.sold_out) } @else { (sf.stock_count(left)) }
                }
                " " (stock_badge(tx, total))
                @if service {
                    a.contact #contact-link href="/service" { (sf.contact_us) }
                }
            }
        }
        form.buy #buy method="post" action="/cart/add" {
            @if p.variants.len() == 1 {
                input type="hidden" name="sku" value=(p.variants[0].sku);
            } @else {
                fieldset.variants {
                    legend { (if p.option_name.is_empty() { tx.choose } else { &p.option_name }) }
                    div.chips {
                        @for (i, (var, n)) in p.variants.iter().zip(stock).enumerate() {
                            label.chip.variant.out[*n == 0] {
                                input type="radio" name="sku" value=(var.sku)
                                    data-price=(money(ctx, var.price))
                                    data-stock=(n)
                                    data-stock-text=(if *n == 0 { tx.sold_out.to_string() } else { sf.stock_count(*n) })
                                    data-img=[image_of(i)]
                                    checked[chosen.is_some_and(|(c, _)| c == i)] disabled[*n == 0] required;
                                span.vname { (var.name) }
                                @if *n == 0 { span.vstock { (tx.sold_out) } }
                                @else if let StockState::Low(k) = StockState::of(*n) { span.vstock { (tx.only_left(k)) } }
                            }
                        }
                    }
                }
            }
            div.qty {
                label for="qty" { (tx.quantity) }
                div.stepper {
                    button.step type="button" data-step="-1" aria-label=(sf.decrease) aria-controls="qty" disabled { "−" }
                    input #qty type="number" name="qty" value="1" min="1" max=(max) inputmode="numeric" disabled[total == 0];
                    button.step type="button" data-step="1" aria-label=(sf.increase) aria-controls="qty" disabled[max <= 1] { "+" }
                }
            }
            div.buybar {
                a.barcart href="/cart" aria-label=(sf.cart_with(v.cart_units())) {
                    (cart_icon())
                    span.barlabel aria-hidden="true" { (tx.cart) }
                    @if v.cart_units() > 0 { span.badge aria-hidden="true" { (v.cart_units()) } }
                }
                @if total == 0 {
                    button.addcart type="submit" disabled { (tx.sold_out) }
                    button.buynow.primary type="submit" disabled { (sf.unavailable_now) }
                } @else {
                    button.addcart type="submit" { (tx.add_to_cart) }
                    button.buynow.primary #buy-now type="submit" formaction="/checkout" formmethod="get" { (sf.buy_now) }
                }
            }
        }
        section.desc { p { (p.description) } }
    };
    let body = html! {
        (body)
        script src={ "/assets/product.js?v=" (ctx.assets.version("product.js")) } defer {}
    };
    let head = share_head(
        ctx,
        v,
        &p.name,
        [p.summary.as_str()],
        p.cover(),
        &format!("/p/{}", p.id),
    );

    layout_with(ctx, v.cart_units(), &p.name, Tab::Product, head, body)
}

/// A shopping-bag outline, decorative (the link around it carries the words).
fn cart_icon() -> Markup {
    maud::PreEscaped(
        r#"<svg class="icon" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false"><path d="M6 7h12l-1 13H7L6 7z" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round"/><path d="M9 7a3 3 0 0 1 6 0" fill="none" stroke="currentColor" stroke-width="1.8"/></svg>"#
            .to_string(),
    )
}

/// The share data and Open Graph tags of a catalog page (the description: its summary,
/// or the first product names).
fn share_head<'a>(
    ctx: &Ctx,
    v: &Visitor,
    title: &str,
    desc: impl IntoIterator<Item = &'a str>,
    cover: Option<&str>,
    path: &str,
) -> Markup {
    let share = crate::web::wx::Share {
        title: title.to_string(),
        desc: desc.into_iter().take(4).collect::<Vec<_>>().join("、"),
        img: cover.map(|h| format!("/img/{h}")),
        path: path.to_string(),
    };
    crate::web::wx::share_head(ctx, &share, v.new_channel.as_deref())
}
