//! The generated `sps-server` crate: per operation a request struct, a response enum and an
//! `Api` trait method; the `OPERATIONS` table; `router` (typed `Api`) and `raw_router`
//! (generic `RawApi`), which share one extraction path. Fixed code lives in
//! `codegen/templates/server_runtime.rs`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::config::Config;
use crate::emit::showcase;
use crate::emit::{
    self, features, op_doc, param_doc, query_type, template_file, type_tokens, GeneratedFile,
};
use crate::model::{
    Body, Method, Model, Operation, Param, Response, Security, Status, TypeRef, Upload,
};
use crate::naming::{self, Scope};
use crate::spec::Diagnostic;

/// The fixed runtime, emitted verbatim as `src/runtime.rs`.
const RUNTIME: &str = include_str!("../templates/server_runtime.rs");

/// Every file of the generated server crate.
pub fn files(model: &Model, config: &Config) -> Result<Vec<GeneratedFile>, Vec<Diagnostic>> {
    let dir = &config.server.dir;
    Ok(vec![
        GeneratedFile::with_line_comment(dir.join("Cargo.toml"), "#", &cargo_toml(model, config)),
        GeneratedFile::markdown(dir.join("README.md"), &readme(model, config)),
        emit::rust_file_in_sections(dir.join("src/lib.rs"), lib_sections(model, config))?,
        template_file(dir.join("src/runtime.rs"), RUNTIME),
    ])
}

fn cargo_toml(model: &Model, config: &Config) -> String {
    let package = emit::package_section(
        &config.server,
        &config.links,
        "axum server stub for the One Identity Safeguard for Privileged Sessions (SPS) REST API",
        r#"keywords = ["sps", "safeguard", "privileged-access", "axum", "server"]
categories = ["api-bindings", "web-programming::http-server"]
"#,
    );
    let types = emit::types_dependency(config);
    let features = features::manifest_section(&model.features, &[&config.types.package], "");
    format!(
        r#"{package}
[dependencies]
{types}
axum = {{ version = "0.8", default-features = false, features = ["json", "query", "http1", "tokio"] }}
base64 = "0.22"
form_urlencoded = "1"
futures-util = {{ version = "0.3", default-features = false }}
indexmap = {{ version = "2", features = ["serde"] }}
multer = "3"
serde = {{ version = "1", features = ["derive"] }}
serde_json = {{ version = "1", features = ["preserve_order"] }}
serde_path_to_error = "0.1"
serde_urlencoded = "0.7"

[dev-dependencies]
tokio = {{ version = "1", features = ["macros", "rt", "net"] }}
{features}"#
    )
}

/// The README, which is also the crate documentation: its example (a `no_run` doctest) serves
/// one operation of the model.
fn readme(model: &Model, config: &Config) -> String {
    let lib = config.server.lib_name();
    let mut out = format!(
        r#"# {name}

axum server stub for the SPS REST API. Implement the `Api` trait (one async method per
operation: a typed request in, a response enum with one variant per documented status out) and
serve `router(Arc::new(my_api))`; or implement `RawApi` (one generic `handle`) and serve
`raw_router`. Both routers validate requests the same way and answer malformed ones with the
API's own error body before any handler runs.
"#,
        name = config.server.package
    );
    let served = showcase::find(model)
        .map(|show| show.get)
        .or_else(|| model.operations.first());
    if let Some(op) = served {
        out.push_str(&format!(
            r#"
## Example

Every method of `Api` has a default that answers 501 `NotImplemented`, so a test double
implements only what it needs:

```rust,no_run
use std::future::Future;
use std::sync::Arc;

use {lib}::{{Api, ApiError, {request}, {response}}};

struct Appliance;

impl Api for Appliance {{
    fn {method}(&self, request: {request}) -> impl Future<Output = {response}> + Send {{
        async move {{ ApiError::not_found(&request.href).into() }}
    }}
}}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:8443").await?;
    axum::serve(listener, {lib}::router(Arc::new(Appliance))).await
}}
```
"#,
            request = request_ident(op),
            response = response_ident(op),
            method = op.rust_name,
        ));
    }
    out
}

/// Rust names of an operation's request struct fields, unique within it.
struct RequestNames {
    path: Vec<(String, proc_macro2::Ident)>,
    headers: Vec<proc_macro2::Ident>,
}

