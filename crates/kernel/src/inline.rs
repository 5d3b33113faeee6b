//! [`Inline`]: an object whose fields resolve one after another inside the object's own future.
//!
//! async-graphql resolves every field of an object as its own boxed future (`Fields::add_set`),
//! sized for the largest field of the type, and polls them together. For the small objects a
//! page repeats hundreds of times (a timeline event, a person), that box, its copy and the
//! bookkeeping cost more than the field itself. `Inline<T>` keeps `T`'s schema (same name, same
//! fields, registered by `T`) and `T`'s own `resolve_field` (its guards, arguments and errors),
//! and only changes how the selection set is walked: in order, awaited in place.
//!
//! A field that awaits a loader still batches across a list (the list's items run together),
//! but two such fields of one object would wait in turn, each loader batch its own statement. So
//! an object says which of its fields may wait on I/O ([`WaitsOnIo`]), and a selection with more
//! than one of them is left to async-graphql's concurrent resolution. Schema extensions'
//! per-field `resolve` hook does not run for inlined fields (async-graphql does not say whether
//! a request has extensions); the schema has none, and one that adds per-field tracing should
//! stop using `Inline`.

use std::borrow::Cow;

use async_graphql::indexmap::IndexMap;
use async_graphql::indexmap::map::Entry;
use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::resolve_container;
use async_graphql::{
    ContainerType, ContextSelectionSet, Name, OutputType, Positioned, ServerError, ServerResult, Value,
};

/// `T` as the schema knows it, resolved field after field without a boxed future each.
pub struct Inline<T>(pub T);

/// Which fields of an object may wait on I/O (a loader's batch, a statement) when resolved.
pub trait WaitsOnIo {
    /// Whether resolving the field named `field` (its schema name) may wait on I/O. The default,
    /// never, suits objects whose fields read only what the object holds, or with one field that
    /// loads.
    fn waits_on_io(&self, field: &str) -> bool {
        let _ = field;
        false
    }
}

impl<T: ContainerType + WaitsOnIo> OutputType for Inline<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::qualified_type_name()
    }

    fn introspection_type_name(&self) -> Cow<'static, str> {
        self.0.introspection_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, _field: &Positioned<Field>) -> ServerResult<Value> {
        let mut fields = Vec::with_capacity(ctx.item.node.items.len());
        let plain =
            collect_fields(ctx, &ctx.item.node, &self.0.introspection_type_name(), &T::type_name(), &mut fields)?;
        // A custom directive wraps its field's future, and fields that wait on I/O are best
        // awaited together: leave such a selection to async-graphql.
        if !plain || fields.iter().filter(|f| self.0.waits_on_io(&f.node.name.node)).nth(1).is_some() {
            return resolve_container(ctx, &self.0).await;
        }
        let mut results = IndexMap::with_capacity(fields.len());
        for field in fields {
            let key = field.node.response_key().node.clone();
            if field.node.name.node == "__typename" {
                insert_value(&mut results, key, Value::String(self.0.introspection_type_name().into_owned()));
                continue;
            }
            match self.0.resolve_field(&ctx.with_field(field)).await {
                Ok(value) => insert_value(&mut results, key, value.unwrap_or_default()),
                Err(error) => ctx.add_error(error),
            }
        }
        Ok(if results.is_empty() { Value::Null } else { Value::Object(results) })
    }
}

