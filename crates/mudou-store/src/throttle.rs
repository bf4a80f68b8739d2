//! Login throttling and known browsers (issue 24: no stranger can lock an account).
//!
//! Every login attempt names a few keys (its source address, the account, the device, …).
//! An attempt is *taken* before the secret is checked: in one transaction it is refused when
//! any of its keys is blocked, and otherwise counted as a failure on every key at once, so a
//! burst of parallel guesses cannot all slip through before the first one is counted. A right
//! secret then gives the attempt back ([`Store::attempt_succeeded`]). A key's first `free`
//! failures cost nothing; each further one blocks the key for `base_ms`, doubling, up to
//! `max_ms`. A key whose last failure is older than `forget_ms` starts again from zero.

use crate::{Result, Store};
use mudou_domain::UserId;

/// How a kind of key is slowed down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleRule {
    /// Failures that cost nothing.
    pub free: i64,
    /// The wait after the first failure beyond `free`; it doubles with each further one.
    pub base_ms: i64,
    /// The longest wait.
    pub max_ms: i64,
    /// A key whose last failure is older than this starts again from zero.
    pub forget_ms: i64,
    /// On success the key is forgotten (an account, a device pair); otherwise only the
    /// attempt is given back (a source address, shared by many people).
    pub reset_on_success: bool,
}

impl ThrottleRule {
    /// The time a key is blocked until after its `failures`-th failure at `now` (0: not blocked).
    pub fn blocked_until(&self, failures: i64, now: i64) -> i64 {
        if failures <= self.free {
            return 0;
        }
        let doublings = (failures - self.free - 1).clamp(0, 40) as u32;
        let wait = self
            .base_ms
            .saturating_mul(1i64 << doublings)
            .min(self.max_ms);
        now + wait
    }
}

/// One key an attempt counts against.
#[derive(Debug, Clone)]
pub struct ThrottleKey {
    pub key: String,
    /// The user the key is about, when there is one (for forgetting on a new PIN).
    pub user_id: Option<i64>,
    pub rule: ThrottleRule,
}

#[derive(sqlx::FromRow)]
struct ThrottleRow {
    failures: i64,
    blocked_until: i64,
    last_at: i64,
}

const LOCK_ROW: &str = "INSERT INTO auth_throttle (key, user_id, failures, blocked_until, last_at) \
     VALUES ($1, $2, 0, 0, 0) \
     ON CONFLICT (key) DO UPDATE SET user_id = COALESCE(auth_throttle.user_id, excluded.user_id) \
     RETURNING failures, blocked_until, last_at";

impl Store {
    /// Takes one login attempt against `keys`. `Some(until)` when a key is blocked (nothing
    /// is counted; retry at `until`); otherwise the attempt is counted as a failure on every
    /// key and `None` is returned: call [`Store::attempt_succeeded`] if the secret was right.
    pub async fn take_attempt(&self, keys: &[ThrottleKey], now: i64) -> Result<Option<i64>> {
        let mut keys: Vec<&ThrottleKey> = keys.iter().collect();
        // One order for every transaction, so two attempts cannot wait on each other's rows.
        keys.sort_by(|a, b| a.key.cmp(&b.key));
        keys.dedup_by(|a, b| a.key == b.key);
        // Now and then, forget what no rule remembers any more (a spray of made-up usernames
        // or addresses must not grow the table for ever).
        if now % 128 == 0 {
            self.prune_throttle(now).await?;
        }
        Ok(in_tx!(self, tx => {
            let mut rows = Vec::with_capacity(keys.len());
            let mut blocked: Option<i64> = None;
            for k in &keys {
                // The upsert holds the row (PostgreSQL locks it; SQLite has one writer).
                let row: ThrottleRow = sqlx::query_as(LOCK_ROW)
                    .bind(&k.key).bind(k.user_id).fetch_one(&mut *tx).await?;
                if row.blocked_until > now {
                    blocked = Some(blocked.map_or(row.blocked_until, |b| b.max(row.blocked_until)));
                }
                rows.push(row);
            }
            if blocked.is_none() {
                for (k, row) in keys.iter().zip(&rows) {
                    let before = if now - row.last_at > k.rule.forget_ms { 0 } else { row.failures };
                    let failures = before + 1;
                    sqlx::query("UPDATE auth_throttle SET failures = $2, blocked_until = $3, last_at = $4 WHERE key = $1")
                        .bind(&k.key).bind(failures).bind(k.rule.blocked_until(failures, now)).bind(now)
                        .execute(&mut *tx).await?;
                }
            }
            blocked
        }))
    }

