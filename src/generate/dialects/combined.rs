//! Dialect "combined": one comma-separated UTF-8 extract per booking year
//! (`bookings_<YYYY>.csv`) holding booking and release fields in one row,
//! read twice by the pipeline (as `bookings` and as `releases`), and
//! `detainers.csv` keyed by booking number. ISO datetimes with seconds.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDateTime};

use crate::generate::dialects::{
    detainer_rows, mapped_codes, unparseable, Col, Csv, Ctx, Dialect, Input, Pipeline, Rendered,
};
use crate::generate::model::{
    BailStatus, Booking, BookingKey, County, Form, ReleaseReason, WarrantCode,
};

const DATETIME: &str = "%Y-%m-%d %H:%M:%S";
const DATE: &str = "%Y-%m-%d";

pub fn booking_id(key: &BookingKey) -> String {
    format!("{}-{:06}", key.year, key.seq_in_year + 1)
}

pub fn person_id(num: u64) -> String {
    format!("P{:07}", num + 1)
}

pub fn bookings_file(year: i32) -> String {
    format!("bookings_{year}.csv")
}

fn reason_code(r: ReleaseReason) -> &'static str {
    match r {
        ReleaseReason::Bail => "BAIL POSTED",
        ReleaseReason::OwnRecognizance => "OR RELEASE",
        ReleaseReason::ChargesDropped => "CHARGES DROPPED",
        ReleaseReason::Acquitted => "ACQUITTED",
        ReleaseReason::SentenceServed => "TIME SERVED",
        ReleaseReason::CourtOrder => "COURT ORDER",
        ReleaseReason::Diversion => "DIVERSION",
        ReleaseReason::TransferIce => "ICE PICKUP",
        ReleaseReason::TransferOther => "TRANSFER OTHER AGENCY",
        ReleaseReason::Other => "OTHER",
        ReleaseReason::Unknown => "RLS PER WATCH CMDR",
    }
}

fn form_code(f: Form) -> &'static str {
    match f {
        Form::I247 => "I247",
        Form::I247D => "I247D",
        Form::I247N => "I247N",
        Form::I247X => "I247X",
        Form::I247A => "I247A",
        // Never generated: a code no table maps.
        Form::Unknown => "UNKNOWN FORM",
    }
}

fn warrant_code(w: WarrantCode) -> &'static str {
    match w {
        WarrantCode::None => "NONE",
        WarrantCode::I200 => "I-200",
        WarrantCode::I205 => "I-205",
        WarrantCode::Judicial => "JUDICIAL",
        WarrantCode::Unmapped => "UNK",
    }
}

fn bail_code(s: BailStatus) -> &'static str {
    match s {
        BailStatus::Set => "SET",
        BailStatus::DeniedForHold => "NO BAIL - ICE HOLD",
        BailStatus::DeniedOther => "NO BAIL",
        // Never generated: a code no table maps.
        BailStatus::Unknown => "UNKNOWN BAIL",
    }
}

fn dt(t: Option<NaiveDateTime>) -> String {
    t.map(|t| t.format(DATETIME).to_string())
        .unwrap_or_default()
}

fn booking_row(county: &County, b: &Booking) -> Vec<String> {
    let p = &county.people[b.person];
    let booked = if unparseable(b) {
        format!("{}-02-30 {}", b.booked.year(), b.booked.format("%H:%M:%S"))
    } else {
        b.booked.format(DATETIME).to_string()
    };
    vec![
        booking_id(&b.key),
        person_id(p.num),
        p.last.to_string(),
        p.first.to_string(),
        p.middle.unwrap_or_default().to_string(),
        p.dob.format(DATE).to_string(),
        p.sex.to_string(),
        p.race.to_string(),
        booked,
        b.facility.to_string(),
        b.charges
            .first()
            .map(|c| c.text)
            .unwrap_or_default()
            .to_string(),
        b.bail.map(|a| format!("{a}.00")).unwrap_or_default(),
        bail_code(b.bail_status).to_string(),
        if b.eligible_hidden {
            String::new()
        } else {
            dt(b.eligible)
        },
        dt(b.released),
        b.reason.map(reason_code).unwrap_or_default().to_string(),
    ]
}

const BOOKING_HEADER: [&str; 16] = [
    "BookingNumber",
    "PersonID",
    "LastName",
    "FirstName",
    "MiddleName",
    "DOB",
    "Sex",
    "Race",
    "BookingDateTime",
    "Facility",
    "TopCharge",
    "BailAmount",
    "BailStatus",
    "EligibleDateTime",
    "ReleaseDateTime",
    "ReleaseReason",
];

