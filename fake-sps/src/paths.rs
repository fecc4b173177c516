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

/// `href` with the escapes of `:` and `@` undone: a path segment may carry both as they are
/// (SSH host key keys such as `ssh-rsa-10.110.0.1:22`), so `%3A` and `:` name the same object.
pub fn normalize(href: &str) -> String {
    let mut out = String::with_capacity(href.len());
    let mut rest = href;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let escape = rest.get(at..at + 3).unwrap_or(&rest[at..]);
        match escape.to_ascii_uppercase().as_str() {
            "%3A" => out.push(':'),
            "%40" => out.push('@'),
            _ => out.push_str(escape),
        }
        rest = &rest[at + escape.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn colons_and_at_signs_read_the_same_escaped_or_not() {
        assert_eq!(
            normalize("/api/ssh-host-keys/ssh-rsa-10.0.0.1%3a22"),
            "/api/ssh-host-keys/ssh-rsa-10.0.0.1:22"
        );
        assert_eq!(normalize("/a/b%40c%2Fd%"), "/a/b@c%2Fd%");
        assert_eq!(normalize("/a/%E2%82%AC"), "/a/%E2%82%AC");
    }
}
