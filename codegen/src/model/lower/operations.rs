//! Lowering of paths and operations.

use std::collections::BTreeSet;

use openapiv3::{
    Parameter, ParameterData, ParameterSchemaOrContent, PathItem, ReferenceOr, RequestBody,
    SecurityRequirement, SecurityScheme, StatusCode,
};

use super::shape::SchemaRef;
use super::{json_media, media, Lowerer};
use crate::model::*;
use crate::naming::{self, Scope};
use crate::spec::pointer::{escape, join, unescape};

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Location {
    Path,
    Query,
    Header,
    Cookie,
}

impl<'a> Lowerer<'a> {
    pub(super) fn lower_operations(&mut self) -> Vec<Operation> {
        let mut operations = Vec::new();
        for (path, item) in &self.openapi.paths.paths {
            let item_pointer = join("/paths", path);
            let item = match item {
                ReferenceOr::Item(item) => item,
                ReferenceOr::Reference { .. } => {
                    self.error(&item_pointer, "unsupported: `$ref` path item");
                    continue;
                }
            };
            for method in Method::ALL {
                let Some(operation) = operation_of(item, method) else {
                    continue;
                };
                let pointer = format!("{item_pointer}/{}", method.as_str().to_ascii_lowercase());
                if let Some(lowered) =
                    self.lower_operation(path, item, &item_pointer, method, operation, &pointer)
                {
                    operations.push(lowered);
                }
            }
        }
        operations
    }

