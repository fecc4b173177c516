//! Broken specs in, exact diagnostics (file, line, pointer, message) out.

use crate::spec::{examples, lint, load_dir};

const ROOT: &str = "\
openapi: 3.0.3
info: {title: t, version: '1'}
tags:
  - name: things
paths: {}
components:
  responses:
    Error:
      description: failure
      content:
        application/json:
          schema: {$ref: '#/components/schemas/ErrorResponse'}
          example: {error: nope}
  schemas:
    ErrorResponse:
      type: object
      required: [error]
      properties:
        error: {type: string}
";

/// A clean fragment; the tests break it one way at a time.
const THINGS: &str = "\
paths:
  /api/things/{key}:
    x-sps-resource: item
    get:
      operationId: get_thing
      tags: [things]
      summary: Read a thing
      x-sps-versions: ['7.x', '8.0']
      parameters:
        - name: key
          in: path
          required: true
          schema: {type: string}
          example: abc
      responses:
        '200':
          description: ok
          x-sps-evidence: described
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
              example: {name: a, size: 1}
        '404': {$ref: '#/components/responses/Error'}
    put:
      operationId: replace_thing
      tags: [things]
      summary: Replace a thing
      x-sps-transaction: required
      parameters:
        - {name: key, in: path, required: true, schema: {type: string}}
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Thing'}
            examples:
              big: {$ref: '#/components/examples/Big'}
              small:
                value: {name: s}
      responses:
        '200': {description: ok, x-sps-evidence: undocumented}
        '201': {description: created, x-sps-evidence: undocumented}
        '4XX': {$ref: '#/components/responses/Error'}
components:
  schemas:
    Thing:
      type: object
      required: [name]
      properties:
        name: {type: string, example: a}
        size: {type: integer, minimum: 0}
  examples:
    Big:
      value: {name: big, size: 100}
";

/// Lints the root plus `things` as `paths/things.yaml`; diagnostics relative to the spec dir.
fn lint_with(root: &str, things: &str) -> Vec<String> {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("paths")).expect("mkdir");
    std::fs::write(dir.path().join("openapi.yaml"), root).expect("write");
    std::fs::write(dir.path().join("paths/things.yaml"), things).expect("write");
    let prefix = format!("{}/", dir.path().display());
    match load_dir(dir.path()) {
        Ok(spec) => lint(&spec)
            .iter()
            .map(|d| d.to_string().replace(&prefix, ""))
            .collect(),
        Err(errors) => panic!("the fixture does not load: {errors:?}"),
    }
}

fn lint_things(things: &str) -> Vec<String> {
    lint_with(ROOT, things)
}

/// `THINGS` with `from` replaced by `to` (which must occur).
fn edit(from: &str, to: &str) -> String {
    assert!(THINGS.contains(from), "the fixture has no `{from}`");
    THINGS.replacen(from, to, 1)
}

#[test]
fn the_clean_fixture_is_clean_and_its_examples_are_found() {
    assert_eq!(lint_things(THINGS), Vec::<String>::new());
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("paths")).expect("mkdir");
    std::fs::write(dir.path().join("openapi.yaml"), ROOT).expect("write");
    std::fs::write(dir.path().join("paths/things.yaml"), THINGS).expect("write");
    let spec = load_dir(dir.path()).expect("loads");
    let found: Vec<(String, String)> = examples(&spec)
        .into_iter()
        .map(|e| (e.pointer, e.schema))
        .collect();
    let get = "/paths/~1api~1things~1{key}/get";
    let put = "/paths/~1api~1things~1{key}/put";
    let own = |s: &str| s.to_owned();
    assert_eq!(
        found,
        [
            (
                format!("{get}/parameters/0/example"),
                format!("{get}/parameters/0/schema")
            ),
            (
                format!("{get}/responses/200/content/application~1json/example"),
                format!("{get}/responses/200/content/application~1json/schema")
            ),
            (
                format!("{put}/requestBody/content/application~1json/examples/big"),
                format!("{put}/requestBody/content/application~1json/schema")
            ),
            (
                format!("{put}/requestBody/content/application~1json/examples/small/value"),
                format!("{put}/requestBody/content/application~1json/schema")
            ),
            (
                own("/components/responses/Error/content/application~1json/example"),
                own("/components/responses/Error/content/application~1json/schema")
            ),
            (
                own("/components/schemas/Thing/properties/name/example"),
                own("/components/schemas/Thing/properties/name")
            ),
        ]
    );
}

