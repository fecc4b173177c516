//! The intermediate model: the spec lowered into what the emitters need, with every Rust name
//! decided once (by [`crate::naming`]).
//!
//! The emitters ([`crate::types`], [`crate::client`], [`crate::server`]) read only this model,
//! never the OpenAPI document, so naming and schema interpretation live in one place.

pub(crate) mod lower;

pub use lower::lower;

/// The whole API, ready for emitting.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// `info` of the document.
    pub info: Info,
    /// Every named type of the types crate, sorted by Rust name.
    pub types: Vec<TypeDef>,
    /// Every operation, in spec order: paths in document order, methods in [`Method::ALL`] order.
    pub operations: Vec<Operation>,
    /// Cookie name of the apiKey-in-cookie security scheme (`session_id`), if there is one.
    pub session_cookie: Option<String>,
    /// Header name of an apiKey-in-header security scheme (`X-Token`), if there is one: the
    /// same session token sent in a header instead of the cookie.
    pub session_header: Option<String>,
    /// The operations the transaction helper calls (root `x-sps-transaction-operations`).
    pub transaction_ops: Option<TransactionOps>,
    /// Every example value of the spec with the type it must decode into (round-trip tests).
    pub examples: Vec<Example>,
    /// One Cargo feature per API area (spec tag), in the order of the root `tags`, then tags
    /// used but not declared there, in first use.
    pub features: Vec<Feature>,
    /// The `recursion_limit` the generated crates declare, when rustc's default (128) is too
    /// low for how deeply their types nest (see `lower::shape::recursion_limit`).
    pub recursion_limit: Option<usize>,
}

/// A Cargo feature of the generated crates: one API area (a spec tag), on by default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feature {
    /// The Cargo feature name (snake_case, unique, never `default`).
    pub name: String,
    /// The spec tag.
    pub tag: String,
    /// `description` of the tag in the root `tags`.
    pub description: Option<String>,
}

/// The types crate's feature that compiles `__roundtrip`, the lookup of every type by name for
/// round-trip tests (off by default: it compiles every type's serde code). No area takes it.
pub const ROUNDTRIP_FEATURE: &str = "roundtrip";

/// The features that compile an item, any one of them sufficing. Empty: the item is always
/// compiled (it belongs to every area, to none, or to an operation without tags).
pub type Gate = Vec<String>;

/// An example value found in the spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// JSON pointer of the example.
    pub pointer: String,
    /// The type the value should decode into.
    pub type_ref: TypeRef,
    /// The example value.
    pub value: serde_json::Value,
}

impl Model {
    /// The type definition with this Rust name.
    pub fn type_def(&self, name: &str) -> Option<&TypeDef> {
        self.types
            .binary_search_by(|t| t.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.types[i])
    }

    /// The operation with this `operationId`.
    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.id == id)
    }
}

/// `info` of the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Info {
    /// `info.title`.
    pub title: String,
    /// `info.version` (the API description's version).
    pub version: String,
    /// `info.description`.
    pub description: Option<String>,
}

/// Operation ids named by the root `x-sps-transaction-operations` extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionOps {
    /// Reads the transaction state.
    pub status: String,
    /// Opens a transaction.
    pub open: String,
    /// Commits the open transaction.
    pub commit: String,
    /// Rolls the open transaction back.
    pub rollback: String,
    /// Lists the pending changes, if the spec names such an operation.
    pub changes: Option<String>,
}

/// How a value's type is named. [`crate::emit::type_tokens`] turns it into Rust tokens.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TypeRef {
    /// A [`TypeDef`] of the types crate, by its Rust name.
    Named(String),
    /// `String` (also for `format: date-time` and the like: no extra crates).
    String,
    /// `i32` (`format: int32`).
    I32,
    /// `i64` (`format: int64` or no format).
    I64,
    /// `f64` (`type: number`).
    F64,
    /// `bool`.
    Bool,
    /// `Vec<T>`.
    Array(Box<TypeRef>),
    /// `indexmap::IndexMap<String, T>` (an object with only `additionalProperties`).
    Map(Box<TypeRef>),
    /// `serde_json::Value` (`{}`, no type).
    Value,
}

