//! Path templates the generated routers can serve: axum panics at start-up on a template it
//! cannot route, so such a template is reported against the spec instead.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::Findings;
use crate::spec::pointer;

pub fn check(document: &Json, findings: &mut Findings) {
    let Some(paths) = document.get("paths").and_then(Json::as_object) else {
        return;
    };
    // Routes by shape (`/api/x/{}`): templates that differ only in parameter names clash.
    let mut shapes: BTreeMap<String, &str> = BTreeMap::new();
    for path in paths.keys() {
        let at = pointer::join("/paths", path);
        if !path.starts_with('/') {
            findings.push((at, "the path must start with `/`".to_owned()));
            continue;
        }
        let mut shape = String::new();
        for segment in path.split('/').skip(1) {
            shape.push('/');
            let is_param = segment.starts_with('{') && segment.ends_with('}');
            let inner = segment.trim_start_matches('{').trim_end_matches('}');
            if is_param {
                if inner.is_empty() || inner.contains(['{', '}', '*']) {
                    findings.push((
                        at.clone(),
                        format!("path segment `{segment}` cannot be routed"),
                    ));
                }
                shape.push_str("{}");
            } else if segment.contains(['{', '}', '*']) {
                findings.push((
                    at.clone(),
                    format!("path segment `{segment}`: a parameter must be a whole segment"),
                ));
            } else {
                shape.push_str(segment);
            }
        }
        match shapes.get(&shape) {
            Some(other) => findings.push((
                at,
                format!("path `{path}` clashes with `{other}` (same shape, other parameter names)"),
            )),
            None => {
                shapes.insert(shape, path);
            }
        }
    }
}
