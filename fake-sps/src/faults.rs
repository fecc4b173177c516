//! Misbehaviour on purpose (`--faults SPEC`): latency, 5xx answers with or without
//! `Retry-After`, dropped connections and sessions that expire early, each at a rate or on a
//! schedule, so that clients can be tested against what real appliances and the load balancers
//! in front of them do.
//!
//! `SPEC` is a comma-separated list of `FAULT@WHEN` items and an optional `seed=N`:
//!
//! | `FAULT`                      | effect                                                        |
//! |------------------------------|---------------------------------------------------------------|
//! | `latency=DURATION`           | waits (`250ms`, `2s`) before handling the request             |
//! | `CODE` (500-599)             | answers `CODE` with a plain-text body, as a gateway would     |
//! | `CODE+retry-after=SECONDS`   | the same with a `Retry-After` header                          |
//! | `drop`                       | closes the connection without answering                       |
//! | `expire`                     | ends the caller's session (and its transaction) first          |
//!
//! `WHEN` is a rate (`20%` or `0.2`), `every=N` (every N-th request) or `at=N/M/...` (those
//! requests). Requests are numbered from 1 in the order they arrive. A rate decision is a hash of
//! the seed, the item's position and the request number, so the same seed and the same
//! sequence of requests fail the same way. Except for latency, the first item that fires
//! decides; answers and drops happen before the appliance sees the request, so nothing of it
//! took effect.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{from_fn, Next};
use axum::response::{IntoResponse, Response};

use crate::server::DropConnection;

/// What an item does.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Waits this long, then handles the request.
    Latency(Duration),
    /// Answers this status instead of the appliance.
    Status {
        /// 500-599.
        code: u16,
        /// `Retry-After` in seconds, if sent.
        retry_after: Option<u64>,
    },
    /// Closes the connection without an answer.
    Drop,
    /// Ends the caller's session before the request is handled.
    Expire,
}

/// When an item fires.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// For this share of requests (0 to 1), chosen by the seeded hash.
    Rate(f64),
    /// For every N-th request.
    Every(u64),
    /// For these request numbers.
    At(BTreeSet<u64>),
}

/// One `FAULT@WHEN` item.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// What happens.
    pub fault: Fault,
    /// When.
    pub trigger: Trigger,
}

/// A parsed `--faults` value; the default injects nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultPlan {
    /// Seed of the rate decisions (default 0).
    pub seed: u64,
    /// The items, in the order given.
    pub rules: Vec<Rule>,
}

/// A `--faults` value that does not parse, with the item at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultSpecError {
    /// The offending item.
    pub item: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for FaultSpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "fault {:?}: {}", self.item, self.message)
    }
}

impl std::error::Error for FaultSpecError {}

/// Parses `250ms`, `2s`, `1.5s` or `3m`.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (number, unit) = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map_or((text, ""), |at| text.split_at(at));
    let value: f64 = number.parse().ok().filter(|v: &f64| v.is_finite())?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        _ => return None,
    };
    Duration::try_from_secs_f64(seconds).ok()
}

fn parse_fault(text: &str) -> Result<Fault, String> {
    if let Some(duration) = text.strip_prefix("latency=") {
        return parse_duration(duration)
            .map(Fault::Latency)
            .ok_or_else(|| format!("{duration:?} is not a duration like 250ms or 2s"));
    }
    match text {
        "drop" => return Ok(Fault::Drop),
        "expire" => return Ok(Fault::Expire),
        _ => {}
    }
    let (code, retry_after) = match text.split_once('+') {
        Some((code, option)) => {
            let seconds = option
                .strip_prefix("retry-after=")
                .and_then(|s| s.parse::<u64>().ok())
                .ok_or_else(|| format!("{option:?} is not retry-after=SECONDS"))?;
            (code, Some(seconds))
        }
        None => (text, None),
    };
    match code.parse::<u16>() {
        Ok(code @ 500..=599) => Ok(Fault::Status { code, retry_after }),
        _ => Err(format!(
            "{text:?} is not latency=DURATION, a status 500-599 (with +retry-after=SECONDS), \
             drop or expire"
        )),
    }
}

