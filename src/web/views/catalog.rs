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
        @for c in cats {
            @let in_cat: Vec<&Product> = products.iter().filter(|p| p.category == c.id).collect();
            @if !in_cat.is_empty() {
                section {
                    h2 { a href={ "/c/" (c.id) } { (c.name) } }
                    div.grid { @for p in &in_cat { (product_card(ctx, p, units(p))) } }
                }
            }
        }
    };
    layout(ctx, v.cart_units(), "", Tab::Home, body)
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
    layout(ctx, v.cart_units(), &cat.name, Tab::Home, body)
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
    let total: u32 = stock.iter().sum();
    // The pre-selected variant: the one asked for if it is in stock, else the first in stock.
    let chosen = p
        .variants
        .iter()
        .zip(stock)
        .find(|(var, n)| Some(var.sku.as_str()) == selected && **n > 0)
        .or_else(|| p.variants.iter().zip(stock).find(|(_, n)| **n > 0))
        .map(|(var, _)| var.sku.as_str());
    let body = html! {
        @match notice {
            Some(Notice::Added) => div.notice.ok {
                (tx.added_to_cart) " · " a href="/cart" { (tx.view_cart) }
            },
            Some(Notice::SoldOut) => div.notice.err { (tx.sold_out) },
            Some(Notice::CartFull) => div.notice.err { (tx.cart_full) },
            None => {},
        }
        div.gallery {
            @for (i, h) in p.images.iter().enumerate() { (img(Some(h), &p.name, i > 0)) }
            @if p.images.is_empty() { (img(None, &p.name, false)) }
        }
        @if p.images.len() > 1 {
            p.dots { @for _ in &p.images { span {} } }
        }
        div.pinfo {
            h1 { (p.name) }
            p.summary { (p.summary) }
            p.bigprice {
                (money(ctx, p.min_price()))
                @if p.has_price_range() { small { " " (tx.price_from) } }
            }
            (stock_badge(tx, total))
        }
        form.buy method="post" action="/cart/add" {
            @if p.variants.len() == 1 {
                input type="hidden" name="sku" value=(p.variants[0].sku);
            } @else {
                fieldset.variants {
                    legend { (if p.option_name.is_empty() { tx.choose } else { &p.option_name }) }
                    @for (var, n) in p.variants.iter().zip(stock) {
                        label.variant.out[*n == 0] {
                            input type="radio" name="sku" value=(var.sku)
                                checked[chosen == Some(var.sku.as_str())] disabled[*n == 0] required;
                            span.vname { (var.name) }
                            span.vprice { (money(ctx, var.price)) }
                            span.vstock {
                                @match StockState::of(*n) {
                                    StockState::SoldOut => (tx.sold_out),
                                    StockState::Low(k) => (tx.only_left(k)),
                                    StockState::InStock => (tx.in_stock),
                                }
                            }
                        }
                    }
                }
            }
            div.qty {
                label for="qty" { (tx.quantity) }
                input #qty type="number" name="qty" value="1" min="1" max="99" inputmode="numeric";
            }
            @if total == 0 {
                button.primary type="submit" disabled { (tx.sold_out) }
            } @else {
                button.primary type="submit" { (tx.add_to_cart) }
            }
        }
        section.desc { p { (p.description) } }
    };
    layout(ctx, v.cart_units(), &p.name, Tab::None, body)
}
