//! The one schema: every domain crate's query and mutation roots, merged.

use async_graphql::{EmptySubscription, MergedObject, Schema, SchemaBuilder};
use identity::{IdentityMutation, IdentityQuery};
use tenancy::{TenancyMutation, TenancyQuery};

use crate::limits::QueryLimits;

#[derive(MergedObject, Default)]
pub struct Query(TenancyQuery, IdentityQuery);

#[derive(MergedObject, Default)]
pub struct Mutation(TenancyMutation, IdentityMutation);

pub type AppSchema = Schema<Query, Mutation, EmptySubscription>;

pub const LIMITS: QueryLimits = QueryLimits { max_depth: 12, max_introspection_depth: 20, max_aliases: 15 };
pub const MAX_COMPLEXITY: usize = 2_000;

/// The schema with its limits; the caller adds data and builds.
pub fn builder(introspection: bool) -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    let builder = Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_complexity(MAX_COMPLEXITY)
        .extension(LIMITS);
    if introspection { builder } else { builder.disable_introspection() }
}

/// The SDL, sorted, as committed in `schema.graphql`.
pub fn sdl() -> String {
    builder(true)
        .finish()
        .sdl_with_options(async_graphql::SDLExportOptions::new().sorted_fields().sorted_arguments().sorted_enum_items())
}
