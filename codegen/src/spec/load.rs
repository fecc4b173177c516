//! Reading spec files: YAML parsing (with the parser's line for errors), bundling a directory,
//! and the typed `openapiv3` view (with the best pointer serde can give for errors).

use std::path::{Path, PathBuf};

use serde_yaml::Value;

use super::location::SourceMap;
use super::{bundle, pointer, scan, Diagnostic, Spec};

/// Loads a single-file spec (used for the fixtures).
pub fn load_file(path: &Path) -> Result<Spec, Vec<Diagnostic>> {
    let (text, document) = read_yaml(path)?;
    let mut sources = SourceMap::new(path);
    sources.add_text(path, text);
    finish(document, path, sources)
}

/// Loads `dir/openapi.yaml` and the fragments `dir/paths/*.yaml` (in file-name order) and
/// bundles them: `paths` and each `components` section merged key by key.
pub fn load_dir(dir: &Path) -> Result<Spec, Vec<Diagnostic>> {
    let root_file = dir.join("openapi.yaml");
    let mut diagnostics = Vec::new();
    let mut sources = SourceMap::new(&root_file);
    let root = match read_yaml(&root_file) {
        Ok((text, value)) => {
            sources.add_text(&root_file, text);
            Some(value)
        }
        Err(mut errors) => {
            diagnostics.append(&mut errors);
            None
        }
    };
    let mut fragments = Vec::new();
    let (files, mut listing_errors) = fragment_files(&dir.join("paths"));
    diagnostics.append(&mut listing_errors);
    for file in files {
        match read_yaml(&file) {
            Ok((text, value)) => {
                sources.add_text(&file, text);
                fragments.push((file, value));
            }
            Err(mut errors) => diagnostics.append(&mut errors),
        }
    }
    let Some(root) = root else {
        return Err(diagnostics);
    };
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    let document = bundle::merge(&root_file, root, fragments, &mut sources)?;
    finish(document, &root_file, sources)
}

/// The fragment files, sorted by file name, and the problems found while listing them (a `.yml`
/// file is an error rather than silently skipped).
fn fragment_files(dir: &Path) -> (Vec<PathBuf>, Vec<Diagnostic>) {
    let diag = |file: PathBuf, message: String| Diagnostic {
        file,
        pointer: String::new(),
        line: None,
        message,
    };
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (files, errors),
        Err(e) => {
            errors.push(diag(
                dir.to_path_buf(),
                format!("cannot list the fragments: {e}"),
            ));
            return (files, errors);
        }
    };
    for entry in entries {
        let path = match entry {
            Ok(entry) => entry.path(),
            Err(e) => {
                errors.push(diag(
                    dir.to_path_buf(),
                    format!("cannot list the fragments: {e}"),
                ));
                continue;
            }
        };
        match path.extension().and_then(|e| e.to_str()) {
            Some("yaml") => files.push(path),
            Some("yml") => errors.push(diag(
                path,
                "fragments must be named `*.yaml`; this file would be ignored".into(),
            )),
            _ => {}
        }
    }
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    errors.sort_by(|a, b| a.file.cmp(&b.file));
    (files, errors)
}

