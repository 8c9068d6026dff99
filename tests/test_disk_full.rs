//! A full disk while a run stages its inputs or writes its outputs: on a
//! small tmpfs the test mounts (in a user and mount namespace, else as
//! root; skipped where neither is allowed), a complete earlier --out is
//! made, then the disk is filled to leave a little room and the run is
//! made again, staging in memory or on disk, so that it fails at different
//! points. Each time: exit 2, a message naming the folder with the room
//! needed and free, no panic, the earlier --out byte for byte as it was,
//! and no work folder left.

mod common;

use common::faults::*;
use common::*;
use std::path::Path;

/// (name, staging budget in MiB, KiB left free)
const CASES: &[(&str, &str, u64)] = &[
    ("memory-0k", "256", 0),
    ("memory-16k", "256", 16),
    ("memory-128k", "256", 128),
    ("memory-320k", "256", 320),
    ("disk-512k", "0", 512),
    ("disk-2m", "0", 2048),
    ("disk-3m", "0", 3072),
];

/// Runs in the folder where the tmpfs is mounted: $1 the mount point, $2
/// the binary, $3 the folder for results (on the real disk), $4 the
/// pipelines, then the cases as name:budget:kib.
const SCRIPT: &str = r#"
set -u
mnt=$1; bin=$2; res=$3; pipelines=$4; shift 4
mount -t tmpfs -o size=64m tmpfs "$mnt" || exit 99
trap 'cd /; umount "$mnt" 2>/dev/null' EXIT
cd "$mnt"
"$bin" --quiet run "$pipelines" --out out 2> "$res/first.err"
echo $? > "$res/first.rc"
for c in "$@"; do
  name=${c%%:*}; rest=${c#*:}; budget=${rest%%:*}; kib=${rest#*:}
  avail=$(df -B1 --output=avail . | tail -1)
  fill=$((avail - kib * 1024))
  if [ "$fill" -gt 0 ]; then head -c "$fill" /dev/zero > filler 2>/dev/null; fi
  DETAINER_AUDIT_STAGE_MEMORY_MB=$budget "$bin" --quiet run "$pipelines" --out out 2> "$res/$name.err"
  echo $? > "$res/$name.rc"
  rm -f filler
  ls -A > "$res/$name.ls"
  cp -a out "$res/$name.out"
done
"#;

/// Runs the script in a user and mount namespace, else as root; false when
/// neither may mount a tmpfs.
fn on_tmpfs(dir: &Path, args: &[String]) -> bool {
    let mut tries = vec![vec![
        "unshare",
        "--user",
        "--map-root-user",
        "--mount",
        "sh",
    ]];
    tries.push(vec!["sh"]);
    for cmd in tries {
        let o = std::process::Command::new(cmd[0])
            .args(&cmd[1..])
            .arg("-c")
            .arg(SCRIPT)
            .arg("sh")
            .args(args)
            .current_dir(dir)
            .output();
        match o {
            Ok(o) if o.status.code() == Some(0) => return true,
            Ok(o) if o.status.code() == Some(99) => continue,
            Ok(o) => panic!("the script failed: {}", text(&o)),
            Err(_) => continue,
        }
    }
    false
}

#[test]
fn a_full_disk_stops_the_run_with_the_room_it_needs_and_leaves_the_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let o = run(
        &[
            "--quiet",
            "generate",
            "--counties",
            "2",
            "--from",
            "2019",
            "--to",
            "2020",
            "--bookings-per-year",
            "4000",
            "--out",
            "data",
            "--pipelines",
            "pipelines",
        ],
        dir,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    for d in ["mnt", "res"] {
        std::fs::create_dir(dir.join(d)).unwrap();
    }
    let mut args: Vec<String> = [
        dir.join("mnt"),
        env!("CARGO_BIN_EXE_detainer-audit").into(),
        dir.join("res"),
        dir.join("pipelines"),
    ]
    .iter()
    .map(|p| p.display().to_string())
    .collect();
    args.extend(CASES.iter().map(|(n, b, k)| format!("{n}:{b}:{k}")));
    if !on_tmpfs(dir, &args) {
        eprintln!("skipped: cannot mount a tmpfs here (no user namespace, not root)");
        return;
    }
    let res = dir.join("res");
    let read = |f: &str| std::fs::read_to_string(res.join(f)).unwrap();
    assert_eq!(read("first.rc").trim(), "0", "{}", read("first.err"));
    let mut before = None;
    for (name, _, _) in CASES {
        let err = read(&format!("{name}.err"));
        assert_eq!(read(&format!("{name}.rc")).trim(), "2", "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert!(
            err.contains("mnt: the disk is full or the quota reached"),
            "{name}: {err}"
        );
        assert!(err.contains("need up to about"), "{name}: {err}");
        assert!(
            err.contains("MiB were free when it started"),
            "{name}: {err}"
        );
        // Nothing but the earlier outputs and the lock file.
        let listing = read(&format!("{name}.ls"));
        let mut names: Vec<&str> = listing.lines().collect();
        names.sort();
        assert_eq!(names, [".out.detainer-audit-lock", "out"], "{name}");
        let out = tree(&res.join(format!("{name}.out")));
        assert!(out.contains_key("manifest.json"), "{name}");
        match &before {
            None => before = Some(out),
            Some(b) => assert!(b == &out, "{name}: the earlier outputs changed"),
        }
    }
}
