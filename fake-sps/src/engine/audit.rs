//! Answers from the recorded sessions (`crate::recordings`), the same way for every list, object
//! and file of audit data: lists are filtered (`q`, `start`, `end`), sorted (`sort`), cut to the
//! requested properties (`fields`) and paged (`limit`, `offset`, SPS's paging `meta`); a list
//! whose operation documents another form of its reply (`text/csv`) answers in that form when a
//! query value names it (`format=csv`); a file streams piece by piece.

use std::convert::Infallible;

use serde_json::{json, Map, Value};
use sps_server::runtime::{parent_href, BinaryBody};

use super::{success_status, Engine, Reply};
use crate::errors::{self, ApiError};
use crate::meta::reference;
use crate::raw::{RawRequest, RawResponse};
use crate::recordings::{Entry, FileBody, Node};
use crate::search::{self, Filter, Window};

fn text<'a>(query: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    query.get(name).and_then(Value::as_str)
}

/// The reply form (`text/csv`) a query value names (`format=csv`), among the operation's.
fn requested_form(req: &RawRequest) -> Option<&'static str> {
    req.operation.reply_forms.iter().copied().find(|media| {
        let name = media.rsplit('/').next().unwrap_or(media);
        req.query.values().any(|v| v.as_str() == Some(name))
    })
}

impl Engine {
    /// Answers a GET of audit data found at the request's href.
    pub(super) fn audit_reply(&self, req: &RawRequest, node: Node<'_>) -> Reply {
        let href = req.href.trim_end_matches('/');
        let status = success_status(req.operation, 200);
        match node {
            Node::File(file) => file_reply(req, status, &file),
            Node::Object { key, body } => Ok(RawResponse::json(
                status,
                json!({ "key": key, "body": body, "meta": {"href": href, "parent": parent_href(href)} }),
            )),
            Node::List { items, text_search } => {
                let items = if text_search {
                    match filter(req, "q")? {
                        Some(filter) => items.into_iter().filter(|i| filter.matches(i)).collect(),
                        // No expression, no matches: as the appliance answers.
                        None => Vec::new(),
                    }
                } else {
                    items
                };
                let window = Window::from_query(&req.query);
                let range = window.range(items.len(), None);
                let meta = window.meta(href, parent_href(href), items.len(), None, "");
                let page: Vec<Value> = items[range].to_vec();
                Ok(RawResponse::json(
                    status,
                    json!({ "items": page, "meta": meta }),
                ))
            }
            Node::Collection { entries, window } => self.search(req, status, entries, window),
        }
    }

    fn search(
        &self,
        req: &RawRequest,
        status: u16,
        entries: Vec<Entry<'_>>,
        cap: Option<usize>,
    ) -> Reply {
        let href = req.href.trim_end_matches('/');
        let filter = filter(req, "q")?;
        let start = text(&req.query, "start");
        let end = text(&req.query, "end");
        let mut found: Vec<Entry<'_>> = entries
            .into_iter()
            .filter(|(_, _, body)| {
                filter.as_ref().map_or(true, |f| f.matches(body))
                    && start.map_or(true, |start| started_since(body, start))
                    && end.map_or(true, |end| ended_by(body, end))
            })
            .collect();
        if let Some(sort) = text(&req.query, "sort").filter(|s| !s.is_empty()) {
            search::sort_by(&mut found, sort, |(_, _, body)| body);
        }
        let fields = search::field_list(&req.query);
        let window = Window::from_query(&req.query);
        let range = window.range(found.len(), cap);
        let page = &found[range];
        if let Some(media) = requested_form(req) {
            return Ok(csv_reply(status, media, page, &fields));
        }
        let with_bodies = fields.is_empty() && self.list_embeds_bodies(req.operation);
        let items: Vec<Value> = page
            .iter()
            .map(|(key, child, body)| {
                let mut item = reference(key, child);
                let body = if with_bodies {
                    Some(body.as_ref().clone())
                } else {
                    (!fields.is_empty()).then(|| search::pick(body, &fields))
                };
                if let (Some(body), Value::Object(map)) = (body, &mut item) {
                    map.insert("body".into(), body);
                }
                item
            })
            .collect();
        let extra = format!("&fields={}", fields.join(","));
        let mut meta = window.meta(href, parent_href(href), found.len(), cap, &extra);
        meta.insert("fields".into(), json!(fields));
        Ok(RawResponse::json(
            status,
            json!({ "items": items, "meta": meta }),
        ))
    }
}

/// The parsed expression of query parameter `name`, if given and not empty.
fn filter(req: &RawRequest, name: &str) -> Result<Option<Filter>, ApiError> {
    match text(&req.query, name) {
        Some(q) => search::parse(q).map_err(|e| errors::invalid_query(&req.href, name, &e.0)),
        None => Ok(None),
    }
}

/// ISO 8601 times compare as text once cut to the bound's precision (`2024-01-25T10:00`).
fn started_since(body: &Value, start: &str) -> bool {
    body.get("creation_time")
        .and_then(Value::as_str)
        .is_some_and(|t| t >= start)
}

fn ended_by(body: &Value, end: &str) -> bool {
    body.get("end_time")
        .and_then(Value::as_str)
        .is_some_and(|t| &t[..t.len().min(end.len())] <= end)
}

fn csv_reply(status: u16, media: &str, page: &[Entry<'_>], fields: &[String]) -> RawResponse {
    let mut header = vec!["key".to_owned()];
    header.extend(fields.iter().cloned());
    let mut csv = search::csv_line(&header);
    for (key, _, body) in page {
        let mut row = vec![key.to_string()];
        row.extend(
            fields
                .iter()
                .map(|f| search::csv_cell(search::field(body, f))),
        );
        csv.push_str(&search::csv_line(&row));
    }
    RawResponse::file(status, media, BinaryBody::from_bytes(csv.into_bytes()))
}

/// A file, sent piece by piece as it is made (never whole in memory), with its length.
fn file_reply(req: &RawRequest, status: u16, file: &FileBody) -> Reply {
    let Some(media) = req.operation.file_reply else {
        return Err(errors::internal(
            &req.href,
            "a file is stored where the operation documents no file reply",
        ));
    };
    let pieces = file.chunks().map(Ok::<_, Infallible>);
    let body = axum::body::Body::from_stream(futures_util::stream::iter(pieces));
    Ok(RawResponse::file(status, media, BinaryBody::from(body))
        .with_header("content-length", file.len().to_string()))
}
