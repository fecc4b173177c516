//! Rust names for wire names: case conversion, keyword escaping, leading digits, uniqueness.
//!
//! Names are decided once, when the model is built; emitters turn them into identifiers with
//! [`ident`], which understands the `r#` prefix of raw identifiers.

use std::collections::BTreeSet;

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span};

/// Keywords that can be raw identifiers (`r#type`).
const RAW_KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "union", "unsafe", "unsized",
    "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers: they get a `_` suffix instead.
const NON_RAW_KEYWORDS: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Type names a schema cannot take, because the generated code names these items without a
/// path: the standard prelude (types, traits, variants; Rust 2021 and 2024) and the items the
/// generated types crate defines besides the schemas. A schema whose Rust name is one of these
/// gets the first free numeric suffix (`Option` -> `Option2`), and the lint warns about it.
///
/// The client and server crates refer to every schema type through the types crate
/// (`types::Client`), so the runtime's own items (`Client`, `Error`, `Method`...) are not
/// reserved: a schema may be called `Error` (the `reserved_names` fixture shows that it builds).
pub const RESERVED_TYPE_NAMES: &[&str] = &[
    // std::prelude::rust_2021 (and v1): traits and types.
    "AsMut",
    "AsRef",
    "Box",
    "Clone",
    "Copy",
    "Default",
    "DoubleEndedIterator",
    "Drop",
    "Eq",
    "ExactSizeIterator",
    "Extend",
    "Fn",
    "FnMut",
    "FnOnce",
    "From",
    "FromIterator",
    "Into",
    "IntoIterator",
    "Iterator",
    "Option",
    "Ord",
    "PartialEq",
    "PartialOrd",
    "Result",
    "Send",
    "Sized",
    "String",
    "Sync",
    "ToOwned",
    "ToString",
    "TryFrom",
    "TryInto",
    "Unpin",
    "Vec",
    // The prelude's enum variants (a unit or tuple struct of that name would shadow them).
    "Some",
    "None",
    "Ok",
    "Err",
    // std::prelude::rust_2024.
    "Future",
    "IntoFuture",
];

/// Items of the client and server runtimes (with what the crates re-export from them) that a
/// type made from an operation's name could clash with: for an operation `T`, the server
/// generates `TRequest`, `TResponse` and `TQuery`, the client `TParams`.
const RUNTIME_ITEMS: &[&str] = &[
    "Api",
    "ApiError",
    "BasicCredentials",
    "Call",
    "Client",
    "ClientBuilder",
    "Credentials",
    "Error",
    "Method",
    "OperationInfo",
    "RawApi",
    "RawRequest",
    "RawResponse",
];

/// The type name of an operation (`list_users` -> `ListUsers`), with an `Op` suffix where a type
/// generated from it would take the name of a runtime item (`raw` -> `RawOp`, as `RawRequest`
/// and `RawResponse` are the server runtime's).
pub fn operation_type_name(id: &str) -> String {
    let name = type_name(id);
    let clashes = ["Request", "Response", "Query", "Params"]
        .iter()
        .any(|suffix| RUNTIME_ITEMS.contains(&format!("{}{suffix}", unraw(&name)).as_str()));
    if clashes {
        format!("{}Op", unraw(&name))
    } else {
        name
    }
}

/// Whether `name` (a Rust type name) is one of [`RESERVED_TYPE_NAMES`].
pub fn is_reserved_type_name(name: &str) -> bool {
    RESERVED_TYPE_NAMES.contains(&unraw(name))
}

/// The Rust names of the component schemas `names` (in document order) and the crate-wide scope
/// they leave: [`type_name`] of each, made unique, never a reserved name. The model uses this
/// scope for every type of the types crate; the lint uses the names to report renamed schemas.
pub fn schema_type_names<'a>(names: impl IntoIterator<Item = &'a str>) -> (Scope, Vec<String>) {
    let mut scope = Scope::with_reserved(RESERVED_TYPE_NAMES.iter().copied());
    let names = names
        .into_iter()
        .map(|name| scope.claim(&type_name(name)))
        .collect();
    (scope, names)
}

