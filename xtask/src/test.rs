//! `cargo xtask test`: everything CI runs.

pub fn run(_args: &[String]) -> crate::Result {
    Err("test: not implemented yet".into())
}
