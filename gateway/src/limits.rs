//! Query limits async-graphql has no setting for: the number of aliases in a document.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, Variables};
use kernel::AppError;

/// Refuses documents with more than `self.0` aliased fields (`BAD_USER_INPUT`), which would
/// otherwise multiply the work of one field arbitrarily.
pub struct AliasLimit(pub usize);

impl ExtensionFactory for AliasLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(AliasLimitExtension(self.0))
    }
}

struct AliasLimitExtension(usize);

#[async_trait::async_trait]
impl Extension for AliasLimitExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let aliases = count_aliases(&document);
        if aliases > self.0 {
            let err = AppError::bad_input(
                "query",
                format!("the query uses {aliases} aliases; at most {} are allowed", self.0),
            )
            .with_reason("TOO_MANY_ALIASES");
            return Err(ServerError::from(err));
        }
        Ok(document)
    }
}

pub fn count_aliases(document: &ExecutableDocument) -> usize {
    fn in_set(set: &SelectionSet) -> usize {
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(field) => {
                    usize::from(field.node.alias.is_some()) + in_set(&field.node.selection_set.node)
                }
                Selection::InlineFragment(fragment) => in_set(&fragment.node.selection_set.node),
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
    }
    let operations: usize = match &document.operations {
        DocumentOperations::Single(op) => in_set(&op.node.selection_set.node),
        DocumentOperations::Multiple(ops) => ops.values().map(|op| in_set(&op.node.selection_set.node)).sum(),
    };
    operations + document.fragments.values().map(|f| in_set(&f.node.selection_set.node)).sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_aliases_in_operations_fragments_and_nesting() {
        let doc = async_graphql::parser::parse_query(
            "query { a: viewer { id } b: viewer { x: id } ...F } fragment F on Query { c: tenant { slug } }",
        )
        .unwrap();
        assert_eq!(count_aliases(&doc), 4);
    }
}
