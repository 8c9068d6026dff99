//! Ctrl-C (SIGINT), SIGTERM and SIGHUP during `run` or `check`: the process
//! stops at once, whatever its threads are doing, after removing its work
//! folders; the outputs of an earlier run are left as they were.
//!
//! A signal is received on a thread of its own (signal-hook), not in a
//! signal handler, so the clean-up may take locks and remove files. The
//! workers are not asked to stop: a polars query can run for seconds without
//! a point to stop at, and the run must end within a second or two. The one
//! step that must not be cut in half is putting the outputs in place (two
//! renames, see `outputs::publish`): it holds [`publishing`]'s lock, and the
//! signal thread waits for it, then holds it so that no later publishing
//! starts. A second signal while the clean-up runs ends the process at once.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

/// The work folders of this process, removed when a signal comes.
static WORK: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// Held while outputs are being put in place, and by the signal thread from
/// the moment it starts cleaning up.
static PUBLISH: Mutex<()> = Mutex::new(());
/// Set once this run's outputs are in place.
static PUBLISHED: AtomicBool = AtomicBool::new(false);
/// The `--out` of the run, for the message.
static OUT: Mutex<Option<PathBuf>> = Mutex::new(None);

fn lock<T>(m: &'static Mutex<T>) -> MutexGuard<'static, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Starts listening for SIGINT, SIGTERM and SIGHUP (once per process).
pub fn install() -> std::io::Result<()> {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    if INSTALLED.get().is_some() {
        return Ok(());
    }
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let signals = [SIGINT, SIGTERM, SIGHUP];
    // A second signal ends the process at once with the usual status, in
    // case the clean-up itself hangs (a folder on a stalled network disk).
    let signalled = Arc::new(AtomicBool::new(false));
    for sig in signals {
        signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, signalled.clone())?;
        signal_hook::flag::register(sig, signalled.clone())?;
    }
    let mut incoming = signal_hook::iterator::Signals::new(signals)?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(sig) = incoming.forever().next() {
                stop(sig);
            }
        })?;
    let _ = INSTALLED.set(());
    Ok(())
}

/// Names `out` in the message printed when a signal stops the run.
pub fn set_out(out: &Path) {
    *lock(&OUT) = Some(out.to_path_buf());
}

/// Adds a work folder to remove if a signal comes.
pub fn register(dir: &Path) {
    lock(&WORK).push(dir.to_path_buf());
}

/// Forgets a work folder (removed by its owner).
pub fn unregister(dir: &Path) {
    lock(&WORK).retain(|d| d != dir);
}

/// The permission to put outputs in place, held until they are. After a
/// signal it never comes: the signal thread holds the lock and ends the
/// process.
pub fn publishing() -> MutexGuard<'static, ()> {
    lock(&PUBLISH)
}

/// Records that the outputs are in place (called while [`publishing`]'s
/// guard is held).
pub fn published() {
    PUBLISHED.store(true, Ordering::SeqCst);
}

fn stop(sig: i32) -> ! {
    // Wait for outputs being put in place, then keep anyone else from
    // starting to.
    let guard = publishing();
    for dir in lock(&WORK).iter() {
        remove_all(dir);
    }
    let name = match sig {
        signal_hook::consts::SIGINT => "SIGINT (Ctrl-C)",
        signal_hook::consts::SIGTERM => "SIGTERM",
        _ => "SIGHUP",
    };
    let out = lock(&OUT).clone();
    let what = match (&out, PUBLISHED.load(Ordering::SeqCst)) {
        (Some(out), true) => format!(
            "this run's outputs were already in place in {}",
            out.display()
        ),
        (Some(out), false) => format!(
            "nothing was written to {}: it holds what it held before",
            out.display()
        ),
        (None, _) => "nothing was written".to_string(),
    };
    eprintln!("\ninterrupted by {name}: stopped; its work folder was removed and {what}");
    std::mem::forget(guard);
    // SAFETY: `_exit` ends the process without running exit handlers or
    // destructors, which other threads, still at work, could be using.
    unsafe { libc::_exit(128 + sig) }
}

/// Removes a folder whose files other threads may still be creating: a
/// removal that meets a new file is tried again.
fn remove_all(dir: &Path) {
    for _ in 0..50 {
        match std::fs::remove_dir_all(dir) {
            Ok(()) => return,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
        }
    }
}
