//! Slows password guessing on `POST /auth/token`. Failed logins are counted per username
//! and per client address over a window; past either limit the endpoint answers 429 with
//! `Retry-After` (the seconds until the oldest failure leaves the window), even for the
//! right password, so a guesser learns nothing while throttled. A successful login clears
//! the username's count. The address is the TCP peer: behind a reverse proxy every client
//! shares the proxy's address, and the per-address limit should be set with that in mind.
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::ApiError;

/// Entries kept before expired ones are swept.
const SWEEP_ABOVE: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    User(String),
    Address(IpAddr),
}

impl Key {
    /// Usernames are counted without case or surrounding spaces.
    fn user(name: &str) -> Self {
        Key::User(name.trim().to_lowercase())
    }
}

pub struct LoginThrottle {
    window: Duration,
    per_user: usize,
    per_address: usize,
    failures: Mutex<HashMap<Key, VecDeque<Instant>>>,
}

impl LoginThrottle {
    pub fn new(window: Duration, per_user: usize, per_address: usize) -> Self {
        LoginThrottle {
            window,
            per_user,
            per_address,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// The counters a login attempt touches: its username's and its address's.
    fn keys(username: &str, address: Option<IpAddr>) -> impl Iterator<Item = Key> {
        std::iter::once(Key::user(username)).chain(address.map(Key::Address))
    }

    /// The failures a key may have within the window, and whom it stands for.
    fn limit(&self, key: &Key) -> (usize, &'static str) {
        match key {
            Key::User(_) => (self.per_user, "this username"),
            Key::Address(_) => (self.per_address, "your address"),
        }
    }

    /// 429 when the username or the address has used up its failures.
    pub fn check(&self, username: &str, address: Option<IpAddr>) -> Result<(), ApiError> {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for key in Self::keys(username, address) {
            let (limit, who) = self.limit(&key);
            let Some(times) = failures.get_mut(&key) else {
                continue;
            };
            while times
                .front()
                .is_some_and(|t| now.duration_since(*t) >= self.window)
            {
                times.pop_front();
            }
            if times.len() >= limit {
                let oldest = *times.front().expect("limit is at least 1");
                let wait = self.window.saturating_sub(now.duration_since(oldest));
                return Err(ApiError::TooManyRequests {
                    detail: format!(
                        "too many failed logins for {who}; try again in {} s",
                        wait.as_secs().max(1)
                    ),
                    retry_after: wait.as_secs().max(1),
                });
            }
        }
        Ok(())
    }

    pub fn failed(&self, username: &str, address: Option<IpAddr>) {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() > SWEEP_ABOVE {
            let window = self.window;
            failures.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < window)
            });
        }
        for key in Self::keys(username, address) {
            let (limit, _) = self.limit(&key);
            let times = failures.entry(key).or_default();
            times.push_back(now);
            // Only the last `limit` failures decide.
            while times.len() > limit {
                times.pop_front();
            }
        }
    }

    pub fn succeeded(&self, username: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(&Key::user(username));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_username_is_throttled_after_its_failures_and_cleared_by_success() {
        let throttle = LoginThrottle::new(Duration::from_secs(60), 3, 100);
        let address = Some("10.0.0.1".parse().unwrap());
        for _ in 0..3 {
            assert!(throttle.check("Admin", address).is_ok());
            throttle.failed("Admin", address);
        }
        let err = throttle.check("admin", address).unwrap_err();
        match err {
            ApiError::TooManyRequests { retry_after, .. } => {
                assert!((1..=60).contains(&retry_after))
            }
            other => panic!("{other:?}"),
        }
        assert!(throttle.check("someone-else", address).is_ok());
        throttle.succeeded("admin");
        assert!(throttle.check("admin", address).is_ok());
    }

    #[test]
    fn an_address_is_throttled_across_usernames_and_failures_expire() {
        let throttle = LoginThrottle::new(Duration::from_millis(50), 100, 2);
        let address = Some("10.0.0.2".parse().unwrap());
        throttle.failed("a", address);
        throttle.failed("b", address);
        assert!(throttle.check("c", address).is_err());
        assert!(throttle
            .check("c", Some("10.0.0.3".parse().unwrap()))
            .is_ok());
        std::thread::sleep(Duration::from_millis(60));
        assert!(throttle.check("c", address).is_ok());
    }
}
