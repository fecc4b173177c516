//! `cargo xtask bundle` and `cargo xtask lint`.

pub fn bundle(_args: &[String]) -> crate::Result {
    Err("bundle: not implemented yet".into())
}

pub fn lint(_args: &[String]) -> crate::Result {
    Err("lint: not implemented yet".into())
}
