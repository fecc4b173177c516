//! Every answer of the fake must be one the spec documents: a listed status, and a body that
//! matches the schema of that status. The requests walk every operation of the bundled spec:
//! anonymous calls, reads of every sample object, a transaction with each documented request
//! example, and the non-configuration endpoints.

use std::sync::Arc;

use codegen::spec::validate::Validator;
use fake_sps::app::bundled_spec;
use fake_sps::engine::{Engine, EngineConfig};
use fake_sps::session::{ManualClock, User};
use fake_sps::tree::ResourceTable;
use serde_json::{Map, Value};
use sps_server::{OperationInfo, RawRequest, RawResponse, OPERATIONS};

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Follows `$ref`s from `pointer`; returns the final pointer and value.
fn resolve(doc: &Value, mut pointer: String) -> Option<(String, &Value)> {
    for _ in 0..16 {
        let value = doc.pointer(&pointer)?;
        match value.get("$ref").and_then(Value::as_str) {
            Some(reference) => pointer = reference.strip_prefix('#')?.to_owned(),
            None => return Some((pointer, value)),
        }
    }
    None
}

fn operation_pointer(op: &OperationInfo) -> String {
    format!("/paths/{}/{}", escape(op.path), op.method.to_lowercase())
}

/// Pointer of the JSON schema documented for `status`, if the response has a JSON body.
fn response_schema(doc: &Value, op: &OperationInfo, status: u16) -> Option<String> {
    let (pointer, response) =
        resolve(doc, format!("{}/responses/{status}", operation_pointer(op)))?;
    response
        .pointer("/content/application~1json/schema")
        .map(|_| format!("{pointer}/content/application~1json/schema"))
}

/// The first request-body example of the operation.
fn request_example(doc: &Value, op: &OperationInfo) -> Option<Value> {
    let (_, body) = resolve(doc, format!("{}/requestBody", operation_pointer(op)))?;
    let media = body.pointer("/content/application~1json")?;
    if let Some(example) = media.get("example") {
        return Some(example.clone());
    }
    let examples = media.get("examples")?.as_object()?;
    examples.values().find_map(|example| {
        let example = match example.get("$ref").and_then(Value::as_str) {
            Some(r) => doc.pointer(r.strip_prefix('#')?)?,
            None => example,
        };
        example.get("value").cloned()
    })
}

/// Query parameters with their documented examples.
fn query_example(doc: &Value, op: &OperationInfo) -> Map<String, Value> {
    let mut query = Map::new();
    let path_item = format!("/paths/{}", escape(op.path));
    for owner in [path_item, operation_pointer(op)] {
        let Some(Value::Array(params)) = doc.pointer(&format!("{owner}/parameters")) else {
            continue;
        };
        for (i, _) in params.iter().enumerate() {
            let Some((_, param)) = resolve(doc, format!("{owner}/parameters/{i}")) else {
                continue;
            };
            if param.get("in").and_then(Value::as_str) != Some("query") {
                continue;
            }
            if let (Some(name), Some(example)) = (
                param.get("name").and_then(Value::as_str),
                param.get("example"),
            ) {
                query.insert(name.to_owned(), example.clone());
            }
        }
    }
    query
}

struct Walk<'a> {
    doc: &'a Value,
    engine: Engine,
    failures: Vec<String>,
    checked: usize,
    /// Answers whose body was checked against a schema.
    validated: usize,
}