#[test]
fn unresolved_references_anywhere() {
    let things = edit(
        "size: {type: integer, minimum: 0}",
        "size: {$ref: '#/components/schemas/Size'}",
    );
    let things = things.replacen(
        "'#/components/responses/Error'}\n    put",
        "'#/components/responses/Eror'}\n    put",
        1,
    );
    assert_eq!(
        lint_things(&things),
        [
            "paths/things.yaml:23: /paths/~1api~1things~1{key}/get/responses/404/$ref: \
             unresolved reference `#/components/responses/Eror`",
            "paths/things.yaml:50: /components/schemas/Thing/properties/size/$ref: \
             unresolved reference `#/components/schemas/Size`",
        ]
    );
}

#[test]
fn operation_ids_must_exist_be_unique_and_snake_case() {
    let things = edit("operationId: replace_thing", "operationId: get_thing");
    assert_eq!(
        lint_things(&things),
        [
            "paths/things.yaml:25: /paths/~1api~1things~1{key}/put/operationId: \
          the operationId `get_thing` is also used by /paths/~1api~1things~1{key}/get"
        ]
    );
    let things = edit("      operationId: replace_thing\n", "");
    assert_eq!(lint_things(&things), ["paths/things.yaml:24: /paths/~1api~1things~1{key}/put: the operation has no operationId"]);
    let things = edit("operationId: get_thing", "operationId: getThing");
    assert_eq!(
        lint_things(&things),
        ["paths/things.yaml:5: /paths/~1api~1things~1{key}/get/operationId: the operationId `getThing` is not snake_case"]
    );
}

#[test]
fn operations_need_a_tag_and_a_summary() {
    let things = edit(
        "      tags: [things]\n      summary: Read a thing\n",
        "      summary: ''\n",
    );
    assert_eq!(
        lint_things(&things),
        [
            "paths/things.yaml:4: /paths/~1api~1things~1{key}/get: the operation has no tag",
            "paths/things.yaml:4: /paths/~1api~1things~1{key}/get: the operation has no summary",
        ]
    );
    let things = edit("tags: [things]", "tags: [stuff]");
    assert_eq!(
        lint_things(&things),
        ["paths/things.yaml:6: /paths/~1api~1things~1{key}/get/tags/0: the tag `stuff` is not declared in the root `tags`"]
    );
}

#[test]
fn operations_need_an_error_response() {
    let things = edit(
        "        '4XX': {$ref: '#/components/responses/Error'}\n",
        "",
    );
    assert_eq!(
        lint_things(&things),
        [
            "paths/things.yaml:39: /paths/~1api~1things~1{key}/put/responses: \
          the operation documents no error response (4xx or 5xx)"
        ]
    );
}

#[test]
fn path_parameters_match_the_template() {
    let things = edit(
        "        - {name: key, in: path, required: true, schema: {type: string}}\n",
        "        - {name: id, in: path, schema: {type: string}}\n",
    );
    assert_eq!(
        lint_things(&things),
        [
            "paths/things.yaml:24: /paths/~1api~1things~1{key}/put: the path parameter `key` is not declared",
            "paths/things.yaml:30: /paths/~1api~1things~1{key}/put/parameters/0: \
             the path parameter `id` is not in the path template",
        ]
    );
}

