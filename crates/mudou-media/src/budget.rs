//! A memory budget for decoding: every decode reserves the memory its pixels will take
//! (known from the header, before any pixel buffer exists) and gives it back when done. When
//! the budget is spent, a decode waits its turn (first come, first served) for a bounded time,
//! then fails with [`MediaError::Busy`]; a picture that needs more than the whole budget is
//! refused at once as `too_large`.
//!
//! The waits block the calling thread (decoding runs on rayon's or the blocking pool's
//! threads); a reservation is only ever held while decoding and making renditions, never while
//! waiting for anything else, so waiting cannot deadlock.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::MediaError;

/// A shared memory budget for decoding. Cheap to clone (clones share the budget).
#[derive(Clone)]
pub struct DecodeBudget {
    inner: Arc<Inner>,
}

struct Inner {
    /// Bytes that may be reserved at once (`u64::MAX`: unlimited).
    total: u64,
    /// Longest wait for room before [`MediaError::Busy`].
    max_wait: Duration,
    state: Mutex<State>,
    room: Condvar,
}

#[derive(Default)]
struct State {
    reserved: u64,
    high_water: u64,
    /// Tickets of the waiting reservations, oldest first.
    queue: VecDeque<u64>,
    next_ticket: u64,
    waited: u64,
    timed_out: u64,
}

impl DecodeBudget {
    /// A budget of `total_bytes`, with waits of at most `max_wait` for room.
    pub fn new(total_bytes: u64, max_wait: Duration) -> Self {
        DecodeBudget {
            inner: Arc::new(Inner {
                total: total_bytes,
                max_wait,
                state: Mutex::new(State::default()),
                room: Condvar::new(),
            }),
        }
    }

    /// No limit (reservations are still counted); what [`crate::Limits::default`] uses.
    pub fn unlimited() -> Self {
        Self::new(u64::MAX, Duration::ZERO)
    }

    /// The budget in bytes (`u64::MAX` when unlimited).
    pub fn total(&self) -> u64 {
        self.inner.total
    }

    /// The longest wait for room.
    pub fn max_wait(&self) -> Duration {
        self.inner.max_wait
    }

    /// Bytes reserved right now.
    pub fn reserved(&self) -> u64 {
        self.lock().reserved
    }

    /// The most bytes ever reserved at once (never more than [`DecodeBudget::total`]).
    pub fn high_water(&self) -> u64 {
        self.lock().high_water
    }

    /// Reservations that had to wait for room.
    pub fn waited(&self) -> u64 {
        self.lock().waited
    }

    /// Reservations that waited `max_wait` in vain ([`MediaError::Busy`]).
    pub fn timed_out(&self) -> u64 {
        self.lock().timed_out
    }

