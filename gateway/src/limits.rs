//! What a query may cost, checked in the transport on the parsed document before async-graphql
//! validates or plans it: the number of fragments and spreads, the number of fields once every
//! fragment is expanded, the nesting depth (with a separate allowance inside `__schema` and
//! `__type`, whose `ofType` chains nest deeper than any real query) and the number of aliases.
//!
//! A few hundred bytes of fragments that each spread the next one twice expand to 2^n fields;
//! a walk that follows every spread (as async-graphql's own validation and complexity passes
//! do) takes exponential time on them. Here each fragment is measured once per mode, in an
//! order where the fragments it spreads are measured before it (Kahn's algorithm, which also
//! finds cycles), and a spread adds the measured cost of its fragment. So the check is linear in
//! the document, and sizes that would overflow saturate. Only a document that passes reaches
//! async-graphql, whose passes are then bounded by the expanded size.

use kernel::Reason;
use std::collections::HashMap;

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, Selection, SelectionSet};
use kernel::AppError;

#[derive(Debug, Clone, Copy)]
pub struct QueryLimits {
    pub max_depth: u32,
    pub max_introspection_depth: u32,
    pub max_aliases: u64,
    /// Fields of the document with every fragment expanded (all operations together).
    pub max_fields: u64,
    pub max_fragments: usize,
    pub max_spreads: usize,
}

/// What a document costs.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Measure {
    pub depth: u32,
    pub introspection_depth: u32,
    pub aliases: u64,
    pub fields: u64,
    pub fragments: usize,
    pub spreads: usize,
    /// It asks for `__schema` or `__type`.
    pub introspection: bool,
    /// Selection items visited while measuring: linear in the document (at most three times
    /// its items), which the tests check.
    pub visited: u64,
}

fn too_large(message: String, reason: Reason) -> AppError {
    AppError::bad_input("query", message).with_reason(reason)
}

impl QueryLimits {
    /// Measures the document and refuses it (`BAD_USER_INPUT` with a reason) when it passes a
    /// limit. Returns the measure so a batch can add its operations up.
    pub fn check(&self, document: &ExecutableDocument) -> Result<Measure, AppError> {
        let m = measure(document, self)?;
        if m.fields > self.max_fields {
            return Err(too_large(
                format!(
                    "the query selects {} fields once its fragments are expanded; at most {} are allowed",
                    m.fields, self.max_fields
                ),
                Reason::QueryTooLarge,
            ));
        }
        if m.depth > self.max_depth || m.introspection_depth > self.max_introspection_depth {
            let depth = m.depth.max(m.introspection_depth);
            return Err(too_large(
                format!("the query is nested too deep ({depth} levels; at most {})", self.max_depth),
                Reason::QueryTooDeep,
            ));
        }
        if m.aliases > self.max_aliases {
            return Err(too_large(
                format!("the query uses {} aliases; at most {} are allowed", m.aliases, self.max_aliases),
                Reason::TooManyAliases,
            ));
        }
        Ok(m)
    }
}

/// Where a selection set sits: at an operation's root (where `__schema` and `__type` open
/// introspection), below it, or inside introspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Root,
    Normal,
    Introspection,
}

const MODES: [Mode; 3] = [Mode::Root, Mode::Normal, Mode::Introspection];

impl Mode {
    fn index(self) -> usize {
        self as usize
    }
}

/// The cost of a selection set, its depths relative to where it sits.
#[derive(Debug, Default, Clone, Copy)]
struct Cost {
    depth: u32,
    introspection_depth: u32,
    aliases: u64,
    fields: u64,
    introspection: bool,
}

impl Cost {
    /// Adds a sibling's cost (a fragment spread or inline fragment at the same level).
    fn merge(&mut self, other: Cost) {
        self.depth = self.depth.max(other.depth);
        self.introspection_depth = self.introspection_depth.max(other.introspection_depth);
        self.aliases = self.aliases.saturating_add(other.aliases);
        self.fields = self.fields.saturating_add(other.fields);
        self.introspection |= other.introspection;
    }
}

struct Walker<'a> {
    /// Each fragment's cost in each mode, once measured.
    costs: HashMap<&'a str, [Cost; 3]>,
    visited: u64,
}

