//! The floor under every text input: no string a client sends, in variables or written into
//! the document, may hold a control character other than a line break or tab. NUL cannot be
//! stored by PostgreSQL at all, and the rest (escape sequences, backspaces) have no business in
//! any field; checking here means no field, today's or a future one, can forget. Each field's
//! own rules (trimming, invisible characters, lengths) live in `kernel::validate`, which the
//! services apply.

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Value as ConstValue, Variables};
use kernel::AppError;

/// `BAD_USER_INPUT` on the innermost field that holds a string with a control character.
pub fn check(variables: &Variables, document: &ExecutableDocument) -> Result<(), AppError> {
    for (name, value) in variables.iter() {
        const_value(name.as_str(), value)?;
    }
    let operations: Vec<_> = match &document.operations {
        DocumentOperations::Single(op) => vec![&op.node],
        DocumentOperations::Multiple(ops) => ops.values().map(|op| &op.node).collect(),
    };
    for op in operations {
        for variable in &op.variable_definitions {
            if let Some(default) = &variable.node.default_value {
                const_value(variable.node.name.node.as_str(), &default.node)?;
            }
        }
        selection_set(&op.selection_set.node)?;
    }
    for fragment in document.fragments.values() {
        selection_set(&fragment.node.selection_set.node)?;
    }
    Ok(())
}

fn text(field: &str, text: &str) -> Result<(), AppError> {
    kernel::validate::no_control(field, text, true)
}

fn const_value(field: &str, value: &ConstValue) -> Result<(), AppError> {
    match value {
        ConstValue::String(s) => text(field, s),
        ConstValue::List(items) => items.iter().try_for_each(|v| const_value(field, v)),
        ConstValue::Object(fields) => {
            fields.iter().try_for_each(|(name, v)| text(field, name.as_str()).and(const_value(name.as_str(), v)))
        }
        _ => Ok(()),
    }
}

/// An argument written into the document, its variables (checked apart) read as null.
macro_rules! argument {
    ($name:expr, $value:expr) => {{
        let Ok(constant) = $value.clone().into_const_with(|_| Ok::<_, std::convert::Infallible>(ConstValue::Null));
        const_value($name, &constant)
    }};
}

fn selection_set(set: &SelectionSet) -> Result<(), AppError> {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                for (name, v) in &field.node.arguments {
                    argument!(name.node.as_str(), v.node)?;
                }
                for directive in &field.node.directives {
                    for (name, v) in &directive.node.arguments {
                        argument!(name.node.as_str(), v.node)?;
                    }
                }
                selection_set(&field.node.selection_set.node)?;
            }
            Selection::InlineFragment(fragment) => selection_set(&fragment.node.selection_set.node)?,
            Selection::FragmentSpread(_) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(query: &str, variables: serde_json::Value) -> Result<(), AppError> {
        let doc = async_graphql::parser::parse_query(query).unwrap();
        check(&Variables::from_json(variables), &doc)
    }

    #[test]
    fn control_characters_are_refused_wherever_a_string_is() {
        let err = run("mutation($i: In!) { m(input: $i) }", serde_json::json!({ "i": { "topic": "a\u{0000}b" } }))
            .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("topic"));
        assert_eq!(err.reason, Some(kernel::Reason::ControlCharacter));
        let err = run("{ m(input: {changes: [{section: \"x\\u0007\"}]}) }", serde_json::json!({})).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("section"));
        let err = run("query($e: String = \"\\u001b[31m\") { m(e: $e) }", serde_json::json!({})).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("e"));
        let err = run("{ ...F } fragment F on Query { m(note: \"\\u0000\") }", serde_json::json!({})).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("note"));
    }

    #[test]
    fn line_breaks_tabs_and_other_scripts_pass() {
        assert!(
            run(
                "mutation($i: In!) { m(input: $i) }",
                serde_json::json!({ "i": { "instructions": "1.\tIntro\r\n2. Body — ü, 中文, עברית" } })
            )
            .is_ok()
        );
    }
}
