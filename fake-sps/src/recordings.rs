//! The recorded sessions the fake appliance holds: a seeded, deterministic data set (a few
//! hundred sessions by default, any number for benchmarks) with their alerts, events, channels,
//! indexing runs, trail downloads, audit trails and screenshots.
//!
//! This module is data: it lays the sessions out at their hrefs under `/api/audit/sessions`
//! ([`Recordings::lookup`]). How a list is searched, paged and answered is the engine's generic
//! business (`engine::audit`), the same for every list of audit data.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::{json, Value};

/// Where the recorded sessions are.
pub const SESSIONS: &str = "/api/audit/sessions";
/// The id of the one snapshot of the session database the fake holds (the one the spec's example
/// of `GET /api/audit/sessions/_snapshot` answers); it never expires.
pub const SNAPSHOT_ID: &str = "5f0c2d7a";
/// The basic search pages through this many results at most; a snapshot through all.
pub const SEARCH_WINDOW: usize = 10_000;

/// Whether `href` is one of the recorded sessions' (under [`SESSIONS`]).
pub fn owns(href: &str) -> bool {
    href.strip_prefix(SESSIONS)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// How many sessions to make, from which seed, and how large their audit trails are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordingsConfig {
    /// Number of recorded sessions.
    pub count: usize,
    /// Seed of the generator: the same seed gives the same sessions, byte for byte.
    pub seed: u64,
    /// Size of every audit trail, in bytes.
    pub trail_bytes: u64,
}

impl Default for RecordingsConfig {
    fn default() -> Self {
        Self {
            count: 300,
            seed: 1,
            trail_bytes: 256 * 1024,
        }
    }
}

/// One recorded session.
#[derive(Debug, Clone)]
struct Recorded {
    key: String,
    href: String,
    body: Value,
    /// Seed of everything generated on demand for this session (its trail, its events).
    seed: u64,
    /// When it started, in seconds since the epoch.
    start: u64,
}

/// An entry of a collection: key, href, body.
pub type Entry<'a> = (Cow<'a, str>, Cow<'a, str>, Cow<'a, Value>);

/// What is at an href of the recorded sessions.
#[derive(Debug)]
pub enum Node<'a> {
    /// Objects with keys (`{key, meta, body}` entries), in their natural order; `window` caps
    /// how far paging reaches.
    Collection {
        /// The entries.
        entries: Vec<Entry<'a>>,
        /// How many results paging reaches at most.
        window: Option<usize>,
    },
    /// One object.
    Object {
        /// Its key.
        key: Cow<'a, str>,
        /// Its body.
        body: Cow<'a, Value>,
    },
    /// Plain entries (alerts, events); `text_search` when the list answers only entries matching
    /// a non-empty `q` (the content search: no expression, no entries).
    List {
        /// The entries.
        items: Vec<Value>,
        /// Whether `q` is a required text search.
        text_search: bool,
    },
    /// A file.
    File(FileBody),
}

/// The bytes of a file, made as they are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileBody {
    /// Pseudo-random bytes from a seed: an audit trail.
    Generated {
        /// The generator's seed.
        seed: u64,
        /// Length in bytes.
        len: u64,
    },
    /// Fixed bytes (a screenshot).
    Fixed(&'static [u8]),
}

/// Size of the pieces a generated file is made and sent in.
pub const CHUNK: usize = 64 * 1024;

impl FileBody {
    /// Length in bytes.
    pub fn len(&self) -> u64 {
        match self {
            FileBody::Generated { len, .. } => *len,
            FileBody::Fixed(bytes) => bytes.len() as u64,
        }
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes, piece by piece (at most [`CHUNK`] each).
    pub fn chunks(&self) -> impl Iterator<Item = Vec<u8>> + Send + 'static {
        let (seed, len, fixed) = match self {
            FileBody::Generated { seed, len } => (*seed, *len, None),
            FileBody::Fixed(bytes) => (0, bytes.len() as u64, Some(*bytes)),
        };
        let mut rng = Rng::new(seed);
        let mut sent = 0u64;
        std::iter::from_fn(move || {
            if sent >= len {
                return None;
            }
            let size = (len - sent).min(CHUNK as u64) as usize;
            let piece = match fixed {
                Some(bytes) => bytes[sent as usize..sent as usize + size].to_vec(),
                None => {
                    let mut piece = Vec::with_capacity(size);
                    while piece.len() < size {
                        let word = rng.next().to_le_bytes();
                        let take = (size - piece.len()).min(8);
                        piece.extend_from_slice(&word[..take]);
                    }
                    piece
                }
            };
            sent += size as u64;
            Some(piece)
        })
    }
}

