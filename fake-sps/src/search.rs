//! Searching and paging lists of audit data: the filter language of `q`, time bounds, sorting,
//! `fields`, `limit`/`offset` with SPS's paging `meta`, and the CSV form of a page.
//!
//! The filter language (described in the spec's `search_sessions`): `field:value` terms over
//! dotted field paths, values bare or double-quoted with `*` wildcards, compared without regard to
//! case; terms side by side (or joined by `AND`) must all hold, `OR` accepts either, `NOT` or a
//! leading `-` negates, parentheses group, and `field:(a OR b)` distributes the field. A term
//! without a field (`ls`) matches any text value of the entry: the content search uses that.

use serde_json::{json, Map, Value};

/// Largest page SPS sends; larger limits are lowered to it.
pub const MAX_LIMIT: u64 = 500;

/// A parsed filter expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `field:value` (`field` is `None` for a bare value).
    Term {
        /// Dotted field path.
        field: Option<String>,
        /// The value, lower-cased, `*` matching any run of characters.
        pattern: String,
    },
    /// Every one holds.
    And(Vec<Filter>),
    /// Any one holds.
    Or(Vec<Filter>),
    /// Does not hold.
    Not(Box<Filter>),
}

/// Why a filter expression cannot be read: the message names the position.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterError(pub String);

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    And,
    Or,
    Not,
    /// A word or a quoted string, and whether it ended in `:` (a field name).
    Word(String, bool),
}

fn tokenize(text: &str) -> Result<Vec<Token>, FilterError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                tokens.push(Token::Open);
                i += 1;
            }
            ')' => {
                tokens.push(Token::Close);
                i += 1;
            }
            '-' if tokens_allow_negation(&tokens) => {
                tokens.push(Token::Not);
                i += 1;
            }
            '"' => {
                let start = i;
                i += 1;
                let mut word = String::new();
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(FilterError(format!(
                                "unterminated quoted value starting at character {}",
                                start + 1
                            )))
                        }
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some('\\') if i + 1 < chars.len() => {
                            word.push(chars[i + 1]);
                            i += 2;
                        }
                        Some(&c) => {
                            word.push(c);
                            i += 1;
                        }
                    }
                }
                tokens.push(Token::Word(word, false));
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.get(i) {
                    if c.is_whitespace() || c == '(' || c == ')' || c == '"' {
                        break;
                    }
                    word.push(c);
                    i += 1;
                    if c == ':' {
                        break;
                    }
                }
                let field = word.ends_with(':');
                match (word.as_str(), field) {
                    ("AND" | "&&", false) => tokens.push(Token::And),
                    ("OR" | "||", false) => tokens.push(Token::Or),
                    ("NOT", false) => tokens.push(Token::Not),
                    _ if field => tokens.push(Token::Word(word.trim_end_matches(':').into(), true)),
                    _ => tokens.push(Token::Word(word, false)),
                }
            }
        }
    }
    Ok(tokens)
}

