//! `cargo xtask bench`.

pub fn run(_args: &[String]) -> crate::Result {
    Err("bench: not implemented yet".into())
}
