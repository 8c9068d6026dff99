//! `run` on the bundled synthetic sample (three counties, three dialects):
//! every output is written, every planted bad row is rejected with its
//! reason, every planted hard case becomes a hold, and every input file
//! reconciles.

mod common;

use common::*;
use std::path::Path;

fn run_sample(dir: &Path) -> std::process::Output {
    copy_dir(&root().join("sample_data"), &dir.join("sample_data"));
    copy_dir(&root().join("pipelines"), &dir.join("pipelines"));
    run(&["run", "--out", "out"], dir)
}

fn planted(dir: &Path, slug: &str) -> Vec<Vec<String>> {
    let text =
        std::fs::read_to_string(dir.join("sample_data").join(slug).join("planted.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    rdr.records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn sample_run_writes_everything_and_catches_every_planted_case() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_sample(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // stderr is a pipe here, not a terminal: no progress display, only the
    // closing line.
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("3 counties: "), "{err}");
    assert!(!err.contains('\x1b'), "terminal escapes in {err:?}");
    let out = dir.path().join("out");
    for f in [
        "class_members.parquet",
        "class_members.csv",
        "manifest.json",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let slugs: Vec<&str> = manifest["pipelines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["alameda", "alpine", "amador"]);

    for p in manifest["pipelines"].as_array().unwrap() {
        let slug = p["slug"].as_str().unwrap();
        // Reconciliation, per file, and against the rejects file itself.
        let rejects = read_parquet(&out.join(format!("rejects/county={slug}/part-0.parquet")));
        let mut total_rejected = 0;
        for input in p["inputs"].as_array().unwrap() {
            for f in input["files"].as_array().unwrap() {
                let (rows_in, used, rejected) = (
                    f["rows_in"].as_u64().unwrap(),
                    f["rows_used"].as_u64().unwrap(),
                    f["rows_rejected"].as_u64().unwrap(),
                );
                assert!(rows_in > 0);
                assert_eq!(rows_in, used + rejected, "{slug} {f}");
                let in_file = rejects
                    .iter()
                    .filter(|r| {
                        r["table"] == input["table"].as_str().unwrap()
                            && r["source_file"] == f["path"].as_str().unwrap()
                    })
                    .count() as u64;
                assert_eq!(in_file, rejected, "{slug} {f}");
                total_rejected += rejected;
            }
        }
        assert_eq!(total_rejected, rejects.len() as u64);

        let holds = read_parquet(&out.join(format!("holds/county={slug}/part-0.parquet")));
        let summary = read_parquet(&out.join(format!("summary/county={slug}/part-0.parquet")));
        assert_eq!(summary.len(), 15 * 12 + 6, "{slug}");
        let flagged: u64 = summary
            .iter()
            .map(|r| r["flagged"].parse::<u64>().unwrap())
            .sum();
        assert_eq!(
            flagged,
            holds.iter().filter(|h| h["flagged"] == "true").count() as u64
        );

        for row in planted(dir.path(), slug) {
            let (kind, name, booking, person) = (&row[0], &row[1], &row[2], &row[3]);
            if kind == "case" {
                let hold = holds
                    .iter()
                    .find(|h| &h["booking_id"] == booking)
                    .unwrap_or_else(|| panic!("{slug}: no hold for planted {name} {booking}"));
                match name.as_str() {
                    "OpenHold" => assert_eq!(hold["status"], "open", "{slug} {booking}"),
                    "MissingEligibility" => {
                        assert_eq!(hold["status"], "eligibility_unknown", "{slug} {booking}")
                    }
                    _ => assert_ne!(hold["hold_minutes"], "", "{slug} {name} {booking}"),
                }
                continue;
            }
            let reasons: &[&str] = match name.as_str() {
                "conflicting_duplicate_booking" => &["conflicting_duplicate"],
                "exact_duplicate_row" => &["duplicate_row"],
                "nonexistent_local_time" => &["nonexistent_local_time"],
                "orphan_detainer" => &["no_booking", "no_booking_for_person"],
                "release_before_booking" => &["release_before_booking"],
                "unparseable_date" => &["bad_datetime"],
                "unmapped_release_reason" => continue,
                other => panic!("unknown planted defect {other}"),
            };
            let hit = rejects.iter().any(|r| {
                reasons.contains(&r["reason"].as_str())
                    && (r["raw"].contains(&format!("\"{booking}\""))
                        || r["raw"].contains(&format!("\"{person}\"")))
            });
            assert!(
                hit,
                "{slug}: planted {name} ({booking}) not rejected as {reasons:?}"
            );
        }
        let unmapped = p["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|i| i["files"].as_array().unwrap().iter())
            .filter_map(|f| f["unmapped_codes"].get("release_reason"))
            .count();
        assert!(
            unmapped > 0,
            "{slug}: the planted unmapped release reason was not counted"
        );
    }
}

/// The planted DST, holiday, open and missing-eligibility cases, as they
/// must come out in `holds/`: `(county, booking_id, status, hold_minutes,
/// unwarranted_minutes, limit_hours_counted, over_limit, form)`, each value
/// as the Apache arrow reader displays it ("" for null).
///
/// Worked out from the raw export rows, independently of the crate's code
/// (with a throwaway Python `zoneinfo` script, the business-clock rows also
/// by hand; never with the audit itself), in America/Los_Angeles local time,
/// the zone every sample pipeline names. Eligibility is the release row's
/// eligible time, or for Amador (one row per charge) the latest disposition
/// of the booking's criminal charges; the release is the released time; an
/// open hold runs to the pipelines' `as_of`, 2026-06-30 00:00 PDT. A time
/// that happened twice (01:00 to 02:00 on the November night clocks go back)
/// reads as the later instant for an eligibility, the earlier for a release.
/// Every planted case starts its hold at eligibility with one detainer
/// already in force (two I-247s for Amador 13-000211, the earliest lodged
/// giving the form), and none has a judicial warrant, so
/// `unwarranted_minutes` is the whole hold. `hold_minutes` is the elapsed
/// real time in whole minutes, rounded down. `limit_hours_counted` is the
/// whole minutes counted by the form's clock, divided by 60: calendar time
/// for an I-247A; for an I-247, I-247D or I-247X only the time on local days
/// that are neither a Saturday, a Sunday nor a federal holiday or its
/// observed day (`tests/fixtures/us_federal_holidays_2010_2030.csv`).
/// `over_limit` is counted hours over 48.
/// `(county, booking_id, status, hold_minutes, unwarranted_minutes,
/// limit_hours_counted, over_limit, form)` of a planted case.
type Planted = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

#[rustfmt::skip]
const PLANTED_HOLDS: &[Planted] = &[
    // alameda 2011-000092, Christmas: eligible Sat 2011-12-24 16:46:50 PST,
    // released Mon 2011-12-26 22:15:52 PST: 53 h 29 min 02 s, 3209 minutes.
    // I-247 business clock: nothing = 0 minutes; skipped Sat 12-24, Sun 12-25,
    // Mon 12-26 (Christmas Day observed).
    ("alameda", "2011-000092", "closed", "3209", "3209", "0.0", "false", "I-247"),
    // alameda 2021-000091, Christmas: eligible Thu 2021-12-23 16:21:51 PST,
    // released Mon 2021-12-27 19:33:40 PST: 99 h 11 min 49 s, 5951 minutes.
    // I-247A calendar clock: 5951 minutes, over 48 h.
    ("alameda", "2021-000091", "closed", "5951", "5951", "99.18333333333334", "true", "I-247A"),
    // alameda 2011-000077, DstFallNight: eligible Sun 2011-11-06 00:48:59 PDT,
    // released 02:16:05 PST: 2 h 27 min 06 s, 147 minutes. I-247 business
    // clock: nothing = 0 minutes; skipped Sun 11-06.
    ("alameda", "2011-000077", "closed", "147", "147", "0.0", "false", "I-247"),
    // alameda 2018-000080, DstFallNight: eligible Sun 2018-11-04 00:31:33 PDT,
    // released 01:08:20 (a time that happened twice: the earlier, PDT):
    // 36 min 47 s, 36 minutes. I-247A calendar clock: 36 minutes.
    ("alameda", "2018-000080", "closed", "36", "36", "0.6", "false", "I-247A"),
    // alameda 2014-000075, DstFallWeekend: eligible Sat 2014-11-01 22:12:56
    // PDT, released Tue 2014-11-04 15:11:21 PST: 65 h 58 min 25 s, 3958
    // minutes. I-247 business clock: Mon 11-03 24 h 00 min + Tue 11-04
    // 15 h 11 min 21 s = 2351 minutes; skipped Sat 11-01, Sun 11-02.
    ("alameda", "2014-000075", "closed", "3958", "3958", "39.18333333333333", "false", "I-247"),
    // alameda 2021-000079, DstFallWeekend: eligible Sat 2021-11-06 18:59:40
    // PDT, released Tue 2021-11-09 06:50:53 PST: 60 h 51 min 13 s, 3651
    // minutes. I-247A calendar clock: 3651 minutes, over 48 h.
    ("alameda", "2021-000079", "closed", "3651", "3651", "60.85", "true", "I-247A"),
    // alameda 2017-000010, DstSpringNight: eligible Sun 2017-03-12 01:44:15
    // PST, released 04:55:14 PDT: 2 h 10 min 59 s, 130 minutes. I-247D
    // business clock: nothing = 0 minutes; skipped Sun 03-12.
    ("alameda", "2017-000010", "closed", "130", "130", "0.0", "false", "I-247D"),
    // alameda 2019-000024, DstSpringNight: eligible Sun 2019-03-10 01:15:13
    // PST, released 03:07:42 PDT: 52 min 29 s, 52 minutes. I-247A calendar
    // clock: 52 minutes.
    ("alameda", "2019-000024", "closed", "52", "52", "0.8666666666666667", "false", "I-247A"),
    // alameda 2015-000012, DstSpringWeekend: eligible Sat 2015-03-07 22:54:17
    // PST, released Sun 2015-03-08 23:01:14 PDT: 23 h 06 min 57 s, 1386
    // minutes. I-247D business clock: nothing = 0 minutes; skipped Sat 03-07,
    // Sun 03-08.
    ("alameda", "2015-000012", "closed", "1386", "1386", "0.0", "false", "I-247D"),
    // alameda 2022-000017, DstSpringWeekend: eligible Sat 2022-03-12 22:58:24
    // PST, released Mon 2022-03-14 22:33:35 PDT: 46 h 35 min 11 s, 2795
    // minutes. I-247A calendar clock: 2795 minutes.
    ("alameda", "2022-000017", "closed", "2795", "2795", "46.583333333333336", "false", "I-247A"),
    // alameda 2012-000062, MissingEligibility: no eligible time in the export
    // (EligibleDateTime empty); I-247 lodged Wed 2012-09-05 11:08:01 PDT: not
    // measured.
    ("alameda", "2012-000062", "eligibility_unknown", "", "", "", "", "I-247"),
    // alameda 2023-000078, MissingEligibility: no eligible time in the export
    // (EligibleDateTime empty); I-247A lodged Tue 2023-10-17 11:58:38 PDT: not
    // measured.
    ("alameda", "2023-000078", "eligibility_unknown", "", "", "", "", "I-247A"),
    // alameda 2017-000092, NewYear: eligible Sun 2017-12-31 15:55:29 PST,
    // released Tue 2018-01-02 21:59:40 PST: 54 h 04 min 11 s, 3244 minutes.
    // I-247A calendar clock: 3244 minutes, over 48 h.
    ("alameda", "2017-000092", "closed", "3244", "3244", "54.06666666666667", "true", "I-247A"),
    // alameda 2024-000097, NewYear: eligible Tue 2024-12-31 19:28:36 PST,
    // released Fri 2025-01-03 15:39:27 PST: 68 h 10 min 51 s, 4090 minutes.
    // I-247A calendar clock: 4090 minutes, over 48 h.
    ("alameda", "2024-000097", "closed", "4090", "4090", "68.16666666666667", "true", "I-247A"),
    // alameda 2026-000042, OpenHold: eligible Fri 2026-06-19 18:08:36 PDT, no
    // release, no ICE custody, detainer never lifted: open to as_of Tue
    // 2026-06-30 00:00:00 PDT: 245 h 51 min 24 s, 14751 minutes. I-247A
    // calendar clock: 14751 minutes, over 48 h.
    ("alameda", "2026-000042", "open", "14751", "14751", "245.85", "true", "I-247A"),
    // alameda 2026-000043, OpenHold: eligible Sat 2026-06-27 22:06:57 PDT, no
    // release, no ICE custody, detainer never lifted: open to as_of Tue
    // 2026-06-30 00:00:00 PDT: 49 h 53 min 03 s, 2993 minutes. I-247A calendar
    // clock: 2993 minutes, over 48 h.
    ("alameda", "2026-000043", "open", "2993", "2993", "49.88333333333333", "true", "I-247A"),
    // alameda 2012-000090, Thanksgiving: eligible Wed 2012-11-21 14:10:33 PST,
    // released Sat 2012-11-24 10:54:47 PST: 68 h 44 min 14 s, 4124 minutes.
    // I-247 business clock: Wed 11-21 9 h 49 min 27 s + Fri 11-23 24 h 00 min
    // = 2029 minutes; skipped Thu 11-22 (Thanksgiving Day), Sat 11-24.
    ("alameda", "2012-000090", "closed", "4124", "4124", "33.81666666666667", "false", "I-247"),
    // alameda 2024-000091, Thanksgiving: eligible Wed 2024-11-27 15:08:47 PST,
    // released Sun 2024-12-01 04:29:48 PST: 85 h 21 min 01 s, 5121 minutes.
    // I-247A calendar clock: 5121 minutes, over 48 h.
    ("alameda", "2024-000091", "closed", "5121", "5121", "85.35", "true", "I-247A"),
    // alpine 10000661, Christmas: eligible Sun 2017-12-24 14:10 PST, released
    // Fri 2017-12-29 11:30 PST: 117 h 20 min, 7040 minutes. I-247A calendar
    // clock: 7040 minutes, over 48 h.
    ("alpine", "10000661", "closed", "7040", "7040", "117.33333333333333", "true", "I-247A"),
    // alpine 10000754, Christmas: eligible Mon 2018-12-24 15:33 PST, released
    // Sat 2018-12-29 15:13 PST: 119 h 40 min, 7180 minutes. I-247A calendar
    // clock: 7180 minutes, over 48 h.
    ("alpine", "10000754", "closed", "7180", "7180", "119.66666666666667", "true", "I-247A"),
    // alpine 10000168, DstFallNight: eligible Sun 2012-11-04 00:52 PDT,
    // released 01:15 (a time that happened twice: the earlier, PDT): 23 min,
    // 23 minutes. I-247 business clock: nothing = 0 minutes; skipped
    // Sun 11-04.
    ("alpine", "10000168", "closed", "23", "23", "0.0", "false", "I-247"),
    // alpine 10001028, DstFallNight: eligible Sun 2021-11-07 00:25 PDT,
    // released 01:10 (a time that happened twice: the earlier, PDT): 45 min,
    // 45 minutes. I-247A calendar clock: 45 minutes.
    ("alpine", "10001028", "closed", "45", "45", "0.75", "false", "I-247A"),
    // alpine 10000652, DstFallWeekend: eligible Sat 2017-11-04 20:50 PDT,
    // released Mon 2017-11-06 05:29 PST: 33 h 39 min, 2019 minutes. I-247A
    // calendar clock: 2019 minutes.
    ("alpine", "10000652", "closed", "2019", "2019", "33.65", "false", "I-247A"),
    // alpine 10001023, DstFallWeekend: eligible Sat 2021-11-06 19:48 PDT,
    // released Mon 2021-11-08 19:28 PST: 48 h 40 min, 2920 minutes. I-247A
    // calendar clock: 2920 minutes, over 48 h.
    ("alpine", "10001023", "closed", "2920", "2920", "48.666666666666664", "true", "I-247A"),
    // alpine 10000676, DstSpringNight: eligible Sun 2018-03-11 00:41 PST,
    // released 04:52 PDT: 3 h 11 min, 191 minutes. I-247A calendar clock: 191
    // minutes.
    ("alpine", "10000676", "closed", "191", "191", "3.183333333333333", "false", "I-247A"),
    // alpine 10001424, DstSpringNight: eligible Sun 2026-03-08 01:44 PST,
    // released 05:52 PDT: 3 h 08 min, 188 minutes. I-247A calendar clock: 188
    // minutes.
    ("alpine", "10001424", "closed", "188", "188", "3.1333333333333333", "false", "I-247A"),
    // alpine 10000208, DstSpringWeekend: eligible Sat 2013-03-09 21:31 PST,
    // released Mon 2013-03-11 00:23 PDT: 25 h 52 min, 1552 minutes. I-247
    // business clock: Mon 03-11 23 min = 23 minutes; skipped Sat 03-09,
    // Sun 03-10.
    ("alpine", "10000208", "closed", "1552", "1552", "0.38333333333333336", "false", "I-247"),
    // alpine 10001338, DstSpringWeekend: eligible Sat 2025-03-08 19:59 PST,
    // released Mon 2025-03-10 00:47 PDT: 27 h 48 min, 1668 minutes. I-247A
    // calendar clock: 1668 minutes.
    ("alpine", "10001338", "closed", "1668", "1668", "27.8", "false", "I-247A"),
    // alpine 10000642, MissingEligibility: no eligible time in the export
    // (ELIG_DATE/ELIG_TIME NULL); I-247A lodged Sat 2017-09-23 14:30 PDT: not
    // measured.
    ("alpine", "10000642", "eligibility_unknown", "", "", "", "", "I-247A"),
    // alpine 10001437, MissingEligibility: no eligible time in the export
    // (ELIG_DATE/ELIG_TIME NULL); I-247A lodged Tue 2026-03-24 21:37 PDT: not
    // measured.
    ("alpine", "10001437", "eligibility_unknown", "", "", "", "", "I-247A"),
    // alpine 10000093, NewYear: eligible Sun 2012-01-01 14:44 PST, released
    // Tue 2012-01-03 19:33 PST: 52 h 49 min, 3169 minutes. I-247 business
    // clock: Tue 01-03 19 h 33 min = 1173 minutes; skipped Sun 01-01,
    // Mon 01-02 (New Year's Day observed).
    ("alpine", "10000093", "closed", "3169", "3169", "19.55", "false", "I-247"),
    // alpine 10000944, NewYear: eligible Thu 2020-12-31 17:05 PST, released
    // Sun 2021-01-03 20:07 PST: 75 h 02 min, 4502 minutes. I-247A calendar
    // clock: 4502 minutes, over 48 h.
    ("alpine", "10000944", "closed", "4502", "4502", "75.03333333333333", "true", "I-247A"),
    // alpine 10001457, OpenHold: eligible Fri 2026-06-12 04:53 PDT, no
    // release, no ICE custody, detainer never lifted: open to as_of Tue
    // 2026-06-30 00:00 PDT: 427 h 07 min, 25627 minutes. I-247A calendar
    // clock: 25627 minutes, over 48 h.
    ("alpine", "10001457", "open", "25627", "25627", "427.1166666666667", "true", "I-247A"),
    // alpine 10001459, OpenHold: eligible Sun 2026-06-21 15:20 PDT, no
    // release, no ICE custody, detainer never lifted: open to as_of Tue
    // 2026-06-30 00:00 PDT: 200 h 40 min, 12040 minutes. I-247A calendar
    // clock: 12040 minutes, over 48 h.
    ("alpine", "10001459", "open", "12040", "12040", "200.66666666666666", "true", "I-247A"),
    // alpine 10000655, Thanksgiving: eligible Wed 2017-11-22 20:26 PST,
    // released Sat 2017-11-25 16:55 PST: 68 h 29 min, 4109 minutes. I-247A
    // calendar clock: 4109 minutes, over 48 h.
    ("alpine", "10000655", "closed", "4109", "4109", "68.48333333333333", "true", "I-247A"),
    // alpine 10001035, Thanksgiving: eligible Wed 2021-11-24 16:37 PST,
    // released Sun 2021-11-28 07:15 PST: 86 h 38 min, 5198 minutes. I-247A
    // calendar clock: 5198 minutes, over 48 h.
    ("alpine", "10001035", "closed", "5198", "5198", "86.63333333333334", "true", "I-247A"),
    // amador 12-000188, Christmas: last criminal charge disposed Sun
    // 2012-12-23 15:25 PST, released Tue 2012-12-25 16:10 PST: 48 h 45 min,
    // 2925 minutes. I-247 business clock: Mon 12-24 24 h 00 min = 1440
    // minutes; skipped Sun 12-23, Tue 12-25 (Christmas Day).
    ("amador", "12-000188", "closed", "2925", "2925", "24.0", "false", "I-247"),
    // amador 22-001132, Christmas: last criminal charge disposed Sat
    // 2022-12-24 21:32 PST, released Thu 2022-12-29 02:12 PST: 100 h 40 min,
    // 6040 minutes. I-247A calendar clock: 6040 minutes, over 48 h.
    ("amador", "22-001132", "closed", "6040", "6040", "100.66666666666667", "true", "I-247A"),
    // amador 16-000554, DstFallNight: last criminal charge disposed Sun
    // 2016-11-06 00:24 PDT, released 01:05 (a time that happened twice: the
    // earlier, PDT): 41 min, 41 minutes. I-247D business clock: nothing = 0
    // minutes; skipped Sun 11-06.
    ("amador", "16-000554", "closed", "41", "41", "0.0", "false", "I-247D"),
    // amador 20-000931, DstFallNight: last criminal charge disposed Sun
    // 2020-11-01 00:51 PDT, released 02:06 PST: 2 h 15 min, 135 minutes.
    // I-247A calendar clock: 135 minutes.
    ("amador", "20-000931", "closed", "135", "135", "2.25", "false", "I-247A"),
    // amador 14-000361, DstFallWeekend: last criminal charge disposed Sat
    // 2014-11-01 17:30 PDT, released Mon 2014-11-03 07:16 PST: 38 h 46 min,
    // 2326 minutes. I-247 business clock: Mon 11-03 7 h 16 min = 436 minutes;
    // skipped Sat 11-01, Sun 11-02.
    ("amador", "14-000361", "closed", "2326", "2326", "7.266666666666667", "false", "I-247"),
    // amador 18-000744, DstFallWeekend: last criminal charge disposed Sat
    // 2018-11-03 21:32 PDT, released Mon 2018-11-05 20:48 PST: 48 h 16 min,
    // 2896 minutes. I-247A calendar clock: 2896 minutes, over 48 h.
    ("amador", "18-000744", "closed", "2896", "2896", "48.266666666666666", "true", "I-247A"),
    // amador 14-000303, DstSpringNight: last criminal charge disposed Sun
    // 2014-03-09 01:32 PST, released 06:28 PDT: 3 h 56 min, 236 minutes. I-247
    // business clock: nothing = 0 minutes; skipped Sun 03-09.
    ("amador", "14-000303", "closed", "236", "236", "0.0", "false", "I-247"),
    // amador 26-001435, DstSpringNight: last criminal charge disposed Sun
    // 2026-03-08 01:13 PST, released 03:22 PDT: 1 h 09 min, 69 minutes. I-247A
    // calendar clock: 69 minutes.
    ("amador", "26-001435", "closed", "69", "69", "1.15", "false", "I-247A"),
    // amador 13-000211, DstSpringWeekend: last criminal charge disposed Sat
    // 2013-03-09 17:21 PST, released Sun 2013-03-10 17:45 PDT: 23 h 24 min,
    // 1404 minutes. I-247 business clock: nothing = 0 minutes; skipped
    // Sat 03-09, Sun 03-10.
    ("amador", "13-000211", "closed", "1404", "1404", "0.0", "false", "I-247"),
    // amador 25-001333, DstSpringWeekend: last criminal charge disposed Sat
    // 2025-03-08 17:52 PST, released Mon 2025-03-10 20:40 PDT: 49 h 48 min,
    // 2988 minutes. I-247A calendar clock: 2988 minutes, over 48 h.
    ("amador", "25-001333", "closed", "2988", "2988", "49.8", "true", "I-247A"),
    // amador 12-000128, MissingEligibility: no eligible time in the export (a
    // criminal charge never disposed); I-247 lodged Tue 2012-05-22 23:10 PDT:
    // not measured.
    ("amador", "12-000128", "eligibility_unknown", "", "", "", "", "I-247"),
    // amador 16-000487, MissingEligibility: no eligible time in the export (a
    // criminal charge never disposed); I-247X lodged Mon 2016-03-14 01:21 PDT:
    // not measured.
    ("amador", "16-000487", "eligibility_unknown", "", "", "", "", "I-247X"),
    // amador 12-000191, NewYear: last criminal charge disposed Mon 2012-12-31
    // 15:54 PST, released Thu 2013-01-03 07:20 PST: 63 h 26 min, 3806 minutes.
    // I-247 business clock: Mon 12-31 8 h 06 min + Wed 01-02 24 h 00 min +
    // Thu 01-03 7 h 20 min = 2366 minutes; skipped Tue 01-01 (New Year's Day).
    ("amador", "12-000191", "closed", "3806", "3806", "39.43333333333333", "false", "I-247"),
    // amador 21-001037, NewYear: last criminal charge disposed Thu 2021-12-30
    // 16:14 PST, released Sun 2022-01-02 09:50 PST: 65 h 36 min, 3936 minutes.
    // I-247A calendar clock: 3936 minutes, over 48 h.
    ("amador", "21-001037", "closed", "3936", "3936", "65.6", "true", "I-247A"),
    // amador 26-001459, OpenHold: last criminal charge disposed Wed 2026-06-10
    // 20:10 PDT, no release, no ICE custody, detainer never lifted: open to
    // as_of Tue 2026-06-30 00:00 PDT: 459 h 50 min, 27590 minutes. I-247A
    // calendar clock: 27590 minutes, over 48 h.
    ("amador", "26-001459", "open", "27590", "27590", "459.8333333333333", "true", "I-247A"),
    // amador 26-001460, OpenHold: last criminal charge disposed Thu 2026-06-18
    // 06:59 PDT, no release, no ICE custody, detainer never lifted: open to
    // as_of Tue 2026-06-30 00:00 PDT: 281 h 01 min, 16861 minutes. I-247A
    // calendar clock: 16861 minutes, over 48 h.
    ("amador", "26-001460", "open", "16861", "16861", "281.01666666666665", "true", "I-247A"),
    // amador 16-000556, Thanksgiving: last criminal charge disposed Wed
    // 2016-11-23 17:33 PST, released Fri 2016-11-25 20:46 PST: 51 h 13 min,
    // 3073 minutes. I-247D business clock: Wed 11-23 6 h 27 min + Fri 11-25
    // 20 h 46 min = 1633 minutes; skipped Thu 11-24 (Thanksgiving Day).
    ("amador", "16-000556", "closed", "3073", "3073", "27.216666666666665", "false", "I-247D"),
    // amador 24-001311, Thanksgiving: last criminal charge disposed Wed
    // 2024-11-27 17:13 PST, released Sat 2024-11-30 04:27 PST: 59 h 14 min,
    // 3554 minutes. I-247A calendar clock: 3554 minutes, over 48 h.
    ("amador", "24-001311", "closed", "3554", "3554", "59.233333333333334", "true", "I-247A"),
];

#[test]
fn planted_cases_are_measured_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_sample(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // The table covers every planted case, and nothing else.
    let mut want: Vec<(String, String)> = PLANTED_HOLDS
        .iter()
        .map(|c| (c.0.to_string(), c.1.to_string()))
        .collect();
    let mut planted_cases: Vec<(String, String)> = ["alameda", "alpine", "amador"]
        .iter()
        .flat_map(|slug| {
            planted(dir.path(), slug)
                .into_iter()
                .filter(|row| row[0] == "case")
                .map(move |row| (slug.to_string(), row[2].clone()))
        })
        .collect();
    want.sort();
    planted_cases.sort();
    assert_eq!(want, planted_cases);

    for &(slug, booking, status, minutes, unwarranted, limit_hours, over_limit, form) in
        PLANTED_HOLDS
    {
        let holds = read_parquet(
            &dir.path()
                .join(format!("out/holds/county={slug}/part-0.parquet")),
        );
        let found: Vec<&Row> = holds
            .iter()
            .filter(|h| h["booking_id"] == booking)
            .collect();
        assert_eq!(found.len(), 1, "{slug} {booking}: hold rows");
        let h = found[0];
        let got = (
            h["status"].as_str(),
            h["hold_minutes"].as_str(),
            h["unwarranted_minutes"].as_str(),
            h["over_limit"].as_str(),
            h["form"].as_str(),
        );
        assert_eq!(
            got,
            (status, minutes, unwarranted, over_limit, form),
            "{slug} {booking}: (status, hold_minutes, unwarranted_minutes, over_limit, form)"
        );
        let counted = &h["limit_hours_counted"];
        if limit_hours.is_empty() {
            assert_eq!(counted, "", "{slug} {booking}: limit_hours_counted");
        } else {
            let (got, want): (f64, f64) = (counted.parse().unwrap(), limit_hours.parse().unwrap());
            assert!(
                (got - want).abs() < 1e-9,
                "{slug} {booking}: limit_hours_counted {counted}, want {limit_hours}"
            );
        }
    }
}

#[test]
fn per_charge_county_derives_eligibility_from_charges() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_sample(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let holds = read_parquet(&dir.path().join("out/holds/county=amador/part-0.parquet"));
    assert!(!holds.is_empty());
    assert!(holds.iter().all(|h| h["eligibility_source"] != "releases"));
    let derived = holds
        .iter()
        .filter(|h| h["eligibility_source"] == "charges")
        .count();
    assert!(
        derived * 10 >= holds.len() * 8,
        "{derived} of {}",
        holds.len()
    );
}

#[test]
fn generate_remakes_the_bundled_sample_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        &[
            "generate",
            "--out",
            "sample_data",
            "--pipelines",
            "pipelines",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    for entry in [
        "pipelines/alameda.toml",
        "pipelines/alpine.toml",
        "pipelines/amador.toml",
        "sample_data/alameda/bookings_2019.csv",
        "sample_data/alpine/bookings.csv",
        "sample_data/amador/charges.csv",
        "sample_data/amador/detainers.csv",
    ] {
        let want = std::fs::read(root().join(entry)).unwrap();
        let got = std::fs::read(dir.path().join(entry)).unwrap();
        assert!(want == got, "{entry} differs from a fresh `generate`");
    }
}
