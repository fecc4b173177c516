//! Users, login sessions and their idle expiry.
//!
//! Time comes from a [`Clock`] so tests can move it forward instead of sleeping.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// SPS logs a REST session out after 20 idle minutes.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(20 * 60);

/// Live sessions kept at most by default; a login beyond it ends the least recently used one.
pub const DEFAULT_MAX_SESSIONS: usize = 1000;

/// A monotonic time source.
pub trait Clock: Send + Sync {
    /// Time elapsed since an arbitrary fixed origin.
    fn now(&self) -> Duration;
}

/// The real monotonic clock.
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    origin: Instant,
}

impl Default for SystemClock {
    fn default() -> Self {
        Self {
            origin: Instant::now(),
        }
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }
}

/// A clock that only moves when told to; for tests.
#[derive(Debug, Default)]
pub struct ManualClock {
    millis: AtomicU64,
}

impl ManualClock {
    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let millis = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.millis.fetch_add(millis, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_millis(self.millis.load(Ordering::SeqCst))
    }
}

/// A user who may log in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Login name.
    pub name: String,
    /// Plain password (this is a test double; it never leaves the process).
    pub password: String,
    /// Group names, informational.
    pub groups: Vec<String>,
}

/// A user who logs in with a TLS client certificate instead of a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateUser {
    /// The user's certificate as presented in the TLS handshake (DER).
    pub certificate: Vec<u8>,
    /// The user it logs in as.
    pub user: String,
}

/// A logged-in session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The user it belongs to.
    pub user: String,
    /// When it was last used.
    pub last_seen: Duration,
}

/// Fills `buf` from the operating system's random source.
pub fn random_bytes(buf: &mut [u8]) -> Result<(), getrandom::Error> {
    getrandom::getrandom(buf)
}

/// `bytes` random bytes as lower-case hex.
pub fn random_hex(bytes: usize) -> Result<String, getrandom::Error> {
    let mut buf = vec![0u8; bytes];
    random_bytes(&mut buf)?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// A random (version 4) UUID, the key format of SPS password objects.
pub fn random_uuid() -> Result<String, getrandom::Error> {
    let mut b = [0u8; 16];
    random_bytes(&mut b)?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    ))
}

/// Why a login or session lookup failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionError {
    /// Unknown user or wrong password.
    BadCredentials,
    /// The random source failed.
    Random(String),
}

/// Users and live sessions.
pub struct Sessions {
    users: BTreeMap<String, User>,
    certificates: Vec<CertificateUser>,
    sessions: HashMap<String, Session>,
    idle_timeout: Duration,
    max_sessions: usize,
    /// Sessions ended to make room, whose transactions the engine has yet to release.
    evicted: Vec<String>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions")
            .field("users", &self.users.keys().collect::<Vec<_>>())
            .field("sessions", &self.sessions.len())
            .field("idle_timeout", &self.idle_timeout)
            .field("max_sessions", &self.max_sessions)
            .finish()
    }
}

impl Sessions {
    /// A session table for `users`, expiring sessions idle longer than `idle_timeout`.
    pub fn new(users: Vec<User>, idle_timeout: Duration, clock: Arc<dyn Clock>) -> Self {
        Self {
            users: users.into_iter().map(|u| (u.name.clone(), u)).collect(),
            certificates: Vec::new(),
            sessions: HashMap::new(),
            idle_timeout,
            max_sessions: DEFAULT_MAX_SESSIONS,
            evicted: Vec::new(),
            clock,
        }
    }

    /// Keeps at most `max` live sessions (at least one).
    pub fn with_max_sessions(mut self, max: usize) -> Self {
        self.max_sessions = max.max(1);
        self
    }

    /// Lets these certificates log in (certificate login).
    pub fn with_certificates(mut self, certificates: Vec<CertificateUser>) -> Self {
        self.certificates = certificates;
        self
    }

    /// How many sessions are alive (or idle but not yet swept).
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// Whether no session is open.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    /// The sessions a login ended to make room since the last call (their transactions must
    /// go too).
    pub fn take_evicted(&mut self) -> Vec<String> {
        std::mem::take(&mut self.evicted)
    }

    /// Makes room for one more session: when the table is full, ends the least recently used
    /// one. A flood of logins thus keeps the table bounded instead of locking everybody out.
    fn make_room(&mut self) {
        if self.sessions.len() < self.max_sessions {
            return;
        }
        let oldest = self
            .sessions
            .iter()
            .min_by_key(|(_, s)| s.last_seen)
            .map(|(id, _)| id.clone());
        if let Some(oldest) = oldest {
            self.sessions.remove(&oldest);
            self.evicted.push(oldest);
        }
    }

    /// The configured idle timeout.
    pub fn idle_timeout(&self) -> Duration {
        self.idle_timeout
    }

