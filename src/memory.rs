//! The allocator's settings (mimalloc is the binary's global allocator,
//! see `main.rs`).

use std::sync::atomic::{AtomicU64, Ordering};

/// mimalloc's `mi_option_purge_delay`: the enum in mimalloc.h has it at 15
/// (v2 calls it `reset_delay`); the Rust bindings give it no name.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// The environment variables that set the purge delay (mimalloc reads
/// either).
const PURGE_DELAY_VARS: [&str; 2] = ["MIMALLOC_PURGE_DELAY", "MIMALLOC_RESET_DELAY"];

/// The purge delay set when the environment sets none: an hour, so that
/// within a run nothing is given back by time, only by [`give_back`]. A
/// negative delay (mimalloc's "never") would keep it even from
/// `give_back`: mimalloc then schedules no purge at all.
const KEEP_MS: std::ffi::c_long = 3_600_000;

/// Keeps the memory a run frees for reuse instead of giving it back to the
/// OS a second later (mimalloc's default). polars frees and allocates large
/// buffers all through a run, and every page given back was faulted in and
/// zeroed again when used next: on a quarter of the state, 320,000 page
/// faults and about 6% of a CPU profile. What is kept is given back at the
/// points where a run's use of memory changes ([`give_back`]), so that
/// what one phase freed does not stay on top of the next phase's peak.
/// `MIMALLOC_PURGE_DELAY` in the environment still decides when set.
pub fn keep_freed_memory() {
    if PURGE_DELAY_VARS
        .iter()
        .all(|v| std::env::var_os(v).is_none())
    {
        // SAFETY: sets an option mimalloc reads at each purge; no pointer
        // is passed.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, KEEP_MS) }
    }
}

/// Resident anonymous memory below which freed memory is kept even
/// between phases. Given back, what the next phase uses again costs its
/// page faults once more (a large share of a run's system time when
/// every phase of every county gave back); kept, it adds to a run's peak.
/// The bound is where a statewide run gives back almost nothing and the
/// largest state measured still peaks under the 1 GiB goal
/// (bench/README.md).
const KEEP_BELOW: u64 = 768 << 20;

/// Gives the memory freed so far back to the OS ([`collect`]) when the
/// process holds [`KEEP_BELOW`] or more. Called by a worker between a
/// county's phases (staged, audited, written): each phase allocates in
/// other sizes and on other threads than the one before, and what the last
/// one freed, kept, added to the next one's peak (bench/README.md). Costs
/// the page faults of memory used again after it, once a phase instead of
/// all through it.
pub fn give_back() {
    if resident_bytes() >= KEEP_BELOW {
        collect();
    }
}

/// Gives the memory freed so far back to the OS: the calling thread's
/// empty pages, and every thread's freed spans that mimalloc keeps.
fn collect() {
    // SAFETY: no pointer is passed; mimalloc collects the calling thread's
    // heap and purges what every thread has freed to its arenas.
    unsafe { libmimalloc_sys::mi_collect(true) }
    SINCE_GIVEN.store(resident_bytes(), Ordering::Relaxed);
}

/// How much the process may grow past what it held after the last
/// [`collect`] before [`trim`] gives back again.
const TRIM_GROWTH: u64 = 64 << 20;

/// Resident anonymous memory after the last [`collect`], in bytes.
static SINCE_GIVEN: AtomicU64 = AtomicU64::new(0);

/// Gives back as [`give_back`] does, when the process has also grown by
/// [`TRIM_GROWTH`] since it last gave back: for the loops within a phase
/// (a large county's parts, its hold rows' batches), whose freed memory
/// polars' threads do not always use again. Memory a loop uses again is
/// not given back, so its pages are not faulted in again each time round.
pub fn trim() {
    let now = resident_bytes();
    if now >= KEEP_BELOW && now > SINCE_GIVEN.load(Ordering::Relaxed) + TRIM_GROWTH {
        collect();
    }
}

