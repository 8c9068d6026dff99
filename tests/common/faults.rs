//! Helpers of the fault tests: a small pipeline, a folder's whole contents
//! to compare before and after, the work folders a run leaves, and a run
//! started in the background to signal or wait for.

use super::bin;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Writes `p.toml` (bookings and releases from `b.csv`, detainers from
/// `d.csv`) and its two exports in `dir`; `hours` sets how long B1 is held.
pub fn small_pipeline(dir: &Path, hours: u32) {
    std::fs::write(
        dir.join("p.toml"),
        r#"county = "Faults"
state = "CA"
timezone = "America/Los_Angeles"
as_of = "2026-06-30T00:00:00"
[[inputs]]
table = "bookings"
path = "b.csv"
[inputs.columns]
booking_id = "BKG"
booked_at = "BOOKED"
[[inputs]]
table = "releases"
path = "b.csv"
[inputs.columns]
booking_id = "BKG"
eligible_at = "ELIGIBLE"
released_at = "RELEASED"
[[inputs]]
table = "detainers"
path = "d.csv"
[inputs.columns]
booking_id = "BKG"
lodged_at = "LODGED"
"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("b.csv"),
        format!(
            "BKG,BOOKED,ELIGIBLE,RELEASED\n\
             B1,2019-01-01 10:00:00,2019-01-02 10:00:00,2019-01-02 {:02}:00:00\n\
             B2,2019-01-03 10:00:00,2019-01-04 10:00:00,2019-01-04 10:00:00\n",
            10 + hours
        ),
    )
    .unwrap();
    std::fs::write(dir.join("d.csv"), "BKG,LODGED\nB1,2019-01-01 12:00:00\n").unwrap();
}

/// Every file under `dir`: path relative to it → bytes (empty when `dir`
/// does not exist; a file removed while `dir` is listed is left out).
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                // A live work folder's files come and go while it is
                // listed (the SIGTERM test polls one): a file gone by the
                // time it is read is left out, any other error fails.
                match std::fs::read(&path) {
                    Ok(bytes) => {
                        out.insert(rel, bytes);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => panic!("{}: {e}", path.display()),
                }
            }
        }
    }
    out
}

/// The work folders in `dir`.
pub fn work_folders(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".detainer-audit-work-")
        })
        .collect();
    found.sort();
    found
}

/// Starts `detainer-audit ARGS` in `dir`, stderr kept; `pause_ms` is the
/// test hook's wait before the outputs are put in place.
pub fn spawn(dir: &Path, args: &[&str], pause_ms: Option<u64>) -> Child {
    let mut cmd = bin();
    cmd.args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(ms) = pause_ms {
        cmd.env("DETAINER_AUDIT_PAUSE_BEFORE_PUBLISH_MS", ms.to_string());
    }
    cmd.spawn().unwrap()
}

/// Waits until a run in `dir` has its outputs complete in its work folder
/// (it then waits in the test hook); the work folder.
pub fn wait_for_outputs(dir: &Path) -> PathBuf {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(w) = work_folders(dir)
            .into_iter()
            .find(|w| w.join("out/manifest.json").is_file())
        {
            return w;
        }
        assert!(Instant::now() < deadline, "the run never wrote its outputs");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends `signal` (a name for kill(1): INT, TERM, KILL) to `child`.
pub fn signal(child: &Child, signal: &str) {
    let ok = std::process::Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

/// Waits at most `limit` for `child` to end: its status and stderr.
pub fn wait_within(mut child: Child, limit: Duration) -> (ExitStatus, String) {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            return (status, err);
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("the run did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Whether `out` holds one run's complete outputs: every file listed in
/// its manifest, with the SHA-256 listed, and nothing else.
pub fn complete(out: &Path) -> bool {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let mut listed: Vec<String> = vec!["manifest.json".into()];
    for o in manifest["outputs"].as_array().unwrap() {
        let rel = o["path"].as_str().unwrap();
        let sha = detainer_audit::ingest::sha256_file(&out.join(rel)).ok();
        if sha.as_deref() != o["sha256"].as_str() {
            return false;
        }
        listed.push(rel.to_string());
    }
    listed.sort();
    tree(out).into_keys().collect::<Vec<_>>() == listed
}
