//! The resource table: what each path template of the spec is, and how templates nest.
//!
//! Built once from the operation table (`OPERATIONS`); the engine asks it what a concrete href
//! is (collection, item, index, ...) and which endpoints an index lists.

use std::collections::BTreeMap;

use crate::raw::OperationInfo;

/// The `x-sps-resource` of a path item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    /// A parent listing its child endpoints.
    Index,
    /// A list whose POST creates a member.
    Collection,
    /// A member of a collection (`.../{key}`).
    Item,
    /// A fixed-name configuration object.
    Singleton,
    /// A POST that runs something.
    Action,
    /// Any other non-configuration endpoint.
    Service,
}

impl ResourceKind {
    /// Parses the extension value; `None` for a value this version does not know.
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "index" => Self::Index,
            "collection" => Self::Collection,
            "item" => Self::Item,
            "singleton" => Self::Singleton,
            "action" => Self::Action,
            "service" => Self::Service,
            _ => return None,
        })
    }
}

/// One path template and its operations.
#[derive(Debug, Clone)]
pub struct Node {
    /// The path template.
    pub template: &'static str,
    /// Its resource kind, if the spec declares one.
    pub kind: Option<ResourceKind>,
    /// Its operations, in spec order.
    pub operations: Vec<&'static OperationInfo>,
}

impl Node {
    /// Whether the template ends in a path parameter (`.../{key}`).
    pub fn ends_in_parameter(&self) -> bool {
        is_parameter(last(self.template))
    }

    /// The operation for `method`, if the template has one.
    pub fn operation(&self, method: &str) -> Option<&'static OperationInfo> {
        self.operations
            .iter()
            .copied()
            .find(|op| op.method == method)
    }
}

/// Every path template of the spec, by template.
#[derive(Debug, Clone, Default)]
pub struct ResourceTable {
    nodes: BTreeMap<&'static str, Node>,
}

fn is_parameter(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}')
}

fn last(template: &str) -> &str {
    template.rsplit('/').next().unwrap_or(template)
}

fn template_parent(template: &str) -> &str {
    match template.rfind('/') {
        Some(0) | None => "/",
        Some(index) => &template[..index],
    }
}

impl ResourceTable {
    /// Builds the table. When several operations of one template disagree on the resource kind
    /// (they cannot in a valid spec, the kind is per path item), the first declared one wins.
    pub fn new(operations: &'static [OperationInfo]) -> Self {
        let mut nodes: BTreeMap<&'static str, Node> = BTreeMap::new();
        for op in operations {
            let node = nodes.entry(op.path).or_insert_with(|| Node {
                template: op.path,
                kind: None,
                operations: Vec::new(),
            });
            if node.kind.is_none() {
                node.kind = op.resource.and_then(ResourceKind::parse);
            }
            node.operations.push(op);
        }
        Self { nodes }
    }

    /// The node of a template.
    pub fn node(&self, template: &str) -> Option<&Node> {
        self.nodes.get(template)
    }

    /// All nodes, by template.
    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.nodes.values()
    }

    /// The node whose template matches the concrete `href`, preferring literal segments over
    /// parameters (so `/api/x/new` matches `/api/x/new` before `/api/x/{key}`).
    pub fn match_href(&self, href: &str) -> Option<&Node> {
        let segments: Vec<&str> = href.trim_end_matches('/').split('/').collect();
        let mut best: Option<(&Node, usize)> = None;
        for node in self.nodes.values() {
            let template: Vec<&str> = node.template.split('/').collect();
            if template.len() != segments.len() {
                continue;
            }
            let mut literals = 0;
            let matches = template.iter().zip(&segments).all(|(t, s)| {
                if is_parameter(t) {
                    !s.is_empty()
                } else {
                    literals += 1;
                    t == s
                }
            });
            let better = match best {
                Some((_, score)) => literals > score,
                None => true,
            };
            if matches && better {
                best = Some((node, literals));
            }
        }
        best.map(|(node, _)| node)
    }

    /// The fixed-name children of an index template, sorted by name as SPS lists them. Members
    /// of collections (`{key}` templates) are not endpoints of an index and are left out.
    pub fn children(&self, template: &str) -> Vec<&Node> {
        let mut children: Vec<&Node> = self
            .nodes
            .values()
            .filter(|n| template_parent(n.template) == template && !n.ends_in_parameter())
            .collect();
        children.sort_by_key(|n| last(n.template));
        children
    }

    /// The item template of a collection template (`<collection>/{...}`), if any.
    pub fn item_of(&self, template: &str) -> Option<&Node> {
        self.nodes
            .values()
            .find(|n| template_parent(n.template) == template && n.ends_in_parameter())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    const fn op(
        operation_id: &'static str,
        method: &'static str,
        path: &'static str,
        resource: &'static str,
    ) -> OperationInfo {
        OperationInfo {
            operation_id,
            method,
            path,
            resource: Some(resource),
            transaction_required: false,
            session_required: true,
            statuses: &[200],
            file_reply: None,
            reply_forms: &[],
        }
    }

    pub(crate) static OPS: &[OperationInfo] = &[
        op("get_aaa", "GET", "/api/configuration/aaa", "index"),
        op(
            "get_local_database",
            "GET",
            "/api/configuration/aaa/local_database",
            "index",
        ),
        op(
            "list_users",
            "GET",
            "/api/configuration/aaa/local_database/users",
            "collection",
        ),
        op(
            "get_user",
            "GET",
            "/api/configuration/aaa/local_database/users/{key}",
            "item",
        ),
        op(
            "list_groups",
            "GET",
            "/api/configuration/aaa/local_database/groups",
            "collection",
        ),
        op(
            "get_settings",
            "GET",
            "/api/configuration/aaa/settings",
            "singleton",
        ),
        op(
            "get_special",
            "GET",
            "/api/configuration/aaa/local_database/users/special",
            "singleton",
        ),
    ];

    #[test]
    fn kinds_and_children() {
        let table = ResourceTable::new(OPS);
        let node = table
            .node("/api/configuration/aaa/local_database/users")
            .map(|n| n.kind);
        assert_eq!(node, Some(Some(ResourceKind::Collection)));
        let children: Vec<&str> = table
            .children("/api/configuration/aaa")
            .iter()
            .map(|n| n.template)
            .collect();
        assert_eq!(
            children,
            [
                "/api/configuration/aaa/local_database",
                "/api/configuration/aaa/settings"
            ]
        );
        let db: Vec<&str> = table
            .children("/api/configuration/aaa/local_database")
            .iter()
            .map(|n| n.template)
            .collect();
        assert_eq!(
            db,
            [
                "/api/configuration/aaa/local_database/groups",
                "/api/configuration/aaa/local_database/users"
            ]
        );
        assert_eq!(
            table
                .item_of("/api/configuration/aaa/local_database/users")
                .map(|n| n.template),
            Some("/api/configuration/aaa/local_database/users/{key}")
        );
        assert!(table
            .item_of("/api/configuration/aaa/local_database/groups")
            .is_none());
    }

    #[test]
    fn match_prefers_literal_segments() {
        let table = ResourceTable::new(OPS);
        let m = |href| table.match_href(href).map(|n| n.template);
        assert_eq!(
            m("/api/configuration/aaa/local_database/users/abc123"),
            Some("/api/configuration/aaa/local_database/users/{key}")
        );
        assert_eq!(
            m("/api/configuration/aaa/local_database/users/special"),
            Some("/api/configuration/aaa/local_database/users/special")
        );
        assert_eq!(m("/api/configuration/aaa/"), Some("/api/configuration/aaa"));
        assert_eq!(m("/api/configuration/nothing"), None);
    }
}
