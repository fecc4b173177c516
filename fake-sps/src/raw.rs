//! The generic server interface (`OperationInfo`, `RawRequest`, `RawResponse`), from the
//! generated server stub; see ARCHITECTURE.md, "The generic server interface".

pub use sps_server::{OperationInfo, RawRequest, RawResponse};
