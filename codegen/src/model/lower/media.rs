//! Reply media types: the JSON body, a file (binary) reply, and other forms of a JSON reply.
//!
//! Requests are lowered elsewhere; this module only reads `responses.*.content`.

use indexmap::IndexMap;
use openapiv3::{MediaType, ReferenceOr, SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty};

use super::json_media;
use crate::model::AltReply;
use crate::naming;

/// How a response's `content` map is read.
pub(super) struct ReplyMedia<'a> {
    /// The media type whose schema types the body (JSON when offered).
    pub body: Option<(&'a String, &'a MediaType)>,
    /// The reply is a file: its media type (no JSON form offered).
    pub stream: Option<String>,
    /// Binary forms offered next to the JSON body.
    pub alternatives: Vec<AltReply>,
}

/// Whether a media type's schema is an inline `type: string, format: binary`.
pub(crate) fn is_binary(media: &MediaType) -> bool {
    let Some(ReferenceOr::Item(schema)) = &media.schema else {
        return false;
    };
    matches!(
        &schema.schema_kind,
        SchemaKind::Type(Type::String(s))
            if matches!(s.format, VariantOrUnknownOrEmpty::Item(StringFormat::Binary))
    )
}

/// Splits a response's `content` into its typed body, a file reply and the other forms.
pub(super) fn reply_media(content: &IndexMap<String, MediaType>) -> ReplyMedia<'_> {
    let binary: Vec<&String> = content
        .iter()
        .filter(|(_, media)| is_binary(media))
        .map(|(ct, _)| ct)
        .collect();
    match json_media(content) {
        Some(json) => ReplyMedia {
            body: Some(json),
            stream: None,
            alternatives: binary
                .into_iter()
                .filter(|ct| *ct != json.0)
                .map(|ct| AltReply {
                    content_type: ct.clone(),
                    suffix: suffix(ct),
                })
                .collect(),
        },
        None => match binary.first() {
            Some(ct) => ReplyMedia {
                body: None,
                stream: Some((*ct).clone()),
                alternatives: Vec::new(),
            },
            None => ReplyMedia {
                body: content.first(),
                stream: None,
                alternatives: Vec::new(),
            },
        },
    }
}

/// `text/csv` -> `csv`, `application/vnd.ms-excel` -> `ms_excel`, `application/x-foo+zip` -> `foo`.
pub(crate) fn suffix(content_type: &str) -> String {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    let subtype = essence.rsplit('/').next().unwrap_or(essence);
    let subtype = subtype.split('+').next().unwrap_or(subtype);
    let subtype = subtype
        .strip_prefix("vnd.")
        .or_else(|| subtype.strip_prefix("x-"))
        .unwrap_or(subtype);
    naming::unraw(&naming::snake(subtype, "raw")).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_name_the_subtype() {
        assert_eq!(suffix("text/csv"), "csv");
        assert_eq!(suffix("text/csv; charset=utf-8"), "csv");
        assert_eq!(suffix("application/vnd.ms-excel"), "ms_excel");
        assert_eq!(suffix("application/x-tar+gzip"), "tar");
        assert_eq!(suffix("*/*"), "raw");
    }
}
