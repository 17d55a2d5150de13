//! `GET /search?q=…`: the storefront search. Keeps the current search index (with the
//! categories for the page's navigation) and rebuilds it when the store's catalog
//! generation has moved on: lazily, by one request at a time — others meanwhile answer
//! from the previous index, or wait for the first one. Results pages are kept in the page
//! cache by (generation, folded query, cart size), so a popular query is rendered once.

use super::http::{Resp, WebError, query};
use super::shop::{page, page_bytes, stock_map, visitor};
use super::{Ctx, views};
use crate::catalog::search::{Index, MAX_QUERY_CHARS, Query};
use crate::catalog::{Category, Product};
use crate::store::{Store, StoreError};
use bytes::Bytes;
use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use std::sync::{Arc, RwLock};

/// Results shown on one page at most (the count says how many matched).
const MAX_SHOWN: usize = 60;
/// Featured products suggested on an empty result at most.
const MAX_SUGGESTED: usize = 6;

/// One catalog generation's index and categories.
pub(crate) struct Snapshot {
    pub index: Index,
    pub categories: Vec<Category>,
}

/// The current search index, rebuilt when the catalog changes.
#[derive(Default)]
pub(crate) struct Searcher {
    current: RwLock<Option<Arc<Snapshot>>>,
    /// Held by the one request rebuilding the index.
    building: tokio::sync::Mutex<()>,
}

impl Searcher {
    fn current(&self) -> Option<Arc<Snapshot>> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn fresh(&self, generation: u64) -> Option<Arc<Snapshot>> {
        self.current()
            .filter(|s| s.index.generation() == generation)
    }

    /// The index of the current catalog generation; while another request rebuilds it,
    /// the previous one.
    pub async fn snapshot(&self, store: &Store) -> Result<Arc<Snapshot>, StoreError> {
        if let Some(s) = self.fresh(store.generation()) {
            return Ok(s);
        }
        let _building = match self.building.try_lock() {
            Ok(g) => g,
            Err(_) => match self.current() {
                Some(stale) => return Ok(stale),
                None => self.building.lock().await,
            },
        };
        if let Some(s) = self.fresh(store.generation()) {
            return Ok(s);
        }
        let snap = store
            .call(|s| -> Result<_, StoreError> {
                // The generation is read before the catalog: a change committed meanwhile
                // leaves this index one generation behind, so the next search rebuilds.
                let generation = s.generation();
                let (products, categories) = (s.products()?, s.categories()?);
                Ok(Snapshot {
                    index: Index::build(generation, products),
                    categories,
                })
            })
            .await?;
        let snap = Arc::new(snap);
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(snap.clone());
        Ok(snap)
    }
}

/// A results page's key in the page cache: the query as typed (trimmed) and the cart size.
fn cache_key(raw: &str, cart_units: u32) -> String {
    format!("search\n{}|{cart_units}", raw.trim())
}

/// The cached results page for the query string `query` as a visitor without a session
/// sees it, when the query string is `q=…` alone (anything more — a channel tag — may
/// change the answer) and the page was rendered for the current catalog generation; the
/// fast lane's lookup.
pub(super) fn cached_results(ctx: &Ctx, query: &str) -> Option<Bytes> {
    let mut pairs = form_urlencoded::parse(query.as_bytes());
    let (name, raw) = pairs.next()?;
    if name != "q" || pairs.next().is_some() || !matches!(Query::parse(&raw), Query::Terms(_)) {
        return None;
    }
    ctx.pages
        .get(&cache_key(&raw, 0), ctx.app.store.generation())
}

/// `GET /search?q=…`.
pub async fn search(ctx: &Ctx, req: Request<Incoming>) -> Result<Resp, WebError> {
    let raw = query(&req).remove("q").unwrap_or_default();
    let v = visitor(ctx, &req).await?;
    let parsed = Query::parse(&raw);
    let key = match &parsed {
        Query::Terms(_) => Some(cache_key(&raw, v.cart_units())),
        _ => None,
    };
    let generation = ctx.app.store.generation();
    if let Some(k) = &key
        && let Some(b) = ctx.pages.get(k, generation)
    {
        return Ok(page_bytes(ctx, &v, b));
    }
    let snap = ctx.search.snapshot(&ctx.app.store).await?;
    let featured: Vec<Product> = snap.index.featured().take(MAX_SUGGESTED).cloned().collect();
    match parsed {
        Query::TooLong => {
            // Nothing is searched; the box keeps what fits.
            let kept: String = raw.chars().take(MAX_QUERY_CHARS).collect();
            let markup = views::search_page(
                ctx,
                &v,
                &snap.categories,
                &kept,
                views::SearchOutcome::TooLong,
                &Default::default(),
            );
            let mut r = page(ctx, &v, markup);
            *r.status_mut() = StatusCode::BAD_REQUEST;
            Ok(r)
        }
        Query::Empty => {
            let stock = stock_map(ctx, &featured).await?;
            let outcome = views::SearchOutcome::Empty {
                featured: &featured,
            };
            let markup = views::search_page(ctx, &v, &snap.categories, "", outcome, &stock);
            Ok(page(ctx, &v, markup))
        }
        Query::Terms(terms) => {
            let hits = snap.index.search(&terms);
            let total = hits.len();
            let shown: Vec<Product> = hits.into_iter().take(MAX_SHOWN).cloned().collect();
            let listed = if total == 0 { &featured } else { &shown };
            let stock = stock_map(ctx, listed).await?;
            let outcome = views::SearchOutcome::Found {
                shown: &shown,
                total,
                featured: &featured,
            };
            let q = raw.trim();
            let markup = views::search_page(ctx, &v, &snap.categories, q, outcome, &stock);
            let body = Bytes::from(markup.into_string());
            if let Some(k) = key {
                // Valid for the generation the index was built from.
                ctx.pages.put(k, snap.index.generation(), body.clone());
            }
            Ok(page_bytes(ctx, &v, body))
        }
    }
}