    fn lower_operation(
        &mut self,
        path: &str,
        item: &'a PathItem,
        item_pointer: &str,
        method: Method,
        operation: &'a openapiv3::Operation,
        pointer: &str,
    ) -> Option<Operation> {
        // Ids, path parameters and security schemes are `spec::lint`'s (`signatures`), checked
        // before lowering: what is read here is there.
        let id = operation.operation_id.clone()?;
        let type_name = naming::operation_type_name(&id);
        let mut param_scope = Scope::new();
        let params = self.parameters(item, item_pointer, operation, pointer);
        let mut path_params = Vec::new();
        let mut query_params = Vec::new();
        let mut header_params = Vec::new();
        for (location, data, param_pointer) in &params {
            let hint = format!("{type_name}{}", naming::pascal(&data.name, "Param"));
            let type_ref = match &data.format {
                ParameterSchemaOrContent::Schema(schema) => self.type_of(
                    SchemaRef::from_ref_or(schema),
                    &format!("{param_pointer}/schema"),
                    &hint,
                ),
                ParameterSchemaOrContent::Content(_) => {
                    self.error(
                        param_pointer,
                        "unsupported: parameter with `content` instead of `schema`",
                    );
                    continue;
                }
            };
            self.value_examples(
                data.example.as_ref(),
                &data.examples,
                param_pointer,
                &type_ref,
            );
            let param = Param {
                name: data.name.clone(),
                rust_name: param_scope.claim(&naming::snake(&data.name, "param")),
                type_ref,
                required: data.required || *location == Location::Path,
                description: trimmed(data.description.as_deref()),
            };
            match location {
                Location::Path => path_params.push(param),
                Location::Query => query_params.push(param),
                Location::Header => header_params.push(param),
                Location::Cookie => self.error(
                    param_pointer,
                    "unsupported: cookie parameter (use a security scheme)",
                ),
            }
        }
        let path_params = self.order_path_params(path, path_params);
        let request_body = self.request_body(operation, pointer, &type_name);
        let responses = self.responses(operation, pointer, &type_name);
        let shared = |success: bool| {
            let bodies: BTreeSet<&TypeRef> = responses
                .iter()
                .filter(|r| r.status.is_success() == success)
                .filter_map(|r| r.body.as_ref())
                .collect();
            match bodies.into_iter().collect::<Vec<_>>().as_slice() {
                [one] => Some((*one).clone()),
                _ => None,
            }
        };
        let error_type = shared(false);
        let success_type = shared(true);
        let security = self.security(operation, pointer);
        let extensions = &operation.extensions;
        // The extensions' values are checked by `spec::lint` (transactions, extensions).
        let transaction_required =
            extensions.get("x-sps-transaction").and_then(|v| v.as_str()) == Some("required");
        let versions = extensions
            .get("x-sps-versions")
            .and_then(|v| v.as_array())
            .map(|values| {
                values
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let repeatable = extensions.get("x-sps-repeatable").and_then(|v| v.as_bool()) == Some(true);
        let resource = item
            .extensions
            .get("x-sps-resource")
            .and_then(|v| v.as_str())
            .map(str::to_string);
        Some(Operation {
            rust_name: naming::snake(&id, "operation"),
            type_name,
            id,
            method,
            path: path.to_string(),
            path_params,
            query_params,
            header_params,
            request_body,
            responses,
            error_type,
            success_type,
            security,
            resource,
            transaction_required,
            repeatable,
            versions,
            summary: trimmed(operation.summary.as_deref()),
            description: trimmed(operation.description.as_deref()),
            tags: operation.tags.clone(),
            gate: Gate::new(),
            deprecated: operation.deprecated,
        })
    }

    /// Path-item parameters overridden by operation parameters of the same name and location.
    fn parameters(
        &mut self,
        item: &'a PathItem,
        item_pointer: &str,
        operation: &'a openapiv3::Operation,
        pointer: &str,
    ) -> Vec<(Location, &'a ParameterData, String)> {
        let mut out: Vec<(Location, &'a ParameterData, String)> = Vec::new();
        let sources = [
            (&item.parameters, item_pointer),
            (&operation.parameters, pointer),
        ];
        for (list, base) in sources {
            for (i, param) in list.iter().enumerate() {
                let param_pointer = format!("{base}/parameters/{i}");
                let Some((param, param_pointer)) = self.resolve_parameter(param, param_pointer)
                else {
                    continue;
                };
                let (location, data) = match param {
                    Parameter::Path { parameter_data, .. } => (Location::Path, parameter_data),
                    Parameter::Query { parameter_data, .. } => (Location::Query, parameter_data),
                    Parameter::Header { parameter_data, .. } => (Location::Header, parameter_data),
                    Parameter::Cookie { parameter_data, .. } => (Location::Cookie, parameter_data),
                };
                match out
                    .iter_mut()
                    .find(|(l, d, _)| *l == location && d.name == data.name)
                {
                    Some(existing) => *existing = (location, data, param_pointer),
                    None => out.push((location, data, param_pointer)),
                }
            }
        }
        out
    }

    fn resolve_parameter(
        &mut self,
        param: &'a ReferenceOr<Parameter>,
        pointer: String,
    ) -> Option<(&'a Parameter, String)> {
        match param {
            ReferenceOr::Item(p) => Some((p, pointer)),
            ReferenceOr::Reference { reference } => {
                let name = reference
                    .strip_prefix("#/components/parameters/")
                    .map(unescape);
                let found = name.as_ref().and_then(|n| {
                    self.openapi
                        .components
                        .as_ref()?
                        .parameters
                        .get(n)
                        .map(|p| (n, p))
                });
                match found {
                    Some((n, ReferenceOr::Item(p))) => Some((p, join("/components/parameters", n))),
                    _ => {
                        self.error(
                            &pointer,
                            format!("`$ref` does not resolve to a parameter: {reference}"),
                        );
                        None
                    }
                }
            }
        }
    }

    /// Path parameters in the order of the template's placeholders.
    fn order_path_params(&self, path: &str, mut declared: Vec<Param>) -> Vec<Param> {
        placeholders(path)
            .into_iter()
            .filter_map(|name| {
                let i = declared.iter().position(|p| p.name == name)?;
                Some(declared.remove(i))
            })
            .collect()
    }

    fn request_body(
        &mut self,
        operation: &'a openapiv3::Operation,
        pointer: &str,
        type_name: &str,
    ) -> Option<Body> {
        let body_pointer = format!("{pointer}/requestBody");
        let (body, body_pointer): (&'a RequestBody, String) =
            match operation.request_body.as_ref()? {
                ReferenceOr::Item(body) => (body, body_pointer),
                ReferenceOr::Reference { reference } => {
                    let name = reference
                        .strip_prefix("#/components/requestBodies/")
                        .map(unescape);
                    let found = name.as_ref().and_then(|n| {
                        self.openapi
                            .components
                            .as_ref()?
                            .request_bodies
                            .get(n)
                            .map(|b| (n, b))
                    });
                    match found {
                        Some((n, ReferenceOr::Item(body))) => {
                            (body, join("/components/requestBodies", n))
                        }
                        _ => {
                            self.error(
                                &body_pointer,
                                format!("`$ref` does not resolve to a request body: {reference}"),
                            );
                            return None;
                        }
                    }
                }
            };
        let (content_type, media) = match json_media(&body.content) {
            Some(found) => found,
            None => match body.content.first() {
                Some(found) => found,
                None => {
                    self.error(&body_pointer, "request body without `content`");
                    return None;
                }
            },
        };
        let media_pointer = format!("{body_pointer}/content/{}", escape(content_type));
        if json_media(&body.content).is_none() {
            let upload = self.upload(content_type, media, &media_pointer, type_name)?;
            return Some(Body {
                type_ref: TypeRef::Value,
                required: body.required,
                content_type: content_type.clone(),
                upload: Some(upload),
            });
        }
        let type_ref = match &media.schema {
            Some(schema) => self.type_of(
                SchemaRef::from_ref_or(schema),
                &format!("{media_pointer}/schema"),
                &format!("{type_name}Request"),
            ),
            None => TypeRef::Value,
        };
        self.media_examples(media, &media_pointer, &type_ref);
        Some(Body {
            type_ref,
            required: body.required,
            content_type: content_type.clone(),
            upload: None,
        })
    }

    fn responses(
        &mut self,
        operation: &'a openapiv3::Operation,
        pointer: &str,
        type_name: &str,
    ) -> Vec<Response> {
        let responses_pointer = format!("{pointer}/responses");
        let mut entries: Vec<(Status, &'a ReferenceOr<openapiv3::Response>, String)> = Vec::new();
        for (code, response) in &operation.responses.responses {
            let (status, key) = match code {
                StatusCode::Code(c) => (Status::Code(*c), c.to_string()),
                StatusCode::Range(r) => (
                    Status::Range(u8::try_from(*r).unwrap_or(0)),
                    format!("{r}XX"),
                ),
            };
            entries.push((status, response, format!("{responses_pointer}/{key}")));
        }
        if let Some(default) = &operation.responses.default {
            entries.push((
                Status::Default,
                default,
                format!("{responses_pointer}/default"),
            ));
        }
        entries.sort_by_key(|(status, _, _)| *status);
        let successes_with_body = entries
            .iter()
            .filter(|(s, r, _)| s.is_success() && self.has_body(r))
            .count();
        let mut scope = Scope::new();
        let mut out = Vec::new();
        for (status, response, response_pointer) in entries {
            let (response, response_pointer, component) = match response {
                ReferenceOr::Item(r) => (r, response_pointer, None),
                ReferenceOr::Reference { reference } => {
                    let name = reference
                        .strip_prefix("#/components/responses/")
                        .map(unescape);
                    let found = name.as_ref().and_then(|n| {
                        self.openapi
                            .components
                            .as_ref()?
                            .responses
                            .get(n)
                            .map(|r| (n.clone(), r))
                    });
                    match found {
                        Some((n, ReferenceOr::Item(r))) => {
                            (r, join("/components/responses", &n), Some(n))
                        }
                        _ => {
                            self.error(
                                &response_pointer,
                                format!("`$ref` does not resolve to a response: {reference}"),
                            );
                            continue;
                        }
                    }
                }
            };
            // A shared response used for one status is named after itself; used for several
            // statuses of this operation, each is named after its status instead.
            let shared_once = component.as_ref().is_some_and(|name| {
                let reference = format!("#/components/responses/{}", escape(name));
                operation
                    .responses
                    .responses
                    .values()
                    .chain(operation.responses.default.iter())
                    .filter(|r| matches!(r, ReferenceOr::Reference { reference: other } if *other == reference))
                    .count()
                    == 1
            });
            let variant = match (&component, status) {
                (Some(name), _) if shared_once => naming::type_name(name),
                (_, Status::Code(code)) => naming::status_variant(code),
                (_, Status::Range(class)) => format!("Status{class}xx"),
                (_, Status::Default) => "Default".to_string(),
            };
            let variant = scope.claim(&variant);
            let hint = match &component {
                Some(name) => format!("{}Body", naming::type_name(name)),
                None if status.is_success() && successes_with_body == 1 => {
                    format!("{type_name}Response")
                }
                None => format!("{type_name}{variant}Response"),
            };
            let media::ReplyMedia {
                body,
                stream,
                alternatives,
            } = media::reply_media(&response.content);
            let (body, content_type) = match body {
                Some((content_type, media)) => {
                    let media_pointer =
                        format!("{response_pointer}/content/{}", escape(content_type));
                    let type_ref = match &media.schema {
                        Some(schema) => self.type_of(
                            SchemaRef::from_ref_or(schema),
                            &format!("{media_pointer}/schema"),
                            &hint,
                        ),
                        None => TypeRef::Value,
                    };
                    self.media_examples(media, &media_pointer, &type_ref);
                    (Some(type_ref), Some(content_type.clone()))
                }
                None => (None, None),
            };
            let headers = self.headers(
                response,
                &response_pointer,
                &format!("{type_name}{variant}"),
            );
            let body_optional = response.extensions.get("x-sps-evidence")
                == Some(&serde_json::Value::String("undocumented".into()));
            out.push(Response {
                status,
                variant,
                description: response.description.trim().to_string(),
                body,
                content_type: content_type.or_else(|| stream.clone()),
                stream,
                alternatives,
                body_optional,
                headers,
            });
        }
        out
    }

    fn has_body(&self, response: &ReferenceOr<openapiv3::Response>) -> bool {
        match response {
            ReferenceOr::Item(r) => !r.content.is_empty(),
            ReferenceOr::Reference { reference } => reference
                .strip_prefix("#/components/responses/")
                .and_then(|n| {
                    self.openapi
                        .components
                        .as_ref()?
                        .responses
                        .get(&unescape(n))
                })
                .is_some_and(|r| matches!(r, ReferenceOr::Item(r) if !r.content.is_empty())),
        }
    }

    fn headers(
        &mut self,
        response: &'a openapiv3::Response,
        pointer: &str,
        hint: &str,
    ) -> Vec<Header> {
        let mut scope = Scope::new();
        let mut out = Vec::new();
        for (name, header) in &response.headers {
            let header_pointer = format!("{pointer}/headers/{}", escape(name));
            let header = match header {
                ReferenceOr::Item(h) => h,
                ReferenceOr::Reference { reference } => {
                    self.error(
                        &header_pointer,
                        format!("unsupported: `$ref` response header: {reference}"),
                    );
                    continue;
                }
            };
            let type_ref = match &header.format {
                ParameterSchemaOrContent::Schema(schema) => self.type_of(
                    SchemaRef::from_ref_or(schema),
                    &format!("{header_pointer}/schema"),
                    &format!("{hint}{}", naming::pascal(name, "Header")),
                ),
                ParameterSchemaOrContent::Content(_) => TypeRef::String,
            };
            self.value_examples(
                header.example.as_ref(),
                &header.examples,
                &header_pointer,
                &type_ref,
            );
            out.push(Header {
                name: name.clone(),
                rust_name: scope.claim(&naming::snake(name, "header")),
                type_ref,
                required: header.required,
                description: trimmed(header.description.as_deref()),
            });
        }
        out
    }

    /// Records `example` / `examples` of a media type for the round-trip tests.
    fn media_examples(
        &mut self,
        media: &'a openapiv3::MediaType,
        pointer: &str,
        type_ref: &TypeRef,
    ) {
        self.value_examples(media.example.as_ref(), &media.examples, pointer, type_ref);
    }

    /// Records an `example` and the `examples` map of a media type, parameter or header.
    fn value_examples(
        &mut self,
        example: Option<&'a serde_json::Value>,
        examples: &'a indexmap::IndexMap<String, ReferenceOr<openapiv3::Example>>,
        pointer: &str,
        type_ref: &TypeRef,
    ) {
        if let Some(value) = example {
            self.examples.push(Example {
                pointer: format!("{pointer}/example"),
                type_ref: type_ref.clone(),
                value: value.clone(),
            });
        }
        for (name, example) in examples {
            let example_pointer = format!("{pointer}/examples/{}", escape(name));
            let (value, example_pointer) = match example {
                ReferenceOr::Item(e) => (e.value.as_ref(), example_pointer),
                ReferenceOr::Reference { reference } => {
                    let name = reference
                        .strip_prefix("#/components/examples/")
                        .map(unescape);
                    let found = name.as_ref().and_then(|n| {
                        self.openapi
                            .components
                            .as_ref()?
                            .examples
                            .get(n)
                            .map(|e| (n, e))
                    });
                    match found {
                        Some((n, ReferenceOr::Item(e))) => {
                            (e.value.as_ref(), join("/components/examples", n))
                        }
                        _ => {
                            self.error(
                                &example_pointer,
                                format!("`$ref` does not resolve to an example: {reference}"),
                            );
                            continue;
                        }
                    }
                }
            };
            if let Some(value) = value {
                self.examples.push(Example {
                    pointer: format!("{example_pointer}/value"),
                    type_ref: type_ref.clone(),
                    value: value.clone(),
                });
            }
        }
    }

    fn security(&mut self, operation: &'a openapiv3::Operation, pointer: &str) -> Security {
        let (requirements, requirements_pointer): (&[SecurityRequirement], String) =
            match (&operation.security, &self.openapi.security) {
                (Some(own), _) => (own, format!("{pointer}/security")),
                (None, Some(root)) => (root, "/security".to_string()),
                (None, None) => return Security::None,
            };
        let optional = requirements.iter().any(|r| r.is_empty());
        let mut basic = false;
        let mut session = false;
        for (i, requirement) in requirements.iter().enumerate() {
            for name in requirement.keys() {
                let scheme = self
                    .openapi
                    .components
                    .as_ref()
                    .and_then(|c| c.security_schemes.get(name));
                match scheme {
                    Some(ReferenceOr::Item(SecurityScheme::HTTP { scheme, .. })) if scheme.eq_ignore_ascii_case("basic") => {
                        basic = true
                    }
                    // The session token, in its cookie or in its header.
                    Some(ReferenceOr::Item(SecurityScheme::APIKey {
                        location: openapiv3::APIKeyLocation::Cookie | openapiv3::APIKeyLocation::Header,
                        ..
                    })) => session = true,
                    Some(_) => self.error(
                        &format!("{requirements_pointer}/{i}"),
                        format!("unsupported security scheme `{name}` (only http basic and an apiKey cookie or header)"),
                    ),
                    // An undeclared scheme is `spec::lint`'s finding.
                    None => {}
                }
            }
        }
        match (basic, session, optional) {
            (true, _, false) => Security::Basic,
            (true, _, true) => Security::BasicOptional,
            (false, true, false) => Security::Session,
            (false, true, true) => Security::SessionOptional,
            (false, false, _) => Security::None,
        }
    }
}

fn operation_of(item: &PathItem, method: Method) -> Option<&openapiv3::Operation> {
    match method {
        Method::Get => item.get.as_ref(),
        Method::Put => item.put.as_ref(),
        Method::Post => item.post.as_ref(),
        Method::Delete => item.delete.as_ref(),
        Method::Options => item.options.as_ref(),
        Method::Head => item.head.as_ref(),
        Method::Patch => item.patch.as_ref(),
        Method::Trace => item.trace.as_ref(),
    }
}

/// `{name}` placeholders of a path template, in order.
fn placeholders(path: &str) -> Vec<String> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_string()))
        .collect()
}

fn trimmed(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}
