//! `cargo xtask validate`: third-party validators on the bundle.

pub fn run(_args: &[String]) -> crate::Result {
    Err("validate: not implemented yet".into())
}