impl<'a> Walker<'a> {
    fn set(&mut self, set: &'a SelectionSet, mode: Mode) -> Cost {
        let mut cost = Cost::default();
        for item in &set.items {
            self.visited += 1;
            match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let name = field.name.node.as_str();
                    let opens_introspection = mode == Mode::Root && (name == "__schema" || name == "__type");
                    let inside = mode == Mode::Introspection || opens_introspection;
                    let child_mode = if inside { Mode::Introspection } else { Mode::Normal };
                    let sub = self.set(&field.selection_set.node, child_mode);
                    if inside {
                        cost.introspection_depth = cost.introspection_depth.max(1 + sub.introspection_depth);
                    } else {
                        cost.depth = cost.depth.max(1 + sub.depth);
                    }
                    cost.introspection |= opens_introspection || sub.introspection;
                    cost.fields = cost.fields.saturating_add(1).saturating_add(sub.fields);
                    cost.aliases =
                        cost.aliases.saturating_add(u64::from(field.alias.is_some())).saturating_add(sub.aliases);
                }
                Selection::InlineFragment(fragment) => {
                    let sub = self.set(&fragment.node.selection_set.node, mode);
                    cost.merge(sub);
                }
                Selection::FragmentSpread(spread) => {
                    // Unknown fragments are left to validation; known ones were measured first.
                    if let Some(costs) = self.costs.get(spread.node.fragment_name.node.as_str()) {
                        cost.merge(costs[mode.index()]);
                    }
                }
            }
        }
        cost
    }
}

/// The fragments a selection set spreads (directly, or in its fields and inline fragments),
/// and how many spreads it has.
fn spreads_of<'a>(set: &'a SelectionSet, out: &mut Vec<&'a str>) {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => spreads_of(&field.node.selection_set.node, out),
            Selection::InlineFragment(fragment) => spreads_of(&fragment.node.selection_set.node, out),
            Selection::FragmentSpread(spread) => out.push(spread.node.fragment_name.node.as_str()),
        }
    }
}

fn operations(document: &ExecutableDocument) -> Vec<&SelectionSet> {
    match &document.operations {
        DocumentOperations::Single(op) => vec![&op.node.selection_set.node],
        DocumentOperations::Multiple(ops) => ops.values().map(|op| &op.node.selection_set.node).collect(),
    }
}

