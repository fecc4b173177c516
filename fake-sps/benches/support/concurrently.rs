//! Shared by the load benches of `fake-sps` and `sps-tests` (included with `#[path]`).

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Runs `total` jobs on `workers` tasks (each takes the next job number until none is left);
/// returns the elapsed time, or the first error.
pub async fn concurrently<F, Fut>(total: usize, workers: usize, job: F) -> Result<Duration, String>
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks: tokio::task::JoinSet<Result<(), String>> = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let (next, job) = (next.clone(), job.clone());
        tasks.spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= total {
                    return Ok(());
                }
                job(n).await?;
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.map_err(|e| format!("a client task failed: {e}"))??;
    }
    Ok(started.elapsed())
}
