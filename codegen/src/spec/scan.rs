//! A pass over a YAML file's events before it is parsed into a tree, for what the tree parser
//! reports late or without a place: aliases that expand the document beyond reason (the
//! "billion laughs"), found at the alias before anything is expanded, and duplicate keys, found
//! at the second key with its JSON pointer.

use std::collections::{HashMap, HashSet};

use yaml_rust2::parser::{Event, Parser};

use super::pointer;

/// A document may grow this many times its own node count through aliases (the bound
/// `serde_yaml` itself applies to alias expansion, which it only reaches after expanding).
const EXPANSION_FACTOR: u64 = 100;

/// A problem found at a place in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// JSON pointer of the offending node.
    pub pointer: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    pub message: String,
}

/// What the scan found: an alias that expands too far (the text must not be parsed into a
/// tree), and the first duplicate key.
#[derive(Debug, Default)]
pub struct Scan {
    pub alias_bomb: Option<Found>,
    pub duplicate_key: Option<Found>,
    /// Where the scan stopped at YAML its parser cannot read (`serde_yaml`'s may still accept
    /// it: the two disagree on a few constructs, such as a quoted scalar continued at column 0).
    pub unreadable: Option<Found>,
}

enum Frame {
    Sequence {
        anchor: usize,
        at: String,
        size: u64,
        next: usize,
    },
    Mapping {
        anchor: usize,
        at: String,
        size: u64,
        /// The key just read, waiting for its value.
        key: Option<String>,
        keys: HashMap<String, usize>,
    },
}

/// Scans `text`; a syntax error ends the scan, noted in [`Scan::unreadable`].
pub fn scan(text: &str) -> Scan {
    let mut found = Scan::default();
    // Node counts of anchored nodes, expanded, by anchor id.
    let mut sizes: HashMap<usize, u64> = HashMap::new();
    let mut reported_keys: HashSet<String> = HashSet::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut events: u64 = 0;
    let mut expanded: u64 = 0;
    let mut parser = Parser::new_from_str(text);
    loop {
        let (event, mark) = match parser.next_token() {
            Ok(next) => next,
            Err(e) => {
                let at = match stack.last() {
                    Some(Frame::Sequence { at, .. } | Frame::Mapping { at, .. }) => at.clone(),
                    None => String::new(),
                };
                found.unreadable = Some(Found {
                    pointer: at,
                    line: e.marker().line(),
                    column: e.marker().col() + 1,
                    message: e.info().to_owned(),
                });
                return found;
            }
        };
        events += 1;
        let line = mark.line();
        let column = mark.col() + 1;
        // The pointer of the node this event starts, and whether it is a mapping key.
        let (at, is_key) = match stack.last() {
            None => (String::new(), false),
            Some(Frame::Sequence { at, next, .. }) => (format!("{at}/{next}"), false),
            Some(Frame::Mapping { at, key: None, .. }) => (at.clone(), true),
            Some(Frame::Mapping {
                at, key: Some(k), ..
            }) => (pointer::join(at, k), false),
        };
        let node_size = match event {
            Event::StreamEnd => return found,
            Event::Scalar(value, _, anchor, _) => {
                if is_key {
                    if let Some(Frame::Mapping { keys, at, .. }) = stack.last_mut() {
                        let second = pointer::join(at, &value);
                        if let Some(first) = keys.get(&value) {
                            if found.duplicate_key.is_none() && reported_keys.insert(second.clone())
                            {
                                found.duplicate_key = Some(Found {
                                    message: format!(
                                        "duplicate key `{value}` (first at line {first})"
                                    ),
                                    pointer: second,
                                    line,
                                    column,
                                });
                            }
                        } else {
                            keys.insert(value.clone(), line);
                        }
                    }
                }
                record(&mut sizes, anchor, 1);
                Some((1, is_key.then_some(value)))
            }
            Event::Alias(anchor) => {
                let size = sizes.get(&anchor).copied().unwrap_or(1);
                expanded = expanded.saturating_add(size);
                if expanded > EXPANSION_FACTOR.saturating_mul(events.max(100)) {
                    found.alias_bomb = Some(Found {
                        pointer: at,
                        line,
                        column,
                        message: format!(
                            "this alias expands the document to more than {EXPANSION_FACTOR} \
                             times its size (a \"billion laughs\" alias bomb?): rejected"
                        ),
                    });
                    return found;
                }
                // A key that is an alias is not a string key: no pointer token for it.
                Some((size, is_key.then(|| "*".to_string())))
            }
            Event::SequenceStart(anchor, _) => {
                stack.push(Frame::Sequence {
                    anchor,
                    at,
                    size: 1,
                    next: 0,
                });
                None
            }
            Event::MappingStart(anchor, _) => {
                stack.push(Frame::Mapping {
                    anchor,
                    at,
                    size: 1,
                    key: None,
                    keys: HashMap::new(),
                });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(
                    Frame::Sequence { anchor, size, .. } | Frame::Mapping { anchor, size, .. },
                ) => {
                    record(&mut sizes, anchor, size);
                    Some((size, None))
                }
                None => None,
            },
            Event::Nothing | Event::StreamStart | Event::DocumentStart | Event::DocumentEnd => None,
        };
        if let Some((size, key)) = node_size {
            finish_node(&mut stack, size, key);
        }
    }
}