fn parse_trigger(text: &str) -> Result<Trigger, String> {
    if let Some(n) = text.strip_prefix("every=") {
        return match n.parse::<u64>() {
            Ok(n) if n > 0 => Ok(Trigger::Every(n)),
            _ => Err(format!("every={n}: expected a whole number above 0")),
        };
    }
    if let Some(list) = text.strip_prefix("at=") {
        return list
            .split('/')
            .map(|n| {
                n.parse::<u64>()
                    .map_err(|_| format!("at: {n:?} is not a request number"))
            })
            .collect::<Result<BTreeSet<_>, _>>()
            .map(Trigger::At);
    }
    let rate = match text.strip_suffix('%') {
        Some(percent) => percent.parse::<f64>().map(|p| p / 100.0),
        None => text.parse::<f64>(),
    };
    match rate {
        Ok(rate) if (0.0..=1.0).contains(&rate) => Ok(Trigger::Rate(rate)),
        _ => Err(format!(
            "{text:?} is not a rate (20% or 0.2), every=N or at=N/M/..."
        )),
    }
}

impl std::str::FromStr for FaultPlan {
    type Err = FaultSpecError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let mut plan = FaultPlan::default();
        for item in spec.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let error = |message: String| FaultSpecError {
                item: item.to_owned(),
                message,
            };
            if let Some(seed) = item.strip_prefix("seed=") {
                plan.seed = seed
                    .parse()
                    .map_err(|_| error("the seed must be a whole number".into()))?;
                continue;
            }
            let (fault, trigger) = item
                .split_once('@')
                .ok_or_else(|| error("expected FAULT@WHEN, e.g. 503@10%".into()))?;
            plan.rules.push(Rule {
                fault: parse_fault(fault).map_err(error)?,
                trigger: parse_trigger(trigger).map_err(error)?,
            });
        }
        Ok(plan)
    }
}

/// What to do with one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Wait this long first.
    pub latency: Duration,
    /// Then this (or handle the request normally).
    pub fault: Option<Fault>,
}

/// A [`FaultPlan`] in action: numbers the requests and decides for each.
#[derive(Debug, Default)]
pub struct Faults {
    plan: FaultPlan,
    requests: AtomicU64,
}

/// splitmix64: a well-mixed 64-bit hash, enough for repeatable coin flips.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

impl Faults {
    /// Puts `plan` in action, starting at request 1.
    pub fn new(plan: FaultPlan) -> Self {
        Self {
            plan,
            requests: AtomicU64::new(0),
        }
    }

    /// Whether any fault is planned at all.
    pub fn is_empty(&self) -> bool {
        self.plan.rules.is_empty()
    }

    /// Decides for the next request.
    pub fn next(&self) -> Decision {
        let n = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
        self.decide(n)
    }

    /// The decision for request number `n`.
    pub fn decide(&self, n: u64) -> Decision {
        let mut decision = Decision {
            latency: Duration::ZERO,
            fault: None,
        };
        for (index, rule) in self.plan.rules.iter().enumerate() {
            let fires = match &rule.trigger {
                Trigger::Every(every) => n % every == 0,
                Trigger::At(numbers) => numbers.contains(&n),
                Trigger::Rate(rate) => {
                    let hash = mix(self.plan.seed ^ mix(index as u64) ^ mix(n.rotate_left(32)));
                    // The top 53 bits as a number in [0, 1).
                    ((hash >> 11) as f64) / ((1u64 << 53) as f64) < *rate
                }
            };
            if !fires {
                continue;
            }
            match &rule.fault {
                Fault::Latency(wait) => decision.latency += *wait,
                other if decision.fault.is_none() => decision.fault = Some(other.clone()),
                _ => {}
            }
        }
        decision
    }
}

/// Ends the session with the given id (the engine's, for `expire`).
pub type EndSession = Arc<dyn Fn(&str) + Send + Sync>;