/// The process's resident anonymous memory (its heap, not the files it
/// maps), in bytes; 0 where it cannot be read.
fn resident_bytes() -> u64 {
    status_kib("RssAnon").unwrap_or(0) * 1024
}

/// A figure of Linux's `/proc/self/status` given in kB (`VmHWM`,
/// `RssAnon`...), in KiB; none where /proc is not there.
pub fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// mimalloc's purge delay now (milliseconds; -1: never).
pub fn purge_delay() -> std::ffi::c_long {
    // SAFETY: reads an option; no pointer is passed.
    unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs one test of this module in a child process with `env` set:
    /// mimalloc reads its environment once per process.
    fn in_child(test: &str, env: &[(&str, &str)]) {
        let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
        cmd.args(["--exact", test, "--nocapture", "--test-threads=1"])
            .env("DETAINER_AUDIT_MEMORY_CHILD", "1");
        for v in PURGE_DELAY_VARS {
            cmd.env_remove(v);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{test}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }

    fn child() -> bool {
        std::env::var_os("DETAINER_AUDIT_MEMORY_CHILD").is_some()
    }

    #[test]
    fn option_15_is_the_purge_delay_mimalloc_reads_from_the_environment() {
        if child() {
            assert_eq!(purge_delay(), 1234, "option 15 is not MIMALLOC_PURGE_DELAY");
            return;
        }
        in_child(
            "memory::tests::option_15_is_the_purge_delay_mimalloc_reads_from_the_environment",
            &[("MIMALLOC_PURGE_DELAY", "1234")],
        );
    }

    #[test]
    fn freed_memory_is_kept_unless_the_environment_says_otherwise() {
        if child() {
            let before = purge_delay();
            keep_freed_memory();
            match std::env::var("MIMALLOC_PURGE_DELAY") {
                Ok(v) => assert_eq!(purge_delay(), v.parse::<std::ffi::c_long>().unwrap()),
                Err(_) => {
                    assert_ne!(before, KEEP_MS, "mimalloc's own default is already an hour");
                    assert_eq!(purge_delay(), KEEP_MS);
                }
            }
            return;
        }
        let test = "memory::tests::freed_memory_is_kept_unless_the_environment_says_otherwise";
        in_child(test, &[]);
        in_child(test, &[("MIMALLOC_PURGE_DELAY", "50")]);
    }

    /// Resident anonymous memory of this process, in MiB (Linux).
    fn anon_mib() -> u64 {
        status_kib("RssAnon").unwrap() / 1024
    }

    #[test]
    fn freed_memory_is_kept_until_given_back() {
        if child() {
            keep_freed_memory();
            // mimalloc's own calls: the tests' allocator is the system's.
            let blocks: Vec<*mut u8> = (0..64)
                .map(|_| {
                    // SAFETY: a fresh block of 1 MiB, written whole, freed below.
                    unsafe {
                        let p = libmimalloc_sys::mi_malloc(1 << 20).cast::<u8>();
                        assert!(!p.is_null());
                        std::ptr::write_bytes(p, 1, 1 << 20);
                        p
                    }
                })
                .collect();
            let used = anon_mib();
            for p in blocks {
                // SAFETY: each block was allocated above and is freed once.
                unsafe { libmimalloc_sys::mi_free(p.cast()) }
            }
            let freed = anon_mib();
            // Far below `KEEP_BELOW`: kept even between phases.
            give_back();
            let kept = anon_mib();
            collect();
            let given = anon_mib();
            assert!(
                freed + 8 >= used,
                "kept: {used} MiB in use, {freed} once freed"
            );
            assert!(
                kept + 8 >= freed,
                "kept below the bound: {freed} MiB freed, {kept} after give_back"
            );
            assert!(
                given + 48 <= freed,
                "given back: {freed} MiB freed, {given} after"
            );
            return;
        }
        in_child("memory::tests::freed_memory_is_kept_until_given_back", &[]);
    }
}