/// What [`Recordings::lookup`] finds at an href.
#[derive(Debug)]
pub enum Lookup<'a> {
    /// Data at the href.
    Found(Node<'a>),
    /// Under the recorded sessions, but nothing there (an unknown session or channel).
    Missing,
    /// Not an href of the recorded sessions.
    NotMine,
}

/// The recorded sessions.
#[derive(Debug, Clone)]
pub struct Recordings {
    config: RecordingsConfig,
    sessions: Vec<Recorded>,
    by_key: HashMap<String, usize>,
}

/// A 1x1 transparent PNG: the screenshot of every content match.
const SCREENSHOT_PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

/// Protocols with their share (out of 100), service port, connection and channel policy.
const PROTOCOLS: [(&str, u64, u16, &str, &str); 7] = [
    ("SSH", 40, 22, "admin-ssh", "shell-only"),
    ("RDP", 25, 3389, "windows-servers", "rdp-default"),
    ("TELNET", 5, 23, "legacy-telnet", "telnet-default"),
    ("VNC", 5, 5900, "vnc-desktops", "vnc-default"),
    ("ICA", 5, 1494, "citrix-farm", "ica-default"),
    ("HTTP", 10, 443, "web-consoles", "http-default"),
    ("MSSQL", 10, 1433, "databases", "mssql-default"),
];

const COMMANDS: [&str; 8] = [
    "ls",
    "cd /var/log",
    "sudo systemctl restart nginx",
    "cat /etc/passwd",
    "man iptables",
    "vi notes.txt",
    "ps aux",
    "tail -f syslog",
];

const AUTH_METHODS: [&str; 3] = ["password", "publickey", "gssapi"];

/// 2024-01-01T00:00:00Z in seconds since the epoch: the first session starts then.
const START_EPOCH: u64 = 1_704_067_200;

impl Recordings {
    /// Makes `config.count` sessions from `config.seed`.
    pub fn new(config: RecordingsConfig) -> Self {
        let mut sessions = Vec::with_capacity(config.count);
        let mut by_key = HashMap::with_capacity(config.count);
        for i in 0..config.count {
            let session = session(&config, i);
            by_key.insert(session.key.clone(), i);
            sessions.push(session);
        }
        Self {
            config,
            sessions,
            by_key,
        }
    }

    /// How the sessions were made.
    pub fn config(&self) -> RecordingsConfig {
        self.config
    }