/// `router` behind the planned faults (unchanged when none is planned).
pub fn around(router: axum::Router, faults: Arc<Faults>, end_session: EndSession) -> axum::Router {
    if faults.is_empty() {
        return router;
    }
    router.layer(from_fn(move |request: Request, next: Next| {
        let decision = faults.next();
        let end_session = end_session.clone();
        async move { inject(decision, &end_session, request, next).await }
    }))
}

async fn inject(
    decision: Decision,
    end_session: &EndSession,
    request: Request,
    next: Next,
) -> Response {
    if !decision.latency.is_zero() {
        tokio::time::sleep(decision.latency).await;
    }
    match decision.fault {
        None | Some(Fault::Latency(_)) => next.run(request).await,
        Some(Fault::Expire) => {
            if let Some(id) = session_cookie(&request) {
                end_session(&id);
            }
            next.run(request).await
        }
        Some(Fault::Drop) => {
            let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
            response.extensions_mut().insert(DropConnection);
            response
        }
        Some(Fault::Status { code, retry_after }) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let mut response = (status, format!("{status} (injected fault)\n")).into_response();
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            response
        }
    }
}

/// The session cookie of a request, if it sends one.
fn session_cookie(request: &Request) -> Option<String> {
    request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == sps_server::SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(spec: &str) -> FaultPlan {
        spec.parse().expect("valid spec")
    }

    #[test]
    fn specs_parse_into_rules() {
        let p = plan("seed=7, latency=250ms@every=3, 503+retry-after=2@10%, 502@0.05, drop@at=4/9, expire@at=5");
        assert_eq!(p.seed, 7);
        assert_eq!(
            p.rules.iter().map(|r| r.fault.clone()).collect::<Vec<_>>(),
            [
                Fault::Latency(Duration::from_millis(250)),
                Fault::Status {
                    code: 503,
                    retry_after: Some(2)
                },
                Fault::Status {
                    code: 502,
                    retry_after: None
                },
                Fault::Drop,
                Fault::Expire,
            ]
        );
        assert_eq!(p.rules[1].trigger, Trigger::Rate(0.1));
        assert_eq!(p.rules[3].trigger, Trigger::At(BTreeSet::from([4, 9])));
        assert_eq!(plan(""), FaultPlan::default());
    }

    #[test]
    fn bad_items_are_named() {
        for (spec, item) in [
            ("503", "503"),
            ("404@10%", "404@10%"),
            ("drop@150%", "drop@150%"),
            ("latency=soon@every=2", "latency=soon@every=2"),
            ("expire@every=0", "expire@every=0"),
            ("seed=x", "seed=x"),
            ("503+retry=1@1%", "503+retry=1@1%"),
        ] {
            let err = spec.parse::<FaultPlan>().expect_err(spec);
            assert_eq!(err.item, item, "{err}");
        }
    }

    #[test]
    fn schedules_fire_exactly_and_latency_adds_up() {
        let faults = Faults::new(plan(
            "latency=1s@every=2, latency=1s@at=4, drop@at=4, 503@at=4",
        ));
        assert_eq!(faults.decide(1).latency, Duration::ZERO);
        assert_eq!(faults.decide(2).latency, Duration::from_secs(1));
        let fourth = faults.decide(4);
        assert_eq!(fourth.latency, Duration::from_secs(2));
        assert_eq!(
            fourth.fault,
            Some(Fault::Drop),
            "the first firing item decides"
        );
    }

    #[test]
    fn rates_are_seeded_repeatable_and_close_to_the_rate() {
        let count = |seed: u64| {
            let faults = Faults::new(plan(&format!("seed={seed},503@20%")));
            (1..=10_000)
                .filter(|n| faults.decide(*n).fault.is_some())
                .collect::<Vec<_>>()
        };
        let a = count(1);
        assert_eq!(a, count(1), "same seed, same failures");
        assert_ne!(a, count(2), "another seed, other failures");
        assert!((1800..2200).contains(&a.len()), "{} of 10000", a.len());
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("2"), None);
        assert_eq!(parse_duration("-1s"), None);
    }
}