/// A named type of the types crate.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    /// Rust name (PascalCase, unique).
    pub name: String,
    /// The `components/schemas` key this type comes from; `None` for a hoisted inline schema.
    pub schema_name: Option<String>,
    /// JSON pointer of the schema in the bundled document.
    pub pointer: String,
    /// `description` (or `title`) of the schema.
    pub description: Option<String>,
    /// `example` / `examples` of the schema, for rustdoc and round-trip tests.
    pub examples: Vec<serde_json::Value>,
    /// What the type is.
    pub kind: TypeKind,
    /// The features whose operations reach the type (through fields, items, unions and
    /// additional properties).
    pub gate: Gate,
}

/// The shape of a [`TypeDef`].
#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    /// An object with named properties.
    Struct(Struct),
    /// A string enum; unknown values are kept in an `Unknown(String)` variant.
    StringEnum(Vec<EnumValue>),
    /// A `oneOf` with a discriminator: tagged by a property, unknown tags kept.
    Tagged(Tagged),
    /// A `oneOf` without a discriminator: tried in order (serde `untagged`).
    Untagged(Vec<UntaggedVariant>),
    /// A named scalar, array, map or free-form schema: `pub type Name = T;`.
    Alias(TypeRef),
}

/// An object type.
#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    /// Properties in document order (allOf members merged in order).
    pub fields: Vec<Field>,
    /// What happens to properties not listed in `fields`.
    pub extra: Extra,
}

/// Where properties that are not declared go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Extra {
    /// Kept in a flattened `extra: serde_json::Map<String, Value>` (the default).
    Keep,
    /// Kept in a flattened `extra: IndexMap<String, T>` (typed `additionalProperties`).
    Typed(TypeRef),
    /// `additionalProperties: false`: rejected / not represented.
    Deny,
}

/// A property of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Name on the wire.
    pub wire_name: String,
    /// Rust field name (snake_case, keyword-safe, unique within the struct).
    pub rust_name: String,
    /// Type of a present, non-null value.
    pub type_ref: TypeRef,
    /// Listed in `required`.
    pub required: bool,
    /// `nullable: true`.
    pub nullable: bool,
    /// Whether the value is boxed (a type that contains itself).
    pub boxed: bool,
    /// `description` of the property (trimmed).
    pub description: Option<String>,
}

/// A value of a string enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumValue {
    /// The string on the wire.
    pub wire: String,
    /// Rust variant name (PascalCase, unique, never `Unknown`).
    pub rust_name: String,
}

/// A discriminated `oneOf`.
#[derive(Debug, Clone, PartialEq)]
pub struct Tagged {
    /// The discriminating property, on the wire.
    pub tag: String,
    /// One variant per mapping entry, in mapping order.
    pub variants: Vec<TaggedVariant>,
    /// Rust name of the catch-all variant (`Unknown` unless a tag value already took it).
    pub unknown_name: String,
}

/// One mapping entry of a discriminated `oneOf`.
#[derive(Debug, Clone, PartialEq)]
pub struct TaggedVariant {
    /// Tag value on the wire.
    pub tag_value: String,
    /// Rust variant name.
    pub rust_name: String,
    /// What the variant holds besides the tag.
    pub payload: Payload,
}

/// The content of a [`TaggedVariant`].
///
/// `{selection, value}`-shaped unions read naturally: a variant whose schema has no property
/// besides the tag is a unit variant, one whose only other property is a required `value` holds
/// that value directly. An object with any other property goes to the catch-all variant, so
/// nothing is lost.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// Nothing besides the tag.
    Unit,
    /// Only the required property `field` (wire name) besides the tag.
    Value {
        /// Wire name of the value property (`value`).
        field: String,
        /// Its type.
        type_ref: TypeRef,
    },
    /// The variant's struct; its own tag property (if declared) is left out of it.
    Struct {
        /// The variant's struct.
        type_ref: TypeRef,
        /// Whether it is boxed (large payloads, to keep the enum small; recursion).
        boxed: bool,
    },
}

/// One member of a `oneOf` without a discriminator.
#[derive(Debug, Clone, PartialEq)]
pub struct UntaggedVariant {
    /// Rust variant name.
    pub rust_name: String,
    /// The member's type.
    pub type_ref: TypeRef,
    /// Whether the value is boxed (large payloads, to keep the enum small).
    pub boxed: bool,
}

/// HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// `GET`
    Get,
    /// `PUT`
    Put,
    /// `POST`
    Post,
    /// `DELETE`
    Delete,
    /// `OPTIONS`
    Options,
    /// `HEAD`
    Head,
    /// `PATCH`
    Patch,
    /// `TRACE`
    Trace,
}

impl Method {
    /// The fixed order of methods within a path item.
    pub const ALL: [Method; 8] = [
        Method::Get,
        Method::Put,
        Method::Post,
        Method::Delete,
        Method::Options,
        Method::Head,
        Method::Patch,
        Method::Trace,
    ];

    /// Upper-case name, as on the wire (`"GET"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }
}

/// One operation (method + path).
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// `operationId`.
    pub id: String,
    /// snake_case Rust identifier for functions/methods (keyword-safe).
    pub rust_name: String,
    /// PascalCase prefix for the operation's own types (`<TypeName>Request`, `...Response`).
    pub type_name: String,
    /// HTTP method.
    pub method: Method,
    /// Path template, `{name}` placeholders.
    pub path: String,
    /// Path parameters, in template order.
    pub path_params: Vec<Param>,
    /// Query parameters, in document order (path-item parameters first).
    pub query_params: Vec<Param>,
    /// Header parameters, in document order.
    pub header_params: Vec<Param>,
    /// The request body, if the operation takes one.
    pub request_body: Option<Body>,
    /// Responses, sorted: numeric statuses ascending, then ranges, then `default`.
    pub responses: Vec<Response>,
    /// The one body type every non-2xx response shares; `None` means `serde_json::Value`.
    pub error_type: Option<TypeRef>,
    /// The one body type every 2xx response with a body shares; `None` when they differ or none.
    pub success_type: Option<TypeRef>,
    /// Which credentials the operation needs (operation `security`, else the root's).
    pub security: Security,
    /// `x-sps-resource` of the path item.
    pub resource: Option<String>,
    /// `x-sps-transaction: required`.
    pub transaction_required: bool,
    /// `x-sps-versions`.
    pub versions: Vec<String>,
    /// `x-sps-repeatable: true`: a POST or PATCH that may be sent twice.
    pub repeatable: bool,
    /// `summary` (trimmed).
    pub summary: Option<String>,
    /// `description` (trimmed).
    pub description: Option<String>,
    /// `tags`.
    pub tags: Vec<String>,
    /// The features of its tags (see [`Model::features`]).
    pub gate: Gate,
    /// `deprecated: true`.
    pub deprecated: bool,
}

impl Operation {
    /// Whether sending the request twice does no more than sending it once: GET, HEAD, PUT,
    /// DELETE and OPTIONS by HTTP's rules, a POST or PATCH when the spec says so.
    pub fn idempotent(&self) -> bool {
        self.repeatable || !matches!(self.method, Method::Post | Method::Patch)
    }

    /// Whether a success reply may come without a body (`x-sps-evidence: undocumented`).
    pub fn success_body_optional(&self) -> bool {
        self.responses
            .iter()
            .any(|r| r.status.is_success() && r.body_optional)
    }

    /// The media type of a success reply that is a file handed over as a stream.
    pub fn success_stream(&self) -> Option<&str> {
        self.responses
            .iter()
            .filter(|r| r.status.is_success())
            .find_map(|r| r.stream.as_deref())
    }

    /// The other forms (`text/csv`) of the success reply, in document order.
    pub fn success_alternatives(&self) -> Vec<&AltReply> {
        let mut out: Vec<&AltReply> = Vec::new();
        for alt in self
            .responses
            .iter()
            .filter(|r| r.status.is_success())
            .flat_map(|r| &r.alternatives)
        {
            if !out.iter().any(|a| a.suffix == alt.suffix) {
                out.push(alt);
            }
        }
        out
    }

    /// The documented numeric statuses, ascending (ranges and `default` left out).
    pub fn statuses(&self) -> Vec<u16> {
        self.responses
            .iter()
            .filter_map(|r| match r.status {
                Status::Code(code) => Some(code),
                _ => None,
            })
            .collect()
    }
}

