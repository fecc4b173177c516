//! Client arguments and call building for uploads (raw binary bodies and `multipart/form-data`
//! forms): every file argument is a `runtime::Upload`, a file path or a stream that the runtime
//! sends as it reads it.

use proc_macro2::TokenStream;
use quote::quote;

use super::arg_type;
use crate::model::{Body, Upload};
use crate::naming;

/// Adds the upload's arguments to `args` and their sending to `build`.
pub(super) fn pieces(
    body: &Body,
    upload: &Upload,
    args: &mut Vec<TokenStream>,
    build: &mut TokenStream,
) {
    match upload {
        Upload::Raw => {
            let content_type = &body.content_type;
            if body.required {
                args.push(quote!(body: runtime::Upload));
                build.extend(quote!(let call = call.upload(body, #content_type);));
            } else {
                args.push(quote!(body: Option<runtime::Upload>));
                build.extend(quote! {
                    let call = match body {
                        Some(body) => call.upload(body, #content_type),
                        None => call,
                    };
                });
            }
        }
        Upload::Multipart(fields) => {
            build.extend(quote!(let call = call.form();));
            for field in fields {
                let name = naming::ident(&field.rust_name);
                let wire = &field.name;
                let (arg, add) = match &field.text {
                    None => {
                        let content_type = match &field.content_type {
                            Some(ct) => quote!(Some(#ct)),
                            None => quote!(None),
                        };
                        (
                            quote!(runtime::Upload),
                            quote!(call.form_file(#wire, value, #content_type)),
                        )
                    }
                    Some(t) => (
                        arg_type(t),
                        quote!(call.form_text(#wire, runtime::to_text(&value))),
                    ),
                };
                if field.required {
                    args.push(quote!(#name: #arg));
                    build.extend(quote! {
                        let value = #name;
                        let call = #add;
                    });
                } else {
                    args.push(quote!(#name: Option<#arg>));
                    build.extend(quote! {
                        let call = match #name {
                            Some(value) => #add,
                            None => call,
                        };
                    });
                }
            }
        }
    }
}

/// The documentation lines of the upload's arguments.
pub(super) fn docs(body: &Body) -> Vec<String> {
    match &body.upload {
        Some(Upload::Raw) => vec![format!(
            "- `body`: the upload, sent as `{}` (a file, read as it is sent, or any byte stream)",
            body.content_type
        )],
        Some(Upload::Multipart(fields)) => fields
            .iter()
            .map(|f| {
                let what = match &f.text {
                    None => "file part (a file, read as it is sent, or any byte stream)",
                    Some(_) => "text part",
                };
                let description = f.description.as_deref().unwrap_or("");
                format!("- `{}`: form {what}. {description}", f.rust_name)
                    .trim_end()
                    .to_owned()
            })
            .collect(),
        None => Vec::new(),
    }
}
