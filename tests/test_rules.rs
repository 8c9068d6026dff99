//! `run` on the rules fixture (tests/fixtures/rules): one booking per rule
//! of the method, each hold's values worked out by hand below from the rows
//! of bookings.csv, charges.csv and detainers.csv (times are local, Los
//! Angeles). The pipeline gives no `as_of`: it is the newest time in the
//! export, C15's release at 2020-06-30 23:00 PDT.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::Path;

fn run_rules(dir: &Path) -> std::process::Output {
    copy_dir(&root().join("tests/fixtures/rules"), &dir.join("rules"));
    run(&["run", "rules/pipeline.toml", "--out", "out"], dir)
}

fn by(rows: Vec<Row>, key: &str) -> BTreeMap<String, Row> {
    rows.into_iter().map(|r| (r[key].clone(), r)).collect()
}

struct Out {
    holds: BTreeMap<String, Row>,
    summary: Vec<Row>,
    members: BTreeMap<String, Row>,
    rejects: Vec<Row>,
    detainers: Vec<Row>,
}

fn outputs(dir: &Path) -> Out {
    let o = run_rules(dir);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = dir.join("out");
    Out {
        holds: by(
            read_parquet(&out.join("holds/county=rules-county/part-0.parquet")),
            "booking_id",
        ),
        summary: read_parquet(&out.join("summary/county=rules-county/part-0.parquet")),
        members: by(
            read_parquet(&out.join("class_members.parquet")),
            "person_key",
        ),
        rejects: read_parquet(&out.join("rejects/county=rules-county/part-0.parquet")),
        detainers: read_parquet(&out.join("hold_detainers/county=rules-county/part-0.parquet")),
    }
}

/// Asserts `field = value` for each pair, naming the booking on failure.
fn expect(holds: &BTreeMap<String, Row>, id: &str, want: &[(&str, &str)]) {
    let h = holds.get(id).unwrap_or_else(|| panic!("no hold for {id}"));
    for (field, value) in want {
        assert_eq!(h[*field], *value, "{id}.{field}");
    }
}

