//! The search page (`/search?q=…`) and the search box the home and category pages carry.

use super::*;
use crate::text::SearchText;

fn st(ctx: &Ctx) -> &'static SearchText {
    ctx.app.config.shop.language.search()
}

/// The search box: a GET form to `/search` with its label (hidden from sight, read aloud).
pub fn search_form(ctx: &Ctx, q: &str) -> Markup {
    let s = st(ctx);
    html! {
        form.search action="/search" method="get" role="search" {
            label.sr-only for="search-q" { (s.label) }
            input #search-q type="search" name="q" value=(q) placeholder=(s.placeholder)
                maxlength="100" enterkeyhint="search" autocomplete="off";
            button type="submit" { (s.button) }
        }
    }
}

/// What a search came to.
pub enum SearchOutcome<'a> {
    /// The box was sent empty: a prompt and the featured products.
    Empty { featured: &'a [Product] },
    /// The query was over the limit: refused, nothing searched.
    TooLong,
    /// Matches (shown up to a limit) and their total; none: the empty state with the
    /// featured products.
    Found {
        shown: &'a [Product],
        total: usize,
        featured: &'a [Product],
    },
}

pub fn search_page(
    ctx: &Ctx,
    v: &Visitor,
    cats: &[Category],
    q: &str,
    outcome: SearchOutcome<'_>,
    stock: &HashMap<String, u32>,
) -> Markup {
    let (tx, s) = (t(ctx), st(ctx));
    let units = |p: &Product| stock.get(&p.id).copied().unwrap_or(0);
    let suggestions = |featured: &[Product]| {
        html! {
            @if !featured.is_empty() {
                section {
                    h2 { (tx.featured) }
                    div.grid { @for p in featured { (product_card(ctx, p, units(p))) } }
                }
            }
            p.search-more { a.button href="/" { (s.browse_instead) } }
        }
    };
    let body = html! {
        (search_form(ctx, q))
        (category_nav(cats, Some(""), tx.all_products))
        @match outcome {
            SearchOutcome::Empty { featured } => {
                p.search-note { (s.empty_query) }
                (suggestions(featured))
            }
            SearchOutcome::TooLong => {
                div.notice.err role="alert" { (s.too_long) }
                p.search-more { a.button href="/" { (s.browse_instead) } }
            }
            SearchOutcome::Found { total: 0, featured, .. } => {
                div.empty.search-empty {
                    h1 { (s.nothing_found) }
                    p { (s.nothing_found_hint) }
                }
                (suggestions(featured))
            }
            SearchOutcome::Found { shown, total, .. } => {
                h1.search-count { (s.found(total, q)) }
                div.grid { @for p in shown { (product_card(ctx, p, units(p))) } }
            }
        }
    };
    let title = if q.is_empty() {
        s.title.to_string()
    } else {
        format!("{q} · {}", s.title)
    };
    layout(ctx, v.cart_units(), &title, Tab::Home, body)
}