    /// The keys of the sessions, newest first (the order of an unsorted search).
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.sessions.iter().rev().map(|s| s.key.as_str())
    }

    /// The body of a session.
    pub fn session(&self, key: &str) -> Option<&Value> {
        self.by_key.get(key).map(|&i| &self.sessions[i].body)
    }

    /// The audit trail of a session.
    pub fn trail(&self, key: &str) -> Option<FileBody> {
        let session = &self.sessions[*self.by_key.get(key)?];
        Some(FileBody::Generated {
            seed: session.seed ^ 0x7a61_7420_7472_6169,
            len: self.config.trail_bytes,
        })
    }

    /// What is at `href`.
    pub fn lookup(&self, href: &str) -> Lookup<'_> {
        let Some(rest) = href.strip_prefix(SESSIONS) else {
            return Lookup::NotMine;
        };
        let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
        match segments.as_slice() {
            [] => Lookup::Found(self.all(Some(SEARCH_WINDOW))),
            ["stats"] | ["_snapshot"] => Lookup::NotMine,
            ["_snapshot", id] if *id == SNAPSHOT_ID => Lookup::Found(self.all(None)),
            ["_snapshot", ..] => Lookup::Missing,
            [key, more @ ..] => match self.by_key.get(*key) {
                Some(&i) => self.below(&self.sessions[i], more),
                None => Lookup::Missing,
            },
        }
    }

    fn all(&self, window: Option<usize>) -> Node<'_> {
        Node::Collection {
            entries: self
                .sessions
                .iter()
                .rev()
                .map(|s| {
                    (
                        Cow::Borrowed(s.key.as_str()),
                        Cow::Borrowed(s.href.as_str()),
                        Cow::Borrowed(&s.body),
                    )
                })
                .collect(),
            window,
        }
    }

    fn below<'a>(&'a self, session: &'a Recorded, more: &[&str]) -> Lookup<'a> {
        let node = match more {
            [] => Node::Object {
                key: Cow::Borrowed(&session.key),
                body: Cow::Borrowed(&session.body),
            },
            ["alerts"] => Node::List {
                items: alerts(session),
                text_search: false,
            },
            ["events"] => Node::List {
                items: events(session),
                text_search: false,
            },
            ["content"] => Node::List {
                items: events(session),
                text_search: true,
            },
            ["content", "screenshot"] => Node::File(FileBody::Fixed(SCREENSHOT_PNG)),
            ["indexing"] => Node::List {
                items: indexing(session),
                text_search: false,
            },
            ["trail_downloads"] => Node::List {
                items: trail_downloads(session),
                text_search: false,
            },
            ["audit_trail"] => match self.trail(&session.key) {
                Some(trail) => Node::File(trail),
                None => return Lookup::Missing,
            },
            ["channels"] => Node::Collection {
                entries: channels(session)
                    .into_iter()
                    .map(|(key, href, body)| (Cow::Owned(key), Cow::Owned(href), Cow::Owned(body)))
                    .collect(),
                window: None,
            },
            ["channels", key] => match channels(session).into_iter().find(|(k, ..)| k == key) {
                Some((key, _, body)) => Node::Object {
                    key: Cow::Owned(key),
                    body: Cow::Owned(body),
                },
                None => return Lookup::Missing,
            },
            _ => return Lookup::NotMine,
        };
        Lookup::Found(node)
    }
}

/// SplitMix64: small, fast and the same everywhere.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn key_of(rng: &mut Rng) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    (0..22)
        .map(|_| ALPHABET[rng.below(ALPHABET.len() as u64) as usize] as char)
        .collect()
}

/// `seconds` since the epoch as ISO 8601 UTC with milliseconds (`2024-01-01T00:00:00.000Z`).
pub fn iso(seconds: u64) -> String {
    let (date, time) = (seconds / 86_400, seconds % 86_400);
    let (y, m, d) = civil(date as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000Z",
        time / 3600,
        time % 3600 / 60,
        time % 60
    )
}