#[test]
fn examples_must_match_their_schemas() {
    let things = edit("example: abc", "example: 12")
        .replacen("example: {name: a, size: 1}", "example: {size: -1}", 1)
        .replacen("value: {name: s}", "value: {name: 5}", 1)
        .replacen(
            "value: {name: big, size: 100}",
            "value: {name: big, size: '100'}",
            1,
        )
        .replacen(
            "{type: string, example: a}",
            "{type: string, example: [a]}",
            1,
        )
        .replacen(
            "{type: integer, minimum: 0}",
            "{type: integer, minimum: 0, default: -5}",
            1,
        );
    let get = "/paths/~1api~1things~1{key}/get";
    let body = "/paths/~1api~1things~1{key}/put/requestBody/content/application~1json";
    assert_eq!(
        lint_things(&things),
        [
            format!(
                "paths/things.yaml:14: {get}/parameters/0/example: the example does not match its schema: \
                 example: expected string, got integer (schema {get}/parameters/0/schema/type)"
            ),
            format!(
                "paths/things.yaml:22: {get}/responses/200/content/application~1json/example: the example does not \
                 match its schema: example: the required property `name` is missing (schema /components/schemas/Thing/required)"
            ),
            format!(
                "paths/things.yaml:22: {get}/responses/200/content/application~1json/example: the example does not \
                 match its schema: example/size: -1 is below the minimum 0 (schema /components/schemas/Thing/properties/size/minimum)"
            ),
            format!(
                "paths/things.yaml:36: {body}/examples/big: the example does not match its schema: \
                 example/size: expected integer, got string (schema /components/schemas/Thing/properties/size/type)"
            ),
            format!(
                "paths/things.yaml:38: {body}/examples/small/value: the example does not match its schema: \
                 example/name: expected string, got integer (schema /components/schemas/Thing/properties/name/type)"
            ),
            "paths/things.yaml:49: /components/schemas/Thing/properties/name/example: the example does not match \
             its schema: example: expected string, got array (schema /components/schemas/Thing/properties/name/type)"
                .to_owned(),
            "paths/things.yaml:50: /components/schemas/Thing/properties/size/default: the default does not match \
             its schema: default: -5 is below the minimum 0 (schema /components/schemas/Thing/properties/size/minimum)"
                .to_owned(),
        ]
    );
}

#[test]
fn unsupported_constructs_are_reported_not_fatal() {
    let things = edit(
        "schema: {$ref: '#/components/schemas/Thing'}\n              example",
        "schema: {$ref: 'other.yaml#/Thing'}\n              example",
    )
    .replacen(
        "size: {type: integer, minimum: 0}",
        "size: {$ref: '#/components/schemas/ErrorResponse', description: ignored}",
        1,
    )
    .replacen(
        "      value: {name: big, size: 100}",
        "      externalValue: https://example.com/big.json",
        1,
    )
    .replacen(
        "    Thing:\n",
        "    Thing:\n      <<: {description: merged}\n",
        1,
    );
    let get = "/paths/~1api~1things~1{key}/get";
    let body = "/paths/~1api~1things~1{key}/put/requestBody/content/application~1json";
    assert_eq!(
        lint_things(&things),
        [
            format!(
                "paths/things.yaml:21: {get}/responses/200/content/application~1json/schema/$ref: \
                 unsupported: external reference `other.yaml#/Thing` (only `#/...` references are allowed)"
            ),
            format!("paths/things.yaml:36: {body}/examples/big: unsupported: `externalValue` examples cannot be checked"),
            "paths/things.yaml:46: /components/schemas/Thing/<<: unsupported: YAML merge keys (`<<`) are not applied"
                .to_owned(),
            "paths/things.yaml:51: /components/schemas/Thing/properties/size: \
             unsupported: keys next to `$ref` are ignored in OpenAPI 3.0: `description`"
                .to_owned(),
        ]
    );
}

#[test]
fn vendor_extensions_are_checked() {
    let things = edit("x-sps-resource: item", "x-sps-resource: thing")
        .replacen("x-sps-versions: ['7.x', '8.0']", "x-sps-versions: ['7.x', 'eight']\n      x-sps-resource: item", 1)
        .replacen("x-sps-transaction: required", "x-sps-transaction: yes-please\n      x-sps-doc-decisions: [{defect: d, why: w, extra: 1}]", 1)
        .replacen("    Thing:\n", "    Thing:\n      x-sps-flavour: sweet\n", 1);
    let get = "/paths/~1api~1things~1{key}/get";
    let put = "/paths/~1api~1things~1{key}/put";
    assert_eq!(
        lint_things(&things),
        [
            "paths/things.yaml:3: /paths/~1api~1things~1{key}/x-sps-resource: `x-sps-resource` must be one of \
             index, collection, item, singleton, action, service, not \"thing\""
                .to_owned(),
            format!("paths/things.yaml:8: {get}/x-sps-versions/1: \"eight\" is not a version like \"7.x\" or \"8.0\""),
            format!("paths/things.yaml:9: {get}/x-sps-resource: `x-sps-resource` belongs on a path item"),
            format!("paths/things.yaml:29: {put}/x-sps-transaction: `x-sps-transaction` must be `required`, not \"yes-please\""),
            format!("paths/things.yaml:30: {put}/x-sps-doc-decisions/0: a doc decision needs a non-empty `decision`"),
            format!("paths/things.yaml:30: {put}/x-sps-doc-decisions/0/extra: unexpected key `extra` (allowed: defect, decision, why)"),
            "paths/things.yaml:48: /components/schemas/Thing/x-sps-flavour: unknown vendor extension `x-sps-flavour`".to_owned(),
        ]
    );
}

