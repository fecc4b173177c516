//! The decode bench of the generated types lives in `benches/decode.rs`
//! (`cargo bench -p sps-bench --bench decode`); `build.rs` makes its plain-derive copy of the
//! types. The library is empty.