#[test]
fn every_rule_gives_its_hand_worked_values() {
    let dir = tempfile::tempdir().unwrap();
    let o = outputs(dir.path());
    let h = &o.holds;
    // C19's only detainer is outside its custody window and C21, C22 have
    // none; C23 is rejected as implausible.
    assert_eq!(
        h.keys().cloned().collect::<Vec<_>>(),
        [
            "C01", "C02", "C03", "C04", "C05", "C06", "C07", "C08", "C09", "C10", "C11", "C12",
            "C13", "C14", "C15", "C16", "C17", "C18", "C20", "C24"
        ]
    );

    // Rule 1, eligibility from charges: the latest criminal disposition,
    // 03-02 09:00 (the ICE HOLD charge, never disposed, does not count), to
    // the release at 15:00: 360 minutes, all unwarranted.
    expect(
        h,
        "C01",
        &[
            ("eligibility_source", "charges"),
            ("eligible_at", "2019-03-02T09:00:00-08:00"),
            ("eligibility_from", "[charges.csv row 2]"),
            ("hold_minutes", "360"),
            ("unwarranted_minutes", "360"),
            ("status", "closed"),
            ("form", "I-247A"),
            ("warrant_status", "administrative"),
            ("flagged", "true"),
            ("over_limit", "false"),
            ("limit_hours_counted", "6.0"),
            ("release_source", "releases"),
            ("release_from", "bookings.csv row 1"),
            ("detainer_rows", "[detainers.csv row 1]"),
        ],
    );
    // Rule 1: a criminal charge still open: no eligibility, not measured;
    // the row says what was on file.
    expect(
        h,
        "C02",
        &[
            ("eligibility_source", "none"),
            ("eligible_at", ""),
            ("status", "eligibility_unknown"),
            ("hold_start", ""),
            ("hold_minutes", ""),
            ("unwarranted_minutes", ""),
            ("past_release", ""),
            ("flagged", "false"),
            ("form", "I-247A"),
            ("warrant_status", "administrative"),
            ("over_limit", ""),
        ],
    );
    // Rule 1: a charge of unknown kind (code XX) counts as criminal: its
    // disposition at 05-02 12:00 is the latest; to 14:00 is 120 minutes.
    expect(
        h,
        "C03",
        &[
            ("eligible_at", "2019-05-02T12:00:00-07:00"),
            ("eligibility_from", "[charges.csv row 7]"),
            ("hold_minutes", "120"),
            ("flagged", "true"),
        ],
    );
    // Rule 1: a charge row rejected (03-10 02:30 is in the skipped hour): no
    // eligibility from the charges left. Taking 03-05 10:00 would have made
    // a 7-day flagged hold.
    expect(
        h,
        "C04",
        &[
            ("status", "eligibility_unknown"),
            ("eligibility_source", "none"),
            ("hold_minutes", ""),
            ("flagged", "false"),
        ],
    );
    // Rule 2: the release row was rejected (month 13): never measured, not
    // even to as_of (which would have been a year-long open hold).
    expect(
        h,
        "C05",
        &[
            ("status", "release_unknown"),
            ("eligibility_source", "charges"),
            ("eligible_at", "2019-06-01T10:00:00-07:00"),
            ("released_at", ""),
            ("release_source", "rejected"),
            ("hold_start", ""),
            ("hold_end", ""),
            ("hold_minutes", ""),
            ("flagged", "false"),
        ],
    );
    // Rule 2: no release time, but ICE took custody 07-03 10:00: the hold
    // ends there, 24 hours after eligibility.
    expect(
        h,
        "C06",
        &[
            ("status", "closed"),
            ("released_at", "2019-07-03T10:00:00-07:00"),
            ("release_source", "ice_custody"),
            ("release_from", "detainers.csv row 6"),
            ("hold_minutes", "1440"),
            ("limit_hours_counted", "24.0"),
            ("transferred_to_ice", "true"),
            ("flagged", "true"),
        ],
    );
    // Rule 3: D07a (I-247N) was lifted at 09:00, before eligibility at
    // 12:00: it plays no part. D07b (I-247A) from 14:00 to the release at
    // 16:00: 120 minutes, form I-247A, within its limit.
    expect(
        h,
        "C07",
        &[
            ("hold_start", "2019-08-05T14:00:00-07:00"),
            ("hold_end", "2019-08-05T16:00:00-07:00"),
            ("hold_minutes", "120"),
            ("form", "I-247A"),
            ("over_limit", "false"),
            ("limit_hours_counted", "2.0"),
            ("detainer_rows", "[detainers.csv row 8]"),
            ("detainers", "2"),
        ],
    );
    // Rule 6: administrative from eligibility at 10:00, a judge's warrant
    // from 15:00, released 20:00: 600 minutes held, 300 unwarranted.
    expect(
        h,
        "C08",
        &[
            ("hold_minutes", "600"),
            ("unwarranted_minutes", "300"),
            ("warrant_status", "administrative"),
            ("flagged", "true"),
            ("form", "I-247A"),
            ("limit_hours_counted", "10.0"),
            (
                "detainer_rows",
                "[detainers.csv row 9, detainers.csv row 10]",
            ),
        ],
    );
    // Rule 8: two detainers in force at the start (Friday 10-04 10:00); the
    // earliest lodged is the I-247D, whose clock skips the weekend: Fri 14
    // + Mon 24 + Tue 10 = 48 hours, not over (the I-247A's calendar clock
    // would count 96).
    expect(
        h,
        "C09",
        &[
            ("hold_minutes", "5760"),
            ("form", "I-247D"),
            ("limit_hours_counted", "48.0"),
            ("over_limit", "false"),
            ("warrant_status", "none"),
            ("flagged", "true"),
        ],
    );
    // Rule 4: eligible at 01:30 on 2019-11-03, which happened twice: the
    // later one (PST) starts the hold; released 02:30 PST: 60 minutes, not
    // 120.
    expect(
        h,
        "C10",
        &[
            ("hold_start", "2019-11-03T01:30:00-08:00"),
            ("hold_minutes", "60"),
        ],
    );
    // Rule 4: lodged at the ambiguous 01:15: the later instant (PST); to the
    // release at 03:00 PST is 105 minutes, not 165.
    expect(
        h,
        "C11",
        &[
            ("hold_start", "2019-11-03T01:15:00-08:00"),
            ("hold_minutes", "105"),
        ],
    );
    // Rule 8: a plain I-247 (2013) over Memorial Day weekend: Fri 05-24
    // 18:00 to Wed 05-29 06:00 is 108 calendar hours; counted Fri 6 + Tue 24
    // + Wed 6 = 36 (Saturday, Sunday and Monday the holiday skipped).
    expect(
        h,
        "C12",
        &[
            ("form", "I-247"),
            ("hold_minutes", "6480"),
            ("limit_hours_counted", "36.0"),
            ("over_limit", "false"),
            ("regime", "pre_trust"),
            ("flagged", "true"),
        ],
    );
    // Rule 3: a release given as a date alone reads as the start of its
    // day: 12-09 18:00 to 12-10 00:00 is 360 minutes.
    expect(
        h,
        "C13",
        &[
            ("hold_end", "2019-12-10T00:00:00-08:00"),
            ("hold_minutes", "360"),
        ],
    );
    // Rule 7: since 2013-01-01 is a local date: a hold from 2012-12-31
    // 20:00 PST (2013-01-01 04:00 UTC) is not flagged, though past release.
    expect(
        h,
        "C14",
        &[
            ("hold_minutes", "360"),
            ("past_release", "true"),
            ("flagged", "false"),
        ],
    );
    // ... and until 2020-06-30 is local too: a hold from 2020-06-30 20:00
    // PDT (07-01 03:00 UTC) is flagged.
    expect(h, "C15", &[("hold_minutes", "180"), ("flagged", "true")]);
    // Rule 2: still held, measured to as_of (the newest record, 06-30 23:00):
    // 06-10 10:00 to 06-30 23:00 is 20 days 13 hours.
    expect(
        h,
        "C20",
        &[
            ("status", "open"),
            ("hold_end", "2020-06-30T23:00:00-07:00"),
            ("hold_minutes", "29580"),
            ("limit_hours_counted", "493.0"),
            ("over_limit", "true"),
            ("release_source", "none"),
        ],
    );
    // Rule 6: a judge's warrant in force from the start: nothing unwarranted.
    expect(
        h,
        "C24",
        &[
            ("hold_minutes", "240"),
            ("unwarranted_minutes", "0"),
            ("warrant_status", "judicial"),
            ("past_release", "true"),
            ("flagged", "false"),
        ],
    );

    // The detainers of C07, as `explain` reads them: D07a plays no part.
    let c07: Vec<&Row> = o
        .detainers
        .iter()
        .filter(|d| d["booking_id"] == "C07")
        .collect();
    assert_eq!(c07.len(), 2);
    assert_eq!(c07[0]["detainer_id"], "D07a");
    assert_eq!(c07[0]["in_force"], "false");
    assert_eq!(c07[0]["in_force_from"], "");
    assert_eq!(c07[1]["in_force"], "true");
    assert_eq!(c07[1]["in_force_from"], "2019-08-05T14:00:00-07:00");
    assert_eq!(c07[1]["in_force_to"], "2019-08-05T16:00:00-07:00");

    // Rejected: the unreadable charge and release rows, the person-keyed
    // detainer outside every custody window, and C23's six-year "hold".
    assert_eq!(
        reasons(&o.rejects),
        [
            ("bookings", "23", "implausible_stay"),
            ("charges", "9", "nonexistent_local_time"),
            ("detainers", "22", "no_booking_for_person"),
            ("releases", "5", "bad_datetime"),
            ("releases", "23", "implausible_stay"),
        ]
    );

    // Damages: per_day 500, cap 1200. C16: 73 unwarranted hours are 4
    // started days, 2000, capped at 1200.
    let m = &o.members;
    assert_eq!(m["id:P16"]["days_held"], "4");
    assert_eq!(m["id:P16"]["damages_estimate"], "1200.0");
    // C08: 300 unwarranted minutes are 1 day (the 600 minutes held would be
    // 1 too; C06's 1440 minutes are exactly 1).
    assert_eq!(m["id:P08"]["days_held"], "1");
    assert_eq!(m["id:P08"]["damages_estimate"], "500.0");
    assert_eq!(m["id:P06"]["days_held"], "1");
    // P17 flagged twice: 180 minutes (1 day) and 25 hours (2 days).
    assert_eq!(m["id:P17"]["flagged_holds"], "2");
    assert_eq!(m["id:P17"]["days_held"], "3");
    assert_eq!(m["id:P17"]["hold_hours_total"], "28.0");
    assert_eq!(m["id:P17"]["damages_estimate"], "1200.0");
    assert_eq!(m["id:P17"]["booking_ids"], "C17;C18");
    // Not in the class: unmeasured (P02, P04, P05), before since (P14),
    // judicial (P24).
    for p in ["id:P02", "id:P04", "id:P05", "id:P14", "id:P24"] {
        assert!(!m.contains_key(p), "{p}");
    }
}

