//! `cargo xtask gen [--check]`.

pub fn run(_args: &[String]) -> crate::Result {
    Err("gen: not implemented yet".into())
}