/// A path, query or header parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Name on the wire.
    pub name: String,
    /// snake_case Rust field name, unique among the operation's parameters.
    pub rust_name: String,
    /// The parameter's type (a hoisted enum for an inline `enum`).
    pub type_ref: TypeRef,
    /// `required` (always true for path parameters).
    pub required: bool,
    /// `description` (trimmed).
    pub description: Option<String>,
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// The body's type (`<TypeName>Request` when the schema is inline).
    pub type_ref: TypeRef,
    /// `requestBody.required`.
    pub required: bool,
    /// Media type (`application/json` when the spec offers it).
    pub content_type: String,
    /// `None` for a JSON body; how the body is uploaded otherwise (streamed, never buffered).
    pub upload: Option<Upload>,
}

/// A request body that is not JSON: sent from a file or a stream as it is read.
#[derive(Debug, Clone, PartialEq)]
pub enum Upload {
    /// The body is the uploaded bytes themselves (`type: string, format: binary`), sent with
    /// [`Body::content_type`].
    Raw,
    /// `multipart/form-data`: one part per property of the form's object schema, in schema
    /// order.
    Multipart(Vec<FormField>),
}

/// One part of a `multipart/form-data` upload.
#[derive(Debug, Clone, PartialEq)]
pub struct FormField {
    /// Part name on the wire (the property name).
    pub name: String,
    /// snake_case Rust argument name, unique among the operation's arguments.
    pub rust_name: String,
    /// `None` for a file part (`format: binary`); else the type of a text part.
    pub text: Option<TypeRef>,
    /// The `encoding.<name>.contentType` of a file part, if the spec gives one.
    pub content_type: Option<String>,
    /// Listed in the schema's `required`.
    pub required: bool,
    /// `description` (trimmed).
    pub description: Option<String>,
}

/// A response status key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// `200`, `404`, ...
    Code(u16),
    /// `2XX` is `Range(2)`.
    Range(u8),
    /// `default`.
    Default,
}

impl Status {
    /// Whether the status is a success (2xx).
    pub fn is_success(self) -> bool {
        match self {
            Status::Code(code) => (200..300).contains(&code),
            Status::Range(class) => class == 2,
            Status::Default => false,
        }
    }
}

/// One documented response.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The status key.
    pub status: Status,
    /// PascalCase variant name, unique per operation: the `components/responses` name when
    /// `$ref`'d (and that response is used for only one status of the operation), else the status
    /// reason phrase (`Ok`, `Created`, `NoContent`, `Conflict`, `Status4xx`, `Default`).
    pub variant: String,
    /// `description` of the response (trimmed).
    pub description: String,
    /// Body type, if the response has one.
    pub body: Option<TypeRef>,
    /// Media type of the body (`application/json` when the spec offers it).
    pub content_type: Option<String>,
    /// The reply is a file (`format: binary` under a non-JSON media type such as
    /// `application/octet-stream`), handed over as a stream: its media type. `body` is `None`.
    pub stream: Option<String>,
    /// Other forms of the same reply next to its JSON body (`text/csv`), each a stream.
    pub alternatives: Vec<AltReply>,
    /// The documentation does not show this reply (`x-sps-evidence: undocumented`): an appliance
    /// may answer with no body at all, so a client reads the body as optional.
    pub body_optional: bool,
    /// Documented response headers, in document order.
    pub headers: Vec<Header>,
}

/// Another form of a JSON reply (`text/csv` next to `application/json`), sent as a stream.
#[derive(Debug, Clone, PartialEq)]
pub struct AltReply {
    /// The media type (`text/csv`).
    pub content_type: String,
    /// snake_case name of the form (`csv`), the suffix of the client method asking for it.
    pub suffix: String,
}

/// A documented response header.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// Name on the wire, as written in the spec.
    pub name: String,
    /// snake_case Rust name.
    pub rust_name: String,
    /// The header's type.
    pub type_ref: TypeRef,
    /// `required`.
    pub required: bool,
    /// `description` (trimmed).
    pub description: Option<String>,
}

/// Which credentials an operation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Security {
    /// No security requirement.
    None,
    /// The session cookie is required.
    Session,
    /// The session cookie is accepted but not required (`{}` among the alternatives).
    SessionOptional,
    /// HTTP basic auth (the login operation).
    Basic,
    /// HTTP basic auth or nothing (`{}` among the alternatives): a login whose other form
    /// authenticates otherwise, such as with a TLS client certificate.
    BasicOptional,
}

impl Security {
    /// Whether this is a login operation (basic credentials, required or not).
    pub fn is_login(self) -> bool {
        matches!(self, Self::Basic | Self::BasicOptional)
    }
}
