//! The generated `sps-client` crate: one async method per operation on `Client`, login, the
//! transaction helper and paging, on top of the fixed runtime in
//! `codegen/templates/client_runtime.rs`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::config::Config;
use crate::emit::{
    self, features, op_doc, param_doc, query_type, raw_doc, rust_file, template_file, type_tokens,
    GeneratedFile,
};
use crate::model::{Gate, Model, Operation, Security, TypeKind, TypeRef};
use crate::naming;
use crate::spec::Diagnostic;

mod readme;
mod upload;

/// The fixed runtime, emitted verbatim as `src/runtime.rs`.
const RUNTIME: &str = include_str!("../templates/client_runtime.rs");

/// Operations with more query parameters than this take a `<Op>Params` struct instead of one
/// argument per parameter.
const MAX_POSITIONAL_QUERY: usize = 2;

/// Every file of the generated client crate.
pub fn files(model: &Model, config: &Config) -> Result<Vec<GeneratedFile>, Vec<Diagnostic>> {
    let dir = &config.client.dir;
    Ok(vec![
        GeneratedFile::with_line_comment(dir.join("Cargo.toml"), "#", &cargo_toml(model, config)),
        GeneratedFile::markdown(dir.join("README.md"), &readme::readme(model, config)),
        rust_file(dir.join("src/lib.rs"), lib_tokens(model, config))?,
        template_file(dir.join("src/runtime.rs"), RUNTIME),
    ])
}

