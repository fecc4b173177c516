//! Users and options from the command line and the optional config file.
//!
//! The config file is YAML (JSON works too):
//!
//! ```yaml
//! users:
//!   - name: alice
//!     password: s3cret
//!     groups: [auditors]
//! groups:
//!   - name: operators
//!     members: [alice]
//! implicit_transactions: false
//! idle_timeout_seconds: 1200
//! max_sessions: 1000
//! faults: "seed=7,503@5%,latency=200ms@every=10"
//! active_sessions: ["svc/rpokH8fD9kx6CaxNLznKx2/test:12"]
//! ```
//!
//! Unknown keys are errors, so a typo does not silently leave a user out.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::session::User;

/// Login name and password of the user a loopback-only fake starts with when none is given.
pub const DEFAULT_LOOPBACK_USER: (&str, &str) = ("admin", "admin");

/// A configuration problem, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file (or `command line`).
    pub source: String,
    /// JSON pointer of the offending value inside the file, if any.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "{}: {}", self.source, self.message)
        } else {
            write!(f, "{}: {}: {}", self.source, self.pointer, self.message)
        }
    }
}

impl std::error::Error for ConfigError {}

fn cli_error(message: impl Into<String>) -> ConfigError {
    ConfigError {
        source: "command line".to_owned(),
        pointer: String::new(),
        message: message.into(),
    }
}

/// One user entry of the config file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserEntry {
    name: String,
    password: String,
    #[serde(default)]
    groups: Vec<String>,
}

/// One group entry of the config file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupEntry {
    name: String,
    #[serde(default)]
    members: Vec<String>,
}

/// The config file's contents.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    #[serde(default)]
    users: Vec<UserEntry>,
    #[serde(default)]
    groups: Vec<GroupEntry>,
    /// See [`crate::EngineConfig::implicit_transactions`].
    #[serde(default)]
    pub implicit_transactions: Option<bool>,
    /// Idle timeout of REST sessions, in seconds.
    #[serde(default)]
    pub idle_timeout_seconds: Option<u64>,
    /// Ids of recorded sessions that can be closed through `/api/active-sessions`.
    #[serde(default)]
    pub active_sessions: Option<Vec<String>>,
    /// Live sessions kept at most.
    #[serde(default)]
    pub max_sessions: Option<usize>,
    /// Faults to inject, in the `--faults` syntax (`crate::faults`).
    #[serde(default)]
    pub faults: Option<String>,
}

/// Turns a serde path (`users[0].name`) into a JSON pointer (`/users/0/name`).
fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        pointer.push('/');
        match segment {
            Segment::Seq { index } => pointer.push_str(&index.to_string()),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"))
            }
            Segment::Unknown => pointer.push('?'),
        }
    }
    pointer
}

impl FileConfig {
    /// Parses config text read from `source`.
    pub fn parse(source: &Path, text: &str) -> Result<Self, ConfigError> {
        let error = |pointer: String, message: String| ConfigError {
            source: source.display().to_string(),
            pointer,
            message,
        };
        if text.trim().is_empty() {
            return Ok(Self::default());
        }
        let deserializer = serde_yaml::Deserializer::from_str(text);
        let config: Self = serde_path_to_error::deserialize(deserializer)
            .map_err(|e| error(pointer_of(e.path()), e.inner().to_string()))?;
        if let Some(faults) = &config.faults {
            if let Err(e) = faults.parse::<crate::faults::FaultPlan>() {
                return Err(error("/faults".into(), e.to_string()));
            }
        }
        for (i, user) in config.users.iter().enumerate() {
            if user.name.is_empty() || user.name.contains(':') {
                return Err(error(
                    format!("/users/{i}/name"),
                    "a user name must be non-empty and must not contain ':'".into(),
                ));
            }
            if user.password.is_empty() {
                return Err(error(
                    format!("/users/{i}/password"),
                    "the password must not be empty".into(),
                ));
            }
        }
        Ok(config)
    }

    /// Reads and parses a config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            source: path.display().to_string(),
            pointer: String::new(),
            message: e.to_string(),
        })?;
        Self::parse(path, &text)
    }
}

/// Parses a `--user NAME:PASSWORD` argument (the password may contain `:`).
pub fn parse_user_arg(arg: &str) -> Result<User, ConfigError> {
    let Some((name, password)) = arg.split_once(':') else {
        return Err(cli_error(format!("--user {arg:?}: expected NAME:PASSWORD")));
    };
    if name.is_empty() || password.is_empty() {
        return Err(cli_error(format!(
            "--user {arg:?}: the name and the password must not be empty"
        )));
    }
    Ok(User {
        name: name.to_owned(),
        password: password.to_owned(),
        groups: Vec::new(),
    })
}