#[test]
fn repeatable_marks_only_posts_and_is_true() {
    let get = "/paths/~1api~1things~1{key}/get";
    let put = "/paths/~1api~1things~1{key}/put";
    let things = edit(
        "x-sps-versions: ['7.x', '8.0']",
        "x-sps-versions: ['7.x', '8.0']\n      x-sps-repeatable: true",
    )
    .replacen(
        "x-sps-transaction: required",
        "x-sps-transaction: required\n      x-sps-repeatable: 'yes'",
        1,
    )
    .replacen(
        "    x-sps-resource: item\n",
        "    x-sps-resource: item\n    x-sps-repeatable: true\n",
        1,
    );
    assert_eq!(
        lint_things(&things),
        [
            "paths/things.yaml:4: /paths/~1api~1things~1{key}/x-sps-repeatable: `x-sps-repeatable` belongs on an operation".to_owned(),
            format!("paths/things.yaml:10: {get}/x-sps-repeatable: `x-sps-repeatable` marks a POST or PATCH; a GET is repeated anyway"),
            format!("paths/things.yaml:31: {put}/x-sps-repeatable: `x-sps-repeatable` is `true` or absent, not \"yes\""),
        ]
    );
    let post = THINGS.replacen("    put:\n", "    post:\n", 1).replacen(
        "x-sps-transaction: required",
        "x-sps-transaction: required\n      x-sps-repeatable: true",
        1,
    );
    assert_eq!(lint_things(&post), Vec::<String>::new());
}

#[test]
fn transaction_operations_name_existing_operations() {
    let root = ROOT.replacen(
        "paths: {}\n",
        "paths: {}\nx-sps-transaction-operations:\n  status: get_thing\n  open: open_transaction\n  commit: get_thing\n  \
         rollback: get_thing\n  changes: 7\n  undo: get_thing\n",
        1,
    );
    assert_eq!(
        lint_with(&root, THINGS),
        [
            "openapi.yaml:7: /x-sps-transaction-operations/status: the status operation `get_thing` must not need parameters (it needs `key`): the transaction helper calls it without any",
            "openapi.yaml:8: /x-sps-transaction-operations/open: \"open_transaction\" is not the operationId of an operation",
            "openapi.yaml:9: /x-sps-transaction-operations/commit: the commit operation `get_thing` must not need parameters (it needs `key`): the transaction helper calls it without any",
            "openapi.yaml:10: /x-sps-transaction-operations/rollback: the rollback operation `get_thing` must not need parameters (it needs `key`): the transaction helper calls it without any",
            "openapi.yaml:11: /x-sps-transaction-operations/changes: 7 is not the operationId of an operation",
            "openapi.yaml:12: /x-sps-transaction-operations/undo: unexpected key `undo` (allowed: status, open, commit, rollback, changes)",
        ]
    );
    let root = ROOT.replacen(
        "paths: {}\n",
        "paths: {}\nx-sps-transaction-operations: {status: get_thing}\n",
        1,
    );
    // `changes` is optional: the helper has no `changes` method without it.
    let found = lint_with(&root, THINGS);
    assert_eq!(
        found.len(),
        4,
        "three roles missing, and `get_thing` needs `key`: {found:?}"
    );
    assert_eq!(found[0], "openapi.yaml:6: /x-sps-transaction-operations: `x-sps-transaction-operations` lacks `open`");
}

#[test]
fn references_point_into_the_right_section() {
    let things = edit(
        "size: {type: integer, minimum: 0}",
        "size: {$ref: '#/components/responses/Error'}",
    )
    .replacen(
        "        '4XX': {$ref: '#/components/responses/Error'}",
        "        '4XX': {$ref: '#/components/schemas/ErrorResponse'}",
        1,
    );
    assert_eq!(
        lint_things(&things),
        [
            "paths/things.yaml:42: /paths/~1api~1things~1{key}/put/responses/4XX/$ref: \
             `#/components/schemas/ErrorResponse` is used where a response belongs: \
             it must point into `#/components/responses/`",
            "paths/things.yaml:50: /components/schemas/Thing/properties/size/$ref: \
             `#/components/responses/Error` is used where a schema belongs: \
             it must point into `#/components/schemas/`",
        ]
    );
}

