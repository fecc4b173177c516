//! Where a piece of the bundle came from: the file (kept exactly while bundling) and the line
//! (found again, best effort, by scanning the file's block-style YAML for the key path).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::pointer;

/// Maps pointer prefixes of the bundle to the file that defined them, and keeps each file's text.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    root: PathBuf,
    /// Bundle pointer (`/paths/~1api~1info`, `/components/schemas/Info`) -> defining file.
    owners: BTreeMap<String, PathBuf>,
    texts: BTreeMap<PathBuf, Source>,
}

/// A file's text and, once a line was asked for, its scanned entries: a spec with many findings
/// asks for hundreds of lines, and rescanning the file for each made lint time grow with
/// findings times file size.
#[derive(Debug, Clone)]
struct Source {
    text: String,
    entries: OnceLock<Vec<Entry>>,
}

impl SourceMap {
    /// A map where everything comes from `root` unless [`SourceMap::set_owner`] says otherwise.
    pub fn new(root: &Path) -> Self {
        SourceMap {
            root: root.to_path_buf(),
            ..SourceMap::default()
        }
    }

    /// Remembers the text of a file, for line lookups.
    pub fn add_text(&mut self, file: &Path, text: String) {
        let entries = OnceLock::new();
        self.texts
            .insert(file.to_path_buf(), Source { text, entries });
    }

    /// The text of a file added with [`SourceMap::add_text`].
    pub fn text(&self, file: &Path) -> Option<&str> {
        self.texts.get(file).map(|source| source.text.as_str())
    }

    /// Records that the subtree at `pointer` was defined in `file`.
    pub fn set_owner(&mut self, pointer: String, file: &Path) {
        self.owners.insert(pointer, file.to_path_buf());
    }

    /// The file that defined the value at `pointer` (the longest recorded prefix wins).
    pub fn file_of(&self, pointer: &str) -> &Path {
        let mut prefix = pointer;
        loop {
            if let Some(file) = self.owners.get(prefix) {
                return file;
            }
            match prefix.rfind('/') {
                Some(cut) => prefix = &prefix[..cut],
                None => return &self.root,
            }
        }
    }

    /// The 1-based line of `pointer` in its file, or of its deepest ancestor that could be found.
    pub fn line_of(&self, pointer: &str) -> Option<usize> {
        let source = self.texts.get(self.file_of(pointer))?;
        let entries = source.entries.get_or_init(|| entries(&source.text));
        find_line(&source.text, entries, &pointer::tokens(pointer))
    }
}

/// One logical line: a `- ` item marker or a piece of content (`text[content]`), with its
/// column.
#[derive(Debug, Clone)]
struct Entry {
    indent: usize,
    dash: bool,
    content: std::ops::Range<usize>,
    line: usize,
}

/// Splits the text into entries; `  - a: 1` gives a dash at 2 and `a: 1` at 4, so that
/// the keys of a sequence item look like any other nested mapping.
fn entries(text: &str) -> Vec<Entry> {
    let mut out = Vec::new();
    for (number, raw) in text.lines().enumerate() {
        // `lines` yields subslices of `text`, so a line's offset is its distance from the start.
        let line_start = raw.as_ptr() as usize - text.as_ptr() as usize;
        let mut indent = raw.len() - raw.trim_start_matches(' ').len();
        let mut rest = &raw[indent..];
        if rest.is_empty() || rest.starts_with('#') || rest.starts_with("---") {
            continue;
        }
        while rest == "-" || rest.starts_with("- ") {
            out.push(Entry {
                indent,
                dash: true,
                content: 0..0,
                line: number + 1,
            });
            let after = rest[1..].trim_start_matches(' ');
            indent += rest.len() - after.len();
            rest = after;
        }
        if !rest.is_empty() {
            let start = line_start + indent;
            out.push(Entry {
                indent,
                dash: false,
                content: start..start + rest.len(),
                line: number + 1,
            });
        }
    }
    out
}

/// Whether `content` is the line of mapping key `key` (plain, single- or double-quoted).
/// Called for every entry a lookup passes, so it does not allocate.
fn is_key(content: &str, key: &str) -> bool {
    let plain = content.strip_prefix(key);
    let double = content
        .strip_prefix('"')
        .and_then(|rest| rest.strip_prefix(key))
        .and_then(|rest| rest.strip_prefix('"'));
    let single = content
        .strip_prefix('\'')
        .and_then(|rest| strip_single_quoted(rest, key))
        .and_then(|rest| rest.strip_prefix('\''));
    [plain, double, single].into_iter().flatten().any(|rest| {
        let rest = rest.trim_start_matches(' ');
        rest == ":" || rest.starts_with(": ")
    })
}