/// Reads and parses one YAML file. Every problem has a line (the column, where known, is in the
/// message): invalid UTF-8 at its first bad byte, an alias bomb at the alias (found before any
/// expansion), a duplicate key at the second key, with its pointer.
fn read_yaml(path: &Path) -> Result<(String, Value), Vec<Diagnostic>> {
    let diag = |pointer: String, line: Option<usize>, message: String| {
        vec![Diagnostic {
            file: path.to_path_buf(),
            pointer,
            line,
            message,
        }]
    };
    let bytes =
        std::fs::read(path).map_err(|e| diag(String::new(), None, format!("cannot read: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let (line, column) = scan::position(e.as_bytes(), offset);
        let message = format!("invalid UTF-8 at byte {offset} (column {column})");
        diag(String::new(), Some(line), message)
    })?;
    let located = |f: scan::Found| {
        diag(
            f.pointer,
            Some(f.line),
            format!("{} (column {})", f.message, f.column),
        )
    };
    // Aliases need anchors: a text without `&` is parsed directly (the scan costs about as much
    // as the parse), and scanned only to place an error.
    if text.contains('&') {
        let scanned = scan::scan(&text);
        if let Some(bomb) = scanned.alias_bomb {
            return Err(located(bomb));
        }
        // serde_yaml expands aliases before it checks their size, which for a bomb takes
        // seconds to minutes: a document with aliases is only expanded once the scan has
        // weighed them, so YAML the scan cannot read is refused there.
        if let Some(unreadable) = scanned.unreadable.filter(|_| scan::has_alias(&text)) {
            return Err(located(scan::Found {
                message: format!(
                    "YAML that cannot be read in a document with aliases: {} (aliases are \
                     expanded only in a document read to its end first, so that an alias \
                     bomb is refused before it expands)",
                    unreadable.message
                ),
                ..unreadable
            }));
        }
    }
    match serde_yaml::from_str(&text) {
        Ok(value) => Ok((text, value)),
        Err(e) => match scan::scan(&text) {
            scan::Scan {
                duplicate_key: Some(duplicate),
                ..
            } => Err(located(duplicate)),
            _ => Err(diag(
                String::new(),
                // serde_yaml gives no place for a few errors (a document without nodes, its
                // recursion limit): the file's first line, rather than none.
                Some(e.location().map_or(1, |l| l.line())),
                format!("invalid YAML: {e}"),
            )),
        },
    }
}

/// Builds the typed view of a (bundled) document.
fn finish(document: Value, root_file: &Path, sources: SourceMap) -> Result<Spec, Vec<Diagnostic>> {
    // YAML-only constructs (tags, complex keys) would fail the typed parse with an obscure
    // message: name them first.
    let mut problems = Vec::new();
    let json = pointer::to_json(&document, "", &mut problems);
    if !problems.is_empty() {
        let diagnostics = problems.into_iter().map(|(at, message)| Diagnostic {
            file: sources.file_of(&at).to_path_buf(),
            line: sources.line_of(&at),
            message: format!("unsupported: {message}"),
            pointer: at,
        });
        return Err(diagnostics.collect());
    }
    let openapi = match typed::<openapiv3::OpenAPI>(&document, "") {
        Ok(openapi) => openapi,
        Err((at, message)) => {
            // `paths` and `components` entries are flattened or untagged in openapiv3, which
            // hides the path to the error: retry entry by entry to point closer.
            let (at, message) = narrow(&document).unwrap_or((at, message));
            return Err(vec![Diagnostic {
                file: sources.file_of(&at).to_path_buf(),
                line: sources.line_of(&at),
                message: format!("not an OpenAPI 3.0 document: {message}"),
                pointer: at,
            }]);
        }
    };
    Ok(Spec {
        openapi,
        document,
        root_file: root_file.to_path_buf(),
        sources,
        json,
    })
}

/// Deserialises `value` (found at pointer `at`), returning the error's pointer and message.
fn typed<T: serde::de::DeserializeOwned>(value: &Value, at: &str) -> Result<T, (String, String)> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let mut at = at.to_owned();
        for segment in e.path() {
            match segment {
                serde_path_to_error::Segment::Seq { index } => at = format!("{at}/{index}"),
                serde_path_to_error::Segment::Map { key } => at = pointer::join(&at, key),
                serde_path_to_error::Segment::Enum { .. }
                | serde_path_to_error::Segment::Unknown => {}
            }
        }
        (at, e.inner().to_string())
    })
}

/// Deserialises a `ReferenceOr<T>` entry as `T` unless it is a reference, so that the error
/// path is not swallowed by the untagged enum.
fn entry<T: serde::de::DeserializeOwned>(value: &Value, at: &str) -> Result<(), (String, String)> {
    if value.get("$ref").is_some() {
        typed::<openapiv3::ReferenceOr<T>>(value, at).map(drop)
    } else {
        typed::<T>(value, at).map(drop)
    }
}

