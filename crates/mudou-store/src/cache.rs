//! Small in-process caches of facts read on every request.
//!
//! Nothing here is the truth: every entry is a copy of a row, kept for a short time
//! (sessions: [`SESSION_TTL`]) or for facts that never change (who holds an assignment).
//! The store's own writes that end a session clear the session cache at once; another
//! server process sees such a change within `SESSION_TTL`.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a session lookup is reused.
pub const SESSION_TTL: Duration = Duration::from_secs(2);

/// A map whose entries live for `ttl`; it empties itself when it grows past `cap`.
pub(crate) struct TtlCache<K, V> {
    ttl: Duration,
    cap: usize,
    map: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    pub(crate) fn new(ttl: Duration, cap: usize) -> Self {
        TtlCache {
            ttl,
            cap,
            map: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, (Instant, V)>> {
        // A panic while holding the lock leaves a consistent map: keep using it.
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn get(&self, k: &K) -> Option<V> {
        let map = self.lock();
        let (at, v) = map.get(k)?;
        (at.elapsed() < self.ttl).then(|| v.clone())
    }

    pub(crate) fn insert(&self, k: K, v: V) {
        let mut map = self.lock();
        if map.len() >= self.cap {
            let ttl = self.ttl;
            map.retain(|_, (at, _)| at.elapsed() < ttl);
            if map.len() >= self.cap {
                map.clear();
            }
        }
        map.insert(k, (Instant::now(), v));
    }

    pub(crate) fn clear(&self) {
        self.lock().clear();
    }
}

/// The caches one [`crate::Store`] keeps.
#[derive(Default)]
pub(crate) struct Caches {
    /// Session token hash → the session and its user.
    pub(crate) sessions: TtlCache<String, crate::SessionInfo>,
    /// Assignment id → (annotator, order, centre): fixed when the assignment is made.
    pub(crate) assignment_owner: TtlCache<i64, (i64, i64, i64)>,
    /// The open orders, for every request for work. Cleared when this store changes an
    /// order's state; another process's change shows within [`OPEN_ORDERS_TTL`].
    pub(crate) open_orders: TtlCache<(), std::sync::Arc<Vec<crate::OpenOrder>>>,
    /// Counts changes of order states, so a list read before a change is not kept after it.
    pub(crate) orders_changed: std::sync::atomic::AtomicU64,
}

impl Caches {
    /// An order's state changed (published, paused, closed…): dispatch reads the list anew.
    pub(crate) fn order_state_changed(&self) {
        self.orders_changed
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.open_orders.clear();
    }
}

/// How long another server process may go on dispatching from its old list of open
/// orders (a closed order's leases are refused anyway).
pub const OPEN_ORDERS_TTL: Duration = Duration::from_secs(1);

impl Default for TtlCache<(), std::sync::Arc<Vec<crate::OpenOrder>>> {
    fn default() -> Self {
        TtlCache::new(OPEN_ORDERS_TTL, 1)
    }
}

impl Default for TtlCache<String, crate::SessionInfo> {
    fn default() -> Self {
        TtlCache::new(SESSION_TTL, 100_000)
    }
}

impl Default for TtlCache<i64, (i64, i64, i64)> {
    fn default() -> Self {
        TtlCache::new(Duration::from_secs(24 * 3600), 200_000)
    }
}

impl std::fmt::Debug for Caches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Caches")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_the_map_stays_bounded() {
        let c = TtlCache::new(Duration::from_millis(30), 3);
        c.insert(1, "a");
        assert_eq!(c.get(&1), Some("a"));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(c.get(&1), None, "expired");
        for k in 0..10 {
            c.insert(k, "x");
        }
        assert!(c.lock().len() <= 3);
        c.clear();
        assert_eq!(c.get(&9), None);
    }
}