/// A `-` negates when it starts a term (not inside a value such as `2019-01-01`, which the word
/// reader consumes whole).
fn tokens_allow_negation(tokens: &[Token]) -> bool {
    !matches!(tokens.last(), Some(Token::Word(_, true)))
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn or(&mut self, field: Option<&str>) -> Result<Filter, FilterError> {
        let mut any = vec![self.and(field)?];
        while self.peek() == Some(&Token::Or) {
            self.at += 1;
            any.push(self.and(field)?);
        }
        Ok(if any.len() == 1 {
            any.remove(0)
        } else {
            Filter::Or(any)
        })
    }

    fn and(&mut self, field: Option<&str>) -> Result<Filter, FilterError> {
        let mut all = vec![self.unary(field)?];
        loop {
            match self.peek() {
                Some(Token::And) => {
                    self.at += 1;
                    all.push(self.unary(field)?);
                }
                Some(Token::Or | Token::Close) | None => break,
                Some(_) => all.push(self.unary(field)?),
            }
        }
        Ok(if all.len() == 1 {
            all.remove(0)
        } else {
            Filter::And(all)
        })
    }

    fn unary(&mut self, field: Option<&str>) -> Result<Filter, FilterError> {
        if self.peek() == Some(&Token::Not) {
            self.at += 1;
            return Ok(Filter::Not(Box::new(self.unary(field)?)));
        }
        self.primary(field)
    }

    fn primary(&mut self, field: Option<&str>) -> Result<Filter, FilterError> {
        let position = self.at + 1;
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or(field)?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err(FilterError(format!(
                        "the parenthesis opened at token {position} is not closed"
                    ))),
                }
            }
            Some(Token::Word(name, true)) => {
                if field.is_some() {
                    return Err(FilterError(format!(
                        "token {position}: field `{name}:` inside another field's values"
                    )));
                }
                match self.peek() {
                    Some(Token::Open) => self.primary(Some(&name)),
                    Some(Token::Word(_, false)) => match self.next() {
                        Some(Token::Word(value, _)) => Ok(term(Some(&name), &value)),
                        _ => unreachable!("peeked a word"),
                    },
                    _ => Err(FilterError(format!(
                        "token {position}: field `{name}:` has no value"
                    ))),
                }
            }
            Some(Token::Word(value, false)) => Ok(term(field, &value)),
            Some(other) => Err(FilterError(format!(
                "token {position}: expected a term, found {}",
                describe(&other)
            ))),
            None => Err(FilterError(
                "the expression ends where a term is expected".into(),
            )),
        }
    }
}

fn describe(token: &Token) -> &'static str {
    match token {
        Token::Open => "`(`",
        Token::Close => "`)`",
        Token::And => "`AND`",
        Token::Or => "`OR`",
        Token::Not => "`NOT`",
        Token::Word(..) => "a word",
    }
}

fn term(field: Option<&str>, value: &str) -> Filter {
    Filter::Term {
        field: field.map(str::to_owned),
        pattern: value.to_lowercase(),
    }
}

/// Parses a filter expression; `None` for an empty one (everything matches).
pub fn parse(text: &str) -> Result<Option<Filter>, FilterError> {
    let tokens = tokenize(text)?;
    if tokens.is_empty() {
        return Ok(None);
    }
    let mut parser = Parser { tokens, at: 0 };
    let filter = parser.or(None)?;
    if parser.at < parser.tokens.len() {
        return Err(FilterError(format!(
            "token {}: unexpected {}",
            parser.at + 1,
            describe(&parser.tokens[parser.at])
        )));
    }
    Ok(Some(filter))
}

/// Whether `text` (lower-cased) matches `pattern`, where `*` matches any run of characters.
fn wildcard(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

/// The value at a dotted path (`recording.target.ip`); a key containing dots (`originator.port`)
/// is also found whole.
pub fn field<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    if let Some(found) = value.get(path) {
        return Some(found);
    }
    let (head, rest) = path.split_once('.')?;
    field(value.get(head)?, rest)
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.to_lowercase()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some("null".into()),
        _ => None,
    }
}

fn value_matches(value: &Value, pattern: &str) -> bool {
    match value {
        Value::Array(items) => items.iter().any(|v| value_matches(v, pattern)),
        Value::Object(map) => map.values().any(|v| value_matches(v, pattern)),
        other => scalar_text(other).is_some_and(|text| wildcard(pattern, &text)),
    }
}

/// Whether any text in `value` contains `pattern` (its `*` matching any run of characters).
fn text_matches(value: &Value, pattern: &str) -> bool {
    match value {
        Value::Array(items) => items.iter().any(|v| text_matches(v, pattern)),
        Value::Object(map) => map.values().any(|v| text_matches(v, pattern)),
        Value::String(s) => wildcard(&format!("*{pattern}*"), &s.to_lowercase()),
        _ => false,
    }
}

impl Filter {
    /// Whether `entry` satisfies the filter.
    pub fn matches(&self, entry: &Value) -> bool {
        match self {
            Filter::Term {
                field: Some(path),
                pattern,
            } => field(entry, path).is_some_and(|v| value_matches(v, pattern)),
            Filter::Term {
                field: None,
                pattern,
            } => text_matches(entry, pattern),
            Filter::And(all) => all.iter().all(|f| f.matches(entry)),
            Filter::Or(any) => any.iter().any(|f| f.matches(entry)),
            Filter::Not(inner) => !inner.matches(entry),
        }
    }
}