pub fn render(county: &County, ctx: &Ctx) -> Rendered {
    // One file per year, including years with no booking, up to the export.
    let last_year = (ctx.as_of - chrono::Duration::seconds(1)).year();
    let first_year = county.bookings.first().map_or(last_year, |b| b.key.year);
    let mut by_year: BTreeMap<i32, Csv> = (first_year..=last_year)
        .map(|y| {
            let mut csv = Csv::new(',', "\n");
            csv.row(&BOOKING_HEADER);
            (y, csv)
        })
        .collect();
    for b in &county.bookings {
        let csv = by_year.entry(b.key.year).or_insert_with(|| {
            let mut csv = Csv::new(',', "\n");
            csv.row(&BOOKING_HEADER);
            csv
        });
        csv.row(&booking_row(county, b));
    }
    let mut files: Vec<(String, Vec<u8>)> = by_year
        .into_iter()
        .map(|(y, csv)| (bookings_file(y), csv.finish().into_bytes()))
        .collect();

    let mut det = Csv::new(',', "\n");
    det.row(&[
        "DetainerID",
        "BookingNumber",
        "LodgedDateTime",
        "Form",
        "Warrant",
        "LiftedDateTime",
        "LiftReason",
        "ICECustodyDateTime",
        "FinalOrder",
        "Remarks",
    ]);
    for row in detainer_rows(county, |b, d, orphan| {
        let key = b
            .map(|b| b.key)
            .or(orphan.map(|o| o.key))
            .unwrap_or_default();
        vec![
            format!("DT{:06}", d.num),
            booking_id(&key),
            d.lodged.format(DATETIME).to_string(),
            form_code(d.form).to_string(),
            warrant_code(d.warrant).to_string(),
            dt(d.lifted),
            d.lift_reason.unwrap_or_default().to_string(),
            dt(d.ice_custody),
            if d.final_order { "Y" } else { "N" }.to_string(),
            d.remark.to_string(),
        ]
    }) {
        det.row(&row);
    }
    files.push(("detainers.csv".to_string(), det.finish().into_bytes()));

    Rendered {
        files,
        pipeline: pipeline(ctx),
    }
}

fn pipeline(ctx: &Ctx) -> String {
    let mut p = Pipeline::new(ctx, Dialect::Combined);
    let nulls: &[&str] = &[""];
    p.input(
        ctx,
        &Input {
            table: "bookings",
            file: "bookings_*.csv",
            delimiter: ',',
            encoding: "utf-8",
            skip_rows: 0,
            null_values: nulls,
            columns: &[
                ("booking_id", Col::One("BookingNumber")),
                ("person_id", Col::One("PersonID")),
                ("last_name", Col::One("LastName")),
                ("first_name", Col::One("FirstName")),
                ("middle_name", Col::One("MiddleName")),
                ("dob", Col::One("DOB")),
                ("sex", Col::One("Sex")),
                ("race", Col::One("Race")),
                ("booked_at", Col::One("BookingDateTime")),
                ("facility", Col::One("Facility")),
                ("bail_amount", Col::One("BailAmount")),
                ("bail_status", Col::One("BailStatus")),
            ],
            formats: &[("dob", &[DATE]), ("booked_at", &[DATETIME])],
        },
    );
    p.input(
        ctx,
        &Input {
            table: "releases",
            file: "bookings_*.csv",
            delimiter: ',',
            encoding: "utf-8",
            skip_rows: 0,
            null_values: nulls,
            columns: &[
                ("booking_id", Col::One("BookingNumber")),
                ("eligible_at", Col::One("EligibleDateTime")),
                ("released_at", Col::One("ReleaseDateTime")),
                ("release_reason", Col::One("ReleaseReason")),
            ],
            formats: &[("eligible_at", &[DATETIME]), ("released_at", &[DATETIME])],
        },
    );
    p.input(
        ctx,
        &Input {
            table: "detainers",
            file: "detainers.csv",
            delimiter: ',',
            encoding: "utf-8",
            skip_rows: 0,
            null_values: nulls,
            columns: &[
                ("detainer_id", Col::One("DetainerID")),
                ("booking_id", Col::One("BookingNumber")),
                ("lodged_at", Col::One("LodgedDateTime")),
                ("form", Col::One("Form")),
                ("warrant", Col::One("Warrant")),
                ("lifted_at", Col::One("LiftedDateTime")),
                ("lift_reason", Col::One("LiftReason")),
                ("ice_custody_at", Col::One("ICECustodyDateTime")),
                ("final_order", Col::One("FinalOrder")),
            ],
            formats: &[
                ("lodged_at", &[DATETIME]),
                ("lifted_at", &[DATETIME]),
                ("ice_custody_at", &[DATETIME]),
            ],
        },
    );
    p.reason_codes(reason_code);
    p.codes(
        "bail_status",
        &mapped_codes(BailStatus::ALL, bail_code, |s| s.name()),
    );
    p.codes("form", &mapped_codes(Form::ALL, form_code, |f| f.name()));
    p.warrant_codes(warrant_code);
    p.codes("final_order", &[("Y", "true"), ("N", "false")]);
    p.finish()
}