    /// Checks the credentials and opens a session; returns its id (40 hex chars, like SPS).
    pub fn login(&mut self, user: &str, password: &str) -> Result<String, SessionError> {
        let known = self.users.get(user).is_some_and(|u| {
            // Compare without an early exit so the time taken does not leak the password.
            u.password.len() == password.len()
                && u.password
                    .bytes()
                    .zip(password.bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        });
        if !known {
            return Err(SessionError::BadCredentials);
        }
        self.open(user)
    }

    /// Opens a session for the user whose certificate the client presented (the TLS layer
    /// has verified it against the client CA); returns its id.
    pub fn login_with_certificate(&mut self, certificate: &[u8]) -> Result<String, SessionError> {
        let user = self
            .certificates
            .iter()
            .find(|known| known.certificate == certificate)
            .map(|known| known.user.clone())
            .ok_or(SessionError::BadCredentials)?;
        self.open(&user)
    }

    fn open(&mut self, user: &str) -> Result<String, SessionError> {
        let id = random_hex(20).map_err(|e| SessionError::Random(e.to_string()))?;
        self.make_room();
        self.sessions.insert(
            id.clone(),
            Session {
                user: user.to_owned(),
                last_seen: self.clock.now(),
            },
        );
        Ok(id)
    }

    /// Validates a session id and marks it used; `None` if unknown or idle too long.
    pub fn touch(&mut self, id: &str) -> Option<&Session> {
        let now = self.clock.now();
        let idle = self.idle_timeout;
        let alive = self
            .sessions
            .get(id)
            .is_some_and(|s| now.saturating_sub(s.last_seen) < idle);
        if !alive {
            self.sessions.remove(id);
            return None;
        }
        let session = self.sessions.get_mut(id)?;
        session.last_seen = now;
        Some(session)
    }

    /// Seconds left before the session idles out, without touching it.
    pub fn remaining(&self, id: &str) -> Option<Duration> {
        let session = self.sessions.get(id)?;
        let idle = self.clock.now().saturating_sub(session.last_seen);
        self.idle_timeout.checked_sub(idle)
    }

    /// Drops every session idle too long; returns their ids (their transactions must go too).
    pub fn expire(&mut self) -> Vec<String> {
        let now = self.clock.now();
        let idle = self.idle_timeout;
        let expired: Vec<String> = self
            .sessions
            .iter()
            .filter(|(_, s)| now.saturating_sub(s.last_seen) >= idle)
            .map(|(id, _)| id.clone())
            .collect();
        for id in &expired {
            self.sessions.remove(id);
        }
        expired
    }

    /// Ends a session.
    pub fn logout(&mut self, id: &str) -> bool {
        self.sessions.remove(id).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(clock: Arc<ManualClock>) -> Sessions {
        let user = User {
            name: "admin".into(),
            password: "secret".into(),
            groups: vec![],
        };
        Sessions::new(vec![user], DEFAULT_IDLE_TIMEOUT, clock)
    }

    #[test]
    fn login_issues_distinct_40_hex_ids() {
        let mut sessions = table(Arc::new(ManualClock::default()));
        let a = sessions.login("admin", "secret").expect("login");
        let b = sessions.login("admin", "secret").expect("login");
        assert_eq!(a.len(), 40);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
        assert_eq!(sessions.touch(&a).map(|s| s.user.as_str()), Some("admin"));
    }

    #[test]
    fn bad_credentials_are_rejected() {
        let mut sessions = table(Arc::new(ManualClock::default()));
        assert_eq!(
            sessions.login("admin", "wrong"),
            Err(SessionError::BadCredentials)
        );
        assert_eq!(
            sessions.login("admin", "secre"),
            Err(SessionError::BadCredentials)
        );
        assert_eq!(
            sessions.login("nobody", "secret"),
            Err(SessionError::BadCredentials)
        );
    }

    #[test]
    fn idle_sessions_expire_and_use_keeps_them_alive() {
        let clock = Arc::new(ManualClock::default());
        let mut sessions = table(clock.clone());
        let id = sessions.login("admin", "secret").expect("login");
        clock.advance(Duration::from_secs(19 * 60));
        assert!(
            sessions.touch(&id).is_some(),
            "19 idle minutes is within the limit"
        );
        clock.advance(Duration::from_secs(19 * 60));
        assert!(
            sessions.touch(&id).is_some(),
            "the previous use reset the idle timer"
        );
        assert_eq!(sessions.remaining(&id), Some(DEFAULT_IDLE_TIMEOUT));
        clock.advance(DEFAULT_IDLE_TIMEOUT);
        assert_eq!(sessions.expire(), vec![id.clone()]);
        assert!(sessions.touch(&id).is_none());
    }

    #[test]
    fn a_full_table_ends_the_least_recently_used_session() {
        let clock = Arc::new(ManualClock::default());
        let mut sessions = table(clock.clone()).with_max_sessions(2);
        let first = sessions.login("admin", "secret").expect("login");
        clock.advance(Duration::from_secs(1));
        let second = sessions.login("admin", "secret").expect("login");
        clock.advance(Duration::from_secs(1));
        assert!(
            sessions.touch(&first).is_some(),
            "first is now the most recent"
        );
        assert!(sessions.login("admin", "wrong").is_err());
        assert!(
            sessions.take_evicted().is_empty(),
            "a failed login ends nothing"
        );
        let third = sessions.login("admin", "secret").expect("login");
        assert_eq!(sessions.take_evicted(), std::slice::from_ref(&second));
        assert_eq!(sessions.len(), 2);
        assert!(sessions.touch(&second).is_none());
        assert!(sessions.touch(&third).is_some());
    }

    #[test]
    fn a_known_certificate_logs_in_as_its_user() {
        let mut sessions =
            table(Arc::new(ManualClock::default())).with_certificates(vec![CertificateUser {
                certificate: b"admin's DER".to_vec(),
                user: "admin".into(),
            }]);
        let id = sessions
            .login_with_certificate(b"admin's DER")
            .expect("login");
        assert_eq!(sessions.touch(&id).map(|s| s.user.as_str()), Some("admin"));
        assert_eq!(
            sessions.login_with_certificate(b"someone else's DER"),
            Err(SessionError::BadCredentials)
        );
    }

    #[test]
    fn uuid_has_version_4_layout() {
        let uuid = random_uuid().expect("uuid");
        let parts: Vec<&str> = uuid.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'));
    }
}
