//! The client crate's README, which is also its crate documentation: its examples are doctests
//! (`no_run`: they need an appliance), written against operations the model has
//! ([`crate::emit::showcase`]), so that they compile for any spec.

use crate::config::Config;
use crate::emit::showcase::{self, Showcase};
use crate::model::{Model, Operation, TypeRef};

pub(super) fn readme(model: &Model, config: &Config) -> String {
    let lib = config.client.lib_name();
    let mut out = format!(
        r#"# {package}

Async Rust client for the REST API of One Identity Safeguard for Privileged Sessions (SPS),
generated from a hand-maintained OpenAPI description ({title}, version {version}).

- one async method per operation, with typed parameters, bodies and replies
  (types from the `{types}` crate, re-exported as `{lib}::types`);
- the session cookie set at login is kept and sent with every later call;
- errors keep the HTTP status and the decoded API error body, and replies that are not the
  documented JSON are reported with their status and the start of the body;
- unknown fields and enumeration values sent by newer appliances are kept, so an object read,
  changed and written back loses nothing.
"#,
        package = config.client.package,
        types = config.types.package,
        title = model.info.title,
        version = model.info.version,
    );
    let login = super::login_op(model).is_some();
    let show = showcase::find(model);
    out.push_str(&usage(&lib, login, show.as_ref()));
    if let Some(show) = show {
        out.push_str(&errors(&lib, &show));
        if let Some(tx) = transactions(model, &lib, &show) {
            out.push_str(&tx);
        }
        if let Some(links) = links(&lib, &show) {
            out.push_str(&links);
        }
    }
    if let Some(paging) = paging(model, &lib) {
        out.push_str(&paging);
    }
    out.push_str(&features_readme(model, config));
    out.push_str(
        r#"
## Retries, expired sessions, versions

- Connection failures are retried for every call; timeouts, dropped replies and 502/503/504 for
  idempotent operations (GET, PUT, DELETE, and POSTs the spec marks `x-sps-repeatable`), with
  exponential backoff and jitter, a longer `Retry-After` obeyed, bounded by `RetryPolicy`
  (`ClientBuilder::retry`; `RetryPolicy::none()` for one attempt).
- A 401 for an expired session outside a transaction logs in again once with the last login's
  credentials and repeats the call (`ClientBuilder::relogin(false)` turns it off); inside a
  transaction the call fails with `Error::TransactionLost`.
- After `Client::read_appliance_version()` (or `ClientBuilder::appliance_version`), calling an
  operation not documented for that version fails with `Error::UnsupportedVersion` before
  sending (`ClientBuilder::check_versions(false)` turns it off).
- `Client` is cheap to clone and safe to share between tasks.

## Tracing

Every call is a `tracing` span `sps_call` (INFO) with `operation`, `method`, `path` (the path
template), `status`, `attempt` and `duration_ms`; retries are DEBUG events inside it. Passwords,
session ids and bodies are never recorded.

## TLS

Certificates are checked with the bundled web PKI roots (rustls, no OpenSSL). For an appliance
with a private CA, add it with `ClientBuilder::add_root_certificate_pem`. For a lab appliance with
a self-signed certificate there is `danger_accept_invalid_certs(true)`, which turns all
certificate checks off: anyone on the network path can then read the password and the session.

## Browser-looking clients

SPS 7.5 and later ask clients whose User-Agent looks like a browser for an extra `X-Token`. This
client sends its own name and version; keep any custom User-Agent non-browser-like.

## License

MIT OR Apache-2.0
"#,
    );
    out
}

/// `types::ErrorResponse` (or raw JSON): the error body type of an operation, as README code.
fn error_body(op: &Operation) -> String {
    match &op.error_type {
        Some(TypeRef::Named(name)) => format!("types::{name}"),
        _ => "serde_json::Value".to_string(),
    }
}

fn usage(lib: &str, login: bool, show: Option<&Showcase>) -> String {
    let login = if login {
        "    // Log in once: the client keeps the session cookie and sends it with every call.\n    \
         client.login(\"admin\", \"secret\").await?;\n"
    } else {
        ""
    };
    format!(
        r#"
## Usage

```rust,no_run
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {{
    let client = {lib}::Client::builder("https://sps.example.com")
        .timeout(Duration::from_secs(30))
        .build()?;
{login}{read}    Ok(())
}}
```
"#,
        read = show.map_or(String::new(), read),
    )
}

/// Reading a list and its members, in the usage example.
fn read(show: &Showcase) -> String {
    format!(
        r#"
    // Read a list, then each of its objects by key.
    let list = client.{list}().await?;
    for item in &list.{items} {{
        let object = client.{get}(&item.{key}).await?;
        println!("{{}}: {{:?}}", item.{key}, object.{body});
    }}
"#,
        list = show.list.rust_name,
        items = show.items,
        get = show.get.rust_name,
        key = show.item_key,
        body = show.body,
    )
}

fn errors(lib: &str, show: &Showcase) -> String {
    format!(
        r#"
## Errors

A reply with a non-2xx status is `Error::Api`, with the status and the API's own error body
decoded (its machine-readable type and message); anything else that goes wrong has a variant of
its own (transport, a request that cannot be built, a reply that is not the documented JSON).

```rust,no_run
use {lib}::{{types, Client, Error}};

async fn show(client: &Client, key: &str) -> Result<(), Error<{error}>> {{
    match client.{get}(key).await {{
        Ok(object) => println!("{{:?}}", object.{body}),
        Err(error) if error.status() == Some(404) => println!("{{key}}: no such object"),
        Err(error) => {{
            if let Some(body) = error.api_body() {{
                eprintln!("the appliance refused: {{body:?}}");
            }}
            return Err(error);
        }}
    }}
    Ok(())
}}
```
"#,
        error = error_body(show.get),
        get = show.get.rust_name,
        body = show.body,
    )
}

