//! Rustdoc for generated code: text from the spec made safe for rustdoc ([`doc_attrs`]), text
//! the generator wrote itself ([`raw_doc`]), and the shared docs of operations and parameters.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Operation, Param};

/// Width of generated doc text (after `/// `).
const DOC_WIDTH: usize = 96;

/// Greedy word wrap; a line never starts with something Markdown reads as a block marker.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let is_marker = |word: &str| {
        matches!(word, "-" | "*" | "+" | ">" | "|")
            || word.starts_with('#')
            || word
                .strip_suffix('.')
                .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    };
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        if !current.is_empty() && current.len() + 1 + word.len() > width && !is_marker(word) {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    lines.push(current);
    lines
}

/// `#[doc = "..."]` attributes for a description from the spec, made safe for rustdoc:
/// surrounding blank lines and per-line indentation trimmed (indented lines would become
/// doctests), brackets and angle brackets escaped (no broken intra-doc links or HTML tags), bare
/// URLs wrapped in `<...>`, unlabelled code fences marked `text`, lazy list continuations
/// indented.
pub fn doc_attrs(text: &str) -> TokenStream {
    let lines = doc_lines(text);
    quote! { #( #[doc = #lines] )* }
}

/// The lines [`doc_attrs`] emits, each with the leading space rustdoc expects.
pub fn doc_lines(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut in_fence = false;
    let mut in_list = false;
    let mut list_hang = 0;
    for raw in text.trim().lines() {
        let line = raw.trim();
        if line.starts_with("```") {
            let opening = !in_fence;
            in_fence = !in_fence;
            let fence = if opening && line == "```" {
                "```text".to_string()
            } else {
                line.to_string()
            };
            out.push(format!(" {fence}"));
            continue;
        }
        if in_fence {
            out.push(format!(" {}", raw.trim_end()));
            continue;
        }
        if line.is_empty() {
            in_list = false;
            out.push(String::new());
            continue;
        }
        let is_item = line.starts_with("- ")
            || line.starts_with("* ")
            || line
                .split_once(". ")
                .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
        let escaped = escape_markdown(line);
        if is_item {
            in_list = true;
            list_hang = line.find(' ').map_or(2, |i| i + 1);
        }
        // List items and their lazy continuations are indented past the marker.
        let hang = if in_list { list_hang } else { 0 };
        let first = if in_list && !is_item { hang } else { 0 };
        for (i, piece) in wrap(&escaped, DOC_WIDTH - hang).into_iter().enumerate() {
            let indent = if i == 0 { first } else { hang };
            out.push(format!(" {}{piece}", " ".repeat(indent)));
        }
    }
    if in_fence {
        out.push(" ```".to_string());
    }
    out
}

/// Escapes what rustdoc would read as links or HTML, and wraps bare URLs.
fn escape_markdown(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_code = false;
    for word in split_keep_spaces(line) {
        let backticks = word.matches('`').count();
        if !in_code
            && backticks == 0
            && (word.starts_with("http://") || word.starts_with("https://"))
        {
            let end = word.trim_end_matches(['.', ',', ')', ';', ':']);
            out.push('<');
            out.push_str(end);
            out.push('>');
            out.push_str(&word[end.len()..]);
            continue;
        }
        for c in word.chars() {
            if c == '`' {
                in_code = !in_code;
                out.push(c);
            } else if !in_code && matches!(c, '[' | ']' | '<' | '>') {
                out.push('\\');
                out.push(c);
            } else {
                out.push(c);
            }
        }
    }
    out
}

fn split_keep_spaces(line: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, c) in line.char_indices() {
        if c == ' ' {
            if start < i {
                parts.push(&line[start..i]);
            }
            parts.push(" ");
            start = i + 1;
        }
    }
    if start < line.len() {
        parts.push(&line[start..]);
    }
    parts
}

/// Rustdoc attributes for text the generator wrote itself (it may hold intra-doc links);
/// text from the spec goes through [`doc_attrs`] instead.
pub fn raw_doc(text: &str) -> TokenStream {
    let lines = raw_doc_lines(text);
    quote!(#( #[doc = #lines] )*)
}

/// One rustdoc line per text line, with the leading space rustdoc expects.
pub fn raw_doc_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| {
            let line = line.trim_end();
            if line.is_empty() {
                String::new()
            } else {
                format!(" {line}")
            }
        })
        .collect()
}

/// The documentation of an operation (spec text, for [`doc_attrs`]): summary,
/// description, method and path, transaction and version notes.
pub fn op_doc(op: &Operation) -> String {
    let mut parts = Vec::new();
    if let Some(summary) = &op.summary {
        parts.push(summary.trim().to_owned());
    }
    if let Some(description) = &op.description {
        parts.push(description.trim().to_owned());
    }
    if parts.is_empty() {
        parts.push(format!("The `{}` operation.", op.id));
    }
    let mut facts = vec![format!("`{} {}`", op.method.as_str(), op.path)];
    if op.transaction_required {
        facts.push("Requires an open transaction.".to_owned());
    }
    if !op.versions.is_empty() {
        facts.push(format!("Documented for SPS {}.", op.versions.join(", ")));
    }
    if op.success_body_optional() {
        facts.push("The reply is not documented: a client reads its body as optional.".to_owned());
    }
    if op.deprecated {
        facts.push("Deprecated.".to_owned());
    }
    parts.push(facts.join(" "));
    parts.join("\n\n")
}

/// The documentation of a parameter: its wire name and description.
pub fn param_doc(p: &Param) -> String {
    match &p.description {
        Some(d) => format!("`{}`: {}", p.name, d.trim()),
        None => format!("`{}`", p.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_are_rustdoc_safe() {
        let lines = doc_lines("  See [the guide](x) at https://example.com/a.\n\n    indented <key>\n10. item\ncontinued\n```\ncode\n```");
        assert_eq!(
            lines,
            vec![
                " See \\[the guide\\](x) at <https://example.com/a>.",
                "",
                " indented \\<key\\>",
                " 10. item",
                "     continued",
                " ```text",
                " code",
                " ```",
            ]
        );
    }

    #[test]
    fn long_lines_wrap_without_starting_a_list() {
        let text = format!("{} - not a list", "word ".repeat(19).trim_end());
        let lines = doc_lines(&text);
        assert!(lines.iter().all(|l| l.len() <= DOC_WIDTH + 1), "{lines:?}");
        assert!(
            lines.iter().all(|l| !l.trim_start().starts_with('-')),
            "{lines:?}"
        );
        assert_eq!(lines.concat().split_whitespace().count(), 23);
    }

    #[test]
    fn code_spans_are_not_escaped() {
        assert_eq!(
            doc_lines("use `a[0]` or <b>"),
            vec![" use `a[0]` or \\<b\\>"]
        );
    }
}
