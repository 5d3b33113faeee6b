/// The committed `schema.graphql` is the schema the server builds (`just schema` rewrites it).
#[test]
fn committed_schema_matches_the_built_one() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let built = gateway::schema::sdl();
    assert!(
        committed == built,
        "schema.graphql is stale: run `just schema` (or `cargo run -p gateway -- export-schema > schema.graphql`)"
    );
}
