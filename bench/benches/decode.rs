//! Decode bench: how fast the generated types read a reply, next to `serde_json::Value` and to
//! a plain derive that drops unknown fields, in the same run, on the same bytes:
//!
//! - a list reply of 10,000 local users (`LocalUserList`, each item with a body, a password
//!   reference and a link);
//! - the spec's largest example, decoded as its type, many times.
//!
//! The plain derive is the generator's own output for the same spec with unknown-field keeping
//! turned off (made by `build.rs`), so the ratio is what keeping unknown fields costs. Run with
//! `cargo bench -p sps-bench --bench decode`; without `--bench` (e.g. `cargo test --benches`)
//! it does a short smoke run. Numbers are printed, never asserted.

use std::hint::black_box;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

#[allow(clippy::all, dead_code, missing_docs, unexpected_cfgs)]
mod plain {
    include!(concat!(env!("OUT_DIR"), "/plain_types.rs"));
}

include!(concat!(env!("OUT_DIR"), "/large_example.rs"));

/// Items of the list reply.
const ITEMS: usize = 10_000;

/// One measurement: the median time of one decode over `runs` runs of `batch` decodes.
fn measure<T>(runs: usize, batch: usize, bytes: &[u8], decode: impl Fn(&[u8]) -> T) -> Duration {
    // Unmeasured first run: allocator and caches warm.
    black_box(decode(bytes));
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..batch {
                black_box(decode(black_box(bytes)));
            }
            start.elapsed() / batch as u32
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn list_reply() -> Vec<u8> {
    let base = "/api/configuration/aaa/local_database/users";
    let items: Vec<Value> = (0..ITEMS)
        .map(|i| {
            json!({
                "key": format!("{i:08x}-5d2c-4a39-9b0e-2f7c1c0d{i:04}"),
                "body": {
                    "name": format!("operator{i}"),
                    "password": {"key": format!("pw-{i}"), "meta": {"href": format!("/api/configuration/passwords/pw-{i}")}},
                    "password_created": 1_700_000_000 + i,
                },
                "meta": {"href": format!("{base}/{i:08x}")},
            })
        })
        .collect();
    let reply = json!({
        "items": items,
        "meta": {
            "href": base,
            "parent": "/api/configuration/aaa/local_database",
            "transaction": "/api/transaction",
        },
    });
    serde_json::to_vec(&reply).expect("JSON")
}

struct Row {
    what: String,
    bytes: usize,
    generated: Duration,
    plain: Duration,
    value: Duration,
}

fn print(rows: &[Row]) {
    let mbs = |bytes: usize, t: Duration| bytes as f64 / t.as_secs_f64() / 1e6;
    println!(
        "{:<44} {:>10} {:>10} {:>10} {:>9} {:>9}",
        "decode (median per decode)", "generated", "plain", "Value", "gen/plain", "Value/plain"
    );
    for row in rows {
        println!(
            "{:<44} {:>10.2?} {:>10.2?} {:>10.2?} {:>8.2}x {:>8.2}x",
            row.what,
            row.generated,
            row.plain,
            row.value,
            row.generated.as_secs_f64() / row.plain.as_secs_f64(),
            row.value.as_secs_f64() / row.plain.as_secs_f64(),
        );
        println!(
            "{:<44} {:>7.0} MB/s {:>5.0} MB/s {:>5.0} MB/s",
            format!("  ({} bytes)", row.bytes),
            mbs(row.bytes, row.generated),
            mbs(row.bytes, row.plain),
            mbs(row.bytes, row.value),
        );
    }
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (runs, large_batch) = if full { (15, 2000) } else { (1, 10) };
    let list = list_reply();
    let large = include_bytes!(concat!(env!("OUT_DIR"), "/large_example.json"));
    // Each decoder must accept the bytes before it is timed.
    serde_json::from_slice::<sps_types::LocalUserList>(&list).expect("generated decodes the list");
    serde_json::from_slice::<plain::LocalUserList>(&list).expect("plain decodes the list");
    large_generated(large).expect("generated decodes the large object");
    large_plain(large).expect("plain decodes the large object");
    let rows = [
        Row {
            what: format!("list reply, {ITEMS} items (LocalUserList)"),
            bytes: list.len(),
            generated: measure(runs, 1, &list, |b| {
                serde_json::from_slice::<sps_types::LocalUserList>(b)
            }),
            plain: measure(runs, 1, &list, |b| {
                serde_json::from_slice::<plain::LocalUserList>(b)
            }),
            value: measure(runs, 1, &list, |b| serde_json::from_slice::<Value>(b)),
        },
        Row {
            what: format!("large object (largest example, {LARGE_TYPE})"),
            bytes: large.len(),
            generated: measure(runs, large_batch, large, large_generated),
            plain: measure(runs, large_batch, large, large_plain),
            value: measure(runs, large_batch, large, |b| {
                serde_json::from_slice::<Value>(b)
            }),
        },
    ];
    print(&rows);
}
