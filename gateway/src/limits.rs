//! Query limits async-graphql has no setting for, checked before execution: nesting depth and
//! the number of aliases.
//!
//! async-graphql's own depth limit counts introspection too, and GraphiQL's introspection
//! query nests `ofType` deeper than any real query needs, so depth is checked here with a
//! separate (still bounded) allowance inside `__schema` and `__type`. The check runs in the
//! transport on the request's parsed document (which async-graphql then reuses), not as a
//! schema extension: any extension adds a hook to every field's resolution.

use std::collections::HashSet;

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, Selection, SelectionSet};
use kernel::AppError;

#[derive(Debug, Clone, Copy)]
pub struct QueryLimits {
    pub max_depth: usize,
    pub max_introspection_depth: usize,
    pub max_aliases: usize,
}

impl QueryLimits {
    /// `BAD_USER_INPUT` when the document nests too deep or uses too many aliases.
    pub fn check(&self, document: &ExecutableDocument) -> Result<(), AppError> {
        let measure = measure(document);
        if measure.depth > self.max_depth || measure.introspection_depth > self.max_introspection_depth {
            let depth = measure.depth.max(measure.introspection_depth);
            return Err(AppError::bad_input(
                "query",
                format!("the query is nested too deep ({depth} levels; at most {})", self.max_depth),
            )
            .with_reason("QUERY_TOO_DEEP"));
        }
        if measure.aliases > self.max_aliases {
            return Err(AppError::bad_input(
                "query",
                format!("the query uses {} aliases; at most {} are allowed", measure.aliases, self.max_aliases),
            )
            .with_reason("TOO_MANY_ALIASES"));
        }
        Ok(())
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Measure {
    pub depth: usize,
    pub introspection_depth: usize,
    pub aliases: usize,
}

/// Depth (fragments followed, each at most once a path) and alias count of a document.
pub fn measure(document: &ExecutableDocument) -> Measure {
    struct Walk<'a> {
        document: &'a ExecutableDocument,
        measure: Measure,
    }
    impl Walk<'_> {
        fn set(&mut self, set: &SelectionSet, depth: usize, introspection: bool, seen: &mut HashSet<String>) {
            for item in &set.items {
                match &item.node {
                    Selection::Field(field) => {
                        let field = &field.node;
                        self.measure.aliases += usize::from(field.alias.is_some());
                        let name = field.name.node.as_str();
                        let introspection = introspection || (depth == 0 && (name == "__schema" || name == "__type"));
                        let level = depth + 1;
                        if introspection {
                            self.measure.introspection_depth = self.measure.introspection_depth.max(level);
                        } else {
                            self.measure.depth = self.measure.depth.max(level);
                        }
                        self.set(&field.selection_set.node, level, introspection, seen);
                    }
                    Selection::InlineFragment(fragment) => {
                        self.set(&fragment.node.selection_set.node, depth, introspection, seen)
                    }
                    Selection::FragmentSpread(spread) => {
                        let name = spread.node.fragment_name.node.to_string();
                        // a fragment cycle is a validation error; here it just stops the walk
                        if let Some(fragment) = self.document.fragments.get(&spread.node.fragment_name.node)
                            && seen.insert(name.clone())
                        {
                            self.set(&fragment.node.selection_set.node, depth, introspection, seen);
                            seen.remove(&name);
                        }
                    }
                }
            }
        }
    }
    let mut walk = Walk { document, measure: Measure::default() };
    let operations: Vec<&SelectionSet> = match &document.operations {
        DocumentOperations::Single(op) => vec![&op.node.selection_set.node],
        DocumentOperations::Multiple(ops) => ops.values().map(|op| &op.node.selection_set.node).collect(),
    };
    for set in operations {
        walk.set(set, 0, false, &mut HashSet::new());
    }
    walk.measure
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(query: &str) -> Measure {
        measure(&async_graphql::parser::parse_query(query).unwrap())
    }

    #[test]
    fn counts_aliases_and_depth_through_fragments() {
        let m = of(
            "query { a: viewer { id } b: viewer { x: id } ...F } fragment F on Query { c: tenant { branding { d: fromName } } }",
        );
        assert_eq!(m.aliases, 5);
        assert_eq!(m.depth, 3);
        assert_eq!(m.introspection_depth, 0);
    }

    #[test]
    fn introspection_is_measured_apart() {
        let m = of("{ viewer { id } __schema { types { fields { type { ofType { ofType { name } } } } } } }");
        assert_eq!(m.depth, 2);
        assert_eq!(m.introspection_depth, 7);
    }

    #[test]
    fn fragment_cycles_do_not_loop() {
        let m = of("{ ...A } fragment A on Query { viewer { ...B } } fragment B on Viewer { tenant { ...A } }");
        assert!(m.depth >= 2);
    }
}
