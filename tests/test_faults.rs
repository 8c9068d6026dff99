//! Faults of the workflow: a run stopped by Ctrl-C or SIGTERM, a run killed
//! outright, and two runs on one --out at once. Each must end with a clear
//! message and a non-zero exit, leave no work folder, and leave --out with
//! one run's complete outputs.

mod common;

use common::faults::*;
use common::*;
use std::time::{Duration, Instant};

fn run_ok(dir: &std::path::Path) {
    let o = run(&["run", "p.toml", "--out", "out"], dir);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn ctrl_c_and_sigterm_stop_a_run_remove_its_work_folder_and_leave_the_outputs() {
    for (sig, code, name) in [("INT", 130, "SIGINT"), ("TERM", 143, "SIGTERM")] {
        let dir = tempfile::tempdir().unwrap();
        small_pipeline(dir.path(), 1);
        run_ok(dir.path());
        let before = tree(&dir.path().join("out"));
        // New inputs, and a run held just before it would put its outputs
        // in place.
        small_pipeline(dir.path(), 5);
        let child = spawn(dir.path(), &["run", "p.toml", "--out", "out"], Some(60_000));
        let work = wait_for_outputs(dir.path());
        assert!(work.join(".detainer-audit-work").is_file());
        signal(&child, sig);
        let (status, err) = wait_within(child, Duration::from_secs(5));
        assert_eq!(status.code(), Some(code), "{err}");
        assert!(err.contains(&format!("interrupted by {name}")), "{err}");
        assert!(err.contains("nothing was written to out"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(work_folders(dir.path()), Vec::<std::path::PathBuf>::new());
        assert_eq!(tree(&dir.path().join("out")), before, "{name}");
    }
}

#[test]
fn sigterm_stops_a_run_of_a_generated_state_within_two_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        &[
            "--quiet",
            "generate",
            "--counties",
            "2",
            "--bookings-per-year",
            "20000",
            "--out",
            "data",
            "--pipelines",
            "pipelines",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // Earlier outputs (any folder with a manifest is taken as one).
    std::fs::create_dir(dir.path().join("out")).unwrap();
    std::fs::write(dir.path().join("out/manifest.json"), "{}\n").unwrap();
    std::fs::write(dir.path().join("out/summary.txt"), "earlier\n").unwrap();
    let before = tree(&dir.path().join("out"));
    // Every staged table on disk: the most files to remove.
    let child = {
        let mut cmd = bin();
        cmd.args(["run", "pipelines", "--out", "out"])
            .current_dir(dir.path())
            .env("DETAINER_AUDIT_STAGE_MEMORY_MB", "0")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        cmd.spawn().unwrap()
    };
    // Signalled once staged files are being written.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !work_folders(dir.path()).iter().any(|w| tree(w).len() > 3) {
        assert!(Instant::now() < deadline, "the run never staged a file");
        std::thread::sleep(Duration::from_millis(5));
    }
    let sent = Instant::now();
    signal(&child, "TERM");
    let (status, err) = wait_within(child, Duration::from_secs(10));
    let took = sent.elapsed();
    eprintln!("stopped {took:?} after SIGTERM");
    assert_eq!(status.code(), Some(143), "{err}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert_eq!(work_folders(dir.path()), Vec::<std::path::PathBuf>::new());
    assert_eq!(tree(&dir.path().join("out")), before);
}

#[test]
fn the_work_folder_of_a_killed_run_is_removed_by_the_next_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    small_pipeline(dir.path(), 1);
    run_ok(dir.path());
    let child = spawn(dir.path(), &["run", "p.toml", "--out", "out"], Some(60_000));
    let killed = wait_for_outputs(dir.path());
    signal(&child, "KILL");
    let (status, _) = wait_within(child, Duration::from_secs(5));
    assert_eq!(status.code(), None);
    assert!(killed.join("out/manifest.json").is_file());
    // Folders the next run must leave: one without the marker (not this
    // tool's), one whose marker is locked (a live run's; here this test
    // holds the lock).
    let unmarked = dir.path().join(".detainer-audit-work-999999999");
    std::fs::create_dir(&unmarked).unwrap();
    std::fs::write(unmarked.join("notes.txt"), "mine").unwrap();
    let live = dir.path().join(".detainer-audit-work-999999998");
    std::fs::create_dir(&live).unwrap();
    std::fs::write(live.join(".detainer-audit-work"), "detainer-audit").unwrap();
    let held = std::fs::File::open(live.join(".detainer-audit-work")).unwrap();
    held.try_lock().unwrap();

    // The killed run's lock on `out` died with it.
    small_pipeline(dir.path(), 5);
    run_ok(dir.path());
    assert!(!killed.exists());
    assert_eq!(work_folders(dir.path()), [live.clone(), unmarked.clone()]);
    assert!(unmarked.join("notes.txt").is_file());
    assert!(complete(&dir.path().join("out")));
    drop(held);
}

#[test]
fn a_second_run_on_the_same_out_refuses_while_the_first_finishes_alone() {
    let dir = tempfile::tempdir().unwrap();
    small_pipeline(dir.path(), 1);
    run_ok(dir.path());
    small_pipeline(dir.path(), 5);
    let first = spawn(dir.path(), &["run", "p.toml", "--out", "out"], Some(3_000));
    wait_for_outputs(dir.path());
    let second = run(&["run", "p.toml", "--out", "out"], dir.path());
    assert_eq!(second.status.code(), Some(2), "{}", text(&second));
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains(&format!(
            "another detainer-audit run (process {}) is writing to out",
            first.id()
        )),
        "{err}"
    );
    assert!(err.contains(".out.detainer-audit-lock"), "{err}");
    let (status, err) = wait_within(first, Duration::from_secs(60));
    assert_eq!(status.code(), Some(0), "{err}");
    // The first run's outputs, whole: every file listed in its manifest
    // with its hash, nothing else.
    assert!(complete(&dir.path().join("out")));
    let holds = read_parquet(&dir.path().join("out/holds/county=faults/part-0.parquet"));
    assert_eq!(holds[0]["hold_minutes"], "300");
    // Its lock is released: the next run proceeds.
    run_ok(dir.path());
    assert!(work_folders(dir.path()).is_empty());
}