/// The first error found by deserialising each path item and component on its own.
fn narrow(document: &Value) -> Option<(String, String)> {
    use openapiv3::{
        Callback, Example, Header, Link, Parameter, PathItem, RequestBody, Response, Schema,
    };
    let entries = |section: Option<&Value>| -> Vec<(String, Value)> {
        match section {
            Some(Value::Mapping(map)) => map
                .iter()
                .filter_map(|(k, v)| pointer::key_string(k).map(|k| (k, v.clone())))
                .filter(|(k, _)| !k.starts_with("x-"))
                .collect(),
            _ => Vec::new(),
        }
    };
    for (key, value) in entries(document.get("paths")) {
        if let Err(found) = entry::<PathItem>(&value, &pointer::join("/paths", &key)) {
            return Some(found);
        }
    }
    let components = document.get("components");
    for (section, _) in entries(components) {
        let at = pointer::join("/components", &section);
        for (name, value) in entries(components.and_then(|c| c.get(section.as_str()))) {
            let at = pointer::join(&at, &name);
            let result = match section.as_str() {
                "schemas" => entry::<Schema>(&value, &at),
                "responses" => entry::<Response>(&value, &at),
                "parameters" => entry::<Parameter>(&value, &at),
                "examples" => entry::<Example>(&value, &at),
                "requestBodies" => entry::<RequestBody>(&value, &at),
                "headers" => entry::<Header>(&value, &at),
                "links" => entry::<Link>(&value, &at),
                "callbacks" => entry::<Callback>(&value, &at),
                _ => Ok(()),
            };
            if let Err(found) = result {
                return Some(found);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = "\
openapi: 3.0.3
info:
  title: t
  version: '1'
paths:
  /api/a:
    get:
      responses:
        '200':
          description: ok
components:
  schemas:
    Shared:
      type: string
";

    /// Writes `files` (relative path, text) under a fresh directory.
    fn spec_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
        dir
    }

    fn errors(dir: &tempfile::TempDir) -> Vec<String> {
        let errors = load_dir(dir.path()).expect_err("must fail");
        let prefix = format!("{}/", dir.path().display());
        errors
            .iter()
            .map(|d| d.to_string().replace(&prefix, ""))
            .collect()
    }

    #[test]
    fn bundles_fragments_in_file_name_order_and_remembers_sources() {
        let b = "paths:\n  /api/b:\n    get:\n      responses:\n        '200': {description: ok}\n\
                 components:\n  schemas:\n    B:\n      type: integer\n";
        let c = "paths:\n  /api/c:\n    get:\n      responses:\n        '200': {description: ok}\n";
        let dir = spec_dir(&[
            ("openapi.yaml", ROOT),
            ("paths/c.yaml", c),
            ("paths/b.yaml", b),
        ]);
        let spec = load_dir(dir.path()).expect("loads");
        let paths: Vec<&String> = spec.openapi.paths.paths.keys().collect();
        assert_eq!(paths, ["/api/a", "/api/b", "/api/c"]);
        let schemas: Vec<&String> = spec
            .openapi
            .components
            .as_ref()
            .expect("components")
            .schemas
            .keys()
            .collect();
        assert_eq!(schemas, ["Shared", "B"]);
        let b_file = dir.path().join("paths/b.yaml");
        assert_eq!(spec.source_of("/paths/~1api~1b/get"), b_file);
        assert_eq!(spec.source_of("/components/schemas/B/type"), b_file);
        assert_eq!(
            spec.source_of("/paths/~1api~1a/get"),
            dir.path().join("openapi.yaml")
        );
        assert_eq!(
            spec.source_of("/paths/~1api~1c"),
            dir.path().join("paths/c.yaml")
        );
        assert_eq!(spec.line_of("/components/schemas/B/type"), Some(9));
        assert_eq!(spec.line_of("/paths/~1api~1a/get/responses/200"), Some(9));
        let d = spec.diagnostic("/paths/~1api~1b/get", "x");
        assert_eq!((d.file, d.line), (b_file, Some(3)));
        // Deterministic, and the printed bundle reads back as the same document.
        let text = super::super::bundle_yaml(&spec);
        assert_eq!(
            text,
            super::super::bundle_yaml(&load_dir(dir.path()).expect("loads"))
        );
        let again: Value = serde_yaml::from_str(&text).expect("bundle parses");
        assert_eq!(again, spec.document);
    }

    #[test]
    fn a_key_defined_twice_names_both_files() {
        let a = "paths:\n  /api/x:\n    get:\n      responses: {}\ncomponents:\n  schemas:\n    Shared: {type: string}\n";
        let b = "paths:\n  /api/x:\n    post:\n      responses: {}\n";
        let dir = spec_dir(&[
            ("openapi.yaml", ROOT),
            ("paths/a.yaml", a),
            ("paths/b.yaml", b),
        ]);
        assert_eq!(
            errors(&dir),
            [
                "paths/a.yaml:7: /components/schemas/Shared: defined in both openapi.yaml and paths/a.yaml",
                "paths/b.yaml:2: /paths/~1api~1x: defined in both paths/a.yaml and paths/b.yaml",
            ]
        );
    }

    #[test]
    fn a_fragment_may_only_have_paths_and_components() {
        let a = "info:\n  title: no\ncomponents:\n  securitySchemes:\n    k: {type: http, scheme: basic}\n";
        let dir = spec_dir(&[
            ("openapi.yaml", ROOT),
            ("paths/a.yaml", a),
            ("paths/b.yaml", "- 1\n"),
        ]);
        assert_eq!(
            errors(&dir),
            [
                "paths/a.yaml:1: /info: a fragment may only have `paths` and `components`, not `info`",
                "paths/a.yaml:4: /components/securitySchemes: a fragment may only define components in \
                 `schemas`, `responses`, `parameters`, `requestBodies`, `examples`, `headers`, not `securitySchemes`",
                "paths/b.yaml:1: #: a fragment must be a mapping with `paths` and/or `components`",
            ]
        );
    }

    #[test]
    fn broken_yaml_gives_the_parser_line() {
        let dir = spec_dir(&[
            ("openapi.yaml", ROOT),
            ("paths/a.yaml", "paths:\n  /x:\n    get: [1\n"),
            ("paths/b.yml", ""),
        ]);
        let found = errors(&dir);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].starts_with("paths/b.yml: #: fragments must be named `*.yaml`"),
            "{found:?}"
        );
        assert!(
            found[1].starts_with("paths/a.yaml:4: #: invalid YAML: "),
            "{found:?}"
        );
        let dir = spec_dir(&[]);
        let found = errors(&dir);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].starts_with("openapi.yaml: #: cannot read: "),
            "{found:?}"
        );
    }

    #[test]
    fn an_invalid_openapi_document_points_at_the_value() {
        let a = "paths:\n  /api/x:\n    get:\n      responses:\n        '200':\n          description: [not, a, string]\n";
        let dir = spec_dir(&[("openapi.yaml", ROOT), ("paths/a.yaml", a)]);
        let found = errors(&dir);
        assert_eq!(found.len(), 1);
        // Responses are read by a custom deserialiser in openapiv3: serde cannot point deeper.
        assert_eq!(
            found[0],
            "paths/a.yaml:4: /paths/~1api~1x/get/responses: not an OpenAPI 3.0 document: \
             invalid type: sequence, expected a string"
        );
    }

    #[test]
    fn yaml_tags_are_unsupported() {
        let a = "paths:\n  /api/x:\n    get:\n      summary: !shout Hello\n      responses: {}\n";
        let dir = spec_dir(&[("openapi.yaml", ROOT), ("paths/a.yaml", a)]);
        assert_eq!(
            errors(&dir),
            ["paths/a.yaml:4: /paths/~1api~1x/get/summary: unsupported: the YAML tag !shout is not supported"]
        );
    }

    #[test]
    fn every_load_problem_has_a_line() {
        let dir = spec_dir(&[]);
        let write = |name: &str, bytes: &[u8]| {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).expect("write");
            let errors = load_file(&path).expect_err("must fail");
            assert_eq!(errors.len(), 1, "{errors:?}");
            let d = &errors[0];
            assert_eq!(d.file, path);
            (d.line, d.pointer.clone(), d.message.clone())
        };
        assert_eq!(
            write("utf8.yaml", b"openapi: 3.0.3\ninfo:\n  title: caf\xe9\n"),
            (
                Some(3),
                String::new(),
                "invalid UTF-8 at byte 33 (column 13)".into()
            )
        );
        let mut bomb = String::from(
            "openapi: 3.0.3\nx-lol: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
        );
        for level in 1..=12 {
            let items = vec![format!("*l{}", level - 1); 10].join(", ");
            bomb.push_str(&format!("x-l{level}: &l{level} [{items}]\n"));
        }
        // A bomb after YAML the scan cannot read (a quoted scalar continued at column 0,
        // which serde_yaml reads) is refused at that YAML, before anything is expanded.
        let hidden = bomb.replace(
            "openapi: 3.0.3\n",
            "openapi: 3.0.3\nx-a:\n  b: 'one---\ntwo'\n",
        );
        let (line, _, message) = write("hidden.yaml", hidden.as_bytes());
        assert_eq!(line, Some(3), "{message}");
        assert!(
            message.contains("cannot be read in a document with aliases"),
            "{message}"
        );
        let (line, pointer, message) = write("bomb.yaml", bomb.as_bytes());
        assert_eq!((line, pointer.as_str()), (Some(5), "/x-l3/7"));
        assert!(
            message.ends_with("alias bomb?): rejected (column 47)"),
            "{message}"
        );
        assert_eq!(
            write(
                "dup.yaml",
                b"openapi: 3.0.3\npaths:\n  /a:\n    get: {}\n    get: {}\n"
            ),
            (
                Some(5),
                "/paths/~1a/get".to_string(),
                "duplicate key `get` (first at line 4) (column 5)".into()
            )
        );
    }

    #[test]
    fn load_file_reads_a_single_document() {
        let dir = spec_dir(&[("one.yaml", ROOT)]);
        let spec = load_file(&dir.path().join("one.yaml")).expect("loads");
        assert_eq!(spec.source_of("/paths"), dir.path().join("one.yaml"));
        assert_eq!(spec.line_of("/components/schemas/Shared"), Some(13));
    }
}