fn request_names(op: &Operation) -> RequestNames {
    let mut scope = Scope::with_reserved(["href", "query", "session_id", "credentials", "body"]);
    let path = op
        .path_params
        .iter()
        .map(|p| (p.name.clone(), naming::ident(&scope.claim(&p.rust_name))))
        .collect();
    let headers = op
        .header_params
        .iter()
        .map(|p| naming::ident(&scope.claim(&p.rust_name)))
        .collect();
    RequestNames { path, headers }
}

fn request_ident(op: &Operation) -> proc_macro2::Ident {
    format_ident!("{}Request", op.type_name)
}

fn response_ident(op: &Operation) -> proc_macro2::Ident {
    format_ident!("{}Response", op.type_name)
}

fn query_ident(op: &Operation) -> proc_macro2::Ident {
    format_ident!("{}Query", op.type_name)
}

fn op_ident(op: &Operation) -> proc_macro2::Ident {
    naming::ident(&op.rust_name)
}

fn query_struct(op: &Operation) -> TokenStream {
    if op.query_params.is_empty() {
        return TokenStream::new();
    }
    let name = query_ident(op);
    let doc = emit::doc_attrs(&format!("Query parameters of `{}`.", op.id));
    let fields = op.query_params.iter().map(|p| {
        let field = naming::ident(&p.rust_name);
        let wire = &p.name;
        let t = query_type(&p.type_ref);
        let doc = emit::doc_attrs(&param_doc(p));
        if p.required {
            quote! {
                #doc
                #[serde(rename = #wire)]
                pub #field: #t,
            }
        } else {
            quote! {
                #doc
                #[serde(rename = #wire, default, skip_serializing_if = "Option::is_none")]
                pub #field: Option<#t>,
            }
        }
    });
    let cfg = features::cfg(&op.gate);
    quote! {
        #doc
        #cfg
        #[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
        pub struct #name {
            #(#fields)*
        }
    }
}

/// One member of a request struct: its field, the statement that extracts it from the HTTP
/// request, and what it contributes to the generic [`RawRequest`].
struct Member {
    field: TokenStream,
    name: proc_macro2::Ident,
    extract: TokenStream,
    raw: Option<(Raw, TokenStream)>,
}

/// The field of the generic request a member fills (`into_raw`); header parameters fill none.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Raw {
    PathParams,
    SessionId,
    BasicAuth,
    ClientCertificate,
    Query,
    Body,
    Upload,
}