#[test]
fn discriminated_one_of_members_are_references_with_the_tag() {
    let union = "    Target:
      oneOf:
        - $ref: '#/components/schemas/Thing'
        - $ref: '#/components/schemas/ErrorResponse'
        - {type: object}
      discriminator:
        propertyName: name
        mapping:
          thing: '#/components/schemas/Thing'
          other: Other
";
    let things = edit(
        "  examples:\n    Big:",
        &format!("{union}  examples:\n    Big:"),
    );
    assert_eq!(
        lint_things(&things),
        [
            "paths/things.yaml:54: /components/schemas/Target/oneOf/1: \
             `#/components/schemas/ErrorResponse` has no tag property `name`",
            "paths/things.yaml:55: /components/schemas/Target/oneOf/2: \
             a member of a discriminated oneOf must be a `$ref`",
            "paths/things.yaml:60: /components/schemas/Target/discriminator/mapping/other: \
             the mapping names no schema `Other`",
            "paths/things.yaml:60: /components/schemas/Target/discriminator/mapping/other: \
             the tag `other` maps to `Other`, which is not a member of the oneOf",
        ]
    );
}

#[test]
fn security_requirements_name_declared_schemes() {
    let root = ROOT.replacen(
        "components:\n",
        "security:\n  - sessionCookie: []\ncomponents:\n  securitySchemes:\n    \
         sessionCookie: {type: apiKey, in: cookie, name: session_id}\n",
        1,
    );
    assert_eq!(lint_with(&root, THINGS), Vec::<String>::new());
    let things = edit(
        "      summary: Read a thing\n",
        "      summary: Read a thing\n      security: [{basicAuth: []}, {}]\n",
    );
    let root = root.replacen("  - sessionCookie: []", "  - sesionCookie: []", 1);
    assert_eq!(
        lint_with(&root, &things),
        [
            "openapi.yaml:7: /security/0/sesionCookie: the security scheme `sesionCookie` is not declared \
             in `components/securitySchemes`",
            "paths/things.yaml:8: /paths/~1api~1things~1{key}/get/security/0/basicAuth: the security scheme \
             `basicAuth` is not declared in `components/securitySchemes`",
        ]
    );
}

#[test]
fn patterns_are_checked_or_reported_as_unsupported() {
    let things = edit("example: abc", "example: ABC")
        .replacen(
            "          schema: {type: string}\n          example",
            "          schema: {type: string, pattern: '^[a-z]+$'}\n          example",
            1,
        )
        .replacen(
            "{type: string, example: a}",
            "{type: string, example: a, pattern: '(?<=x)a'}",
            1,
        );
    let get = "/paths/~1api~1things~1{key}/get";
    assert_eq!(
        lint_things(&things),
        [
            format!(
                "paths/things.yaml:14: {get}/parameters/0/example: the example does not match its schema: \
                 example: \"ABC\" does not match `^[a-z]+$` (schema {get}/parameters/0/schema/pattern)"
            ),
            "paths/things.yaml:49: /components/schemas/Thing/properties/name/pattern: unsupported: \
             the pattern cannot be checked: look-around is not supported"
                .to_owned(),
        ]
    );
}

// Tolerant reading (`tolerance`): one test per check.

const GET: &str = "/paths/~1api~1things~1{key}/get";
const PUT: &str = "/paths/~1api~1things~1{key}/put";

#[test]
fn every_success_reply_states_its_evidence() {
    let things = edit("          x-sps-evidence: described\n", "").replacen(
        "x-sps-evidence: undocumented}",
        "x-sps-evidence: guessed}",
        1,
    );
    assert_eq!(
        lint_things(&things),
        [
            format!("paths/things.yaml:16: {GET}/responses/200: a success reply states how it is known: \
                     `x-sps-evidence` must be one of sample, described, undocumented, found nothing"),
            format!("paths/things.yaml:39: {PUT}/responses/200/x-sps-evidence: a success reply states how it is known: \
                     `x-sps-evidence` must be one of sample, described, undocumented, found \"guessed\""),
        ]
    );
}

