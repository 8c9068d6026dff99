//! `report.html`: its figures are those of `summary/` and the class list,
//! it names no person (with and without `--pseudonymize`), it is the same
//! byte for byte on a rerun, `--no-report` leaves it out, and it renders in
//! a real browser (headless Chromium: its charts and tables are in the DOM
//! after its scripts ran, with no script error, and a screenshot is not
//! blank). The browser test is skipped where Chromium is missing, unless
//! `DETAINER_AUDIT_REQUIRE_BROWSER=1` (set by `.ci/run`, which installs it).

mod common;

use common::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn run_sample(dir: &Path, extra: &[&str]) -> PathBuf {
    if !dir.join("sample_data").exists() {
        copy_dir(&root().join("sample_data"), &dir.join("sample_data"));
        copy_dir(&root().join("pipelines"), &dir.join("pipelines"));
    }
    let mut args = vec!["run", "--out", "out"];
    args.extend_from_slice(extra);
    let o = run(&args, dir);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    dir.join("out")
}

/// The text of the element with `id`, thousands separators and `$` dropped.
fn figure(html: &str, id: &str) -> f64 {
    let at = html
        .find(&format!("id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no {id}"));
    let rest = &html[at + id.len() + 6..];
    let text: String = rest[..rest.find('<').unwrap()]
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    text.parse()
        .unwrap_or_else(|_| panic!("{id}: `{text}` is not a number"))
}

fn sum(rows: &[Row], col: &str) -> f64 {
    rows.iter()
        .map(|r| r[col].parse::<f64>().unwrap_or(0.0))
        .sum()
}

#[test]
fn the_report_shows_the_figures_of_the_summary_and_the_class_list() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_sample(dir.path(), &[]);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let mut summary = Vec::new();
    let mut rejects = 0;
    for slug in ["alameda", "alpine", "amador"] {
        summary.extend(read_parquet(
            &out.join(format!("summary/county={slug}/part-0.parquet")),
        ));
        rejects += read_parquet(&out.join(format!("rejects/county={slug}/part-0.parquet"))).len();
    }
    let members = read_parquet(&out.join("class_members.parquet"));
    for (id, col) in [
        ("h-bookings", "bookings"),
        ("h-holds", "holds"),
        ("h-flagged", "flagged"),
        ("h-over_limit", "over_limit"),
        ("d-warrant_unknown", "warrant_unknown"),
        ("d-eligibility_unknown", "eligibility_unknown"),
        ("d-release_unknown", "release_unknown"),
        ("d-open", "open_holds"),
    ] {
        assert_eq!(
            figure(&html, id),
            sum(&summary, col),
            "{id} against summary.{col}"
        );
    }
    let hours = sum(&summary, "flagged_unwarranted_hours_total");
    assert!((figure(&html, "h-hours") - hours).abs() < 0.051, "{hours}");
    assert_eq!(
        figure(&html, "h-damages"),
        sum(&members, "damages_estimate")
    );
    assert_eq!(figure(&html, "h-counties"), 3.0);
    assert_eq!(figure(&html, "d-rejected"), rejects as f64);
    assert!(html.contains(&format!("{} on the class list", members.len())));
    // Every county has its charts and its months; the method and every
    // input's SHA-256 are there.
    assert_eq!(html.matches("<section class=\"county\"").count(), 3);
    assert!(html.matches("<svg class=\"chart\"").count() >= 3 * 2 + 4);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    for p in manifest["pipelines"].as_array().unwrap() {
        for i in p["inputs"].as_array().unwrap() {
            for f in i["files"].as_array().unwrap() {
                assert!(html.contains(f["sha256"].as_str().unwrap()), "{f}");
            }
        }
    }
    assert!(html.contains("<h2>Rule 6: Warrant</h2>"));
    // The manifest lists it, with its digest.
    let entry = manifest["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["path"] == "report.html")
        .unwrap();
    assert_eq!(entry["rows"], 3);
    // Self-contained: nothing is fetched.
    for fetch in ["http://", "https://", "src=", "@import", "url("] {
        assert!(!html.contains(fetch), "{fetch}");
    }
}