fn cargo_toml(model: &Model, config: &Config) -> String {
    let package = emit::package_section(
        &config.client,
        &config.links,
        "Async client for the One Identity Safeguard for Privileged Sessions (SPS) REST API",
        r#"keywords = ["sps", "safeguard", "privileged-access", "rest", "client"]
categories = ["api-bindings", "web-programming::http-client"]
"#,
    );
    let types = emit::types_dependency(config);
    let features = features::manifest_section(&model.features, &[&config.types.package], "");
    format!(
        r#"{package}
[dependencies]
{types}
indexmap = {{ version = "2", features = ["serde"] }}
percent-encoding = "2"
backon = {{ version = "1.5", default-features = false, features = ["std", "tokio-sleep"] }}
bytes = "1"
futures-core = "0.3"
futures-util = {{ version = "0.3", default-features = false }}
reqwest = {{ version = "0.12", default-features = false, features = ["rustls-tls", "http2", "stream", "multipart"] }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = {{ version = "1", features = ["preserve_order"] }}
serde_path_to_error = "0.1"
serde_urlencoded = "0.7"
tokio = {{ version = "1", features = ["sync", "time", "fs", "io-util"] }}
tokio-util = {{ version = "0.7", default-features = false, features = ["io"] }}
tracing = {{ version = "0.1", default-features = false, features = ["std"] }}

[dev-dependencies]
# The README's examples (doctests) run in a Tokio runtime.
tokio = {{ version = "1", features = ["macros", "rt-multi-thread"] }}
{features}"#
    )
}

/// The operation with the basic security scheme (the login), if any.
fn login_op(model: &Model) -> Option<&Operation> {
    model.operations.iter().find(|o| o.security.is_login())
}

/// `runtime::Call::new(&OPERATION, path)` with the operation's metadata in a `static`: one
/// value per operation handed to the runtime, which does retries, re-login, version checks and
/// tracing the same way for all of them.
fn new_call(op: &Operation, path: TokenStream) -> TokenStream {
    let id = &op.id;
    let method = op.method.as_str();
    let template = &op.path;
    let versions = &op.versions;
    let idempotent = op.idempotent();
    quote! {{
        static OPERATION: runtime::Operation = runtime::Operation {
            id: #id,
            method: #method,
            path: #template,
            versions: &[#(#versions),*],
            idempotent: #idempotent,
        };
        runtime::Call::new(&OPERATION, #path)
    }}
}

/// What the runtime must know of a call beyond its operation: that it logs in (its session
/// replaces the current one and it is replayed to log in again), and which documented
/// redirections (3xx) answer success, since the client never follows them.
fn call_marks(op: &Operation) -> TokenStream {
    let mut marks = TokenStream::new();
    if op.security.is_login() {
        marks.extend(quote!(let call = call.login();));
    }
    let redirects: Vec<proc_macro2::Literal> = op
        .statuses()
        .into_iter()
        .filter(|s| (300..400).contains(s))
        .map(proc_macro2::Literal::u16_unsuffixed)
        .collect();
    if !redirects.is_empty() {
        marks.extend(quote!(let call = call.success_redirects(&[#(#redirects),*]);));
    }
    marks
}

/// How a parameter is passed to a method: `&str`, scalars by value, anything else by reference.
fn arg_type(t: &TypeRef) -> TokenStream {
    match t {
        TypeRef::String => quote!(&str),
        TypeRef::I32 | TypeRef::I64 | TypeRef::F64 | TypeRef::Bool => type_tokens(t),
        _ => {
            let t = type_tokens(t);
            quote!(&#t)
        }
    }
}

fn query_arg_type(t: &TypeRef) -> TokenStream {
    match t {
        TypeRef::Array(_) => quote!(&str),
        other => arg_type(other),
    }
}

/// Whether the operation pages with `offset` and `limit`.
fn is_paged(op: &Operation) -> bool {
    let has = |name: &str| {
        op.query_params.iter().any(|p| {
            p.name == name && !p.required && matches!(p.type_ref, TypeRef::I32 | TypeRef::I64)
        })
    };
    has("offset") && has("limit")
}

fn uses_params_struct(op: &Operation) -> bool {
    op.query_params.len() > MAX_POSITIONAL_QUERY || is_paged(op)
}

fn params_struct_name(op: &Operation) -> proc_macro2::Ident {
    format_ident!("{}Params", op.type_name)
}

/// What a successful reply decodes into.
enum Success {
    /// No documented body: any 2xx is `Ok(())`.
    Unit,
    /// A JSON body of this type.
    Json(TokenStream),
    /// A file of this media type, handed over unread as a `runtime::Download`.
    Stream(String),
}

fn success(op: &Operation) -> Success {
    // An undocumented reply may come without a body: `None` then, rather than a decode error.
    let optional = |t: TokenStream| {
        if op.success_body_optional() {
            quote!(Option<#t>)
        } else {
            t
        }
    };
    if let Some(media) = op.success_stream() {
        Success::Stream(media.to_owned())
    } else if let Some(t) = &op.success_type {
        Success::Json(optional(type_tokens(t)))
    } else if op
        .responses
        .iter()
        .any(|r| r.status.is_success() && r.body.is_some())
    {
        Success::Json(quote!(serde_json::Value))
    } else {
        Success::Unit
    }
}

fn success_type(op: &Operation) -> TokenStream {
    match success(op) {
        Success::Unit => quote!(()),
        Success::Json(t) => t,
        Success::Stream(_) => quote!(runtime::Download),
    }
}

fn error_type(op: &Operation) -> TokenStream {
    match &op.error_type {
        Some(t) => type_tokens(t),
        None => quote!(serde_json::Value),
    }
}

/// `format!("/api/x/{}", runtime::encode_segment(key))` for a path template.
fn path_expr(op: &Operation) -> TokenStream {
    if op.path_params.is_empty() {
        let path = &op.path;
        return quote!(#path);
    }
    let mut template = op.path.clone();
    let mut args = Vec::new();
    for p in &op.path_params {
        template = template.replacen(&format!("{{{}}}", p.name), "{}", 1);
        let arg = naming::ident(&p.rust_name);
        args.push(match p.type_ref {
            TypeRef::String => quote!(runtime::encode_segment(#arg)),
            _ => quote!(runtime::encode_segment(&runtime::to_text(&#arg))),
        });
    }
    quote!(format!(#template, #(#args),*))
}

/// The `<Op>Params` struct of an operation that takes one.
fn params_struct(op: &Operation) -> TokenStream {
    let name = params_struct_name(op);
    let doc = raw_doc(&format!(
        "Query parameters of [`Client::{}`].",
        naming::unraw(&op.rust_name)
    ));
    let fields = op.query_params.iter().map(|p| {
        let field = naming::ident(&p.rust_name);
        let wire = &p.name;
        let t = query_type(&p.type_ref);
        let mut text = param_doc(p);
        if matches!(p.type_ref, TypeRef::Array(_)) {
            text.push_str(" (comma-separated)");
        }
        let doc = emit::doc_attrs(&text);
        if p.required {
            quote! {
                #doc
                #[serde(rename = #wire)]
                pub #field: #t,
            }
        } else {
            quote! {
                #doc
                #[serde(rename = #wire, skip_serializing_if = "Option::is_none")]
                pub #field: Option<#t>,
            }
        }
    });
    // `Default` only when every parameter is optional.
    let default = if op.query_params.iter().all(|p| !p.required) {
        quote!(Default,)
    } else {
        quote!()
    };
    let cfg = features::cfg(&op.gate);
    quote! {
        #doc
        #cfg
        #[derive(Debug, Clone, #default serde::Serialize)]
        pub struct #name {
            #(#fields)*
        }
    }
}

/// Arguments and call-building statements shared by an operation's method and its paging form.
struct Pieces {
    args: Vec<TokenStream>,
    build: TokenStream,
}

fn pieces(op: &Operation) -> Pieces {
    let mut args = Vec::new();
    for p in &op.path_params {
        let name = naming::ident(&p.rust_name);
        let t = arg_type(&p.type_ref);
        args.push(quote!(#name: #t));
    }
    let call = new_call(op, path_expr(op));
    let marks = call_marks(op);
    let mut build = quote! {
        let call = #call;
        #marks
    };
    match op.security {
        Security::Basic => {
            args.push(quote!(username: &str));
            args.push(quote!(password: &str));
            build.extend(quote! {
                let call = call.basic_auth(runtime::Credentials::new(username, password));
            });
        }
        Security::BasicOptional => {
            args.push(quote!(credentials: Option<&runtime::Credentials>));
            build.extend(quote! {
                let call = match credentials {
                    Some(credentials) => call.basic_auth(credentials.clone()),
                    None => call,
                };
            });
        }
        Security::None | Security::Session | Security::SessionOptional => {}
    }
    if uses_params_struct(op) {
        let name = params_struct_name(op);
        args.push(quote!(params: &#name));
        build.extend(quote!(let call = call.query(params);));
    } else if !op.query_params.is_empty() {
        // Required parameters first (a literal), then the optional ones that are set.
        let mut required = Vec::new();
        let mut pushes = Vec::new();
        for p in &op.query_params {
            let name = naming::ident(&p.rust_name);
            let wire = &p.name;
            let t = query_arg_type(&p.type_ref);
            if p.required {
                args.push(quote!(#name: #t));
                required.push(quote!((#wire, runtime::to_text(&#name))));
            } else {
                args.push(quote!(#name: Option<#t>));
                pushes.push(quote! {
                    if let Some(value) = #name {
                        query.push((#wire, runtime::to_text(&value)));
                    }
                });
            }
        }
        let mutable = if pushes.is_empty() {
            quote!()
        } else {
            quote!(mut)
        };
        build.extend(quote! {
            let #mutable query: Vec<(&str, String)> = vec![#(#required),*];
            #(#pushes)*
            let call = call.query(&query);
        });
    }
    for p in &op.header_params {
        let name = naming::ident(&p.rust_name);
        let wire = p.name.to_ascii_lowercase();
        let t = query_arg_type(&p.type_ref);
        if p.required {
            args.push(quote!(#name: #t));
            build.extend(quote!(let call = call.header(#wire, runtime::to_text(&#name));));
        } else {
            args.push(quote!(#name: Option<#t>));
            build.extend(quote! {
                let call = match #name {
                    Some(value) => call.header(#wire, runtime::to_text(&value)),
                    None => call,
                };
            });
        }
    }
    if let Some((body, upload)) = op
        .request_body
        .as_ref()
        .and_then(|b| Some((b, b.upload.as_ref()?)))
    {
        upload::pieces(body, upload, &mut args, &mut build);
    } else if let Some(body) = &op.request_body {
        let t = type_tokens(&body.type_ref);
        if body.required {
            args.push(quote!(body: &#t));
            build.extend(quote!(let call = call.json(body);));
        } else {
            args.push(quote!(body: Option<&#t>));
            build.extend(quote! {
                let call = match body {
                    Some(body) => call.json(body),
                    None => call,
                };
            });
        }
    }
    Pieces { args, build }
}

fn send_tokens(op: &Operation) -> TokenStream {
    let err = error_type(op);
    match success(op) {
        Success::Unit => quote!(self.send_empty::<#err>(call).await),
        Success::Json(t) => quote!(self.send::<#t, #err>(call).await),
        Success::Stream(media) => {
            quote!(self.send_stream::<#err>(call.accept(#media)).await)
        }
    }
}

fn op_method(op: &Operation) -> TokenStream {
    let name = naming::ident(&op.rust_name);
    let mut doc = op_doc(op);
    match op.security {
        Security::Basic => doc.push_str("\n\nSends `username` and `password` with HTTP basic authentication; the session cookie of the reply is kept for later calls."),
        Security::BasicOptional => doc.push_str("\n\nSends `credentials` with HTTP basic authentication when given; without them the appliance authenticates the connection otherwise (a TLS client certificate, set with `ClientBuilder::identity_pem`). The session cookie of the reply is kept for later calls."),
        Security::None | Security::Session | Security::SessionOptional => {}
    }
    let params: Vec<String> = op
        .path_params
        .iter()
        .chain(&op.header_params)
        .filter(|p| p.description.is_some())
        .map(|p| format!("- {}", param_doc(p)))
        .chain(
            (!uses_params_struct(op))
                .then_some(&op.query_params)
                .into_iter()
                .flatten()
                .map(|p| format!("- {}", param_doc(p))),
        )
        .chain(op.request_body.iter().flat_map(upload::docs))
        .collect();
    if !params.is_empty() {
        doc.push_str("\n\nParameters:\n\n");
        doc.push_str(&params.join("\n"));
    }
    let doc = emit::doc_attrs(&doc);
    let Pieces { args, build } = pieces(op);
    let ok = success_type(op);
    let err = error_type(op);
    let send = send_tokens(op);
    let cfg = features::cfg(&op.gate);
    quote! {
        #doc
        #cfg
        pub async fn #name(&self, #(#args),*) -> Result<#ok, Error<#err>> {
            #build
            #send
        }
    }
}

/// The list type, item type and `items` field of a paged operation whose reply is a struct
/// with a required `items` array.
fn paged_list<'m>(op: &Operation, model: &'m Model) -> Option<(&'m str, &'m TypeRef, &'m str)> {
    if !is_paged(op) {
        return None;
    }
    let Some(TypeRef::Named(list)) = &op.success_type else {
        return None;
    };
    let def = model.type_def(list)?;
    let TypeKind::Struct(s) = &def.kind else {
        return None;
    };
    let items = s
        .fields
        .iter()
        .find(|f| f.wire_name == "items" && f.required && !f.nullable)?;
    let TypeRef::Array(item) = &items.type_ref else {
        return None;
    };
    Some((def.name.as_str(), item, items.rust_name.as_str()))
}

/// `<op>_stream` and `<op>_all`: every item of a paged operation, page by page
/// (`runtime::paged_stream`: stops on an empty or short page, fails instead of looping on a
/// server that ignores `offset`); `_all` collects the stream.
fn paging_methods(op: &Operation, model: &Model) -> Option<TokenStream> {
    let (list, item, items_field) = paged_list(op, model)?;
    let items_field = naming::ident(items_field);
    let item = type_tokens(item);
    let field = |wire: &str| {
        op.query_params
            .iter()
            .find(|p| p.name == wire)
            .map(|p| (naming::ident(&p.rust_name), type_tokens(&p.type_ref)))
    };
    let (offset, offset_t) = field("offset")?;
    let (limit, _) = field("limit")?;
    if op.request_body.is_some() || op.security.is_login() {
        return None;
    }
    let base = naming::unraw(&op.rust_name);
    let all = format_ident!("{}_all", base);
    let stream = format_ident!("{}_stream", base);
    let Pieces { args, build } = pieces(op);
    // The stream borrows its arguments for as long as it lives: `'a` on every reference.
    let (stream_args, names) = borrowed_args(op);
    let id = &op.id;
    let err = error_type(op);
    let list_t = type_tokens(&TypeRef::Named(list.to_owned()));
    let stream_doc = raw_doc(&format!(
        "Every item of [`Client::{base}`], page by page, as a stream.\n\nStarts at \
         `params.offset` (default 0) and asks for pages of `params.limit` items\n(default: the \
         appliance's) until a page comes back empty or, with a limit, shorter than an\nearlier \
         page. A short first page is not taken as the end: the appliance may cap `limit`\n(SPS \
         sends at most 500 items a page). A page that repeats the previous one ends the\nstream \
         with [`Error::PagingStalled`]: the server ignores `offset`.\n\n`{} {}`",
        op.method.as_str(),
        op.path
    ));
    let all_doc = raw_doc(&format!(
        "Every item of [`Client::{base}`], collected from [`Client::{base}_stream`].\n\n`{} {}`",
        op.method.as_str(),
        op.path
    ));
    let cfg = features::cfg(&op.gate);
    Some(quote! {
        #stream_doc
        #cfg
        pub fn #stream<'a>(&'a self, #(#stream_args),*) -> impl futures_core::Stream<Item = Result<#item, Error<#err>>> + Send + 'a {
            let start = params.#offset.map_or(0, |o| u64::try_from(o).unwrap_or(0));
            let limited = params.#limit.is_some();
            runtime::paged_stream(#id, start, limited, move |at| {
                let mut page_params = params.clone();
                page_params.#offset = Some(#offset_t::try_from(at).unwrap_or(#offset_t::MAX));
                async move {
                    let params = &page_params;
                    #build
                    let page: #list_t = self.send::<#list_t, #err>(call).await?;
                    Ok(page.#items_field)
                }
            })
        }

        #all_doc
        #cfg
        pub async fn #all(&self, #(#args),*) -> Result<Vec<#item>, Error<#err>> {
            futures_util::TryStreamExt::try_collect(self.#stream(#(#names),*)).await
        }
    })
}

/// The arguments of an operation's method (path parameters, `params`, header parameters) with
/// every reference borrowed for `'a`, and their names in order.
fn borrowed_args(op: &Operation) -> (Vec<TokenStream>, Vec<proc_macro2::Ident>) {
    let borrowed = |t: &TypeRef| match t {
        TypeRef::String | TypeRef::Array(_) => quote!(&'a str),
        TypeRef::I32 | TypeRef::I64 | TypeRef::F64 | TypeRef::Bool => type_tokens(t),
        other => {
            let t = type_tokens(other);
            quote!(&'a #t)
        }
    };
    let mut args = Vec::new();
    let mut names = Vec::new();
    for p in &op.path_params {
        let name = naming::ident(&p.rust_name);
        let t = match p.type_ref {
            TypeRef::Array(_) => {
                let t = type_tokens(&p.type_ref);
                quote!(&'a #t)
            }
            _ => borrowed(&p.type_ref),
        };
        args.push(quote!(#name: #t));
        names.push(name);
    }
    let params = params_struct_name(op);
    args.push(quote!(params: &'a #params));
    names.push(format_ident!("params"));
    for p in &op.header_params {
        let name = naming::ident(&p.rust_name);
        let t = borrowed(&p.type_ref);
        args.push(if p.required {
            quote!(#name: #t)
        } else {
            quote!(#name: Option<#t>)
        });
        names.push(name);
    }
    (args, names)
}

/// `<op>_<form>` for each other form of the success reply (`search_sessions_csv`): the same
/// call asking for that media type (and, where a query parameter's enumeration names the form,
/// such as `format=csv`, setting it), the body handed over unread.
fn alternative_methods(op: &Operation, model: &Model) -> TokenStream {
    let base = naming::unraw(&op.rust_name);
    let err = error_type(op);
    let cfg = features::cfg(&op.gate);
    let methods = op.success_alternatives().into_iter().map(|alt| {
        let name = format_ident!("{}_{}", base, alt.suffix);
        let media = &alt.content_type;
        let Pieces { args, build } = pieces(op);
        let selector = form_selector(op, model, &alt.suffix).map(|wire| {
            let value = &alt.suffix;
            quote!(let call = call.set_query(#wire, #value);)
        });
        let doc = raw_doc(&format!(
            "[`Client::{base}`] answered as `{media}`{}, as a file to read piece by piece.\n\n`{} {}`",
            match form_selector(op, model, &alt.suffix) {
                Some(wire) => format!(" (`{wire}={}` is set)", alt.suffix),
                None => String::new(),
            },
            op.method.as_str(),
            op.path
        ));
        quote! {
            #doc
            #cfg
            pub async fn #name(&self, #(#args),*) -> Result<runtime::Download, Error<#err>> {
                #build
                #selector
                self.send_stream::<#err>(call.accept(#media)).await
            }
        }
    });
    quote!(#(#methods)*)
}

/// The query parameter choosing the reply's form: one whose string enumeration has the form's
/// name as a value (`format: [json, csv]` for `csv`).
fn form_selector<'o>(op: &'o Operation, model: &Model, form: &str) -> Option<&'o str> {
    op.query_params.iter().find_map(|p| {
        let TypeRef::Named(name) = &p.type_ref else {
            return None;
        };
        let TypeKind::StringEnum(values) = &model.type_def(name)?.kind else {
            return None;
        };
        values
            .iter()
            .any(|v| v.wire == form)
            .then_some(p.name.as_str())
    })
}

fn login_alias(model: &Model) -> Option<TokenStream> {
    let op = login_op(model)?;
    if op.rust_name == "login"
        || model.operations.iter().any(|o| o.rust_name == "login")
        || !op.path_params.is_empty()
        || op.query_params.iter().any(|p| p.required)
        || !op.header_params.is_empty()
        || op.request_body.is_some()
    {
        return None;
    }
    let target = naming::ident(&op.rust_name);
    // The password form: no optional query parameter set.
    let mut args = match op.security {
        Security::BasicOptional => {
            vec![quote!(Some(&runtime::Credentials::new(username, password)))]
        }
        _ => vec![quote!(username), quote!(password)],
    };
    if uses_params_struct(op) {
        args.push(quote!(&Default::default()));
    } else {
        args.extend(op.query_params.iter().map(|_| quote!(None)));
    }
    let ok = success_type(op);
    let err = error_type(op);
    let doc = raw_doc(&format!(
        "Logs in with a user name and password (HTTP basic authentication).\n\nCalls \
         [`Client::{}`]; the session cookie of the reply is kept and sent with every\nlater \
         call (see [`Client::session_id`]).",
        naming::unraw(&op.rust_name)
    ));
    let cfg = features::cfg(&op.gate);
    Some(quote! {
        #doc
        #cfg
        pub async fn login(&self, username: &str, password: &str) -> Result<#ok, Error<#err>> {
            self.#target(#(#args),*).await
        }
    })
}

/// A parameterless call of a transaction operation, with the op's reply types.
struct TxCall {
    /// `-> Result<T, Error<E>>`.
    ret: TokenStream,
    /// The error body type `E`.
    err: TokenStream,
    /// `runtime::Call::new(...)`.
    call: TokenStream,
    /// Sends `call` and decodes the reply.
    send: TokenStream,
    /// The operation's feature gate.
    gate: Gate,
}

impl TxCall {
    fn body(&self) -> TokenStream {
        let TxCall { call, send, .. } = self;
        quote! {
            let call = #call;
            #send
        }
    }
}

/// The call of a transaction operation (`spec::lint` made sure it needs no parameters).
fn tx_call(op: &Operation) -> TxCall {
    let path = &op.path;
    let ok = success_type(op);
    let err = error_type(op);
    let send = match success(op) {
        Success::Unit => quote!(self.client.send_empty::<#err>(call).await),
        Success::Json(t) => quote!(self.client.send::<#t, #err>(call).await),
        Success::Stream(media) => {
            quote!(self.client.send_stream::<#err>(call.accept(#media)).await)
        }
    };
    TxCall {
        ret: quote!(-> Result<#ok, Error<#err>>),
        err,
        call: new_call(op, quote!(#path)),
        send,
        gate: op.gate.clone(),
    }
}

fn transaction_tokens(model: &Model) -> TokenStream {
    let Some(ops) = &model.transaction_ops else {
        return TokenStream::new();
    };
    // Lowering keeps transaction operations only when they exist.
    let call = |id: &str| model.operation(id).map(tx_call);
    let (Some(status), Some(open), Some(rollback), Some(commit)) = (
        call(&ops.status),
        call(&ops.open),
        call(&ops.rollback),
        call(&ops.commit),
    ) else {
        return TokenStream::new();
    };
    // The helper exists when the areas of all four operations are on.
    let cfg = features::cfg_all(&[&status.gate, &open.gate, &rollback.gate, &commit.gate]);
    let (status_ret, status_body) = (&status.ret, status.body());
    let (open_ret, open_body) = (&open.ret, open.body());
    let (rollback_ret, rollback_body) = (&rollback.ret, rollback.body());
    let (commit_ret, commit_new, commit_send) = (&commit.ret, &commit.call, &commit.send);
    let (open_err, commit_err) = (&open.err, &commit.err);
    // One bound per distinct error type (`E: From<X> + From<X>` reads as a mistake).
    let error_bound = if open_err.to_string() == commit_err.to_string() {
        quote! { From<Error<#open_err>> }
    } else {
        quote! { From<Error<#open_err>> + From<Error<#commit_err>> }
    };
    let changes = match ops.changes.as_deref().and_then(call) {
        Some(changes) => {
            let (ret, body) = (&changes.ret, changes.body());
            let cfg = features::cfg(&changes.gate);
            quote! {
                /// The changes made in the open transaction so far.
                #cfg
                pub async fn changes(&self) #ret {
                    #body
                }
            }
        }
        None => TokenStream::new(),
    };
    quote! {
        /// The configuration transaction of a [`Client`]'s session: configuration writes only
        /// take effect when the transaction is committed. Created by [`Client::transaction`].
        #cfg
        #[derive(Debug, Clone)]
        pub struct Transaction {
            client: Client,
        }

        #cfg
        impl Transaction {
            /// The state of the transaction (open or closed).
            pub async fn status(&self) #status_ret {
                #status_body
            }

            /// Opens a transaction, which takes the configuration lock for this session.
            pub async fn open(&self) #open_ret {
                #open_body
            }

            #changes

            /// Commits the open transaction, with a commit log `message` where the appliance
            /// requires one.
            pub async fn commit(&self, message: Option<&str>) #commit_ret {
                let mut body = serde_json::Map::new();
                body.insert("status".to_owned(), serde_json::Value::from("commit"));
                if let Some(message) = message {
                    body.insert("message".to_owned(), serde_json::Value::from(message));
                }
                let call = #commit_new.json(&serde_json::Value::Object(body));
                #commit_send
            }

            /// Throws away every change of the open transaction.
            pub async fn rollback(&self) #rollback_ret {
                #rollback_body
            }
        }

        #cfg
        impl Client {
            /// The transaction helper for this client's session.
            pub fn transaction(&self) -> Transaction {
                Transaction { client: self.clone() }
            }

            /// Runs `work` inside a transaction: opens one, runs `work` with a clone of this
            /// client (same session), then commits with `message` if `work` succeeded or rolls
            /// back if it failed.
            ///
            /// Returns `work`'s value, `work`'s error (a failed rollback after it is ignored: the
            /// appliance drops the transaction when the session ends anyway), or the error of
            /// opening or committing.
            pub async fn in_transaction<T, E, F, Fut>(&self, message: Option<&str>, work: F) -> Result<T, E>
            where
                F: FnOnce(Client) -> Fut,
                Fut: std::future::Future<Output = Result<T, E>>,
                E: #error_bound,
            {
                let tx = self.transaction();
                tx.open().await.map_err(E::from)?;
                match work(self.clone()).await {
                    Ok(value) => {
                        tx.commit(message).await.map_err(E::from)?;
                        Ok(value)
                    }
                    Err(e) => {
                        let _ = tx.rollback().await;
                        Err(e)
                    }
                }
            }
        }
    }
}

/// The operations whose replies tell the runtime that the session opened or closed a
/// transaction (empty without `x-sps-transaction-operations`).
fn transaction_operations(model: &Model) -> TokenStream {
    let (open, close) = match &model.transaction_ops {
        Some(ops) => (
            ops.open.clone(),
            vec![ops.commit.clone(), ops.rollback.clone()],
        ),
        None => (String::new(), Vec::new()),
    };
    quote! {
        /// The operations that open and close a configuration transaction: the runtime keeps
        /// track of whether the session holds one, to never log in again inside it.
        #[doc(hidden)]
        pub const TRANSACTION_OPERATIONS: runtime::TransactionOperations =
            runtime::TransactionOperations {
                open: #open,
                close: &[#(#close),*],
            };
    }
}

fn lib_tokens(model: &Model, config: &Config) -> TokenStream {
    let types = format_ident!("{}", config.types.lib_name());
    let cookie = model.session_cookie.as_deref().unwrap_or("session_id");
    let header = match &model.session_header {
        Some(name) => quote!(Some(#name)),
        None => quote!(None),
    };
    // The README is the crate documentation, so its examples are compiled as doctests.
    let crate_doc = quote!(#![doc = include_str!("../README.md")]);
    let recursion_limit = crate::emit::recursion_limit(model.recursion_limit);
    let params = model
        .operations
        .iter()
        .filter(|op| uses_params_struct(op))
        .map(params_struct);
    let methods = model.operations.iter().map(op_method);
    let paging = model
        .operations
        .iter()
        .filter_map(|op| paging_methods(op, model));
    let alternatives = model
        .operations
        .iter()
        .map(|op| alternative_methods(op, model));
    let login = login_alias(model);
    let transaction = transaction_tokens(model);
    let tx_ops = transaction_operations(model);
    quote! {
        #recursion_limit
        #crate_doc
        #![deny(missing_docs)]

        pub use #types as types;

        pub mod runtime;

        pub use runtime::{
            Client, ClientBuilder, Credentials, Download, Error, RetryPolicy, SessionTransport,
            Upload,
        };

        /// Name of the session cookie set at login and sent with every call.
        pub const SESSION_COOKIE: &str = #cookie;

        /// Name of the header that may carry the session token instead of the cookie
        /// ([`SessionTransport::Header`]), if the API has one.
        pub const SESSION_HEADER: Option<&str> = #header;

        #tx_ops

        #(#params)*

        impl Client {
            #login
            #(#methods)*
            #(#paging)*
            #(#alternatives)*
        }

        #transaction
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_support::g2_routes_model as fixture_model;

    fn lib_text(model: &Model) -> String {
        crate::test_support::lib_rs(files(model, &Config::default()))
    }

    #[test]
    fn emits_every_file_of_the_crate_with_the_header() {
        let files = files(&fixture_model(), &Config::default()).expect("client generates");
        let paths: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
        assert_eq!(
            paths,
            [
                "generated-client/Cargo.toml",
                "generated-client/README.md",
                "generated-client/src/lib.rs",
                "generated-client/src/runtime.rs",
            ]
        );
        for file in &files {
            assert!(
                file.contents.contains(emit::GENERATED),
                "{}",
                file.path.display()
            );
        }
        let runtime = &files[3].contents;
        assert!(runtime.ends_with(RUNTIME), "runtime copied verbatim");
    }

    #[test]
    fn paged_operations_get_a_params_struct_and_an_all_method() {
        let lib = lib_text(&fixture_model());
        assert!(lib.contains("pub struct SearchSessionsParams"), "{lib}");
        assert!(lib.contains("pub async fn search_sessions_all("), "{lib}");
        assert!(lib.contains("Result<Vec<types::SessionItem>, Error<types::ErrorResponse>>"));
        // Array query parameters travel as one comma-separated string.
        assert!(lib.contains("pub fields: Option<String>"), "{lib}");
    }

    #[test]
    fn login_alias_and_no_transaction_helper_without_transaction_ops() {
        let lib = lib_text(&fixture_model());
        assert!(lib.contains("pub async fn login("));
        assert!(lib.contains("self.authenticate(username, password).await"));
        assert!(!lib.contains("pub struct Transaction"));
        assert!(!lib.contains("in_transaction"));
    }

    #[test]
    fn typed_path_parameters_are_encoded_as_text_segments() {
        let lib = lib_text(&fixture_model());
        assert!(lib.contains("slot: i32"), "{lib}");
        assert!(lib.contains("format: &types::Format"), "{lib}");
        assert!(lib.contains("runtime::encode_segment"), "{lib}");
        // No-body replies decode as `()`, optional bodies are `Option<&T>`.
        assert!(lib.contains("body: Option<&types::Empty>"), "{lib}");
        assert!(
            lib.contains("Result<(), Error<types::ErrorResponse>>"),
            "{lib}"
        );
    }
}