impl Walk<'_> {
    fn call(
        &mut self,
        op: &'static OperationInfo,
        href: &str,
        session: Option<&str>,
        body: Option<Value>,
    ) -> RawResponse {
        let request = RawRequest {
            operation: op,
            href: href.to_owned(),
            path_params: Vec::new(),
            query: query_example(self.doc, op),
            body,
            upload: None,
            session_id: session.map(str::to_owned),
            basic_auth: None,
            client_certificate: None,
        };
        let response = self.engine.handle(request);
        self.check(op, href, &response);
        response
    }

    fn check(&mut self, op: &OperationInfo, href: &str, response: &RawResponse) {
        self.checked += 1;
        let what = format!(
            "{} {href} ({}) -> {}",
            op.method, op.operation_id, response.status
        );
        if !op.statuses.contains(&response.status) {
            self.failures.push(format!(
                "{what}: status not documented (documented: {:?})",
                op.statuses
            ));
            return;
        }
        let (Some(body), Some(schema)) = (
            &response.body,
            response_schema(self.doc, op, response.status),
        ) else {
            return;
        };
        self.validated += 1;
        for error in Validator::new(self.doc).validate(&schema, body, "body") {
            self.failures.push(format!("{what}: {error}"));
        }
    }

    fn op(&self, method: &str, template: &str) -> Option<&'static OperationInfo> {
        OPERATIONS
            .iter()
            .find(|op| op.method == method && op.path == template)
    }
}