    /// Gives back an attempt taken by [`Store::take_attempt`] whose secret was right: keys
    /// with `reset_on_success` are forgotten, the others lose the one failure counted.
    pub async fn attempt_succeeded(&self, keys: &[ThrottleKey]) -> Result<()> {
        let mut keys: Vec<&ThrottleKey> = keys.iter().collect();
        keys.sort_by(|a, b| a.key.cmp(&b.key));
        keys.dedup_by(|a, b| a.key == b.key);
        in_tx!(self, tx => {
            for k in &keys {
                if k.rule.reset_on_success {
                    sqlx::query("DELETE FROM auth_throttle WHERE key = $1")
                        .bind(&k.key).execute(&mut *tx).await?;
                    continue;
                }
                let row: Option<ThrottleRow> = sqlx::query_as(
                    "SELECT failures, blocked_until, last_at FROM auth_throttle WHERE key = $1")
                    .bind(&k.key).fetch_optional(&mut *tx).await?;
                let Some(row) = row else { continue };
                let failures = (row.failures - 1).max(0);
                // About the wait the key had before this attempt was counted.
                let until = k.rule.blocked_until(failures, row.last_at).min(row.blocked_until);
                sqlx::query("UPDATE auth_throttle SET failures = $2, blocked_until = $3 WHERE key = $1")
                    .bind(&k.key).bind(failures).bind(until)
                    .execute(&mut *tx).await?;
            }
        });
        Ok(())
    }

    /// Deletes keys idle for over two days (longer than any rule's `forget_ms` in use, so
    /// nothing a rule would still count) and known browsers unused for over 400 days.
    pub async fn prune_throttle(&self, now: i64) -> Result<u64> {
        const IDLE_MS: i64 = 2 * 86_400_000;
        const BROWSER_MS: i64 = 400 * 86_400_000;
        let n = on_write!(self, p => sqlx::query(
            "DELETE FROM auth_throttle WHERE last_at < $1 AND blocked_until < $2")
            .bind(now - IDLE_MS).bind(now).execute(p).await?.rows_affected());
        on_write!(self, p => sqlx::query("DELETE FROM known_browsers WHERE last_used_at < $1")
            .bind(now - BROWSER_MS).execute(p).await?.rows_affected());
        Ok(n)
    }

    /// The users with a blocked key starting with `prefix` (e.g. `pin:DEVICE:`), for the roster.
    pub async fn throttled_users(&self, prefix: &str, now: i64) -> Result<Vec<i64>> {
        // `prefix` is made by the server from numbers; LIKE's wildcards cannot appear in it.
        let sql = "SELECT user_id FROM auth_throttle \
                   WHERE key LIKE $1 AND blocked_until > $2 AND user_id IS NOT NULL";
        let pattern = format!("{prefix}%");
        Ok(on_read!(self, p => sqlx::query_scalar::<_, i64>(sql)
            .bind(&pattern).bind(now).fetch_all(p).await?))
    }

    // ---- known browsers ----------------------------------------------------------------

    /// Remembers a browser where `user_id` logged in (its cookie's hash).
    pub async fn add_known_browser(
        &self,
        token_hash: &str,
        user_id: UserId,
        now: i64,
    ) -> Result<()> {
        let sql = "INSERT INTO known_browsers (token_hash, user_id, created_at, last_used_at) \
                   VALUES ($1, $2, $3, $3)";
        on_write!(self, p => sqlx::query(sql).bind(token_hash).bind(user_id.get()).bind(now)
            .execute(p).await?.rows_affected());
        Ok(())
    }

    /// The user a known-browser cookie was given to, if it is one of ours and not older than
    /// `max_age_ms` since its last use.
    pub async fn known_browser_user(
        &self,
        token_hash: &str,
        now: i64,
        max_age_ms: i64,
    ) -> Result<Option<i64>> {
        let sql = "SELECT user_id FROM known_browsers WHERE token_hash = $1 AND last_used_at > $2";
        Ok(on_read!(self, p => sqlx::query_scalar::<_, i64>(sql)
            .bind(token_hash).bind(now - max_age_ms).fetch_optional(p).await?))
    }

    /// Notes a known browser's use (at most one write an hour).
    pub async fn touch_known_browser(&self, token_hash: &str, now: i64) -> Result<()> {
        let sql = "UPDATE known_browsers SET last_used_at = $2 \
                   WHERE token_hash = $1 AND last_used_at < $2 - 3600000";
        on_write!(self, p => sqlx::query(sql).bind(token_hash).bind(now)
            .execute(p).await?.rows_affected());
        Ok(())
    }
}