/// Splits a wire name into ASCII words, so that every separator (`-`, `.`, space, `/`...) is a
/// word boundary and non-ASCII characters are dropped.
fn ascii_words(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect()
}

/// A snake_case Rust identifier for a wire name (`backupPolicy` -> `backup_policy`,
/// `type` -> `r#type`, `3des` -> `_3des`, `self` -> `self_`). Empty or symbol-only names become
/// `fallback`.
pub fn snake(s: &str, fallback: &str) -> String {
    let mut name = ascii_words(s).to_snake_case();
    if name.is_empty() {
        name = fallback.to_string();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    escape_keyword(name)
}

/// A Cargo feature name for a spec tag (`Local Services` -> `local_services`): snake_case
/// words, `area` for a tag without any, never `default` (Cargo's own feature).
pub fn feature_name(tag: &str) -> String {
    let name = ascii_words(tag).to_snake_case();
    match name.as_str() {
        "" => "area".to_string(),
        "default" => "default_".to_string(),
        _ => name,
    }
}

/// A PascalCase Rust identifier for a wire name (`rsync-ssh` -> `RsyncSsh`, `6.x` -> `V6X`,
/// `Self` -> `Self_`). Empty or symbol-only names become `fallback`.
pub fn pascal(s: &str, fallback: &str) -> String {
    let mut name = ascii_words(s).to_upper_camel_case();
    if name.is_empty() {
        name = fallback.to_string();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'V');
    }
    escape_keyword(name)
}

/// PascalCase of a name that is already made of Rust-ish words (schema names, operation ids):
/// like [`pascal`] but keeps an existing PascalCase name as it is (`ErrorResponse`).
pub fn type_name(s: &str) -> String {
    // An all-capitals name (`DNS`) is an acronym, not PascalCase (clippy::upper_case_acronyms).
    let is_pascal = s.starts_with(|c: char| c.is_ascii_uppercase())
        && s.chars().all(|c| c.is_ascii_alphanumeric())
        && (s.len() == 1 || s.chars().any(|c| c.is_ascii_lowercase()));
    if is_pascal && !NON_RAW_KEYWORDS.contains(&s) {
        s.to_string()
    } else {
        pascal(s, "Type")
    }
}

fn escape_keyword(name: String) -> String {
    if NON_RAW_KEYWORDS.contains(&name.as_str()) {
        format!("{name}_")
    } else if RAW_KEYWORDS.contains(&name.as_str()) {
        format!("r#{name}")
    } else {
        name
    }
}

/// The name without a raw-identifier prefix (`r#type` -> `type`), as serde sees a field.
pub fn unraw(name: &str) -> &str {
    name.strip_prefix("r#").unwrap_or(name)
}

/// An identifier token for a name made by this module (handles `r#`).
pub fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// Hands out names unique within one scope (a struct's fields, an enum's variants, the crate's
/// types): a name already taken gets the first free numeric suffix (`Name2`, `name_2`).
#[derive(Debug, Default, Clone)]
pub struct Scope {
    taken: BTreeSet<String>,
}

impl Scope {
    /// An empty scope.
    pub fn new() -> Self {
        Self::default()
    }

    /// A scope in which `names` are already taken.
    pub fn with_reserved<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        Scope {
            taken: names.into_iter().map(|n| unraw(n).to_string()).collect(),
        }
    }

    /// Whether `name` is taken.
    pub fn contains(&self, name: &str) -> bool {
        self.taken.contains(unraw(name))
    }

    /// Reserves `name`, or the first free `name{n}` (PascalCase) / `name_{n}` (snake_case).
    pub fn claim(&mut self, name: &str) -> String {
        if self.taken.insert(unraw(name).to_string()) {
            return name.to_string();
        }
        let base = unraw(name);
        let snake = base.starts_with(|c: char| c.is_ascii_lowercase() || c == '_');
        (2u32..)
            .map(|n| {
                if snake {
                    format!("{base}_{n}")
                } else {
                    format!("{base}{n}")
                }
            })
            .find(|candidate| self.taken.insert(candidate.clone()))
            .unwrap_or_else(|| base.to_string())
    }
}

