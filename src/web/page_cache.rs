//! The page cache: rendered catalog pages (home, categories, products) by path and cart
//! size, and search results by query and cart size, valid for one catalog generation,
//! bounded by the bytes it holds and evicting the pages least used. The fast lane
//! (`fast_lane.rs`) answers from it too.

use bytes::Bytes;

/// Rendered catalog pages by path and cart size, valid for one catalog generation.
///
/// Bounded by the bytes it holds, not by a count: when full, the pages least used give way
/// (quick_cache's S3-FIFO policy — a page read again survives a scan of pages read once, such
/// as a crawler walking every product), so a busy shop keeps its popular pages hot and the
/// memory the cache takes is capped whatever the catalog's size.
pub(crate) struct PageCache {
    entries: quick_cache::sync::Cache<String, (u64, Bytes), PageWeight>,
}

/// A cached page weighs its size in bytes (plus its key).
#[derive(Clone)]
pub(crate) struct PageWeight;

impl quick_cache::Weighter<String, (u64, Bytes)> for PageWeight {
    fn weight(&self, key: &String, val: &(u64, Bytes)) -> u64 {
        (key.len() + val.1.len()) as u64
    }
}

impl Default for PageCache {
    fn default() -> Self {
        Self::with_capacity(Self::MAX_BYTES)
    }
}

impl PageCache {
    /// Bytes of rendered pages kept at most.
    const MAX_BYTES: u64 = 16 * 1024 * 1024;
    /// A catalog page is a few kilobytes: the expected number of entries when full.
    const TYPICAL_PAGE: u64 = 8 * 1024;

    pub fn with_capacity(max_bytes: u64) -> Self {
        let items = (max_bytes / Self::TYPICAL_PAGE).max(16) as usize;
        PageCache {
            entries: quick_cache::sync::Cache::with_weighter(items, max_bytes, PageWeight),
        }
    }

    pub fn get(&self, key: &str, generation: u64) -> Option<Bytes> {
        self.entries
            .get(key)
            .filter(|(g, _)| *g == generation)
            .map(|(_, b)| b)
    }

    pub fn put(&self, key: String, generation: u64, body: Bytes) {
        self.entries.insert(key, (generation, body));
    }

    /// Bytes held now (for tests and metrics).
    pub fn weight(&self) -> u64 {
        self.entries.weight()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(n: usize) -> Bytes {
        Bytes::from(vec![b'x'; n])
    }

    #[test]
    fn a_page_in_use_survives_a_scan_of_pages_read_once() {
        let cache = PageCache::with_capacity(256 * 1024);
        cache.put("/p/hot".into(), 1, page(4096));
        for _ in 0..3 {
            assert!(cache.get("/p/hot", 1).is_some());
        }
        // A crawler walks 20 times the cache's size in pages (and more pages than the old
        // cache's 4,096-entry limit), each read once, while shoppers keep reading one page.
        for i in 0..5000 {
            let k = format!("/p/cold-{i}");
            cache.put(k.clone(), 1, page(1024));
            let _ = cache.get(&k, 1);
            assert!(cache.weight() <= 256 * 1024, "bounded by bytes");
            let _ = cache.get("/p/hot", 1);
        }
        assert!(cache.get("/p/hot", 1).is_some(), "the popular page stayed");
        assert!(
            cache.get("/p/cold-0", 1).is_none(),
            "an old page read once went"
        );
    }

    #[test]
    fn a_page_of_another_catalog_generation_is_a_miss() {
        let cache = PageCache::default();
        cache.put("/".into(), 1, page(10));
        assert!(cache.get("/", 2).is_none());
        assert_eq!(cache.get("/", 1).unwrap().len(), 10);
    }
}
