//! YAML that means the same to every parser. serde_yaml writes YAML 1.2 and quotes what a 1.2
//! parser would misread, but PyYAML and the tools built on it read YAML 1.1, where the plain
//! scalars `23:45` and `2:00` are the sexagesimal integers 1425 and 120, `on`/`off`/`yes`/`no`
//! are booleans and `2018-02-08` is a date. [`quote_yaml_1_1`] quotes those.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex_lite::Regex;

/// Plain scalars YAML 1.1 resolves to something other than a string (PyYAML's implicit
/// resolvers: bool, int, float, null, timestamp, merge, value).
static YAML_1_1_NON_STRING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?:",
        r"yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF",
        r"|[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+",
        r"|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+",
        r"|[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?",
        r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
        r"|~|null|Null|NULL",
        r"|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?",
        r"(?:(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?",
        r"(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)?",
        r"|<<|=",
        r")$"
    ))
    .expect("the YAML 1.1 resolver patterns are valid")
});

/// `text` (serde_yaml's output) with every plain scalar, key or value, that a YAML 1.1 parser
/// would not read as the string a YAML 1.2 parser reads put in single quotes. Everything else is
/// left as it is, so the document stays the same to a 1.2 parser.
pub fn quote_yaml_1_1(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    // The column of the key whose block scalar (`|-`) is being read: deeper lines are its text.
    let mut block_column: Option<usize> = None;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches('\n');
        let indent = content.len() - content.trim_start_matches(' ').len();
        if let Some(column) = block_column {
            if content.trim().is_empty() || indent > column {
                out.push_str(line);
                continue;
            }
        }
        let (fixed, block) = quote_line(content, indent);
        block_column = block;
        out.push_str(&fixed);
        if line.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// One line: `indent ("- ")* (key ":" [" " value] | value)`. Returns the line and, when its
/// value starts a block scalar, the column of its key.
fn quote_line(line: &str, indent: usize) -> (String, Option<usize>) {
    let mut column = indent;
    let mut rest = &line[indent..];
    while let Some(after) = rest.strip_prefix("- ") {
        rest = after;
        column += 2;
    }
    let mut out = line[..column].to_owned();
    // A key, quoted or plain, then its value.
    let (key, value) = match rest.chars().next() {
        Some('\'' | '"') => match quoted_end(rest) {
            Some(end) if rest[end..].starts_with(':') => {
                (Some(&rest[..end]), rest[end + 1..].strip_prefix(' '))
            }
            _ => (None, Some(rest)),
        },
        _ => match rest.find(": ") {
            Some(at) => (Some(&rest[..at]), Some(&rest[at + 2..])),
            None => match rest.strip_suffix(':') {
                Some(key) if !key.is_empty() => (Some(key), None),
                _ => (None, Some(rest)),
            },
        },
    };
    if let Some(key) = key {
        out.push_str(&scalar(key));
        out.push(':');
        if value.is_some() {
            out.push(' ');
        }
    }
    let mut block = None;
    if let Some(value) = value {
        if value.starts_with(['|', '>']) {
            block = Some(column);
            out.push_str(value);
        } else {
            out.push_str(&scalar(value));
        }
    }
    (out, block)
}

/// A plain scalar that is a string to YAML 1.2 but not to YAML 1.1, quoted; anything else as is.
fn scalar(text: &str) -> Cow<'_, str> {
    let plain =
        !text.is_empty() && !text.starts_with(['\'', '"', '[', '{', '&', '*', '!', '|', '>']);
    // The pattern first: it rarely matches, and parsing the scalar costs a parser per call.
    if plain
        && YAML_1_1_NON_STRING.is_match(text)
        && matches!(serde_yaml::from_str(text), Ok(serde_yaml::Value::String(_)))
    {
        Cow::Owned(format!("'{}'", text.replace('\'', "''")))
    } else {
        Cow::Borrowed(text)
    }
}

/// The byte just past the closing quote of the quoted scalar `text` starts with.
fn quoted_end(text: &str) -> Option<usize> {
    let quote = text.chars().next()?;
    let mut chars = text.char_indices().skip(1).peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '\\' if quote == '"' => {
                chars.next();
            }
            c if c == quote => {
                // `''` inside single quotes is an escaped quote.
                if quote == '\'' && chars.peek().is_some_and(|(_, next)| *next == '\'') {
                    chars.next();
                } else {
                    return Some(at + 1);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::quote_yaml_1_1;

    /// serde_yaml's text of `value`, made portable.
    fn portable(value: &serde_json::Value) -> String {
        quote_yaml_1_1(&serde_yaml::to_string(value).expect("serialises"))
    }

    #[test]
    fn strings_yaml_1_1_misreads_are_quoted() {
        let value = serde_json::json!({
            "start_times": ["2:00", "23:45", "10:10"],
            "flags": ["on", "off", "yes", "no", "Yes", "OFF"],
            "dates": ["2018-02-08", "2018-02-08 10:00:30"],
            "numbers": ["1_000", "0b101", "0755", "1:30:00.5", "190:20:30"],
            "252:0": {"status": "OK"},
            "merge": "<<",
            "value": "="
        });
        let text = portable(&value);
        for quoted in [
            "- '2:00'",
            "- '23:45'",
            "- '10:10'",
            "- 'on'",
            "- 'off'",
            "- 'yes'",
            "- 'no'",
            "- 'Yes'",
            "- 'OFF'",
            "- '2018-02-08'",
            "- '2018-02-08 10:00:30'",
            "- '1_000'",
            "- '0b101'",
            "- '1:30:00.5'",
            "- '190:20:30'",
            "'252:0':",
            "merge: '<<'",
            "value: '='",
        ] {
            assert!(text.contains(quoted), "`{quoted}` not in\n{text}");
        }
        // A 1.2 parser reads the same document as before.
        let back: serde_json::Value = serde_yaml::from_str(&text).expect("parses");
        assert_eq!(back, value);
    }

    #[test]
    fn real_numbers_booleans_and_ordinary_strings_are_left_alone() {
        let value = serde_json::json!({
            "minimum": 0, "ratio": 0.5, "required": true, "nullable": null,
            "name": "backup_all", "href": "mailto:admin@example.com", "version": "6.5.0",
            "time": "Oct 9 12:09:31 2024 GMT", "empty": [], "object": {}
        });
        let text = portable(&value);
        assert_eq!(text, serde_yaml::to_string(&value).expect("serialises"));
    }

    #[test]
    fn block_scalars_and_their_siblings() {
        let value = serde_json::json!([{
            "test_summary": "HA check started\non\n23:45",
            "key": "on",
            "nested": {"text": "a\nb", "after": "2:00"}
        }]);
        let text = portable(&value);
        // Inside a block scalar nothing is quoted; the keys after it are still looked at.
        assert!(text.contains("\n    on\n    23:45\n"), "{text}");
        assert!(text.contains("  key: 'on'"), "{text}");
        assert!(text.contains("after: '2:00'"), "{text}");
        let back: serde_json::Value = serde_yaml::from_str(&text).expect("parses");
        assert_eq!(back, value);
    }
}