/// The fields a selection set asks of an object of type `concrete` (exposed as `declared`),
/// fragments flattened as async-graphql does. Answers whether every field is plain (carries no
/// directive left after `@skip`/`@include` were applied at preparation).
fn collect_fields<'a>(
    ctx: &ContextSelectionSet<'a>,
    set: &'a SelectionSet,
    concrete: &str,
    declared: &str,
    out: &mut Vec<&'a Positioned<Field>>,
) -> ServerResult<bool> {
    let mut plain = true;
    for selection in &set.items {
        let (condition, inner) = match &selection.node {
            Selection::Field(field) => {
                plain &= field.node.directives.is_empty();
                out.push(field);
                continue;
            }
            Selection::FragmentSpread(spread) => {
                let name = &spread.node.fragment_name.node;
                let Some(fragment) = ctx.query_env.fragments.get(name) else {
                    return Err(ServerError::new(format!(r#"Unknown fragment "{name}"."#), Some(spread.pos)));
                };
                (Some(fragment.node.type_condition.node.on.node.as_str()), &fragment.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => (
                fragment.node.type_condition.as_ref().map(|c| c.node.on.node.as_str()),
                &fragment.node.selection_set.node,
            ),
        };
        let applies = match condition {
            None => true,
            Some(condition) => {
                condition == concrete
                    || condition == declared
                    || ctx.schema_env.registry.implements.get(concrete).is_some_and(|i| i.contains(condition))
            }
        };
        if applies {
            plain &= collect_fields(ctx, inner, concrete, declared, out)?;
        }
    }
    Ok(plain)
}

/// Puts a field's value under its response key, merging objects (and lists of objects) asked
/// twice under one key, as async-graphql's own container resolution does. (One hash of the key:
/// hashing response keys is a visible share of a page.)
fn insert_value(target: &mut IndexMap<Name, Value>, name: Name, value: Value) {
    let previous = match target.entry(name) {
        Entry::Vacant(slot) => {
            slot.insert(value);
            return;
        }
        Entry::Occupied(slot) => slot.into_mut(),
    };
    match (previous, value) {
        (Value::Object(into), Value::Object(from)) => {
            for (key, value) in from {
                insert_value(into, key, value);
            }
        }
        (Value::List(into), Value::List(from)) => {
            for (item, value) in into.iter_mut().zip(from) {
                if let (Value::Object(into), Value::Object(from)) = (item, value) {
                    for (key, value) in from {
                        insert_value(into, key, value);
                    }
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    //! `Inline<T>` must answer exactly what async-graphql's own resolution of `T` answers: the
    //! same objects asked through `derived` and `inlined` (names of one length, so that error
    //! locations match), answers compared.
    use async_graphql::{
        Context, EmptyMutation, EmptySubscription, Guard, Interface, Object, Request, Result, Schema, SimpleObject,
        Variables,
    };

    use std::collections::HashMap;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use async_graphql::dataloader::{DataLoader, Loader};

    use super::Inline;

    #[derive(SimpleObject)]
    struct Leaf {
        name: String,
        n: i32,
    }

    struct Deny;
    impl Guard for Deny {
        async fn check(&self, _: &Context<'_>) -> Result<()> {
            Err("denied".into())
        }
    }

    struct Node(i32);

    #[Object]
    impl Node {
        async fn id(&self) -> i32 {
            self.0
        }
        async fn label(&self) -> String {
            format!("node {}", self.0)
        }
        async fn leaf(&self) -> Option<Inline<Leaf>> {
            (self.0 % 2 == 0).then(|| Inline(Leaf { name: format!("leaf {}", self.0), n: self.0 * 10 }))
        }
        async fn times(&self, by: i32) -> i32 {
            self.0 * by
        }
        async fn fails(&self) -> Result<i32> {
            if self.0 == 2 { Err("two fails".into()) } else { Ok(self.0) }
        }
        async fn maybe_fails(&self) -> Result<Option<i32>> {
            if self.0 == 1 { Err("one fails".into()) } else { Ok(Some(self.0)) }
        }
        #[graphql(guard = "Deny")]
        async fn guarded(&self) -> Option<i32> {
            Some(self.0)
        }
    }

    #[derive(Interface)]
    #[graphql(field(name = "label", ty = "String"))]
    enum Named {
        Node(Node),
    }

    impl super::WaitsOnIo for Leaf {}
    impl super::WaitsOnIo for Node {}

    /// Squares, counting the batches their keys arrive in.
    struct Squares(Arc<AtomicUsize>);

    impl Loader<i32> for Squares {
        type Value = i32;
        type Error = String;
        async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, i32>, String> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(keys.iter().map(|k| (*k, k * k)).collect())
        }
    }

    /// An object with two fields that load (through one loader) and one that does not.
    struct Loads(i32);

    #[Object]
    impl Loads {
        async fn n(&self) -> i32 {
            self.0
        }
        async fn square(&self, ctx: &Context<'_>) -> Result<Option<i32>> {
            Ok(ctx.data_unchecked::<DataLoader<Squares>>().load_one(self.0).await?)
        }
        async fn next_square(&self, ctx: &Context<'_>) -> Result<Option<i32>> {
            Ok(ctx.data_unchecked::<DataLoader<Squares>>().load_one(self.0 + 1).await?)
        }
    }

    impl super::WaitsOnIo for Loads {
        fn waits_on_io(&self, field: &str) -> bool {
            field != "n"
        }
    }

    struct Root;

    #[Object]
    impl Root {
        async fn derived(&self) -> Vec<Node> {
            (1..=3).map(Node).collect()
        }
        async fn inlined(&self) -> Vec<Inline<Node>> {
            (1..=3).map(|n| Inline(Node(n))).collect()
        }
        async fn named(&self) -> Named {
            Named::Node(Node(0))
        }
        async fn loads(&self) -> Vec<Inline<Loads>> {
            (1..=3).map(|n| Inline(Loads(n))).collect()
        }
    }

    async fn run(query: &str, variables: serde_json::Value) -> serde_json::Value {
        run_counting(query, variables).await.0
    }

    /// The answer, and how many batches the `Squares` loader ran.
    async fn run_counting(query: &str, variables: serde_json::Value) -> (serde_json::Value, usize) {
        let batches = Arc::new(AtomicUsize::new(0));
        let schema = Schema::build(Root, EmptyMutation, EmptySubscription)
            .data(DataLoader::new(Squares(batches.clone()), tokio::spawn))
            .finish();
        let request = Request::new(query).variables(Variables::from_json(variables));
        let answer = serde_json::to_value(schema.execute(request).await).unwrap();
        (answer, batches.load(Ordering::SeqCst))
    }

    #[tokio::test]
    async fn fields_that_wait_on_io_are_awaited_together() {
        // one loading field: inline, and its loads across the list are still one batch
        let (answer, batches) = run_counting("{ loads { n square } }", serde_json::json!({})).await;
        assert_eq!(answer["data"]["loads"][2], serde_json::json!({"n": 3, "square": 9}), "{answer}");
        assert_eq!(batches, 1);
        // two: awaited in turn they would be two batches (two statements); together, one
        let (answer, batches) = run_counting("{ loads { square n nextSquare } }", serde_json::json!({})).await;
        assert_eq!(answer["data"]["loads"][0], serde_json::json!({"square": 1, "n": 1, "nextSquare": 4}), "{answer}");
        assert_eq!(batches, 1);
    }

    #[tokio::test]
    async fn inline_answers_as_async_graphql_does() {
        let cases = [
            ("{ a: NODES { id label } }", serde_json::json!({})),
            ("{ a: NODES { x: id y: label id __typename t: __typename } }", serde_json::json!({})),
            ("query { a: NODES { ...F } } fragment F on Node { id leaf { name } }", serde_json::json!({})),
            ("{ a: NODES { ... on Named { label } ... { id } ... on Node { times(by: 3) } } }", serde_json::json!({})),
            (
                "query($s: Boolean!) { a: NODES { id @skip(if: $s) label @include(if: $s) } }",
                serde_json::json!({"s": true}),
            ),
            (
                "query($s: Boolean!) { a: NODES { id @skip(if: $s) label @include(if: $s) } }",
                serde_json::json!({"s": false}),
            ),
            ("query($s: Boolean!) { a: NODES { id ... @include(if: $s) { label } } }", serde_json::json!({"s": false})),
            ("{ a: NODES { leaf { name } leaf { n } id } }", serde_json::json!({})),
            ("{ a: NODES { id maybeFails guarded } }", serde_json::json!({})),
            ("{ a: NODES { id fails } }", serde_json::json!({})),
            ("{ a: NODES { id } b: NODES { label } }", serde_json::json!({})),
        ];
        for (query, variables) in cases {
            let derived = run(&query.replace("NODES", "derived"), variables.clone()).await;
            let inline = run(&query.replace("NODES", "inlined"), variables).await;
            assert_eq!(inline, derived, "{query}");
            assert!(derived.get("data").is_some_and(|d| !d.is_null()) || query.contains("fails"), "{query}: {derived}");
        }
    }
}
