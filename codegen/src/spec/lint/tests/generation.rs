//! The checks the generated code relies on: reported against the fragment that broke them,
//! and run by the model's lowering as well as by `lint`.

use super::{edit, lint_things, ROOT};
use crate::spec::{generation_checks, load_dir};

/// Two path items: one shaped like `/api/things/{key}`, one with a partial-segment parameter.
const MORE_PATHS: &str = "  /api/things/{name}:
    x-sps-resource: item
  /api/files/{name}.json:
    x-sps-resource: item
components:
";

#[test]
fn unroutable_path_templates_are_reported_where_they_are_defined() {
    let things = edit("components:\n", MORE_PATHS);
    assert_eq!(
        lint_things(&things),
        [
            "paths/things.yaml:43: /paths/~1api~1things~1{name}: path `/api/things/{name}` \
             clashes with `/api/things/{key}` (same shape, other parameter names)",
            "paths/things.yaml:45: /paths/~1api~1files~1{name}.json: path segment \
             `{name}.json`: a parameter must be a whole segment",
        ]
    );
}

#[test]
fn operations_cannot_take_a_client_method_name() {
    let get = "/paths/~1api~1things~1{key}/get";
    let things = edit("operationId: get_thing", "operationId: follow");
    assert_eq!(
        lint_things(&things),
        [format!(
            "paths/things.yaml:5: {get}/operationId: operation `follow` would generate the client \
             method `follow` (its own method), which the client runtime already has; rename the \
             operationId"
        )]
    );
    // A paged operation's `<name>_all` is taken too.
    let paged = edit(
        "          example: abc\n",
        "          example: abc\n        - {name: offset, in: query, schema: {type: integer}}\n        \
         - {name: limit, in: query, schema: {type: integer}}\n",
    )
    .replacen("operationId: replace_thing", "operationId: get_thing_all", 1);
    assert_eq!(
        lint_things(&paged),
        [format!(
            "paths/things.yaml:5: {get}/operationId: operation `get_thing` would generate the \
             client method `get_thing_all` (its paging method), which another operation already \
             has; rename the operationId"
        )]
    );
}

#[test]
fn lowering_refuses_what_generation_checks_report_and_nothing_else() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("paths")).expect("mkdir");
    std::fs::write(dir.path().join("openapi.yaml"), ROOT).expect("write");
    // A missing summary is a lint finding the generated code does not depend on.
    let things = edit("      summary: Read a thing\n", "").replacen(
        "operationId: replace_thing",
        "operationId: send",
        1,
    );
    std::fs::write(dir.path().join("paths/things.yaml"), things).expect("write");
    let spec = load_dir(dir.path()).expect("loads");
    let checks: Vec<String> = generation_checks(&spec)
        .iter()
        .map(|d| d.message.clone())
        .collect();
    assert_eq!(checks.len(), 1, "{checks:?}");
    assert!(checks[0].contains("client method `send`"), "{checks:?}");
    assert_eq!(crate::spec::lint(&spec).len(), 2);
    let refused = crate::model::lower(&spec).expect_err("the clash is refused");
    assert_eq!(refused, generation_checks(&spec));
}

#[test]
fn signatures_are_checked_before_lowering_not_by_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("paths")).expect("mkdir");
    std::fs::write(dir.path().join("openapi.yaml"), ROOT).expect("write");
    let things = edit(
        "        - {name: key, in: path, required: true, schema: {type: string}}\n",
        "        - {name: other, in: query, schema: {type: string}}\n",
    );
    std::fs::write(dir.path().join("paths/things.yaml"), things).expect("write");
    let spec = load_dir(dir.path()).expect("loads");
    let refused: Vec<String> = crate::model::lower(&spec)
        .expect_err("an undeclared path parameter")
        .iter()
        .map(|d| d.message.clone())
        .collect();
    assert_eq!(refused, ["the path parameter `key` is not declared"]);
}