/// Merges the command-line users and the config file into the final user list.
///
/// A user given twice is an error (which password would win is not obvious). Group members
/// must be known users. With no user at all, a loopback listener gets the built-in
/// `admin`/`admin`; any other address refuses to start, so a fake reachable from the network
/// never has a well-known password.
pub fn resolve_users(
    listen: SocketAddr,
    cli_users: Vec<User>,
    file: Option<(&Path, &FileConfig)>,
) -> Result<Vec<User>, ConfigError> {
    let mut users: BTreeMap<String, User> = BTreeMap::new();
    for user in cli_users {
        if users.contains_key(&user.name) {
            return Err(cli_error(format!("user {:?} is given twice", user.name)));
        }
        users.insert(user.name.clone(), user);
    }
    if let Some((path, config)) = file {
        let file_error = |pointer: String, message: String| ConfigError {
            source: path.display().to_string(),
            pointer,
            message,
        };
        for (i, entry) in config.users.iter().enumerate() {
            if users.contains_key(&entry.name) {
                return Err(file_error(
                    format!("/users/{i}/name"),
                    format!("user {:?} is already defined", entry.name),
                ));
            }
            users.insert(
                entry.name.clone(),
                User {
                    name: entry.name.clone(),
                    password: entry.password.clone(),
                    groups: entry.groups.clone(),
                },
            );
        }
        for (g, group) in config.groups.iter().enumerate() {
            for (m, member) in group.members.iter().enumerate() {
                let Some(user) = users.get_mut(member) else {
                    return Err(file_error(
                        format!("/groups/{g}/members/{m}"),
                        format!("group {:?} names unknown user {member:?}", group.name),
                    ));
                };
                if !user.groups.contains(&group.name) {
                    user.groups.push(group.name.clone());
                }
            }
        }
    }
    if users.is_empty() {
        if !listen.ip().is_loopback() {
            return Err(cli_error(format!(
                "{listen} is not a loopback address: give at least one --user NAME:PASSWORD \
                 (or users in --config); the built-in {}/{} login is only for loopback",
                DEFAULT_LOOPBACK_USER.0, DEFAULT_LOOPBACK_USER.1
            )));
        }
        let (name, password) = DEFAULT_LOOPBACK_USER;
        users.insert(
            name.to_owned(),
            User {
                name: name.to_owned(),
                password: password.to_owned(),
                groups: Vec::new(),
            },
        );
    }
    Ok(users.into_values().collect())
}

/// Where the state file lives, made absolute so a later `chdir` cannot move it.
pub fn absolute_state_path(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().expect("address")
    }

    #[test]
    fn user_argument_splits_at_the_first_colon() {
        let user = parse_user_arg("alice:pa:ss").expect("valid");
        assert_eq!(
            (user.name.as_str(), user.password.as_str()),
            ("alice", "pa:ss")
        );
        assert!(parse_user_arg("alice").is_err());
        assert!(parse_user_arg(":pw").is_err());
        assert!(parse_user_arg("alice:").is_err());
    }

    #[test]
    fn loopback_gets_a_default_user_and_other_addresses_refuse() {
        let users = resolve_users(addr("127.0.0.1:0"), vec![], None).expect("loopback");
        assert_eq!(users.len(), 1);
        assert_eq!(users[0].name, "admin");
        let err = resolve_users(addr("0.0.0.0:8443"), vec![], None).expect_err("no default");
        assert!(err.to_string().contains("--user"), "{err}");
        let alice = parse_user_arg("alice:pw").expect("valid");
        let users = resolve_users(addr("0.0.0.0:8443"), vec![alice], None).expect("given");
        assert_eq!(
            users.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(),
            ["alice"]
        );
    }

    #[test]
    fn config_file_adds_users_and_groups() {
        let path = Path::new("fake.yaml");
        let config = FileConfig::parse(
            path,
            "users:\n  - {name: bob, password: pw, groups: [a]}\ngroups:\n  - {name: ops, members: [bob, alice]}\nimplicit_transactions: true\n",
        )
        .expect("valid");
        assert_eq!(config.implicit_transactions, Some(true));
        let alice = parse_user_arg("alice:pw").expect("valid");
        let users = resolve_users(addr("10.0.0.1:443"), vec![alice], Some((path, &config)))
            .expect("resolved");
        let groups: Vec<(&str, Vec<String>)> = users
            .iter()
            .map(|u| (u.name.as_str(), u.groups.clone()))
            .collect();
        assert_eq!(
            groups,
            [
                ("alice", vec!["ops".to_owned()]),
                ("bob", vec!["a".to_owned(), "ops".to_owned()])
            ]
        );
    }

    #[test]
    fn config_errors_name_the_file_and_pointer() {
        let path = Path::new("fake.yaml");
        let err =
            FileConfig::parse(path, "users:\n  - {name: bob, pasword: pw}\n").expect_err("typo");
        assert_eq!(
            (err.source.as_str(), err.pointer.as_str()),
            ("fake.yaml", "/users/0/pasword")
        );
        assert!(err.message.contains("pasword"), "{err}");
        let err =
            FileConfig::parse(path, "users:\n  - {name: bob, password: ''}\n").expect_err("empty");
        assert_eq!(err.pointer, "/users/0/password");
        let err = FileConfig::parse(path, "idle_timeout_seconds: soon\n").expect_err("type");
        assert_eq!(err.pointer, "/idle_timeout_seconds");
        let err = FileConfig::parse(path, "faults: 503@lots\n").expect_err("faults");
        assert_eq!(err.pointer, "/faults");
        assert!(err.message.contains("503@lots"), "{err}");
        let config = FileConfig::parse(path, "groups:\n  - {name: ops, members: [ghost]}\n")
            .expect("parses");
        let err =
            resolve_users(addr("127.0.0.1:0"), vec![], Some((path, &config))).expect_err("ghost");
        assert_eq!(err.pointer, "/groups/0/members/0");
        let dup = parse_user_arg("bob:x").expect("valid");
        let config =
            FileConfig::parse(path, "users:\n  - {name: bob, password: y}\n").expect("parses");
        let err =
            resolve_users(addr("127.0.0.1:0"), vec![dup], Some((path, &config))).expect_err("dup");
        assert_eq!(err.pointer, "/users/0/name");
    }
}
