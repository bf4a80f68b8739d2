//! A core of its own for the SQLite writer.
//!
//! Every label, lease and unit end goes through SQLite's one write connection, driven by the
//! writer's thread ([`crate::writer`]) and executed on the connection's own thread (sqlx
//! runs each SQLite connection on a thread and hands it one statement at a time). A batch
//! is some fifty such hand-overs, each a wake-up of one thread by the other. On an idle
//! 2-core machine a hand-over costs about 40 µs across cores and 8 µs on one core; under
//! load, with request handlers and readers running on both cores, it cost about 200 µs,
//! because the woken thread waits for a core. That was half of a batch's time.
//!
//! So the server, when it serves SQLite on two or more CPUs, reserves the last CPU it may
//! use for those two threads and moves every other thread of its own to the remaining
//! CPUs: the writer's hand-overs then stay on one core that nothing else of the server
//! competes for (`benches/dispatch/RESULTS.md` has the figures). `--writer-core false`
//! turns it off. Linux only; elsewhere these are no-ops.

use std::sync::OnceLock;

static WRITER_CORE: OnceLock<usize> = OnceLock::new();

/// The CPU reserved for the writer, when one is.
pub fn writer_core() -> Option<usize> {
    WRITER_CORE.get().copied()
}

#[cfg(target_os = "linux")]
mod os {
    use nix::sched::{CpuSet, sched_getaffinity, sched_setaffinity};
    use nix::unistd::Pid;

    /// The CPUs the calling thread may run on.
    pub fn allowed() -> Vec<usize> {
        let Ok(set) = sched_getaffinity(Pid::from_raw(0)) else {
            return Vec::new();
        };
        (0..CpuSet::count())
            .filter(|c| set.is_set(*c).unwrap_or(false))
            .collect()
    }

    /// Restricts a thread (0: the calling one) to `cpus`.
    pub fn pin(tid: i32, cpus: &[usize]) -> bool {
        let mut set = CpuSet::new();
        for c in cpus {
            if set.set(*c).is_err() {
                return false;
            }
        }
        sched_setaffinity(Pid::from_raw(tid), &set).is_ok()
    }

    /// Puts the calling thread under `SCHED_BATCH` (nice unchanged at 0).
    pub fn batch_policy() -> bool {
        use thread_priority::unix::{
            NormalThreadSchedulePolicy, ThreadSchedulePolicy, set_thread_priority_and_policy,
            thread_native_id,
        };
        set_thread_priority_and_policy(
            thread_native_id(),
            thread_priority::ThreadPriority::Os(Default::default()),
            ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Batch),
        )
        .is_ok()
    }

    /// The threads of this process whose name starts with `prefix`.
    pub fn threads_named(prefix: &str) -> Vec<i32> {
        let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
            return Vec::new();
        };
        dir.filter_map(|e| {
            let e = e.ok()?;
            let tid: i32 = e.file_name().to_str()?.parse().ok()?;
            let name = std::fs::read_to_string(e.path().join("comm")).ok()?;
            name.starts_with(prefix).then_some(tid)
        })
        .collect()
    }
}

#[cfg(not(target_os = "linux"))]
mod os {
    pub fn allowed() -> Vec<usize> {
        Vec::new()
    }
    pub fn pin(_tid: i32, _cpus: &[usize]) -> bool {
        false
    }
    pub fn threads_named(_prefix: &str) -> Vec<i32> {
        Vec::new()
    }
    pub fn batch_policy() -> bool {
        false
    }
}

/// Reserves the last CPU the process may use for the SQLite writer and moves the calling
/// thread to the others, so that every thread it starts from now on (the runtime's
/// workers, the database's readers) keeps off the reserved one. Call it before the
/// runtime is built. Nothing happens with fewer than two CPUs. Returns the reserved CPU.
pub fn reserve_writer_core() -> Option<usize> {
    let cpus = os::allowed();
    let (&last, rest) = cpus.split_last()?;
    if rest.is_empty() || !os::pin(0, rest) {
        return None;
    }
    Some(*WRITER_CORE.get_or_init(|| last))
}

/// Lets the calling thread (the SQLite writer) be woken without preempting the thread that
/// woke it. sqlx hands each row of a result from the connection's thread to the writer one
/// at a time and wakes the writer for each; sharing a core, the woken writer ran at once,
/// took the one row and slept again: two task switches per row (~35,000 a second each way
/// under saturation, and in a profile a third of the connection thread's time). Under
/// `SCHED_BATCH` a woken thread waits until the running one blocks or its slice ends, so
/// the connection's thread goes on reading rows and the writer takes them together. Linux
/// only; returns whether the policy was set.
pub(crate) fn wake_without_preempting() -> bool {
    os::batch_policy()
}

/// Moves the calling thread, and the threads whose names start with `prefix` (SQLite's
/// write connection), to the writer's core; nothing when none is reserved. Returns how
/// many threads were moved.
pub(crate) fn pin_writer(prefix: &str) -> usize {
    let Some(core) = writer_core() else {
        return 0;
    };
    std::iter::once(0)
        .chain(os::threads_named(prefix))
        .filter(|tid| os::pin(*tid, &[core]))
        .count()
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// On a thread of its own, as `main` does before the runtime: the last CPU is kept for
    /// the writer, threads started afterwards run on the others, and `pin_writer` moves
    /// the caller and the named threads onto the kept one.
    /// The writer's thread runs under `SCHED_BATCH` (policy 3 in `/proc/thread-self/sched`).
    #[test]
    fn a_thread_can_be_woken_without_preempting() {
        std::thread::spawn(|| {
            let policy = || {
                std::fs::read_to_string("/proc/thread-self/sched")
                    .unwrap()
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        (k.trim() == "policy").then(|| v.trim().to_string())
                    })
                    .unwrap()
            };
            assert_eq!(policy(), "0", "SCHED_OTHER to begin with");
            assert!(wake_without_preempting());
            assert_eq!(policy(), "3", "SCHED_BATCH");
        })
        .join()
        .unwrap();
    }

    #[test]
    fn the_last_cpu_is_kept_for_the_writer() {
        std::thread::spawn(|| {
            let cpus = os::allowed();
            let reserved = reserve_writer_core();
            let Some((last, rest)) = cpus.split_last().filter(|(_, rest)| !rest.is_empty()) else {
                assert_eq!(reserved, None, "one CPU: nothing to keep");
                return;
            };
            assert_eq!(reserved, Some(*last));
            assert_eq!(writer_core(), Some(*last));
            assert_eq!(os::allowed(), rest);
            let (go, wait) = mpsc::channel::<()>();
            let (report, started) = mpsc::channel();
            let named = std::thread::Builder::new()
                .name("mudou-pin-test".into())
                .spawn(move || {
                    report.send(os::allowed()).unwrap();
                    wait.recv().unwrap();
                    os::allowed()
                })
                .unwrap();
            assert_eq!(
                started.recv().unwrap(),
                rest,
                "a new thread inherits the rest"
            );
            assert_eq!(
                pin_writer("mudou-pin-test"),
                2,
                "the caller and the named thread"
            );
            assert_eq!(os::allowed(), [*last]);
            go.send(()).unwrap();
            assert_eq!(named.join().unwrap(), [*last]);
        })
        .join()
        .unwrap();
    }
}
