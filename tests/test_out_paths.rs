//! Hostile and mistaken paths: an --out whose replacement would destroy
//! something (the root, the home folder, the run's own pipelines, inputs or
//! key) is refused even with --force, and no link planted beside --out is
//! ever followed.

mod common;

use common::faults::*;
use common::*;
use std::path::Path;

/// `project/p.toml` reading `exports/*.csv` (outside its folder), a key in
/// `keys/`, and a home folder `home/` with a file of its own.
fn layout(dir: &Path) {
    std::fs::create_dir_all(dir.join("exports")).unwrap();
    small_pipeline(&dir.join("exports"), 1);
    std::fs::create_dir_all(dir.join("project")).unwrap();
    let toml = std::fs::read_to_string(dir.join("exports/p.toml")).unwrap();
    std::fs::remove_file(dir.join("exports/p.toml")).unwrap();
    std::fs::write(
        dir.join("project/p.toml"),
        toml.replace("path = \"", "path = \"../exports/"),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("keys")).unwrap();
    std::fs::write(dir.join("keys/k"), [7u8; 32]).unwrap();
    std::fs::create_dir_all(dir.join("home")).unwrap();
    std::fs::write(dir.join("home/thesis.docx"), "mine").unwrap();
}

fn run_home(dir: &Path, args: &[&str]) -> std::process::Output {
    bin()
        .args(args)
        .current_dir(dir)
        .env("HOME", dir.join("home"))
        .output()
        .unwrap()
}

#[test]
fn an_out_whose_loss_would_hurt_is_refused_even_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path().canonicalize().unwrap();
    layout(&dir);
    let before = tree(&dir);
    let cases: &[(&str, &[&str], &str)] = &[
        ("/", &[], "it is the root folder"),
        ("home", &[], "it is your home folder"),
        (".", &[], "it holds your home folder"),
        ("project", &[], "project/p.toml, a file this run reads"),
        ("exports", &[], "exports/b.csv, a file this run reads"),
        (
            "keys",
            &["--pseudonymize", "keys/k"],
            "keys/k, a file this run reads",
        ),
    ];
    for (out, extra, why) in cases {
        let mut args = vec!["run", "project/p.toml", "--force", "--out", out];
        args.extend_from_slice(extra);
        let o = run_home(&dir, &args);
        assert_eq!(o.status.code(), Some(2), "--out {out}: {}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("refusing to replace it"), "--out {out}: {err}");
        assert!(err.contains(why), "--out {out}: {err}");
        assert!(err.contains("--force does not change this"), "{err}");
        assert_eq!(tree(&dir), before, "--out {out} changed something");
        assert!(work_folders(&dir).is_empty());
    }
    // An input glob reaching outside the pipeline's folder is allowed, and
    // an --out beside the inputs is fine.
    let o = run_home(&dir, &["run", "project/p.toml", "--out", "results"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(complete(&dir.join("results")));
}

#[cfg(unix)]
#[test]
fn a_link_planted_at_the_lock_file_or_at_out_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    small_pipeline(dir, 1);
    std::fs::write(dir.join("victim.txt"), "keep").unwrap();
    let lock = dir.join(".out.detainer-audit-lock");
    for target in ["victim.txt", "created-by-the-run.txt"] {
        std::os::unix::fs::symlink(dir.join(target), &lock).unwrap();
        let o = run(&["run", "p.toml", "--out", "out"], dir);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("is a symbolic link or not a file"), "{err}");
        assert!(std::fs::symlink_metadata(&lock)
            .unwrap()
            .file_type()
            .is_symlink());
        std::fs::remove_file(&lock).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("victim.txt")).unwrap(),
        "keep"
    );
    assert!(!dir.join("created-by-the-run.txt").exists());
    assert!(!dir.join("out").exists());

    // --out itself a link to a folder: refused, even with --force; the
    // folder it points to is left as it was.
    std::fs::create_dir(dir.join("elsewhere")).unwrap();
    std::fs::write(dir.join("elsewhere/manifest.json"), "{}").unwrap();
    std::os::unix::fs::symlink(dir.join("elsewhere"), dir.join("out")).unwrap();
    let o = run(&["run", "p.toml", "--out", "out", "--force"], dir);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("it is a symbolic link"));
    assert_eq!(tree(&dir.join("elsewhere")).len(), 1);
    assert!(work_folders(dir).is_empty());
}

/// The binary as process 1 of a new PID namespace, so that the name of its
/// work folder is known before it starts; `None` where the system allows
/// no such namespace.
fn run_as_pid_1(dir: &Path, args: &[&str]) -> Option<std::process::Output> {
    let probe = std::process::Command::new("unshare")
        .args(["--user", "--map-root-user", "--pid", "--fork", "true"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: no PID namespace here (unshare --user --pid failed)");
        return None;
    }
    let o = std::process::Command::new("unshare")
        .args(["--user", "--map-root-user", "--pid", "--fork"])
        .arg(env!("CARGO_BIN_EXE_detainer-audit"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    Some(o)
}

#[cfg(unix)]
#[test]
fn a_link_planted_at_the_work_folders_name_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    small_pipeline(dir, 1);
    std::fs::create_dir(dir.join("victim")).unwrap();
    std::fs::write(dir.join("victim/keep.txt"), "mine").unwrap();
    std::os::unix::fs::symlink(dir.join("victim"), dir.join(".detainer-audit-work-1")).unwrap();
    let Some(o) = run_as_pid_1(dir, &["run", "p.toml", "--out", "out"]) else {
        return;
    };
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not this run's work folder"));
    assert_eq!(tree(&dir.join("victim")).len(), 1);
    assert!(!dir.join("out").exists());
}
