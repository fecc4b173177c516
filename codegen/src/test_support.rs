//! Helpers shared by the emitters' unit tests.

use crate::emit::GeneratedFile;
use crate::model::Model;
use crate::spec::Diagnostic;

/// The emitter fixture `tests/fixtures/g2_routes.yaml`, lowered.
pub fn g2_routes_model() -> Model {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/g2_routes.yaml");
    let spec = crate::spec::load_file(&path).expect("fixture loads");
    crate::model::lower(&spec).expect("fixture lowers")
}

/// The text of `src/lib.rs` among an emitter's files.
pub fn lib_rs(files: Result<Vec<GeneratedFile>, Vec<Diagnostic>>) -> String {
    files
        .expect("the crate generates")
        .into_iter()
        .find(|f| f.path.ends_with("src/lib.rs"))
        .map(|f| f.contents)
        .expect("lib.rs")
}