#[test]
fn a_sample_reply_carries_a_published_sample_with_its_source() {
    let things = edit("x-sps-evidence: described", "x-sps-evidence: sample");
    assert_eq!(
        lint_things(&things),
        [format!(
            "paths/things.yaml:18: {GET}/responses/200/x-sps-evidence: `x-sps-evidence: sample` needs at least \
             one example with `x-sps-source` (the published sample)"
        )]
    );
    let sample = "examples:
                published:
                  x-sps-source: {page: Guide 7.4, versions: ['7.4'], repairs: closed a brace}
                  value: {name: a, size: 1}";
    let things = edit("x-sps-evidence: described", "x-sps-evidence: sample").replacen(
        "example: {name: a, size: 1}",
        sample,
        1,
    );
    assert_eq!(lint_things(&things), Vec::<String>::new());

    // The source says where, for which versions, and nothing else.
    let broken = sample.replace(
        "{page: Guide 7.4, versions: ['7.4'], repairs: closed a brace}",
        "{versions: [seven], repairs: '', by: me}",
    );
    let things = edit("x-sps-evidence: described", "x-sps-evidence: sample").replacen(
        "example: {name: a, size: 1}",
        &broken,
        1,
    );
    let source =
        format!("{GET}/responses/200/content/application~1json/examples/published/x-sps-source");
    assert_eq!(
        lint_things(&things),
        [
            format!("paths/things.yaml:24: {source}: `x-sps-source` needs `page`: the guide page the sample is printed on"),
            format!("paths/things.yaml:24: {source}/versions/0: \"seven\" is not a version like \"7.x\" or \"8.0\""),
            format!("paths/things.yaml:24: {source}/repairs: `repairs` says in words what was changed to make the sample JSON"),
            format!("paths/things.yaml:24: {source}/by: unknown key `by` in `x-sps-source` (page, versions, repairs)"),
        ]
    );

    // A published sample makes the reply's evidence `sample`.
    let things = edit("example: {name: a, size: 1}", sample);
    assert_eq!(
        lint_things(&things),
        [format!(
            "paths/things.yaml:18: {GET}/responses/200/x-sps-evidence: the reply carries a published sample, \
             so its evidence is `sample`, not `described`"
        )]
    );
}

#[test]
fn sources_and_evidence_stay_in_their_place() {
    let things = edit(
        "              small:\n",
        "              small:\n                x-sps-source: {page: p, versions: ['7.x']}\n",
    )
    .replacen(
        "    Thing:\n",
        "    Thing:\n      x-sps-evidence: sample\n",
        1,
    );
    assert_eq!(
        lint_things(&things),
        [
            format!("paths/things.yaml:38: {PUT}/requestBody/content/application~1json/examples/small/x-sps-source: \
                     `x-sps-source` belongs on an example of a reply"),
            "paths/things.yaml:47: /components/schemas/Thing/x-sps-evidence: `x-sps-evidence` belongs on a response"
                .to_owned(),
        ]
    );
}

#[test]
fn a_published_sample_must_have_every_required_property() {
    // The rule "required only when every sample has it", checked like every example.
    let sample = "examples:
                published:
                  x-sps-source: {page: Guide 8.0, versions: ['8.0']}
                  value: {size: 1}";
    let things = edit("x-sps-evidence: described", "x-sps-evidence: sample").replacen(
        "example: {name: a, size: 1}",
        sample,
        1,
    );
    assert_eq!(
        lint_things(&things),
        [format!(
            "paths/things.yaml:25: {GET}/responses/200/content/application~1json/examples/published/value: the example \
             does not match its schema: example: the required property `name` is missing (schema \
             /components/schemas/Thing/required)"
        )]
    );
}

#[test]
fn an_undocumented_reply_requires_nothing() {
    let things = edit(
        "'200': {description: ok, x-sps-evidence: undocumented}",
        "'200': {description: ok, x-sps-evidence: undocumented, content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}}",
    );
    assert_eq!(
        lint_things(&things),
        [format!(
            "paths/things.yaml:40: {PUT}/responses/200/content/application~1json/schema: the reply is \
             undocumented, so nothing in it is guaranteed, but its schema requires name"
        )]
    );
}

