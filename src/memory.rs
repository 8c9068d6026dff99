//! The allocator's settings (mimalloc is the binary's global allocator,
//! see `main.rs`).

/// mimalloc's `mi_option_purge_delay`: the enum in mimalloc.h has it at 15
/// (v2 calls it `reset_delay`); the Rust bindings give it no name.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// The environment variables that set the purge delay (mimalloc reads
/// either).
const PURGE_DELAY_VARS: [&str; 2] = ["MIMALLOC_PURGE_DELAY", "MIMALLOC_RESET_DELAY"];

/// Keeps the memory a run frees for reuse instead of giving it back to the
/// OS a second later (mimalloc's default). polars frees and allocates large
/// buffers all through a run, and every page given back was faulted in and
/// zeroed again when used next: on a quarter of the state, 320,000 page
/// faults and about 6% of a CPU profile. The cost is peak memory: the
/// high-water mark of what the run held is kept until it ends (measured in
/// the README). `MIMALLOC_PURGE_DELAY` in the environment still decides
/// when set.
pub fn keep_freed_memory() {
    if PURGE_DELAY_VARS
        .iter()
        .all(|v| std::env::var_os(v).is_none())
    {
        // SAFETY: sets an option mimalloc reads at each purge; no pointer
        // is passed.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
    }
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
                    assert_ne!(before, -1, "mimalloc's own default already never purges");
                    assert_eq!(purge_delay(), -1);
                }
            }
            return;
        }
        let test = "memory::tests::freed_memory_is_kept_unless_the_environment_says_otherwise";
        in_child(test, &[]);
        in_child(test, &[("MIMALLOC_PURGE_DELAY", "50")]);
    }
}