/// Orders entries by the field `spec` (a leading `-` for descending); entries without it last.
pub fn sort_by<T>(entries: &mut [T], spec: &str, body: impl Fn(&T) -> &Value) {
    let (descending, path) = match spec.strip_prefix('-') {
        Some(path) => (true, path),
        None => (false, spec.strip_prefix('+').unwrap_or(spec)),
    };
    entries.sort_by(|a, b| {
        let (x, y) = (field(body(a), path), field(body(b), path));
        let order = match (x, y) {
            (Some(x), Some(y)) => compare(x, y),
            (Some(_), None) => return std::cmp::Ordering::Less,
            (None, Some(_)) => return std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        if descending {
            order.reverse()
        } else {
            order
        }
    });
}

fn compare(x: &Value, y: &Value) -> std::cmp::Ordering {
    match (x.as_f64(), y.as_f64()) {
        (Some(a), Some(b)) => a.total_cmp(&b),
        _ => scalar_text(x).cmp(&scalar_text(y)),
    }
}

/// The properties at `paths` of `body`, nested as they are in it.
pub fn pick(body: &Value, paths: &[String]) -> Value {
    let mut out = Map::new();
    for path in paths {
        let Some(value) = field(body, path) else {
            continue;
        };
        let mut segments: Vec<&str> = if body.get(path).is_some() {
            vec![path.as_str()]
        } else {
            path.split('.').collect()
        };
        let last = segments.pop().unwrap_or(path);
        let mut map = &mut out;
        for segment in segments {
            let entry = map
                .entry(segment.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            map = match entry {
                Value::Object(inner) => inner,
                _ => unreachable!("made an object above"),
            };
        }
        map.insert(last.to_owned(), value.clone());
    }
    Value::Object(out)
}

/// The window of one page: `limit` (500 at most) entries from `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Page size.
    pub limit: u64,
    /// Position of the first entry.
    pub offset: u64,
}

impl Window {
    /// Reads `limit` and `offset` from a request's query.
    pub fn from_query(query: &Map<String, Value>) -> Self {
        let number = |name: &str| query.get(name).and_then(Value::as_u64);
        Self {
            limit: number("limit").unwrap_or(MAX_LIMIT).min(MAX_LIMIT),
            offset: number("offset").unwrap_or(0),
        }
    }

    /// The positions of this page among `total` entries, of which only the first `cap` (the
    /// result window) can be paged through.
    pub fn range(&self, total: usize, cap: Option<usize>) -> std::ops::Range<usize> {
        let end_of_window = cap.map_or(total, |cap| total.min(cap));
        let start = usize::try_from(self.offset)
            .unwrap_or(usize::MAX)
            .min(end_of_window);
        let end = start
            .saturating_add(usize::try_from(self.limit).unwrap_or(usize::MAX))
            .min(end_of_window);
        start..end
    }

    /// SPS's paging `meta`: links to the first, last, previous and next pages of the same
    /// request (`extra` is the rest of its query, such as `fields=`), the limit, the offset and
    /// how many entries match.
    pub fn meta(
        &self,
        href: &str,
        parent: Option<String>,
        total: usize,
        cap: Option<usize>,
        extra: &str,
    ) -> Map<String, Value> {
        let pageable = cap.map_or(total, |cap| total.min(cap)) as u64;
        let link = |offset: u64| format!("{href}?limit={}&offset={offset}{extra}", self.limit);
        let step = self.limit.max(1);
        let last = if pageable == 0 {
            0
        } else {
            (pageable - 1) / step * step
        };
        let next = self.offset.saturating_add(step);
        let mut meta = Map::new();
        meta.insert("href".into(), json!(href));
        meta.insert("parent".into(), json!(parent));
        meta.insert("first".into(), json!(link(0)));
        meta.insert("last".into(), json!(link(last)));
        meta.insert(
            "next".into(),
            json!((next < pageable && self.limit > 0).then(|| link(next))),
        );
        meta.insert(
            "previous".into(),
            json!((self.offset > 0).then(|| link(self.offset.saturating_sub(step)))),
        );
        meta.insert("limit".into(), json!(self.limit));
        meta.insert("offset".into(), json!(self.offset));
        meta.insert("match_count".into(), json!(total));
        meta
    }
}

/// A field path list from `fields=a,b.c` (empty entries dropped).
pub fn field_list(query: &Map<String, Value>) -> Vec<String> {
    query
        .get("fields")
        .and_then(Value::as_str)
        .map(|text| {
            text.split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// One CSV line: values quoted when they hold a separator, a quote or a line break.
pub fn csv_line(values: &[String]) -> String {
    let cells: Vec<String> = values
        .iter()
        .map(|v| {
            if v.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", v.replace('"', "\"\""))
            } else {
                v.clone()
            }
        })
        .collect();
    let mut line = cells.join(",");
    line.push('\n');
    line
}

/// A value as a CSV cell: text as is, other JSON as JSON, missing empty.
pub fn csv_cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Value {
        json!({
            "protocol": "SSH",
            "active": false,
            "client": {"ip": "10.20.30.40", "port": 22},
            "recording": {"connection_policy": "shell only"},
            "tags": ["a", "b"],
        })
    }

    fn holds(q: &str) -> bool {
        parse(q).expect(q).expect("not empty").matches(&session())
    }

    #[test]
    fn terms_combine() {
        assert!(holds("protocol:SSH"));
        assert!(holds("protocol:ssh"));
        assert!(!holds("protocol:RDP"));
        assert!(holds("protocol:SSH client.ip:10.20.*"));
        assert!(holds("protocol:SSH AND client.port:22"));
        assert!(!holds("protocol:SSH AND client.port:23"));
        assert!(holds("protocol:RDP OR client.port:22"));
        assert!(holds("NOT protocol:RDP"));
        assert!(holds("-protocol:RDP"));
        assert!(holds("protocol:(RDP OR SSH)"));
        assert!(holds("(protocol:RDP OR active:false) AND tags:b"));
        assert!(holds("recording.connection_policy:\"shell only\""));
        assert!(holds("recording.connection_policy:*only"));
        assert!(!holds("missing:x"));
    }

    #[test]
    fn bad_expressions_say_where() {
        for q in [
            "(protocol:SSH",
            "protocol:",
            "AND",
            "protocol:\"x",
            "a:(b:c)",
            "x )",
        ] {
            let error = parse(q).expect_err(q);
            assert!(!error.0.is_empty(), "{q}");
        }
        assert_eq!(parse("  "), Ok(None));
    }

    #[test]
    fn wildcards() {
        assert!(wildcard("10.*", "10.1.2.3"));
        assert!(wildcard("*.3", "10.1.2.3"));
        assert!(wildcard("1*2*3", "10.1.2.3"));
        assert!(!wildcard("1*4", "10.1.2.3"));
        assert!(wildcard("*", ""));
    }

    #[test]
    fn pages_and_links() {
        let window = Window {
            limit: 10,
            offset: 20,
        };
        assert_eq!(window.range(25, None), 20..25);
        assert_eq!(window.range(100, Some(22)), 20..22);
        let meta = window.meta("/x", Some("/".into()), 25, None, "");
        assert_eq!(meta["next"], Value::Null);
        assert_eq!(meta["previous"], json!("/x?limit=10&offset=10"));
        assert_eq!(meta["last"], json!("/x?limit=10&offset=20"));
        assert_eq!(meta["match_count"], json!(25));
    }

    #[test]
    fn picks_nested_fields() {
        let picked = pick(&session(), &["client.ip".into(), "protocol".into()]);
        assert_eq!(
            picked,
            json!({"client": {"ip": "10.20.30.40"}, "protocol": "SSH"})
        );
    }

    #[test]
    fn sorts_both_ways() {
        let mut entries = vec![json!({"n": 2}), json!({"n": 10}), json!({})];
        sort_by(&mut entries, "n", |e| e);
        assert_eq!(entries[0], json!({"n": 2}));
        sort_by(&mut entries, "-n", |e| e);
        assert_eq!(entries[0], json!({"n": 10}));
        assert_eq!(entries[2], json!({}));
    }

    #[test]
    fn csv_quotes_when_needed() {
        assert_eq!(
            csv_line(&["a".into(), "b,c".into(), "d\"e".into()]),
            "a,\"b,c\",\"d\"\"e\"\n"
        );
    }
}
