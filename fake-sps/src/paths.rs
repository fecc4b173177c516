//! The appliance paths the fake treats specially, named once. Everything else is served by the
//! resource metadata of the spec (`x-sps-resource`).

/// Login endpoint (basic auth in, session cookie out).
pub const AUTHENTICATION: &str = "/api/authentication";
/// Appliance information; answers without a session, with fewer fields.
pub const INFO: &str = "/api/info";
/// The configuration tree; its objects link the transaction.
pub const CONFIGURATION: &str = "/api/configuration";
/// Write-once password objects, referenced by key from other configuration.
pub const PASSWORDS: &str = "/api/configuration/passwords";
/// The session's configuration transaction.
pub const TRANSACTION: &str = "/api/transaction";
/// The transaction change log.
pub const CHANGES: &str = "/api/transaction/changes";
/// Closes recorded sessions (`DELETE ?id=`).
pub const ACTIVE_SESSIONS: &str = "/api/active-sessions";
/// Firmware slots collection.
pub const FIRMWARE_SLOTS: &str = "/api/firmware/slots";
/// Runs the upgrade checks against a firmware slot.
pub const FIRMWARE_TEST: &str = "/api/firmware/test";
/// Upgrades to the firmware of a slot.
pub const FIRMWARE_UPGRADE: &str = "/api/firmware/upgrade";
/// The prefix of every API path, which SPS leaves out of a firmware action's `mount_point`.
pub const API: &str = "/api";

/// Whether `href` belongs to the configuration tree (and so links the transaction).
pub fn is_configuration(href: &str) -> bool {
    href.strip_prefix(CONFIGURATION)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}