/// Days since 1970-01-01 to (year, month, day) (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn session(config: &RecordingsConfig, i: usize) -> Recorded {
    let seed = config
        .seed
        .wrapping_mul(0x2545_f491_4f6c_dd1d)
        .wrapping_add(i as u64);
    let mut rng = Rng::new(seed);
    let key = key_of(&mut rng);
    let href = format!("{SESSIONS}/{key}");
    let mut share = rng.below(100);
    let (protocol, _, port, connection_policy, channel_policy) = *PROTOCOLS
        .iter()
        .find(|(_, weight, ..)| {
            let hit = share < *weight;
            share = share.saturating_sub(*weight);
            hit
        })
        .unwrap_or(&PROTOCOLS[0]);
    let start = START_EPOCH + i as u64 * 600 + rng.below(600);
    let duration = 5 + rng.below(7200);
    // The newest twentieth is still going on.
    let active = i >= config.count - config.count / 20;
    let indexed = !active && rng.below(5) != 0;
    let client_ip = format!(
        "10.{}.{}.{}",
        rng.below(4),
        rng.below(256),
        1 + rng.below(254)
    );
    let target_ip = format!("192.168.{}.{}", rng.below(8), 1 + rng.below(254));
    let body = json!({
        "active": active,
        "alerts": {"href": format!("{href}/alerts")},
        "analytics": {
            "interesting_events": [],
            "scripted": false,
            "scripted_results": {},
            "similar_sessions": [],
            "tags": [],
        },
        "channels": {"href": format!("{href}/channels")},
        "client": {"ip": client_ip, "name": client_ip, "port": 1024 + rng.below(60_000)},
        "creation_time": iso(start),
        "duration": if active { 0 } else { duration },
        "end_time": if active { Value::Null } else { json!(iso(start + duration)) },
        "events": {"href": format!("{href}/events")},
        "hidden": false,
        "indexing": {"href": format!("{href}/indexing")},
        "node_id": "6fed7872-065e-41d2-9cfa-ba75e8cad901",
        "origin": "RECORDING",
        "phantom": false,
        "protocol": protocol,
        "recording": {
            "archived": false,
            "audit_trail": {"archive": null, "download": {"href": format!("{href}/audit_trail")}},
            "auth_method": AUTH_METHODS[rng.below(3) as usize],
            "channel_policy": channel_policy,
            "command_extracted": indexed,
            "connection_policy": connection_policy,
            "connection_policy_id": format!("{:x}", 0x1568_2863_055b_eac3_u64 + rng.below(5)),
            "content_reference_id": i,
            "has_accepted_channel": true,
            "index_status": if indexed { "INDEXED" } else { "NOT_INDEXED" },
            "server_local": {"ip": "10.20.30.40", "name": "10.20.30.40", "port": 40_000 + rng.below(20_000)},
            "session_id": format!("svc/{key}/{connection_policy}:{i}"),
            "target": {"ip": target_ip, "name": target_ip, "port": port},
        },
    });
    Recorded {
        key,
        href,
        body,
        seed,
        start,
    }
}

fn start_of(session: &Recorded) -> u64 {
    session.start
}

/// The commands typed in an indexed session (none for others), as events.
fn events(session: &Recorded) -> Vec<Value> {
    if session.body["recording"]["index_status"] != "INDEXED" {
        return Vec::new();
    }
    let mut rng = Rng::new(session.seed ^ 0x6576_656e_7473);
    let start = start_of(session);
    let count = 1 + rng.below(5);
    (0..count)
        .map(|n| {
            let command = COMMANDS[rng.below(COMMANDS.len() as u64) as usize];
            json!({
                "action": command,
                "channels_id": "0",
                "content": format!("admin@target:~$ {command}"),
                "record_id": 10 + n * 17,
                "time": iso(start + 5 + n * 10).trim_end_matches('Z').to_owned(),
                "type": "command",
            })
        })
        .collect()
}

/// Commands that content policies flag (`sudo`, `passwd`), as alerts.
fn alerts(session: &Recorded) -> Vec<Value> {
    events(session)
        .into_iter()
        .filter_map(|event| {
            let action = event["action"].as_str()?.to_owned();
            let pattern = ["sudo", "passwd"]
                .into_iter()
                .find(|p| action.contains(p))?;
            Some(json!({
                "alert_type": "adp.event.command",
                "channel_id": event["channels_id"],
                "matched_action": action,
                "matched_content": event["content"],
                "matched_regexp": pattern,
                "record_id": event["record_id"],
                "rule_name": "PatternMatcherRule",
                "time": event["time"],
            }))
        })
        .collect()
}

fn channels(session: &Recorded) -> Vec<(String, String, Value)> {
    let start = start_of(session);
    let duration = session.body["duration"].as_u64().unwrap_or(0);
    let kinds: &[&str] = match session.body["protocol"].as_str() {
        Some("SSH") => &["session shell", "session exec scp"],
        Some("RDP") => &["#drawing", "cliprdr"],
        Some("ICA") => &["CTXTW"],
        _ => &["session"],
    };
    kinds
        .iter()
        .enumerate()
        .map(|(n, kind)| {
            let key = (n + 1).to_string();
            let href = format!("{}/channels/{key}", session.href);
            let mut body = json!({
                "type": kind,
                "verdict": "accept",
                "start_time": start + n as u64,
                "end_time": start + duration,
                "duration": duration.saturating_sub(n as u64),
            });
            if *kind == "session exec scp" {
                body["scp_path"] = json!("/tmp/upload");
            }
            (key, href, body)
        })
        .collect()
}