/// Every name, date of birth and id of the sample's inputs.
fn personal_values(dir: &Path) -> BTreeSet<String> {
    let mut values = BTreeSet::new();
    let columns = [
        "LastName",
        "FirstName",
        "MiddleName",
        "DOB",
        "BookingNumber",
        "PersonID",
        "BookingNo",
        "PersonNo",
        "DetainerNo",
        "Last",
        "First",
        "Middle",
        "BirthDate",
        "BkgNo",
        "PersonNbr",
        "DetainerID",
        "HoldID",
        "Nom",
        "LAST",
        "FIRST",
    ];
    for entry in files_under(&dir.join("sample_data")) {
        if entry.extension().is_none_or(|e| e != "csv") || entry.ends_with("planted.csv") {
            continue;
        }
        let bytes = std::fs::read(&entry).unwrap();
        let text: String = bytes.iter().map(|&b| b as char).collect();
        let mut lines = text
            .lines()
            .skip_while(|l| !l.contains(',') && !l.contains(';'));
        let Some(header) = lines.next() else { continue };
        let delim = if header.contains(';') { ';' } else { ',' };
        let header: Vec<&str> = header.split(delim).map(|h| h.trim_matches('"')).collect();
        let wanted: Vec<usize> = (0..header.len())
            .filter(|&i| {
                columns.contains(&header[i])
                    || header[i].to_lowercase().contains("name")
                    || header[i].to_lowercase().contains("dob")
                    || header[i].to_lowercase().ends_with("id")
                    || header[i].to_lowercase().ends_with("no")
            })
            .collect();
        for line in lines {
            let fields: Vec<&str> = line.split(delim).map(|f| f.trim_matches('"')).collect();
            for &i in &wanted {
                if let Some(v) = fields.get(i).filter(|v| v.len() >= 3) {
                    values.insert(v.to_string());
                }
            }
        }
    }
    values
}

/// The report without its method section, which is the fixed text of
/// docs/METHOD.md (its examples name invented people of a test fixture).
fn data_part(html: &str) -> String {
    let start = html.find("<section id=\"method\">").unwrap();
    let end = html[start..].find("</section>").unwrap() + start;
    format!("{}{}", &html[..start], &html[end..])
}

#[test]
fn the_report_names_no_person_with_or_without_pseudonyms() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_sample(dir.path(), &[]);
    let secrets = personal_values(dir.path());
    assert!(secrets.len() > 1000, "{}", secrets.len());
    let check = |html: &str| {
        let data = data_part(html);
        let words: BTreeSet<&str> = data
            .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '/' || c == '\''))
            .filter(|w| !w.is_empty())
            .collect();
        let leaked: Vec<&String> = secrets
            .iter()
            .filter(|s| words.contains(s.as_str()))
            .collect();
        assert!(
            leaked.is_empty(),
            "leaked: {:?}",
            &leaked[..leaked.len().min(10)]
        );
    };
    let plain = std::fs::read_to_string(out.join("report.html")).unwrap();
    check(&plain);
    // The holds do hold such values: the check can fail.
    let holds = std::fs::read(out.join("holds/county=alameda/part-0.parquet")).unwrap();
    let holds = String::from_utf8_lossy(&holds);
    assert!(secrets.iter().any(|s| holds.contains(s.as_str())));

    std::fs::write(dir.path().join("k"), b"0123456789abcdef0123456789abcdef").unwrap();
    let out = run_sample(dir.path(), &["--pseudonymize", "k"]);
    let pseudo = std::fs::read_to_string(out.join("report.html")).unwrap();
    check(&pseudo);
    assert!(!pseudo.contains("ps_"), "a pseudonym in the report");
    // Pseudonyms change nothing the report shows but its note saying so.
    assert_eq!(
        plain.replace(" · names and ids pseudonymized", ""),
        pseudo.replace(" · names and ids pseudonymized", "")
    );
}