/// Commit and rollback, when the spec names the transaction operations and the showcase
/// collection can be replaced whole.
fn transactions(model: &Model, lib: &str, show: &Showcase) -> Option<String> {
    let ops = model.transaction_ops.as_ref()?;
    let replace = show.replace?;
    let error = error_body(model.operation(&ops.commit)?);
    let changes = ops.changes.as_ref().map_or(String::new(), |_| {
        "    // The changes made so far can be inspected before deciding.\n    \
         println!(\"{:?}\", tx.changes().await?);\n"
            .to_string()
    });
    let delete = show.delete.map_or(String::new(), |delete| {
        format!("    client.{}(key).await?;\n", delete.rust_name)
    });
    Some(format!(
        r#"
## Transactions

Configuration changes happen in a transaction. `in_transaction` opens one, runs the closure,
and commits when it succeeds or rolls back when it fails. An object is replaced whole: read it,
change it, write it back; fields this version of the crate does not know are written back as
they were read.

```rust,no_run
use {lib}::{{types, Client, Error}};

async fn write_back(client: &Client, key: &str) -> Result<(), Error<{error}>> {{
    let object = client.{get}(key).await?;
    let body = object.{body};
    // ... change `body` here ...
    client
        .in_transaction(Some("written back by the API"), |client| async move {{
            client.{replace}(key, &body).await?;
            Ok::<_, Error<{error}>>(())
        }})
        .await
}}
```

The same steps one by one, ending with a rollback that discards every change:

```rust,no_run
use {lib}::{{types, Client, Error}};

async fn try_out(client: &Client, key: &str) -> Result<(), Error<{error}>> {{
    let tx = client.transaction();
    tx.open().await?;
{delete}{changes}    tx.rollback().await?;
    Ok(())
}}
```
"#,
        get = show.get.rust_name,
        body = show.body,
        replace = replace.rust_name,
    ))
}

/// Following `meta` links, when a member's reply carries a `next` link.
fn links(lib: &str, show: &Showcase) -> Option<String> {
    let next = show.next_link.as_ref()?;
    let flatten = if next.next_nullable { ".flatten()" } else { "" };
    let next_of = if next.meta_optional {
        format!(
            "object.{meta}.as_ref().and_then(|meta| meta.{next}.clone(){flatten})",
            meta = next.meta,
            next = next.next
        )
    } else {
        format!("object.{}.{}.clone(){flatten}", next.meta, next.next)
    };
    Some(format!(
        r#"
## Links

Every reply carries links in `meta`: its own `href`, its `parent`, and its neighbours in the
tree (`first`, `previous`, `next`, `last`). `Client::follow_as` reads any of them into the type
you name (`Client::follow` into raw JSON). Here, every member of a collection from one of them
on:

```rust,no_run
use {lib}::{{types, Client, Error}};

async fn from(client: &Client, key: &str) -> Result<Vec<String>, Error<{error}>> {{
    let mut object = client.{get}(key).await?;
    let mut keys = vec![object.{key}.clone()];
    while let Some(next) = {next_of} {{
        object = client.follow_as::<types::{object_type}, {error}>(&next).await?;
        keys.push(object.{key}.clone());
    }}
    Ok(keys)
}}
```
"#,
        error = error_body(show.get),
        get = show.get.rust_name,
        key = show.object_key,
        object_type = show.object_type,
    ))
}

/// Reading every page of a list that pages with `offset` and `limit`, when the spec has one
/// that takes nothing else required.
fn paging(model: &Model, lib: &str) -> Option<String> {
    let op = model.operations.iter().find(|op| {
        super::is_paged(op)
            && op.path_params.is_empty()
            && op.request_body.is_none()
            && op.query_params.iter().all(|p| !p.required)
            && super::paged_list(op, model).is_some()
    })?;
    Some(format!(
        r#"
## Paging

Lists that page with `offset` and `limit` have a method ending in `_stream` that asks for one
page at a time as the items are read, and one ending in `_all` that collects them all. Both stop
after the last page, and fail with `Error::PagingStalled` when the appliance ignores `offset`
and sends the same page again. Reading the stream item by item needs `futures-util` (or
`futures`) for `TryStreamExt`:

```rust,no_run
use futures_util::TryStreamExt;
use {lib}::{{types, Client, Error, {params}}};

/// One page in memory at a time.
async fn count(client: &Client) -> Result<usize, Error<{error}>> {{
    let params = {params}::default();
    let mut items = std::pin::pin!(client.{name}_stream(&params));
    let mut count = 0;
    while let Some(_item) = items.try_next().await? {{
        count += 1;
    }}
    Ok(count)
}}

/// Every item in memory at once.
async fn count_at_once(client: &Client) -> Result<usize, Error<{error}>> {{
    let all = client.{name}_all(&{params}::default()).await?;
    Ok(all.len())
}}
```
"#,
        params = super::params_struct_name(op),
        error = error_body(op),
        name = crate::naming::unraw(&op.rust_name),
    ))
}

/// How to pick API areas, when the spec has any.
fn features_readme(model: &Model, config: &Config) -> String {
    let Some(first) = model.features.first() else {
        return String::new();
    };
    let names: Vec<String> = model
        .features
        .iter()
        .map(|f| format!("`{}`", f.name))
        .collect();
    format!(
        r#"
## Features: pick the API areas you use

One Cargo feature per API area, all on by default: {names}. With
`default-features = false`, only the areas named are compiled, with the types they use:

```toml
{package} = {{ version = "{version}", default-features = false, features = ["{first}"] }}
```
"#,
        names = names.join(", "),
        package = config.client.package,
        version = config.client.version,
        first = first.name,
    )
}