    /// Reserves `bytes`, waiting (first come, first served) up to the budget's `max_wait` for
    /// room. More than the whole budget is `too_large` at once; no room in time is `Busy`.
    /// The reservation is given back when the returned value is dropped.
    pub fn reserve(&self, bytes: u64) -> Result<Reservation, MediaError> {
        let total = self.inner.total;
        if bytes > total {
            return Err(MediaError::TooLarge {
                what: format!(
                    "decoding it needs {} MiB of memory; this server decodes with at most {} MiB",
                    bytes.div_ceil(1 << 20),
                    total >> 20
                ),
            });
        }
        let mut st = self.lock();
        let ticket = st.next_ticket;
        st.next_ticket += 1;
        st.queue.push_back(ticket);
        let deadline = Instant::now() + self.inner.max_wait;
        let mut counted_wait = false;
        loop {
            if st.queue.front() == Some(&ticket) && total - st.reserved >= bytes {
                st.queue.pop_front();
                st.reserved += bytes;
                st.high_water = st.high_water.max(st.reserved);
                drop(st);
                // The next in line may fit too.
                self.inner.room.notify_all();
                return Ok(Reservation {
                    budget: self.clone(),
                    bytes,
                });
            }
            let now = Instant::now();
            if now >= deadline {
                st.queue.retain(|&t| t != ticket);
                st.timed_out += 1;
                drop(st);
                // Whoever was behind this one may go now.
                self.inner.room.notify_all();
                return Err(MediaError::Busy {
                    needed_mib: bytes.div_ceil(1 << 20),
                    waited_s: self.inner.max_wait.as_secs(),
                });
            }
            if !counted_wait {
                counted_wait = true;
                st.waited += 1;
            }
            st = self
                .inner
                .room
                .wait_timeout(st, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn release(&self, bytes: u64) {
        if bytes == 0 {
            return;
        }
        let mut st = self.lock();
        st.reserved -= bytes;
        drop(st);
        self.inner.room.notify_all();
    }
}

impl Default for DecodeBudget {
    fn default() -> Self {
        Self::unlimited()
    }
}

/// Budgets are equal when they are the same budget.
impl PartialEq for DecodeBudget {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Eq for DecodeBudget {}

impl std::fmt::Debug for DecodeBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let st = self.lock();
        f.debug_struct("DecodeBudget")
            .field("total", &self.inner.total)
            .field("max_wait", &self.inner.max_wait)
            .field("reserved", &st.reserved)
            .field("high_water", &st.high_water)
            .finish()
    }
}

/// Memory reserved from a [`DecodeBudget`]; given back on drop.
pub struct Reservation {
    budget: DecodeBudget,
    bytes: u64,
}

impl Reservation {
    /// Bytes held.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Gives back all but `bytes` (when a step that needed more is over).
    pub fn shrink_to(&mut self, bytes: u64) {
        if bytes < self.bytes {
            self.budget.release(self.bytes - bytes);
            self.bytes = bytes;
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.budget.release(self.bytes);
    }
}

impl std::fmt::Debug for Reservation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reservation")
            .field("bytes", &self.bytes)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    #[test]
    fn reservations_wait_their_turn_and_time_out() {
        let b = DecodeBudget::new(10 * MIB, Duration::from_millis(50));
        let first = b.reserve(6 * MIB).unwrap();
        assert_eq!(b.reserved(), 6 * MIB);
        // No room within 50 ms: busy, and nothing is held for it.
        let e = b.reserve(5 * MIB).unwrap_err();
        assert_eq!(e.code(), "decode_busy");
        assert_eq!((b.reserved(), b.timed_out(), b.waited()), (6 * MIB, 1, 1));
        // More than the whole budget: refused at once.
        assert_eq!(b.reserve(11 * MIB).unwrap_err().code(), "too_large");
        drop(first);
        assert_eq!(b.reserved(), 0);
        assert_eq!(b.high_water(), 6 * MIB);
    }

    #[test]
    fn a_waiter_goes_when_room_is_given_back() {
        let b = DecodeBudget::new(10 * MIB, Duration::from_secs(10));
        let mut first = b.reserve(8 * MIB).unwrap();
        let b2 = b.clone();
        let waiter = std::thread::spawn(move || b2.reserve(4 * MIB).map(|r| r.bytes()));
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(b.reserved(), 8 * MIB);
        first.shrink_to(6 * MIB);
        assert_eq!(waiter.join().unwrap().unwrap(), 4 * MIB);
        assert_eq!(b.high_water(), 10 * MIB);
        drop(first);
        assert_eq!(b.reserved(), 0);
    }

    #[test]
    fn first_come_first_served() {
        // A big reservation waiting is not overtaken by small ones that would fit.
        let b = DecodeBudget::new(10 * MIB, Duration::from_secs(10));
        let held = b.reserve(6 * MIB).unwrap();
        let b2 = b.clone();
        let big = std::thread::spawn(move || b2.reserve(8 * MIB).map(|r| r.bytes()));
        while b.waited() < 1 {
            std::thread::sleep(Duration::from_millis(5));
        }
        let b3 = b.clone();
        let quick = std::thread::spawn(move || b3.reserve(MIB).map(|r| r.bytes()));
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(
            b.reserved(),
            6 * MIB,
            "the small one must queue behind the big one"
        );
        drop(held);
        assert_eq!(big.join().unwrap().unwrap(), 8 * MIB);
        assert_eq!(quick.join().unwrap().unwrap(), MIB);
        assert!(b.high_water() <= 10 * MIB);
    }
}