/// Measures a document in time linear in its size. A fragment cycle, or more fragments or
/// spreads than `limits` allow, is refused before anything is expanded.
pub fn measure(document: &ExecutableDocument, limits: &QueryLimits) -> Result<Measure, AppError> {
    let fragments = document.fragments.len();
    if fragments > limits.max_fragments {
        return Err(too_large(
            format!("the query defines {fragments} fragments; at most {} are allowed", limits.max_fragments),
            Reason::TooManyFragments,
        ));
    }
    let sets: HashMap<&str, &SelectionSet> =
        document.fragments.iter().map(|(name, f)| (name.as_str(), &f.node.selection_set.node)).collect();
    // Each fragment's direct dependencies, and every spread in the document.
    let mut depends: HashMap<&str, Vec<&str>> = HashMap::with_capacity(fragments);
    let mut spreads = 0usize;
    for (name, set) in &sets {
        let mut out = Vec::new();
        spreads_of(set, &mut out);
        spreads += out.len();
        out.retain(|d| sets.contains_key(d));
        out.sort_unstable();
        out.dedup();
        depends.insert(name, out);
    }
    for set in operations(document) {
        let mut out = Vec::new();
        spreads_of(set, &mut out);
        spreads += out.len();
    }
    if spreads > limits.max_spreads {
        return Err(too_large(
            format!("the query has {spreads} fragment spreads; at most {} are allowed", limits.max_spreads),
            Reason::TooManySpreads,
        ));
    }

    // Kahn's algorithm: a fragment is measured once every fragment it spreads has been.
    let mut waiting_on: HashMap<&str, usize> = depends.iter().map(|(f, d)| (*f, d.len())).collect();
    let mut dependents: HashMap<&str, Vec<&str>> = HashMap::new();
    for (fragment, deps) in &depends {
        for dep in deps {
            dependents.entry(dep).or_default().push(fragment);
        }
    }
    let mut ready: Vec<&str> = waiting_on.iter().filter(|(_, n)| **n == 0).map(|(f, _)| *f).collect();
    let mut walker = Walker { costs: HashMap::with_capacity(fragments), visited: 0 };
    while let Some(name) = ready.pop() {
        let Some(set) = sets.get(name) else { continue };
        let costs = MODES.map(|mode| walker.set(set, mode));
        walker.costs.insert(name, costs);
        for dependent in dependents.get(name).into_iter().flatten() {
            if let Some(n) = waiting_on.get_mut(dependent) {
                *n -= 1;
                if *n == 0 {
                    ready.push(dependent);
                }
            }
        }
    }
    if walker.costs.len() < fragments {
        return Err(too_large("the query's fragments spread each other in a cycle".into(), Reason::FragmentCycle));
    }

    let mut total = Cost::default();
    for set in operations(document) {
        total.merge(walker.set(set, Mode::Root));
    }
    Ok(Measure {
        depth: total.depth,
        introspection_depth: total.introspection_depth,
        aliases: total.aliases,
        fields: total.fields,
        fragments,
        spreads,
        introspection: total.introspection,
        visited: walker.visited,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::LIMITS;

    fn of(query: &str) -> Measure {
        measure(&async_graphql::parser::parse_query(query).unwrap(), &LIMITS).unwrap()
    }

    /// Fragments F0..Fn where each spreads the next twice: 2^n leaves in a few hundred bytes.
    fn doubling(levels: usize) -> String {
        let mut doc = String::from("query { viewer { ...F0 } }");
        for i in 0..levels {
            doc.push_str(&format!(" fragment F{i} on Viewer {{ ...F{} ...F{} }}", i + 1, i + 1));
        }
        doc.push_str(&format!(" fragment F{levels} on Viewer {{ id }}"));
        doc
    }

    #[test]
    fn counts_aliases_fields_and_depth_through_fragments() {
        let m = of(
            "query { a: viewer { id } b: viewer { x: id } ...F } fragment F on Query { c: tenant { branding { d: fromName } } }",
        );
        assert_eq!(m.aliases, 5);
        assert_eq!(m.depth, 3);
        assert_eq!(m.fields, 7);
        assert_eq!(m.introspection_depth, 0);
        assert!(!m.introspection);
    }

    #[test]
    fn introspection_is_measured_apart() {
        let m = of("{ viewer { id } __schema { types { fields { type { ofType { ofType { name } } } } } } }");
        assert_eq!(m.depth, 2);
        assert_eq!(m.introspection_depth, 7);
        assert!(m.introspection);
        // through a fragment spread at the root too
        let m = of("{ ...Q } fragment Q on Query { __type(name: \"X\") { name } }");
        assert!(m.introspection);
        assert_eq!((m.depth, m.introspection_depth), (0, 2));
        assert!(!of("{ __typename viewer { __typename } }").introspection);
    }

    #[test]
    fn doubling_fragments_are_counted_exactly_in_linear_time() {
        for levels in [10usize, 20, 30, 60] {
            let doc = doubling(levels);
            let parsed = async_graphql::parser::parse_query(&doc).unwrap();
            let m = measure(&parsed, &LIMITS).unwrap();
            let expected = 1u64.checked_shl(levels as u32).map_or(u64::MAX, |leaves| leaves + 1);
            assert_eq!(m.fields, expected, "{levels} levels");
            // each selection item is visited at most once per mode
            let items = 2 * levels as u64 + 2;
            assert!(m.visited <= 3 * items + 2, "{levels} levels: {} visits for {items} items", m.visited);
            assert!(LIMITS.check(&parsed).is_err() || levels <= 12);
        }
    }

    #[test]
    fn sizes_saturate_instead_of_overflowing() {
        let m = of(&doubling(90));
        assert_eq!(m.fields, u64::MAX);
    }

    #[test]
    fn cycles_and_too_many_fragments_or_spreads_are_refused() {
        let cyclic = "{ ...A } fragment A on Query { viewer { ...B } } fragment B on Viewer { tenant { ...A } }";
        let err = measure(&async_graphql::parser::parse_query(cyclic).unwrap(), &LIMITS).unwrap_err();
        assert_eq!(err.reason, Some(Reason::FragmentCycle));
        let self_spread = "{ ...A } fragment A on Query { ...A }";
        assert!(measure(&async_graphql::parser::parse_query(self_spread).unwrap(), &LIMITS).is_err());

        let many: String = (0..101).map(|i| format!(" fragment F{i} on Query {{ __typename }}")).collect();
        let err = measure(&async_graphql::parser::parse_query(format!("{{ __typename }}{many}")).unwrap(), &LIMITS)
            .unwrap_err();
        assert_eq!(err.reason, Some(Reason::TooManyFragments));

        let spreads = format!("{{ {} }} fragment F on Query {{ __typename }}", "...F ".repeat(501));
        let err = measure(&async_graphql::parser::parse_query(spreads).unwrap(), &LIMITS).unwrap_err();
        assert_eq!(err.reason, Some(Reason::TooManySpreads));
    }

    #[test]
    fn the_check_refuses_expanded_size_depth_and_aliases_in_that_order() {
        let check = |q: &str| LIMITS.check(&async_graphql::parser::parse_query(q).unwrap()).map_err(|e| e.reason);
        assert_eq!(check(&doubling(13)), Err(Some(Reason::QueryTooLarge)));
        assert!(check(&doubling(12)).is_ok());
        let deep = format!("{{ {} leaf {} }}", "a { ".repeat(12), "} ".repeat(12));
        assert_eq!(check(&deep), Err(Some(Reason::QueryTooDeep)));
        let aliases: String = (0..16).map(|i| format!(" a{i}: __typename")).collect();
        assert_eq!(check(&format!("{{{aliases} }}")), Err(Some(Reason::TooManyAliases)));
    }
}