/// The members of an operation's request struct, in field order.
fn request_plan(op: &Operation) -> Vec<Member> {
    let names = request_names(op);
    let mut plan: Vec<Member> = op
        .path_params
        .iter()
        .zip(&names.path)
        .map(|(p, (wire, ident))| path_member(p, wire, ident))
        .collect();
    plan.push(session_member(op.security));
    plan.extend(login_members(op.security));
    if !op.query_params.is_empty() {
        let q = query_ident(op);
        plan.push(Member {
            field: quote! {
                /// The query parameters.
                pub query: #q,
            },
            name: format_ident!("query"),
            extract: quote!(let query = runtime::query::<#q>(&parts, &href)?;),
            raw: Some((Raw::Query, quote!(runtime::to_object(&self.query)))),
        });
    }
    plan.extend(
        op.header_params
            .iter()
            .zip(&names.headers)
            .map(|(p, ident)| header_member(p, ident)),
    );
    plan.extend(op.request_body.as_ref().map(body_member));
    plan
}

fn path_member(p: &Param, wire: &str, ident: &proc_macro2::Ident) -> Member {
    let t = type_tokens(&p.type_ref);
    let doc = emit::doc_attrs(&param_doc(p));
    let get = match p.type_ref {
        TypeRef::String | TypeRef::I32 | TypeRef::I64 | TypeRef::F64 | TypeRef::Bool => {
            quote!(runtime::path_param::<#t>(&params, #wire, &href)?)
        }
        _ => quote!(runtime::path_param_json::<#t>(&params, #wire, &href)?),
    };
    Member {
        field: quote! {
            #doc
            pub #ident: #t,
        },
        name: ident.clone(),
        extract: quote!(let #ident = #get;),
        raw: Some((
            Raw::PathParams,
            match p.type_ref {
                TypeRef::String => quote!((#wire.to_owned(), self.#ident)),
                _ => quote!((#wire.to_owned(), runtime::to_text(&self.#ident))),
            },
        )),
    }
}

/// The credentials of a login operation: its basic credentials (optional where the spec
/// allows logging in without them) and the TLS client certificate the connection presented.
fn login_members(security: Security) -> Vec<Member> {
    let credentials = match security {
        Security::Basic => Member {
            field: quote! {
                /// The HTTP basic credentials.
                pub credentials: runtime::BasicCredentials,
            },
            name: format_ident!("credentials"),
            extract: quote!(let credentials = runtime::basic_credentials(&parts.headers, &href)?;),
            raw: Some((
                Raw::BasicAuth,
                quote!(Some((self.credentials.username, self.credentials.password))),
            )),
        },
        Security::BasicOptional => Member {
            field: quote! {
                /// The HTTP basic credentials, if sent.
                pub credentials: Option<runtime::BasicCredentials>,
            },
            name: format_ident!("credentials"),
            extract: quote!(let credentials = runtime::optional_basic_credentials(&parts.headers, &href)?;),
            raw: Some((
                Raw::BasicAuth,
                quote!(self.credentials.map(|c| (c.username, c.password))),
            )),
        },
        Security::None | Security::Session | Security::SessionOptional => return Vec::new(),
    };
    let certificate = Member {
        field: quote! {
            /// The TLS client certificate of the connection, if it presented one.
            pub client_certificate: Option<runtime::ClientCertificate>,
        },
        name: format_ident!("client_certificate"),
        extract: quote!(let client_certificate = parts.extensions.get::<runtime::ClientCertificate>().cloned();),
        raw: Some((Raw::ClientCertificate, quote!(self.client_certificate))),
    };
    vec![credentials, certificate]
}

fn session_member(security: Security) -> Member {
    let (field, extract, raw) = match security {
        Security::Session => (
            quote! {
                /// The session cookie (required by this operation).
                pub session_id: String,
            },
            quote!(let session_id = runtime::require_session_cookie(&parts.headers, &href)?;),
            quote!(Some(self.session_id)),
        ),
        _ => (
            quote! {
                /// The session cookie, if sent.
                pub session_id: Option<String>,
            },
            quote!(let session_id = runtime::session_cookie(&parts.headers);),
            quote!(self.session_id),
        ),
    };
    Member {
        field,
        name: format_ident!("session_id"),
        extract,
        raw: Some((Raw::SessionId, raw)),
    }
}

fn header_member(p: &Param, ident: &proc_macro2::Ident) -> Member {
    let wire = p.name.to_ascii_lowercase();
    let doc = emit::doc_attrs(&param_doc(p));
    let (field, extract) = if p.required {
        (
            quote!(#doc pub #ident: String,),
            quote!(let #ident = runtime::require_header_param(&parts.headers, #wire, &href)?;),
        )
    } else {
        (
            quote!(#doc pub #ident: Option<String>,),
            quote!(let #ident = runtime::header_param(&parts.headers, #wire, &href)?;),
        )
    };
    Member {
        field,
        name: ident.clone(),
        extract,
        raw: None,
    }
}

fn body_member(body: &Body) -> Member {
    if let Some(upload) = &body.upload {
        return upload_member(body, upload);
    }
    let t = type_tokens(&body.type_ref);
    let (field, extract, raw) = if body.required {
        (
            quote! {
                /// The request body.
                pub body: #t,
            },
            quote!(let body = runtime::json_body::<#t>(&parts.headers, body, &href).await?;),
            quote!(Some(runtime::to_json(&self.body))),
        )
    } else {
        (
            quote! {
                /// The request body, if sent.
                pub body: Option<#t>,
            },
            quote!(let body = runtime::optional_json_body::<#t>(&parts.headers, body, &href).await?;),
            quote!(self.body.as_ref().map(runtime::to_json)),
        )
    };
    Member {
        field,
        name: format_ident!("body"),
        extract,
        raw: Some((Raw::Body, raw)),
    }
}

/// An upload body: handed over as a stream of parts ([`runtime::Upload`]), checked only for
/// its content type here.
fn upload_member(body: &Body, upload: &Upload) -> Member {
    let spec = match upload {
        Upload::Raw => {
            let content_type = &body.content_type;
            quote!(runtime::UploadSpec::Raw { content_type: #content_type })
        }
        Upload::Multipart(fields) => {
            let fields = fields.iter().map(|f| {
                let (name, file, required) = (&f.name, f.text.is_none(), f.required);
                quote!(runtime::FormFieldSpec { name: #name, file: #file, required: #required })
            });
            quote!(runtime::UploadSpec::Form { fields: &[#(#fields),*] })
        }
    };
    let (field, extract, raw) = if body.required {
        (
            quote! {
                /// The upload, to be read as it arrives.
                pub body: runtime::Upload,
            },
            quote!(let body = runtime::upload_body(&parts.headers, body, &href, #spec)?;),
            quote!(Some(self.body)),
        )
    } else {
        (
            quote! {
                /// The upload, if one was sent, to be read as it arrives.
                pub body: Option<runtime::Upload>,
            },
            quote! {
                let body = match parts.headers.contains_key(axum::http::header::CONTENT_TYPE) {
                    true => Some(runtime::upload_body(&parts.headers, body, &href, #spec)?),
                    false => None,
                };
            },
            quote!(self.body),
        )
    };
    Member {
        field,
        name: format_ident!("body"),
        extract,
        raw: Some((Raw::Upload, raw)),
    }
}

fn request_struct(op: &Operation) -> TokenStream {
    let name = request_ident(op);
    let doc = emit::doc_attrs(&format!(
        "A validated `{}` request (`{} {}`).",
        op.id,
        op.method.as_str(),
        op.path
    ));
    let plan = request_plan(op);
    let fields = plan.iter().map(|m| &m.field);
    let extract = plan.iter().map(|m| &m.extract);
    let inits = plan.iter().map(|m| &m.name);
    let raw = |field: Raw| {
        plan.iter().filter_map(move |m| match &m.raw {
            Some((f, value)) if *f == field => Some(value),
            _ => None,
        })
    };
    let or = |field: Raw, absent: TokenStream| raw(field).next().cloned().unwrap_or(absent);
    let raw_path = raw(Raw::PathParams);
    let raw_query = or(Raw::Query, quote!(serde_json::Map::new()));
    let raw_body = or(Raw::Body, quote!(None));
    let raw_upload = or(Raw::Upload, quote!(None));
    let raw_session = or(Raw::SessionId, quote!(None));
    let raw_basic = or(Raw::BasicAuth, quote!(None));
    let raw_certificate = or(Raw::ClientCertificate, quote!(None));
    // The path parameters are parsed once, then each is read from them.
    let path_prelude = (!op.path_params.is_empty())
        .then(|| quote!(let params = runtime::path_params(&mut parts, &href).await?;));
    let parts_binding = if op.path_params.is_empty() {
        quote!(parts)
    } else {
        quote!(mut parts)
    };
    // The body of an operation without one is ignored, as the appliance does.
    let body_binding = if op.request_body.is_some() {
        quote!(body)
    } else {
        quote!(_body)
    };
    let cfg = features::cfg(&op.gate);
    let info = operation_info(op);
    quote! {
        #doc
        #cfg
        #[derive(Debug, Clone)]
        pub struct #name {
            /// The request path as received, without the query string.
            pub href: String,
            #(#fields)*
        }

        #cfg
        impl #name {
            /// The operation's entry in [`OPERATIONS`].
            pub const OPERATION: OperationInfo = #info;

            /// Validates and extracts the request; malformed input becomes the API's error reply.
            async fn extract(request: axum::extract::Request) -> Result<Self, ApiError> {
                let (#parts_binding, #body_binding) = request.into_parts();
                let href = runtime::href(&parts);
                #path_prelude
                #(#extract)*
                Ok(Self { href, #(#inits),* })
            }

            /// The generic form of the request, for [`RawApi`].
            fn into_raw(self) -> RawRequest {
                RawRequest {
                    operation: &Self::OPERATION,
                    path_params: vec![#(#raw_path),*],
                    query: #raw_query,
                    body: #raw_body,
                    upload: #raw_upload,
                    session_id: #raw_session,
                    basic_auth: #raw_basic,
                    client_certificate: #raw_certificate,
                    href: self.href,
                }
            }
        }
    }
}

/// How a response variant carries its data.
fn variant_tokens(r: &Response) -> (TokenStream, TokenStream) {
    let variant = naming::ident(&r.variant);
    let mut doc = match r.status {
        Status::Code(code) => format!("`{code}`"),
        Status::Range(class) => format!("`{class}XX`"),
        Status::Default => "Any other status".to_owned(),
    };
    let description = r.description.trim();
    if !description.is_empty() {
        doc.push_str(": ");
        doc.push_str(description);
    }
    let doc = emit::doc_attrs(&doc);
    let needs_status = !matches!(r.status, Status::Code(_));
    let status_expr = match r.status {
        Status::Code(code) => {
            let code = proc_macro2::Literal::u16_unsuffixed(code);
            quote!(#code)
        }
        _ => quote!(status),
    };
    // A file reply's body is a stream (`BinaryBody`), sent with the documented media type.
    let body_t = match &r.stream {
        Some(_) => Some(quote!(runtime::BinaryBody)),
        None => r.body.as_ref().map(type_tokens),
    };
    let send_body = |headers: TokenStream| match &r.stream {
        Some(media) => quote!(runtime::file_response(#status_expr, body, #media, #headers)),
        None => quote!(runtime::json_response(#status_expr, &body, #headers)),
    };
    let headers: Vec<_> = r
        .headers
        .iter()
        .map(|h| (naming::ident(&h.rust_name), h))
        .collect();
    // Unit, tuple or struct variant, in that order of preference.
    if !needs_status && headers.is_empty() {
        return match &body_t {
            None => (
                quote!(#doc #variant,),
                quote!(Self::#variant => runtime::empty_response(#status_expr, Vec::new()),),
            ),
            Some(t) => {
                let send = send_body(quote!(Vec::new()));
                (
                    quote!(#doc #variant(#t),),
                    quote!(Self::#variant(body) => #send,),
                )
            }
        };
    }
    let mut fields = Vec::new();
    let mut bindings = Vec::new();
    if needs_status {
        fields.push(quote! {
            /// The HTTP status code to send.
            status: u16,
        });
        bindings.push(quote!(status));
    }
    if let Some(t) = &body_t {
        fields.push(quote! {
            /// The body.
            body: #t,
        });
        bindings.push(quote!(body));
    }
    let mut header_pushes = Vec::new();
    for (ident, h) in &headers {
        let t = type_tokens(&h.type_ref);
        let wire = h.name.to_ascii_lowercase();
        let hdoc = emit::doc_attrs(&match &h.description {
            Some(d) => format!("`{}` header: {}", h.name, d.trim()),
            None => format!("`{}` header.", h.name),
        });
        bindings.push(quote!(#ident));
        let text = match h.type_ref {
            TypeRef::String => quote!(value),
            _ => quote!(runtime::to_text(&value)),
        };
        if h.required {
            fields.push(quote!(#hdoc #ident: #t,));
            header_pushes.push(quote! {
                let value = #ident;
                headers.push((#wire, #text));
            });
        } else {
            fields.push(quote!(#hdoc #ident: Option<#t>,));
            header_pushes.push(quote! {
                if let Some(value) = #ident {
                    headers.push((#wire, #text));
                }
            });
        }
    }
    let send = match &body_t {
        Some(_) => send_body(quote!(headers)),
        None => quote!(runtime::empty_response(#status_expr, headers)),
    };
    let mutable = if header_pushes.is_empty() {
        quote!()
    } else {
        quote!(mut)
    };
    (
        quote!(#doc #variant { #(#fields)* },),
        quote! {
            Self::#variant { #(#bindings),* } => {
                let #mutable headers: Vec<(&'static str, String)> = Vec::new();
                #(#header_pushes)*
                #send
            }
        },
    )
}

/// One variant per other form (`text/csv`) of a documented JSON success reply (`OkCsv`), whose
/// body is sent as a stream with that media type.
fn form_variants(op: &Operation, scope: &mut Scope) -> Vec<(TokenStream, TokenStream)> {
    let mut out = Vec::new();
    for r in &op.responses {
        let Status::Code(code) = r.status else {
            continue;
        };
        for alt in &r.alternatives {
            let variant = naming::ident(&scope.claim(&format!(
                "{}{}",
                r.variant,
                naming::type_name(&alt.suffix)
            )));
            let media = &alt.content_type;
            let doc = emit::doc_attrs(&format!("`{code}` answered as `{media}`."));
            let code = proc_macro2::Literal::u16_unsuffixed(code);
            out.push((
                quote!(#doc #variant(runtime::BinaryBody),),
                quote!(Self::#variant(body) => runtime::file_response(#code, body, #media, Vec::new()),),
            ));
        }
    }
    out
}

fn response_enum(op: &Operation) -> TokenStream {
    let name = response_ident(op);
    let doc = emit::doc_attrs(&format!(
        "The replies of `{}`, one variant per documented status.",
        op.id
    ));
    let mut scope = Scope::with_reserved(op.responses.iter().map(|r| r.variant.as_str()));
    let error = naming::ident(&scope.claim("Error"));
    let (mut variants, mut arms): (Vec<_>, Vec<_>) =
        op.responses.iter().map(variant_tokens).unzip();
    for (variant, arm) in form_variants(op, &mut scope) {
        variants.push(variant);
        arms.push(arm);
    }
    let cfg = features::cfg(&op.gate);
    quote! {
        #doc
        #cfg
        // A reply is built once and turned into a response at once: boxing the big bodies
        // would only make every handler noisier.
        #[allow(clippy::large_enum_variant)]
        #[derive(Debug, Clone)]
        pub enum #name {
            #(#variants)*
            /// Any error in the API's error format with a status of the handler's choice, for
            /// cases the documented variants do not cover (unimplemented methods answer 501
            /// `NotImplemented` this way).
            #error(ApiError),
        }

        #cfg
        impl axum::response::IntoResponse for #name {
            fn into_response(self) -> axum::response::Response {
                match self {
                    #(#arms)*
                    Self::#error(error) => error.into_response(),
                }
            }
        }

        #cfg
        impl From<ApiError> for #name {
            fn from(error: ApiError) -> Self {
                Self::#error(error)
            }
        }
    }
}

fn operation_info(op: &Operation) -> TokenStream {
    let id = &op.id;
    let method = op.method.as_str();
    let path = &op.path;
    let resource = match &op.resource {
        Some(r) => quote!(Some(#r)),
        None => quote!(None),
    };
    let transaction = op.transaction_required;
    let session = op.security == Security::Session;
    let statuses = op
        .statuses()
        .into_iter()
        .map(proc_macro2::Literal::u16_unsuffixed);
    let file_reply = match op.success_stream() {
        Some(media) => quote!(Some(#media)),
        None => quote!(None),
    };
    let forms = op
        .success_alternatives()
        .into_iter()
        .map(|alt| alt.content_type.as_str());
    quote! {
        OperationInfo {
            operation_id: #id,
            method: #method,
            path: #path,
            resource: #resource,
            transaction_required: #transaction,
            session_required: #session,
            statuses: &[#(#statuses),*],
            file_reply: #file_reply,
            reply_forms: &[#(#forms),*],
        }
    }
}

/// The `Api` trait method of an operation, answering 501 until implemented.
fn api_method(op: &Operation) -> TokenStream {
    let (name, req, resp) = (op_ident(op), request_ident(op), response_ident(op));
    let doc = emit::doc_attrs(&op_doc(op));
    let cfg = features::cfg(&op.gate);
    quote! {
        #doc
        #cfg
        fn #name(&self, request: #req) -> impl Future<Output = #resp> + Send {
            async move { #resp::from(ApiError::not_implemented(&request.href)) }
        }
    }
}

/// The axum handler of an operation: extracts the request, then dispatches it.
fn handler_fn(op: &Operation) -> TokenStream {
    let (name, req, handler) = (op_ident(op), request_ident(op), handler_ident(op));
    let cfg = features::cfg(&op.gate);
    quote! {
        #cfg
        async fn #handler<D: Dispatch>(
            axum::extract::State(dispatch): axum::extract::State<D>,
            request: axum::extract::Request,
        ) -> axum::response::Response {
            match #req::extract(request).await {
                Ok(request) => dispatch.#name(request).await,
                Err(error) => error.into_response(),
            }
        }
    }
}

fn handler_ident(op: &Operation) -> proc_macro2::Ident {
    format_ident!("handle_{}", naming::unraw(&op.rust_name))
}

fn routing_fn(method: Method) -> TokenStream {
    let f = format_ident!("{}", method.as_str().to_ascii_lowercase());
    quote!(#f)
}

/// Operations per section of `lib.rs` for the per-operation items and handlers: sections are
/// formatted in parallel (see [`emit::rust_file_in_sections`]), and the output does not depend
/// on how the file is cut.
const OPERATIONS_PER_SECTION: usize = 100;

/// `src/lib.rs`, in sections: the crate head and operation table, the per-operation request and
/// reply types, the `Api` trait, the dispatch impls, the handlers, and the routers.
fn lib_sections<'a>(model: &'a Model, config: &'a Config) -> Vec<emit::Section<'a>> {
    let chunks = || model.operations.chunks(OPERATIONS_PER_SECTION.max(1));
    let mut sections: Vec<emit::Section<'a>> = vec![Box::new(move || head_tokens(model, config))];
    for ops in chunks() {
        sections.push(Box::new(move || {
            let items = ops.iter().map(|op| {
                let (query, request, response) =
                    (query_struct(op), request_struct(op), response_enum(op));
                quote!(#query #request #response)
            });
            quote!(#(#items)*)
        }));
    }
    sections.push(Box::new(move || api_trait_tokens(model)));
    sections.push(Box::new(move || dispatch_tokens(model)));
    for ops in chunks() {
        sections.push(Box::new(move || {
            let handlers = ops.iter().map(handler_fn);
            quote!(#(#handlers)*)
        }));
    }
    sections.push(Box::new(move || routes_tokens(model)));
    sections
}

/// The crate's attributes, imports, session cookie name and operation table.
fn head_tokens(model: &Model, config: &Config) -> TokenStream {
    let types = format_ident!("{}", config.types.lib_name());
    let cookie = model.session_cookie.as_deref().unwrap_or("session_id");
    let header = match &model.session_header {
        Some(name) => quote!(Some(#name)),
        None => quote!(None),
    };
    // The README is the crate documentation, so its example is compiled as a doctest.
    let crate_doc = quote!(#![doc = include_str!("../README.md")]);
    let recursion_limit = crate::emit::recursion_limit(model.recursion_limit);
    let ops = &model.operations;
    let infos = ops.iter().map(|op| {
        let (cfg, req) = (features::cfg(&op.gate), request_ident(op));
        quote!(#cfg #req::OPERATION)
    });
    // Only operations use these (an unused import is a warning): they are compiled when any
    // operation is.
    let ops_cfg = features::cfg(&features::union(
        ops.iter().map(|op| &op.gate),
        &model.features,
    ));
    let (future, into_response) = if ops.is_empty() {
        (TokenStream::new(), TokenStream::new())
    } else {
        (
            quote!(#ops_cfg use std::future::Future;),
            quote!(#ops_cfg use axum::response::IntoResponse;),
        )
    };
    quote! {
        #recursion_limit
        #crate_doc
        #![deny(missing_docs)]

        pub use #types as types;

        pub mod runtime;

        pub use runtime::{ApiError, BasicCredentials, OperationInfo, RawApi, RawRequest, RawResponse};

        #future
        use std::sync::Arc;

        #into_response

        /// Name of the session cookie set at login and sent with every call.
        pub const SESSION_COOKIE: &str = #cookie;

        /// Name of the header that may carry the session token instead of the cookie, if the
        /// API has one.
        pub const SESSION_HEADER: Option<&str> = #header;

        /// Every operation of the API, in spec order.
        pub static OPERATIONS: &[OperationInfo] = &[#(#infos),*];
    }
}

/// The `Api` trait: one method per operation.
fn api_trait_tokens(model: &Model) -> TokenStream {
    let api_methods = model.operations.iter().map(api_method);
    quote! {
        /// The API as typed handlers: one method per operation, a validated request in, a reply
        /// with one variant per documented status out.
        ///
        /// Every method has a default that answers 501 `NotImplemented`, so an implementation
        /// only needs the operations it serves. Any reply can also be an [`ApiError`]
        /// (`ApiError::not_found(&request.href).into()`), for errors the documented variants do
        /// not cover.
        pub trait Api: Send + Sync + 'static {
            #(#api_methods)*
        }
    }
}

/// `Dispatch`, which routes a validated request to a typed ([`Api`]) or generic handler, and
/// its two implementations.
fn dispatch_tokens(model: &Model) -> TokenStream {
    let ops = &model.operations;
    let dispatch_decls = ops.iter().map(|op| {
        let (cfg, name, req) = (features::cfg(&op.gate), op_ident(op), request_ident(op));
        quote! {
            #cfg
            fn #name(&self, request: #req) -> impl Future<Output = axum::response::Response> + Send;
        }
    });
    let typed_impls = ops.iter().map(|op| {
        let (cfg, name, req) = (features::cfg(&op.gate), op_ident(op), request_ident(op));
        quote! {
            #cfg
            fn #name(&self, request: #req) -> impl Future<Output = axum::response::Response> + Send {
                let api = Arc::clone(&self.0);
                async move { api.#name(request).await.into_response() }
            }
        }
    });
    let raw_impls = ops.iter().map(|op| {
        let (cfg, name, req) = (features::cfg(&op.gate), op_ident(op), request_ident(op));
        quote! {
            #cfg
            fn #name(&self, request: #req) -> impl Future<Output = axum::response::Response> + Send {
                let handler = Arc::clone(&self.0);
                async move { handler.handle(request.into_raw()).await.into_response() }
            }
        }
    });
    quote! {
        /// Routes a validated request to a handler: typed ([`Api`]) or generic ([`RawApi`]).
        trait Dispatch: Clone + Send + Sync + 'static {
            #(#dispatch_decls)*
        }

        struct Typed<A>(Arc<A>);

        impl<A> Clone for Typed<A> {
            fn clone(&self) -> Self {
                Self(Arc::clone(&self.0))
            }
        }

        impl<A: Api> Dispatch for Typed<A> {
            #(#typed_impls)*
        }

        struct Raw<H>(Arc<H>);

        impl<H> Clone for Raw<H> {
            fn clone(&self) -> Self {
                Self(Arc::clone(&self.0))
            }
        }

        impl<H: RawApi> Dispatch for Raw<H> {
            #(#raw_impls)*
        }
    }
}

/// The route table both routers share, and the two routers.
fn routes_tokens(model: &Model) -> TokenStream {
    // One route per operation; axum merges the methods of one path into one route.
    let routes = model.operations.iter().map(|op| {
        let (cfg, path) = (features::cfg(&op.gate), &op.path);
        let (f, handler) = (routing_fn(op.method), handler_ident(op));
        quote! {
            #cfg
            let router = router.route(#path, axum::routing::#f(#handler::<D>));
        }
    });
    quote! {
        fn routes<D: Dispatch>(dispatch: D) -> axum::Router {
            let router = axum::Router::new();
            #(#routes)*
            router
                .fallback(runtime::not_found)
                .method_not_allowed_fallback(runtime::method_not_allowed)
                .with_state(dispatch)
        }

        /// A router serving `api`: requests are validated and extracted, then passed to the
        /// [`Api`] method of their operation.
        pub fn router<A: Api>(api: Arc<A>) -> axum::Router {
            routes(Typed(api))
        }

        /// A router serving `handler`: requests are validated and extracted exactly as by
        /// [`router`], then passed to [`RawApi::handle`] in their generic form.
        pub fn raw_router<H: RawApi>(handler: Arc<H>) -> axum::Router {
            routes(Raw(handler))
        }
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
    fn operations_table_follows_the_model() {
        let lib = lib_text(&fixture_model());
        assert!(lib.contains("operation_id: \"search_sessions\""), "{lib}");
        assert!(lib.contains("resource: Some(\"item\")"), "{lib}");
        assert!(lib.contains("transaction_required: true"), "{lib}");
        // `authenticate` uses basic auth, so its session is not required.
        let auth = lib
            .split("OperationInfo {")
            .find(|s| s.contains("\"authenticate\""))
            .expect("authenticate entry");
        assert!(auth.contains("session_required: false"), "{auth}");
        assert!(auth.contains("statuses: &[200, 401]"), "{auth}");
    }

    #[test]
    fn replies_keep_headers_ranges_and_a_free_error_variant() {
        let lib = lib_text(&fixture_model());
        // A response component named `Error` pushes the catch-all variant to `Error2`.
        assert!(lib.contains("Error2(ApiError)"), "{lib}");
        assert!(lib.contains("set_cookie: String"), "{lib}");
        assert!(lib.contains("x_expires_in: Option<i64>"), "{lib}");
        assert!(
            lib.contains("headers.push((\"set-cookie\", value))"),
            "{lib}"
        );
        // `4XX` and `default` carry their status.
        assert!(lib.contains("status: u16"), "{lib}");
    }

    #[test]
    fn both_routers_share_one_route_table() {
        let lib = lib_text(&fixture_model());
        assert_eq!(lib.matches(".route(").count(), 4, "{lib}");
        assert!(lib.contains("routes(Typed(api))"));
        assert!(lib.contains("routes(Raw(handler))"));
        assert!(lib.contains(".method_not_allowed_fallback(runtime::method_not_allowed)"));
    }
}