/// Whether `text` has an alias (`*name` where a node can start): a document whose aliases the
/// scan could not weigh must not be expanded.
pub fn has_alias(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.windows(3).any(|w| {
        matches!(
            w[0],
            b' ' | b'\t' | b'\n' | b'[' | b',' | b'{' | b':' | b'-'
        ) && w[1] == b'*'
            && !matches!(
                w[2],
                b' ' | b'\t' | b'\n' | b'\r' | b',' | b']' | b'}' | b'*'
            )
    }) || bytes.first() == Some(&b'*')
}

/// Remembers the expanded size of an anchored node.
fn record(sizes: &mut HashMap<usize, u64>, anchor: usize, size: u64) {
    if anchor > 0 {
        sizes.insert(anchor, size);
    }
}

/// Adds a finished node to its parent: an item, a key (collections as keys count as `?`) or a
/// value.
fn finish_node(stack: &mut [Frame], node: u64, key: Option<String>) {
    match stack.last_mut() {
        Some(Frame::Sequence { size, next, .. }) => {
            *size = size.saturating_add(node);
            *next += 1;
        }
        Some(Frame::Mapping {
            size, key: waiting, ..
        }) => {
            *size = size.saturating_add(node);
            *waiting = match waiting.take() {
                Some(_) => None,
                None => Some(key.unwrap_or_else(|| "?".to_string())),
            };
        }
        None => {}
    }
}

/// Where invalid UTF-8 starts in `bytes`: (1-based line, 1-based column in characters) of the
/// byte at `offset`.
pub fn position(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    // The prefix is valid UTF-8 (it is what came before the error).
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A document of `levels` levels, each a list of ten aliases of the level below.
    fn bomb(levels: usize) -> String {
        let mut text = String::from("a: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for level in 1..=levels {
            let below = format!("*l{}", level - 1);
            let items = [below.as_str(); 10].join(", ");
            text.push_str(&format!("l{level}: &l{level} [{items}]\n"));
        }
        text
    }

    #[test]
    fn an_alias_bomb_is_found_at_the_alias() {
        let found = scan(&bomb(12)).alias_bomb.expect("a bomb");
        // The bound is 100 times the events read (at least 100): 10,000 nodes, which the eighth
        // alias of level 3 (1,111 nodes each) passes.
        assert_eq!(found.line, 4);
        assert_eq!(found.pointer, "/l3/7");
        assert_eq!(found.column, 45);
        assert!(found.message.contains("alias bomb"), "{}", found.message);
    }

    #[test]
    fn ordinary_aliases_pass() {
        let text = "shared: &s {type: string}\na: *s\nb: *s\nlist: [*s, *s]\n";
        let found = scan(text);
        assert!(found.alias_bomb.is_none() && found.duplicate_key.is_none());
        assert!(scan(&bomb(1)).alias_bomb.is_none());
    }

    #[test]
    fn duplicate_keys_are_found_at_the_second_key() {
        let text = "paths:\n  /a:\n    get: 1\n    put: 2\n    get: 3\nlist:\n  - {x: 1, x: 2}\n";
        let found = scan(text).duplicate_key.expect("a duplicate");
        assert_eq!(
            found,
            Found {
                pointer: "/paths/~1a/get".into(),
                line: 5,
                column: 5,
                message: "duplicate key `get` (first at line 3)".into(),
            }
        );
        // Keys of different mappings do not clash; items are numbered.
        let text = "a: {x: 1}\nb: {x: 1}\nc:\n  - {k: 1}\n  - {k: 2, k: 3}\n";
        let found = scan(text).duplicate_key.expect("a duplicate");
        assert_eq!((found.pointer.as_str(), found.line), ("/c/1/k", 5));
    }

    #[test]
    fn utf8_positions() {
        assert_eq!(position(b"ab\ncd\xffe", 5), (2, 3));
        assert_eq!(position("é\n\u{e9}x".as_bytes(), 5), (2, 2));
        assert_eq!(position(b"\xff", 0), (1, 1));
    }
}
