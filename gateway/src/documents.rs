//! Documents parsed and measured once. Frontends send the same few documents over and over (the
//! queries in `docs/queries`), and async-graphql's parser costs about 160 ns a byte, so each
//! distinct text is parsed and checked against [`LIMITS`] once and kept, with its verdict, in
//! a cache bounded by the text it holds. A request then takes a copy of the parsed document.
//!
//! Keyed by the document text alone: parsing and the limits measure the whole document, whatever
//! operation a request names. async-graphql's own validation still runs on every request,
//! because it depends on the variables (their types, and the complexity of `first: $n`).

use std::sync::Arc;

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument};
use kernel::AppError;

use crate::limits::Measure;
use crate::schema::LIMITS;

/// A parsed document, what it costs (or why it is refused), and the name of its one named
/// operation, if it has exactly one.
pub struct Checked {
    pub document: ExecutableDocument,
    pub measure: Result<Measure, AppError>,
    pub only_operation_name: Option<String>,
}

/// The bounded cache of checked documents.
pub struct DocumentCache(moka::sync::Cache<String, Arc<Checked>>);

/// The document text the cache keeps, in bytes (its parsed form is a few times larger).
const CACHED_TEXT_BYTES: u64 = 4 * 1024 * 1024;

impl Default for DocumentCache {
    fn default() -> Self {
        Self(
            moka::sync::Cache::builder()
                .max_capacity(CACHED_TEXT_BYTES)
                .weigher(|text: &String, _| u32::try_from(text.len()).unwrap_or(u32::MAX))
                .build(),
        )
    }
}

impl DocumentCache {
    /// The checked document for `text`, parsing it the first time; `None` when it does not parse
    /// (the engine then reports why; such texts are not kept).
    pub fn check(&self, text: &str) -> Option<Arc<Checked>> {
        if let Some(checked) = self.0.get(text) {
            return Some(checked);
        }
        let document = async_graphql::parser::parse_query(text).ok()?;
        let checked = Arc::new(Checked {
            measure: LIMITS.check(&document),
            only_operation_name: only_operation_name(&document),
            document,
        });
        self.0.insert(text.to_owned(), checked.clone());
        Some(checked)
    }
}

/// The name of a document's one named operation, if it has exactly one.
fn only_operation_name(document: &ExecutableDocument) -> Option<String> {
    match &document.operations {
        DocumentOperations::Multiple(ops) if ops.len() == 1 => ops.keys().next().map(|name| name.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_is_parsed_once_and_keeps_its_verdict() {
        let cache = DocumentCache::default();
        let first = cache.check("query Mine { viewer { id } }").expect("parses");
        let again = cache.check("query Mine { viewer { id } }").expect("parses");
        assert!(Arc::ptr_eq(&first, &again), "the second request reuses the first parse");
        assert_eq!(first.only_operation_name.as_deref(), Some("Mine"));
        assert!(first.measure.is_ok());
        assert!(cache.check("{ viewer { ").is_none(), "a text that does not parse is not kept");

        let deep = format!("{{ {}id{} }}", "a { ".repeat(20), " }".repeat(20));
        let refused = cache.check(&deep).expect("parses");
        assert!(refused.measure.is_err(), "a refused document stays refused when it comes again");
        assert!(cache.check(&deep).expect("parses").measure.is_err());
    }
}