#[test]
fn envelopes_never_require_meta() {
    let envelope = "    ThingObject:
      type: object
      required: [key, body, meta]
      properties:
        key: {type: string}
        body: {$ref: '#/components/schemas/Thing'}
        meta: {type: object}
    Thing:
";
    let things = edit("    Thing:\n", envelope)
        .replacen("{$ref: '#/components/schemas/Thing'}\n              example: {name: a, size: 1}",
            "{$ref: '#/components/schemas/ThingObject'}\n              example: {key: k, body: {name: a}, meta: {}}", 1);
    assert_eq!(
        lint_things(&things),
        [format!(
            "paths/things.yaml:21: {GET}/responses/200/content/application~1json/schema: an object or list \
             envelope must not require `meta`: published samples of several versions omit it"
        )]
    );
}

#[test]
fn configuration_writes_declare_every_documented_success_status() {
    let things = edit(
        "        '201': {description: created, x-sps-evidence: undocumented}\n",
        "",
    );
    assert_eq!(
        lint_things(&things),
        [format!(
            "paths/things.yaml:39: {PUT}/responses: a configuration PUT documents 200 and 201: status 201 is missing"
        )]
    );
    let things = edit("x-sps-resource: item", "x-sps-resource: collection")
        .replacen("    put:\n", "    post:\n", 1)
        .replacen(
            "        '201': {description: created, x-sps-evidence: undocumented}\n",
            "",
            1,
        );
    assert_eq!(
        lint_things(&things),
        ["paths/things.yaml:39: /paths/~1api~1things~1{key}/post/responses: a configuration POST documents 201: \
          status 201 is missing"
            .to_owned()]
    );
}

#[test]
fn field_evidence_and_reference_targets_are_checked() {
    // Clean: a partial schema whose reference names its target collection.
    let reference = "    Reference: {oneOf: [{type: string}, {type: object}]}\n";
    let clean = edit(
        "      required: [name]\n",
        "      x-sps-fields: partial\n      required: [name]\n",
    )
    .replacen(
        "        size: {type: integer, minimum: 0}\n",
        "        size: {type: integer, minimum: 0}\n        owner:\n          x-sps-refers-to: ../owners\n          allOf: [{$ref: '#/components/schemas/Reference'}]\n",
        1,
    )
    .replacen("\n  examples:\n", &format!("\n{reference}  examples:\n"), 1);
    assert_eq!(lint_things(&clean), Vec::<String>::new());

    let broken = clean
        .replacen("x-sps-fields: partial", "x-sps-fields: open", 1)
        .replacen("x-sps-refers-to: ../owners", "x-sps-refers-to: owners/{key}", 1)
        .replacen(
            "        name: {type: string, example: a}\n",
            "        name: {type: string, example: a, x-sps-refers-to: /api/names, x-sps-fields: open}\n",
            1,
        );
    let thing = "/components/schemas/Thing";
    assert_eq!(
        lint_things(&broken),
        [
            format!("paths/things.yaml:47: {thing}/x-sps-fields: an `open` schema cannot require fields: none is known to be always sent"),
            format!("paths/things.yaml:50: {thing}/properties/name/x-sps-refers-to: `x-sps-refers-to` describes a `Reference`: \
                     the schema must be `allOf: [{{$ref: '#/components/schemas/Reference'}}]`"),
            format!("paths/things.yaml:50: {thing}/properties/name/x-sps-fields: `x-sps-fields` belongs on a named schema (`/components/schemas/<Name>`)"),
            format!("paths/things.yaml:53: {thing}/properties/owner/x-sps-refers-to: `x-sps-refers-to` must be a collection path, \
                     `/api/...` or `../<sibling>`, not \"owners/{{key}}\""),
        ]
    );
}

mod generation;

#[test]
fn a_reply_pointing_at_a_missing_shared_response_is_only_an_unresolved_reference() {
    // Found by `cargo xtask fuzz`: the evidence check reported at the missing target, which has
    // no line.
    let things = edit(
        "'201': {description: created, x-sps-evidence: undocumented}",
        "'201': {$ref: '#/components/responses/Gone'}",
    );
    assert_eq!(
        lint_things(&things),
        [format!(
            "paths/things.yaml:41: {PUT}/responses/201/$ref: unresolved reference `#/components/responses/Gone`"
        )]
    );
}