#[test]
fn the_summary_counts_the_doubts_and_its_statistics_are_hand_worked() {
    let dir = tempfile::tempdir().unwrap();
    let o = outputs(dir.path());
    // 2013-01 (since) to 2020-06 (until, and the month of as_of).
    assert_eq!(o.summary.len(), 7 * 12 + 6);
    let month = |y: &str, m: &str| {
        o.summary
            .iter()
            .find(|r| r["year"] == y && r["month"] == m)
            .unwrap_or_else(|| panic!("{y}-{m}"))
            .clone()
    };
    // November 2019: C10 (60 minutes), C11 (105), C24 (240): hours 1.0,
    // 1.75, 4.0; median 1.75; p90 at position 0.9 * 2 = 1.8: 1.75 + 0.8 *
    // (4.0 - 1.75) = 3.55.
    let nov = month("2019", "11");
    assert_eq!(nov["holds"], "3");
    assert_eq!(nov["flagged"], "2");
    assert_eq!(nov["hold_hours_total"], "6.75");
    assert_eq!(nov["hold_hours_median"], "1.75");
    let p90: f64 = nov["hold_hours_p90"].parse().unwrap();
    assert!((p90 - 3.55).abs() < 1e-9, "{p90}");
    assert_eq!(nov["hold_hours_max"], "4.0");
    // C10 and C11: 1 + 1.75 unwarranted hours flagged.
    assert_eq!(nov["flagged_unwarranted_hours_total"], "2.75");
    // January 2019: one person (P17) flagged twice.
    let jan = month("2019", "1");
    assert_eq!(jan["flagged"], "2");
    assert_eq!(jan["flagged_persons"], "1");
    // March 2019: C01 measured; C02 and C04 unmeasured, each counted in the
    // month of its first lodging (03-30 and 03-04).
    let mar = month("2019", "3");
    assert_eq!(mar["holds"], "3");
    assert_eq!(mar["eligibility_unknown"], "2");
    assert_eq!(mar["hold_hours_total"], "6.0");
    assert_eq!(month("2019", "4")["holds"], "0");
    // May 2019: C03 measured, C05 release_unknown (lodged 05-30).
    let may = month("2019", "5");
    assert_eq!(may["holds"], "2");
    assert_eq!(may["release_unknown"], "1");
    assert_eq!(may["eligibility_unknown"], "0");
    assert_eq!(month("2019", "7")["transferred_to_ice"], "1");
    let june = month("2020", "6");
    assert_eq!(june["open_holds"], "1");
    assert_eq!(june["holds"], "2");
    // September 2019: C08 counts 10 hours held, 5 unwarranted.
    let sep = month("2019", "9");
    assert_eq!(sep["flagged_hold_hours_total"], "10.0");
    assert_eq!(sep["flagged_unwarranted_hours_total"], "5.0");
    // The baseline is by the local year of eligibility: C21, eligible
    // 2018-12-31 23:00 PST (2019-01-01 07:00 UTC), released after 120
    // minutes, counts in 2018 with C22's 30: median 75.
    assert_eq!(
        month("2018", "12")["baseline_release_minutes_median"],
        "75.0"
    );
    assert_eq!(
        month("2018", "1")["baseline_release_minutes_median"],
        "75.0"
    );
    // C19 (no hold: its detainer was rejected) is 2019's only booking
    // without a detainer: 1440 minutes.
    assert_eq!(
        month("2019", "5")["baseline_release_minutes_median"],
        "1440.0"
    );
    // C23, rejected as implausible, is not counted as a booking of its month
    // (January 2013), the month of its booked_at.
    let jan13 = month("2013", "1");
    assert_eq!(jan13["bookings"], "0");
    assert_eq!(jan13["bookings_with_detainer"], "0");
    assert_eq!(month("2013", "5")["bookings"], "1");
}