/// `text` without a leading `key` written as inside single quotes (`'` doubled).
fn strip_single_quoted<'a>(mut text: &'a str, key: &str) -> Option<&'a str> {
    for part in key.split_inclusive('\'') {
        text = text.strip_prefix(part)?;
        if part.ends_with('\'') {
            text = text.strip_prefix('\'')?;
        }
    }
    Some(text)
}

/// Finds the line of a key path in block-style YAML; flow style (`{...}`) stops the descent.
pub fn line_of(text: &str, tokens: &[String]) -> Option<usize> {
    find_line(text, &entries(text), tokens)
}

/// [`line_of`] on the text's entries, scanned once.
fn find_line(text: &str, entries: &[Entry], tokens: &[String]) -> Option<usize> {
    // The children of the current node are entries[start..end] deeper than their parent.
    let (mut start, mut end) = (0, entries.len());
    let mut found = if tokens.is_empty() { Some(1) } else { None };
    for token in tokens {
        let block = &entries[start..end];
        let Some(first) = block.first() else { break };
        let level = first.indent;
        let hit = if first.dash {
            let index: usize = match token.parse() {
                Ok(index) => index,
                Err(_) => break,
            };
            block
                .iter()
                .enumerate()
                .filter(|(_, e)| e.indent == level && e.dash)
                .nth(index)
        } else {
            block.iter().enumerate().find(|(_, e)| {
                e.indent == level && !e.dash && is_key(&text[e.content.clone()], token)
            })
        };
        let Some((offset, entry)) = hit else { break };
        found = Some(entry.line);
        let at = start + offset;
        // The node's children: what follows, deeper than it (a compact sequence may sit at
        // the key's own column, directly under the key).
        let own = entry.indent;
        let mut stop = at + 1;
        while stop < end {
            let next = &entries[stop];
            let deeper = next.indent > own || (!entry.dash && next.dash && next.indent == own);
            if !deeper {
                break;
            }
            stop += 1;
        }
        // For a dash the item's content entry (same line, deeper) is a child too.
        start = at + 1;
        end = stop;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "\
openapi: 3.0.3
paths:
  /api/info:
    get:
      # a comment
      tags: [info]
      parameters:
        - name: fields
          in: query
        - name: 'limit'
          in: query
      responses:
        '200':
          description: ok
components:
  schemas:
    Info:
      required:
      - a
      - b
";

    fn line(pointer: &str) -> Option<usize> {
        line_of(DOC, &pointer::tokens(pointer))
    }

    #[test]
    fn finds_keys_items_and_quoted_keys() {
        assert_eq!(line(""), Some(1));
        assert_eq!(line("/paths/~1api~1info/get"), Some(4));
        assert_eq!(line("/paths/~1api~1info/get/parameters/1/in"), Some(11));
        assert_eq!(line("/paths/~1api~1info/get/parameters/1/name"), Some(10));
        assert_eq!(
            line("/paths/~1api~1info/get/responses/200/description"),
            Some(14)
        );
        assert_eq!(line("/components/schemas/Info/required/1"), Some(20));
    }

    #[test]
    fn recognises_quoted_keys() {
        assert!(is_key("'200': x", "200"));
        assert!(is_key("\"200\":", "200"));
        assert!(is_key("'it''s' : x", "it's"));
        assert!(is_key("200:", "200"));
        assert!(!is_key("'it's': x", "it's"));
        assert!(!is_key("2000: x", "200"));
        assert!(!is_key("'200'x: 1", "200"));
    }

    #[test]
    fn falls_back_to_the_deepest_known_ancestor() {
        // Flow style is not scanned: the line of `tags` is the best answer.
        assert_eq!(line("/paths/~1api~1info/get/tags/0"), Some(6));
        assert_eq!(line("/paths/~1api~1info/post"), Some(3));
        assert_eq!(line("/nothing"), None);
        // `in` of the first parameter must not match the second one's.
        assert_eq!(line("/paths/~1api~1info/get/parameters/0/in"), Some(9));
    }

    #[test]
    fn source_map_uses_the_longest_prefix() {
        let mut map = SourceMap::new(Path::new("spec/openapi.yaml"));
        map.set_owner(
            "/paths/~1api~1info".into(),
            Path::new("spec/paths/info.yaml"),
        );
        assert_eq!(
            map.file_of("/paths/~1api~1info/get"),
            Path::new("spec/paths/info.yaml")
        );
        assert_eq!(
            map.file_of("/paths/~1api~1infox"),
            Path::new("spec/openapi.yaml")
        );
        assert_eq!(map.file_of(""), Path::new("spec/openapi.yaml"));
        map.add_text(Path::new("spec/paths/info.yaml"), DOC.to_owned());
        assert_eq!(map.line_of("/paths/~1api~1info/get"), Some(4));
        assert_eq!(map.line_of("/info"), None);
    }
}
