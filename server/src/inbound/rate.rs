//! The per-job rate limit of bulk uploads: a token bucket per job holding
//! one second's worth of requests, refilled continuously, so a job accepts
//! `requests_per_second` on average and that many in a burst. In memory: a
//! restart starts every bucket full, and several instances count apart.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    /// Takes one request from the job's bucket, or says how long until one
    /// is there.
    pub(crate) fn take(&self, job_id: &str, per_second: u32, now: Instant) -> Result<(), Duration> {
        let rate = f64::from(per_second.max(1));
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let bucket = buckets
            .entry(job_id.to_owned())
            .or_insert(Bucket { tokens: rate, at: now });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(rate);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / rate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_one_second_then_the_rate() {
        let limiter = RateLimiter::default();
        let start = Instant::now();
        for _ in 0..4 {
            assert!(limiter.take("hr", 4, start).is_ok());
        }
        let wait = limiter.take("hr", 4, start).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_millis(250), "{wait:?}");
        assert!(limiter.take("payroll", 4, start).is_ok(), "jobs count apart");
        assert!(limiter.take("hr", 4, start + Duration::from_millis(250)).is_ok());
        assert!(limiter.take("hr", 4, start + Duration::from_millis(260)).is_err());
    }
}