#[test]
fn explain_tells_how_a_hold_was_measured() {
    let dir = tempfile::tempdir().unwrap();
    outputs(dir.path());
    let o = run(&["explain", "--out", "out", "C08"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let t = String::from_utf8_lossy(&o.stdout).to_string();
    for want in [
        "Booking C08, Rules County (rules-county): bookings row 8 of bookings.csv",
        "eligible   2019-09-03 10:00  from the releases table: bookings.csv row 8",
        "released   2019-09-03 20:00  from the releases table: bookings.csv row 8 (reason transfer_ice)",
        "1. detainers.csv row 9: lodged 2019-09-03 08:00, never lifted; form I-247A, warrant administrative",
        "in force during the hold from 2019-09-03 10:00 to 2019-09-03 20:00",
        "2. detainers.csv row 10: lodged 2019-09-03 15:00, never lifted; form I-247A, warrant judicial",
        "from 2019-09-03 10:00 to 2019-09-03 20:00: 600 minutes (10 h 0 min)",
        "unwarranted: 300 minutes (5 h 0 min) of the hold's 600 minutes",
        "warrant status administrative",
        "flagged: unwarranted minutes > grace 0 (300)",
        "10.00 hours counted, limit 48: within the limit",
        "this hold counts 1 day(s)",
        "damages estimate 500 (500 per day, capped at 1200)",
    ] {
        assert!(t.contains(want), "missing {want:?} in:\n{t}");
    }
    // No name, birth date, person or detainer id.
    for secret in ["Hh", "1980-01-08", "P08", "D08a", "D08b"] {
        assert!(!t.contains(secret), "{secret} printed:\n{t}");
    }

    // The business clock's skipped days, with the holiday named.
    let o = run(&["explain", "--out", "out", "C12"], dir.path());
    let t = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(t.contains("2013-05-25 Sat"), "{t}");
    assert!(t.contains("2013-05-27 Mon (Memorial Day)"), "{t}");
    assert!(t.contains("36.00 hours counted, limit 48"), "{t}");

    // Gaps are shown as pieces; a booking without a hold is an error.
    let o = run(&["explain", "--out", "out", "C07"], dir.path());
    let t = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(t.contains("plays no part"), "{t}");
    let o = run(&["explain", "--out", "out", "C21"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no hold with this booking id"));
}