#[test]
fn every_answer_is_documented_and_matches_its_schema() {
    let doc = bundled_spec().expect("bundled spec");
    let config = EngineConfig {
        users: vec![User {
            name: "admin".into(),
            password: "pw".into(),
            groups: vec![],
        }],
        clock: Arc::new(ManualClock::default()),
        ..EngineConfig::default()
    };
    let engine = Engine::new(OPERATIONS, &doc, config).expect("engine");
    let table = ResourceTable::new(OPERATIONS);
    let mut walk = Walk {
        doc: &doc,
        engine,
        failures: Vec::new(),
        checked: 0,
        validated: 0,
    };

    // Login.
    let login_op = walk
        .op("GET", "/api/authentication")
        .expect("login operation");
    let login = walk.engine.handle(RawRequest {
        operation: login_op,
        href: login_op.path.to_owned(),
        path_params: Vec::new(),
        query: Map::new(),
        body: None,
        upload: None,
        session_id: None,
        basic_auth: Some(("admin".into(), "pw".into())),
        client_certificate: None,
    });
    walk.check(login_op, login_op.path, &login);
    let cookie = login
        .headers
        .iter()
        .find(|(name, _)| name == "set-cookie")
        .map(|(_, value)| value.clone())
        .expect("cookie");
    let session = cookie["session_id=".len()..][..40].to_owned();
    let s = Some(session.as_str());

    // The concrete hrefs of each template: fixed paths as they are, parameterised ones through
    // the sample objects, plus a key that does not exist.
    let committed = walk.engine.committed();
    let hrefs_of = |op: &OperationInfo| -> Vec<String> {
        if !op.path.contains('{') {
            return vec![op.path.to_owned()];
        }
        let mut hrefs: Vec<String> = committed
            .objects()
            .map(|(href, _)| href.to_owned())
            .filter(|href| {
                table
                    .match_href(href)
                    .is_some_and(|n| n.template == op.path)
            })
            .collect();
        let prefix = &op.path[..op.path.rfind('/').unwrap_or(0)];
        if !prefix.contains('{') {
            hrefs.push(format!("{prefix}/0000000000000000000000"));
        }
        hrefs
    };

    // Anonymous calls.
    for op in OPERATIONS.iter().filter(|op| op.session_required) {
        for href in hrefs_of(op).into_iter().take(1) {
            let response = walk.call(op, &href, None, None);
            assert_eq!(
                response.status, 401,
                "{} {href} without a session",
                op.method
            );
        }
    }

    // Reads of everything.
    for op in OPERATIONS
        .iter()
        .filter(|op| op.method == "GET" && op.path != "/api/authentication")
    {
        for href in hrefs_of(op) {
            walk.call(op, &href, s, None);
        }
    }

    // A transaction exercising every documented write example.
    let open = walk.op("POST", "/api/transaction").expect("open");
    walk.call(open, open.path, s, None);
    let mut created = Vec::new();
    for op in OPERATIONS
        .iter()
        .filter(|op| op.resource == Some("collection") && op.method == "POST")
    {
        let Some(body) = request_example(&doc, op) else {
            continue;
        };
        let response = walk.call(op, op.path, s, Some(body));
        if let Some(href) = response
            .body
            .as_ref()
            .and_then(|b| b.pointer("/meta/href"))
            .and_then(Value::as_str)
        {
            created.push(href.to_owned());
        }
    }
    for href in &created {
        let Some(node) = table.match_href(href) else {
            continue;
        };
        let template = node.template;
        for method in ["GET", "PUT"] {
            let Some(op) = walk.op(method, template) else {
                continue;
            };
            let body = if method == "PUT" {
                request_example(&doc, op)
            } else {
                None
            };
            walk.call(op, href, s, body);
        }
    }
    for op in OPERATIONS
        .iter()
        .filter(|op| op.resource == Some("singleton") && op.method == "PUT")
    {
        if let Some(body) = request_example(&doc, op) {
            walk.call(op, op.path, s, Some(body));
            if let Some(get) = walk.op("GET", op.path) {
                walk.call(get, op.path, s, None);
            }
        }
    }
    let changes = walk.op("GET", "/api/transaction/changes").expect("changes");
    walk.call(changes, changes.path, s, None);
    for href in &created {
        let Some(node) = table.match_href(href) else {
            continue;
        };
        if let Some(op) = walk.op("DELETE", node.template) {
            walk.call(op, href, s, None);
        }
    }
    let commit = walk.op("PUT", "/api/transaction").expect("commit");
    let commit_body = request_example(&doc, commit);
    walk.call(commit, commit.path, s, commit_body);

    // Writes while another session holds the configuration lock, and without a transaction.
    let second = walk.engine.handle(RawRequest {
        operation: login_op,
        href: login_op.path.to_owned(),
        path_params: Vec::new(),
        query: Map::new(),
        body: None,
        upload: None,
        session_id: None,
        basic_auth: Some(("admin".into(), "pw".into())),
        client_certificate: None,
    });
    let second = second
        .headers
        .iter()
        .find(|(name, _)| name == "set-cookie")
        .map(|(_, value)| value["session_id=".len()..][..40].to_owned())
        .expect("second cookie");
    let writes: Vec<&'static OperationInfo> = OPERATIONS
        .iter()
        .filter(|op| op.transaction_required && !op.path.contains('{'))
        .collect();
    for op in &writes {
        let body = request_example(&doc, op);
        let response = walk.call(op, op.path, Some(&second), body);
        assert_eq!(
            response.status, 409,
            "{} {} without a transaction",
            op.method, op.path
        );
    }
    walk.call(open, open.path, s, None);
    for op in &writes {
        let body = request_example(&doc, op);
        let response = walk.call(op, op.path, Some(&second), body);
        assert_eq!(
            response.status, 409,
            "{} {} under another's lock",
            op.method, op.path
        );
    }
    let rollback = walk.op("DELETE", "/api/transaction").expect("rollback");
    walk.call(rollback, rollback.path, s, None);

    // Actions and services that take input.
    for op in OPERATIONS.iter().filter(|op| {
        matches!(op.resource, Some("action" | "service"))
            && op.method != "GET"
            && !op.path.starts_with("/api/transaction")
    }) {
        let body = request_example(&doc, op);
        walk.call(op, op.path, s, body);
    }

    eprintln!(
        "{} answers checked, {} against a schema",
        walk.checked, walk.validated
    );
    assert!(walk.checked > 50, "only {} answers checked", walk.checked);
    assert!(
        walk.validated > 40,
        "only {} bodies validated",
        walk.validated
    );
    // The check itself must be able to fail: a wrong body for a known schema is rejected.
    let get_tx = walk.op("GET", "/api/transaction").expect("get_transaction");
    let schema = response_schema(&doc, get_tx, 200).expect("schema of get_transaction");
    assert!(!Validator::new(&doc)
        .validate(&schema, &serde_json::json!({"key": 5}), "body")
        .is_empty());
    assert!(
        walk.failures.is_empty(),
        "{} of {} answers do not match the spec:\n{}",
        walk.failures.len(),
        walk.checked,
        walk.failures.join("\n")
    );
}