/// The PascalCase reason phrase of a status code (`200` -> `Ok`), `Status{code}` if unknown.
pub fn status_variant(code: u16) -> String {
    let phrase = match code {
        100 => "Continue",
        101 => "SwitchingProtocols",
        200 => "Ok",
        201 => "Created",
        202 => "Accepted",
        203 => "NonAuthoritativeInformation",
        204 => "NoContent",
        205 => "ResetContent",
        206 => "PartialContent",
        300 => "MultipleChoices",
        301 => "MovedPermanently",
        302 => "Found",
        303 => "SeeOther",
        304 => "NotModified",
        307 => "TemporaryRedirect",
        308 => "PermanentRedirect",
        400 => "BadRequest",
        401 => "Unauthorized",
        402 => "PaymentRequired",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        406 => "NotAcceptable",
        408 => "RequestTimeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "LengthRequired",
        412 => "PreconditionFailed",
        413 => "PayloadTooLarge",
        414 => "UriTooLong",
        415 => "UnsupportedMediaType",
        416 => "RangeNotSatisfiable",
        417 => "ExpectationFailed",
        422 => "UnprocessableEntity",
        423 => "Locked",
        424 => "FailedDependency",
        428 => "PreconditionRequired",
        429 => "TooManyRequests",
        431 => "RequestHeaderFieldsTooLarge",
        500 => "InternalServerError",
        501 => "NotImplemented",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        505 => "HttpVersionNotSupported",
        507 => "InsufficientStorage",
        _ => return format!("Status{code}"),
    };
    phrase.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_names() {
        assert_eq!(snake("backupPolicy", "field"), "backup_policy");
        assert_eq!(snake("type", "field"), "r#type");
        assert_eq!(snake("match", "field"), "r#match");
        assert_eq!(snake("self", "field"), "self_");
        assert_eq!(snake("3des", "field"), "_3des");
        assert_eq!(snake("ip-address.v4", "field"), "ip_address_v4");
        assert_eq!(snake("--", "field"), "field");
    }

    #[test]
    fn pascal_names() {
        assert_eq!(pascal("rsync-ssh", "Value"), "RsyncSsh");
        assert_eq!(pascal("6.x", "Value"), "V6X");
        assert_eq!(pascal("", "Empty"), "Empty");
        assert_eq!(pascal("Self", "Value"), "Self_");
        assert_eq!(type_name("ErrorResponse"), "ErrorResponse");
        assert_eq!(type_name("list_users"), "ListUsers");
        assert_eq!(type_name("DNS"), "Dns");
    }

    #[test]
    fn scope_suffixes() {
        let mut scope = Scope::new();
        assert_eq!(scope.claim("Foo"), "Foo");
        assert_eq!(scope.claim("Foo"), "Foo2");
        assert_eq!(scope.claim("foo_bar"), "foo_bar");
        assert_eq!(scope.claim("foo_bar"), "foo_bar_2");
        assert_eq!(scope.claim("r#type"), "r#type");
        assert_eq!(scope.claim("r#type"), "type_2");
    }

    #[test]
    fn reserved_type_names_get_a_suffix() {
        let (mut scope, names) = schema_type_names([
            "Option", "option", "Option2", "Error", "Client", "Vec", "Thing",
        ]);
        assert_eq!(
            names,
            ["Option2", "Option3", "Option22", "Error", "Client", "Vec2", "Thing"]
        );
        assert_eq!(operation_type_name("raw"), "RawOp");
        assert_eq!(operation_type_name("list_users"), "ListUsers");
        // Hoisted types share the scope.
        assert_eq!(scope.claim("String"), "String2");
        assert!(is_reserved_type_name("Result"));
        assert!(!is_reserved_type_name("Results"));
    }

    #[test]
    fn raw_idents() {
        assert_eq!(ident("r#type").to_string(), "r#type");
        assert_eq!(ident("name").to_string(), "name");
    }
}
