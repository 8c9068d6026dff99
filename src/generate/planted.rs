//! `planted.csv`: the bad rows and hard cases planted in a county, by
//! booking id and file, so that tests can check the audit against them.

use super::dialects::{Csv, Dialect};
use super::model::{self, Defect};

/// The list of planted bad rows and hard cases of a county.
pub(super) fn planted(sim: &model::County, dialect: Dialect) -> String {
    let mut csv = Csv::new(',', "\n");
    csv.row(&["kind", "name", "booking_id", "person_id", "file", "note"]);
    let mut rows: Vec<[String; 6]> = Vec::new();
    for b in sim.bookings.iter().filter(|b| !b.duplicate_row) {
        let booking = dialect.booking_id(&b.key);
        let person = dialect.person_id(sim.people[b.person].num);
        if let Some(d) = b.defect {
            rows.push([
                "defect".into(),
                d.name().into(),
                booking.clone(),
                person.clone(),
                dialect.bookings_file(b),
                dialect.defect_note(d).into(),
            ]);
        }
        if let Some(s) = b.scenario {
            rows.push([
                "case".into(),
                format!("{s:?}"),
                booking,
                person,
                dialect.bookings_file(b),
                String::new(),
            ]);
        }
    }
    for o in &sim.orphans {
        rows.push([
            "defect".into(),
            Defect::OrphanDetainer.name().into(),
            dialect.booking_id(&o.key),
            dialect.person_id(o.person_num),
            dialect.detainers_file().into(),
            dialect.defect_note(Defect::OrphanDetainer).into(),
        ]);
    }
    rows.sort_by(|a, b| (&a[0], &a[1], &a[2]).cmp(&(&b[0], &b[1], &b[2])));
    for r in &rows {
        csv.row(r);
    }
    csv.finish()
}
