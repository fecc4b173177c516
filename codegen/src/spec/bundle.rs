//! Merging the root and the fragments into one document, and printing it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_yaml::{Mapping, Value};

use super::location::{self, SourceMap};
use super::{pointer, Diagnostic, Spec};

/// The `components` sections a fragment may contribute to.
const FRAGMENT_SECTIONS: &[&str] = &[
    "schemas",
    "responses",
    "parameters",
    "requestBodies",
    "examples",
    "headers",
];

/// The bundle as YAML text (what `cargo xtask bundle` prints and the client crate publishes).
///
/// The text reads the same to YAML 1.1 and YAML 1.2 parsers (see the module `portable_yaml`).
pub fn bundle_yaml(spec: &Spec) -> String {
    // Serialising a tree that was itself parsed from YAML cannot fail; say so if it ever does.
    match serde_yaml::to_string(&spec.document) {
        Ok(text) => super::portable_yaml::quote_yaml_1_1(&text),
        Err(e) => format!("# the bundle cannot be printed: {e}\n"),
    }
}

/// Merges the fragments into the root, in the order given, recording who defined what.
pub(super) fn merge(
    root_file: &Path,
    root: Value,
    fragments: Vec<(PathBuf, Value)>,
    sources: &mut SourceMap,
) -> Result<Value, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut merger = Merger {
        sources,
        errors: &mut errors,
        defined: BTreeMap::new(),
    };
    let Value::Mapping(mut bundle) = root else {
        return Err(vec![Diagnostic {
            file: root_file.to_path_buf(),
            pointer: String::new(),
            line: Some(1),
            message: "the root document must be a mapping".into(),
        }]);
    };
    // The root's own paths and components count as defined by the root.
    let root_parts = Value::Mapping(bundle.clone());
    merger.collect(root_file, &root_parts, None);
    for (file, fragment) in fragments {
        let Value::Mapping(fragment) = fragment else {
            merger.error(
                &file,
                "",
                "a fragment must be a mapping with `paths` and/or `components`".into(),
            );
            continue;
        };
        for (key, value) in fragment {
            let name = pointer::key_string(&key).unwrap_or_default();
            match name.as_str() {
                "paths" | "components" => {
                    let part = Value::Mapping(Mapping::from_iter([(key, value)]));
                    merger.collect(&file, &part, Some(&mut bundle));
                }
                _ => merger.error(
                    &file,
                    &pointer::join("", &name),
                    format!("a fragment may only have `paths` and `components`, not `{name}`"),
                ),
            }
        }
    }
    if errors.is_empty() {
        Ok(Value::Mapping(bundle))
    } else {
        Err(errors)
    }
}

struct Merger<'a> {
    sources: &'a mut SourceMap,
    errors: &'a mut Vec<Diagnostic>,
    /// Bundle pointer of every path and component -> the file that defined it first.
    defined: BTreeMap<String, PathBuf>,
}

impl Merger<'_> {
    /// Reports a problem in `file` (whose own pointers equal the bundle's).
    fn error(&mut self, file: &Path, at: &str, message: String) {
        let line = self
            .sources
            .text(file)
            .and_then(|text| location::line_of(text, &pointer::tokens(at)));
        self.errors.push(Diagnostic {
            file: file.to_path_buf(),
            pointer: at.to_owned(),
            line,
            message,
        });
    }

    /// Records (and, with `into`, copies into the bundle) the `paths` and `components` entries of
    /// `document`; a fragment's other sections are reported.
    fn collect(&mut self, file: &Path, document: &Value, mut into: Option<&mut Mapping>) {
        if let Some(paths) = document.get("paths") {
            self.section(
                file,
                "/paths",
                paths,
                into.as_deref_mut().map(|b| (b, &["paths"][..])),
            );
        }
        let Some(components) = document.get("components") else {
            return;
        };
        let Value::Mapping(sections) = components else {
            if !components.is_null() {
                self.error(file, "/components", "`components` must be a mapping".into());
            }
            return;
        };
        for (key, entries) in sections {
            let name = pointer::key_string(key).unwrap_or_default();
            let at = pointer::join("/components", &name);
            if into.is_some() && !FRAGMENT_SECTIONS.contains(&name.as_str()) {
                let allowed = FRAGMENT_SECTIONS.join("`, `");
                self.error(
                    file,
                    &at,
                    format!("a fragment may only define components in `{allowed}`, not `{name}`"),
                );
                continue;
            }
            let target = ["components", name.as_str()];
            self.section(
                file,
                &at,
                entries,
                into.as_deref_mut().map(|b| (b, &target[..])),
            );
        }
    }

    /// Records the entries of one mapping (`paths` or a components section), copying them to
    /// `into` (the bundle plus the key path of the section in it) when given.
    fn section(
        &mut self,
        file: &Path,
        at: &str,
        entries: &Value,
        into: Option<(&mut Mapping, &[&str])>,
    ) {
        let entries = match entries {
            Value::Mapping(entries) => entries,
            Value::Null => return,
            _ => return self.error(file, at, "must be a mapping".into()),
        };
        let mut target = into.map(|(bundle, path)| section_mut(bundle, path));
        for (key, value) in entries {
            let Some(name) = pointer::key_string(key) else {
                self.error(file, at, "keys must be strings".into());
                continue;
            };
            let entry = pointer::join(at, &name);
            if let Some(first) = self.defined.get(&entry).cloned() {
                let message = format!("defined in both {} and {}", first.display(), file.display());
                self.error(file, &entry, message);
                continue;
            }
            self.defined.insert(entry.clone(), file.to_path_buf());
            if let Some(target) = target.as_mut() {
                match target {
                    Some(target) => {
                        target.insert(key.clone(), value.clone());
                        self.sources.set_owner(entry, file);
                    }
                    None => {
                        self.error(
                            file,
                            at,
                            "the root document's section here is not a mapping".into(),
                        );
                        return;
                    }
                }
            }
        }
    }
}

/// The mapping at `path` in the bundle, created (empty) when missing; `None` if something else
/// is in the way.
fn section_mut<'a>(bundle: &'a mut Mapping, path: &[&str]) -> Option<&'a mut Mapping> {
    let mut current = bundle;
    for key in path {
        let slot = current
            .entry(Value::String((*key).to_owned()))
            .or_insert_with(|| Value::Mapping(Mapping::new()));
        if slot.is_null() {
            *slot = Value::Mapping(Mapping::new());
        }
        current = match slot {
            Value::Mapping(next) => next,
            _ => return None,
        };
    }
    Some(current)
}