#[test]
fn the_report_is_byte_identical_on_a_rerun_and_can_be_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_sample(dir.path(), &[]);
    let first = std::fs::read(out.join("report.html")).unwrap();
    let out = run_sample(dir.path(), &[]);
    assert!(first == std::fs::read(out.join("report.html")).unwrap());
    let out = run_sample(dir.path(), &["--no-report"]);
    assert!(!out.join("report.html").exists());
    assert!(out.join("summary").exists());
}

/// Chromium, if installed.
fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

fn headless(browser: &Path, profile: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(browser);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--virtual-time-budget=5000",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

#[test]
fn the_report_renders_in_a_real_browser() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var("DETAINER_AUDIT_REQUIRE_BROWSER").is_err(),
            "Chromium is required here but not installed"
        );
        eprintln!("skipped: no Chromium (apt-get install chromium)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = run_sample(dir.path(), &[]);
    let url = format!("file://{}", out.join("report.html").display());
    let profile = dir.path().join("profile");

    // The DOM after the scripts ran: charts and tables, no script error.
    let o = headless(&browser, &profile)
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&o.stdout);
    assert!(
        dom.contains("data-ready=\"1\""),
        "scripts did not run: {}",
        &dom[..dom.len().min(400)]
    );
    assert!(!dom.contains("data-errors=\""), "script errors: {dom}");
    assert!(dom.matches("<svg class=\"chart\"").count() >= 10);
    assert!(dom.matches("<polyline").count() >= 3 * 3 + 2);
    assert!(dom.contains("id=\"t-files\""));

    // A link to one county shows that county only.
    let o = headless(&browser, &profile)
        .arg("--dump-dom")
        .arg(format!("{url}#county=alpine"))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&o.stdout);
    assert_eq!(dom.matches("class=\"county\" id=\"county-").count(), 3);
    assert_eq!(
        dom.matches("data-county=\"alameda\" hidden=\"\"").count(),
        1,
        "{dom}"
    );
    assert_eq!(dom.matches("data-county=\"amador\" hidden=\"\"").count(), 1);
    assert!(!dom.contains("data-county=\"alpine\" hidden=\"\""));

    // A screenshot that is not blank, and a PDF, kept for a person to look
    // at (the path is printed).
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report");
    std::fs::create_dir_all(&shots).unwrap();
    let png = shots.join("report.png");
    let pdf = shots.join("report.pdf");
    let _ = std::fs::remove_file(&png);
    let o = headless(&browser, &profile)
        .arg("--window-size=1280,2400")
        .arg(format!("--screenshot={}", png.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(png.exists(), "{}", String::from_utf8_lossy(&o.stderr));
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[1..4], b"PNG");
    // A blank page of that size compresses to a few kilobytes.
    assert!(bytes.len() > 60_000, "{} bytes", bytes.len());
    headless(&browser, &profile)
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg("--no-pdf-header-footer")
        .arg(&url)
        .output()
        .unwrap();
    let pdf_bytes = std::fs::read(&pdf).unwrap();
    assert!(pdf_bytes.starts_with(b"%PDF"));
    let pages = String::from_utf8_lossy(&pdf_bytes)
        .matches("/Type /Page\n")
        .count()
        + String::from_utf8_lossy(&pdf_bytes)
            .matches("/Type /Page ")
            .count()
        + String::from_utf8_lossy(&pdf_bytes)
            .matches("/Type/Page/")
            .count();
    eprintln!(
        "screenshot {} ({} bytes), pdf {} ({} bytes, {pages} page markers)",
        png.display(),
        bytes.len(),
        pdf.display(),
        pdf_bytes.len()
    );
}