fn indexing(session: &Recorded) -> Vec<Value> {
    if session.body["recording"]["index_status"] != "INDEXED" {
        return Vec::new();
    }
    let start = start_of(session);
    vec![json!({
        "config": {
            "command": {"enabled": true},
            "keyboard": {"buffer_interval": 3, "enabled": false},
            "mouse": {"buffer_interval": 1, "enabled": false},
            "near_realtime": false,
            "ocr_languages": [],
            "screen": {"enabled": true, "omnipage_trade_off": "TO_ACCURATE"},
            "title": {"enabled": true},
        },
        "statistics": {"cpu_time": 5, "duration": 149, "start_time": (start + 3600) * 1000},
        "status": "COMPLETED",
        "version": {"adp": "6.0.20", "worker": "4.0.26"},
    })]
}

fn trail_downloads(session: &Recorded) -> Vec<Value> {
    let mut rng = Rng::new(session.seed ^ 0x646f_776e);
    let start = start_of(session);
    (0..rng.below(3))
        .map(|n| {
            json!({
                "from_api": n % 2 == 0,
                "ip_address": format!("10.99.0.{}", 1 + n),
                "time": iso(start + 86_400 * (n + 1)),
                "username": "auditor",
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_makes_the_same_sessions() {
        let config = RecordingsConfig {
            count: 50,
            ..RecordingsConfig::default()
        };
        let (a, b) = (Recordings::new(config), Recordings::new(config));
        let keys: Vec<&str> = a.keys().collect();
        assert_eq!(keys, b.keys().collect::<Vec<_>>());
        assert_eq!(keys.len(), 50);
        let other = Recordings::new(RecordingsConfig { seed: 2, ..config });
        assert_ne!(keys, other.keys().collect::<Vec<_>>());
        let key = keys[3];
        assert_eq!(a.session(key), b.session(key));
    }

    #[test]
    fn trails_are_as_long_as_configured_and_repeatable() {
        let recordings = Recordings::new(RecordingsConfig {
            count: 2,
            seed: 7,
            trail_bytes: 200_003,
        });
        let key = recordings.keys().next().expect("a session").to_owned();
        let trail = recordings.trail(&key).expect("a trail");
        let bytes: Vec<u8> = trail.chunks().flatten().collect();
        assert_eq!(bytes.len(), 200_003);
        assert_eq!(bytes, trail.chunks().flatten().collect::<Vec<u8>>());
        assert!(trail.chunks().all(|c| c.len() <= CHUNK));
    }

    #[test]
    fn times_are_iso() {
        assert_eq!(iso(START_EPOCH), "2024-01-01T00:00:00.000Z");
        assert_eq!(
            iso(START_EPOCH + 86_400 * 60 + 3661),
            "2024-03-01T01:01:01.000Z"
        );
    }

    #[test]
    fn hrefs_resolve() {
        let recordings = Recordings::new(RecordingsConfig::default());
        let key = recordings.keys().next().expect("a session").to_owned();
        assert!(matches!(
            recordings.lookup(SESSIONS),
            Lookup::Found(Node::Collection { .. })
        ));
        assert!(matches!(
            recordings.lookup(&format!("{SESSIONS}/{key}")),
            Lookup::Found(Node::Object { .. })
        ));
        assert!(matches!(
            recordings.lookup(&format!("{SESSIONS}/{key}/channels/1")),
            Lookup::Found(Node::Object { .. })
        ));
        assert!(matches!(
            recordings.lookup(&format!("{SESSIONS}/{key}/audit_trail")),
            Lookup::Found(Node::File(_))
        ));
        assert!(matches!(
            recordings.lookup(&format!("{SESSIONS}/nope")),
            Lookup::Missing
        ));
        assert!(matches!(
            recordings.lookup(&format!("{SESSIONS}/stats")),
            Lookup::NotMine
        ));
        assert!(matches!(recordings.lookup("/api/info"), Lookup::NotMine));
    }
}
