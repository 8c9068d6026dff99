//! Dialect "semicolon-1252": semicolon-separated, Windows-1252 encoded,
//! CRLF line ends, two preamble lines before the header, and every datetime
//! split into a `%m/%d/%Y` date column and a `%H%M` time column. Missing
//! values are written as `NULL`, `N/A` or nothing, as such systems mix them.
//! `bookings.csv` holds booking and release fields (read twice by the
//! pipeline); `holds.csv` holds detainers keyed by booking number, some with
//! a lodging date but no time (method rule 4, `rules.date_only`).

use chrono::{Datelike, NaiveDateTime};

use crate::generate::dialects::{
    detainer_rows, mapped_codes, unparseable, Col, Csv, Ctx, Dialect, Input, Pipeline, Rendered,
};
use crate::generate::model::{
    BailStatus, Booking, BookingKey, County, Form, ReleaseReason, WarrantCode,
};

const DATE: &str = "%m/%d/%Y";
const TIME: &str = "%H%M";
const DATE_TIME: &str = "%m/%d/%Y %H%M";
const EOL: &str = "\r\n";

pub fn booking_id(key: &BookingKey) -> String {
    format!("{}", 10_000_001 + key.seq)
}

pub fn person_id(num: u64) -> String {
    format!("{}", 3_000_001 + num)
}

fn reason_code(r: ReleaseReason) -> &'static str {
    match r {
        ReleaseReason::Bail => "01",
        ReleaseReason::OwnRecognizance => "02",
        ReleaseReason::ChargesDropped => "03",
        ReleaseReason::Acquitted => "04",
        ReleaseReason::SentenceServed => "05",
        ReleaseReason::CourtOrder => "06",
        ReleaseReason::Diversion => "07",
        ReleaseReason::TransferIce => "10",
        ReleaseReason::TransferOther => "11",
        ReleaseReason::Other => "99",
        ReleaseReason::Unknown => "77",
    }
}

fn form_code(f: Form) -> &'static str {
    match f {
        Form::I247 => "DHS I-247",
        Form::I247D => "DHS I-247D",
        Form::I247N => "DHS I-247N",
        Form::I247X => "DHS I-247X",
        Form::I247A => "DHS I-247A",
        // Never generated: a code no table maps.
        Form::Unknown => "UNKNOWN FORM",
    }
}

fn warrant_code(w: WarrantCode) -> &'static str {
    match w {
        WarrantCode::None => "NO WARRANT",
        WarrantCode::I200 => "I200",
        WarrantCode::I205 => "I205",
        WarrantCode::Judicial => "JUDICIAL WARRANT",
        WarrantCode::Unmapped => "SEE NOTES",
    }
}

fn bail_code(s: BailStatus) -> &'static str {
    match s {
        BailStatus::Set => "S",
        BailStatus::DeniedForHold => "NBH",
        BailStatus::DeniedOther => "NB",
        // Never generated: a code no table maps.
        BailStatus::Unknown => "UNKNOWN BAIL",
    }
}

/// A datetime as (date, time) columns, or the null marker twice.
fn split(t: Option<NaiveDateTime>, null: &str) -> [String; 2] {
    match t {
        Some(t) => [t.format(DATE).to_string(), t.format(TIME).to_string()],
        None => [null.to_string(), null.to_string()],
    }
}

fn booking_row(county: &County, b: &Booking) -> Vec<String> {
    let p = &county.people[b.person];
    let [mut book_date, book_time] = split(Some(b.booked), "");
    if unparseable(b) {
        book_date = format!("02/30/{}", b.booked.year());
    }
    let [elig_date, elig_time] = split(b.eligible.filter(|_| !b.eligible_hidden), "NULL");
    let [rel_date, rel_time] = split(b.released, "NULL");
    vec![
        booking_id(&b.key),
        person_id(p.num),
        p.last.to_uppercase(),
        p.first.to_uppercase(),
        p.middle.map(str::to_uppercase).unwrap_or_default(),
        p.dob.format(DATE).to_string(),
        p.sex.to_string(),
        p.race.to_string(),
        book_date,
        book_time,
        b.facility.to_string(),
        b.bail.map_or("N/A".to_string(), |a| format!("{a}.00")),
        bail_code(b.bail_status).to_string(),
        elig_date,
        elig_time,
        rel_date,
        rel_time,
        b.reason.map_or("NULL", reason_code).to_string(),
    ]
}

fn preamble(csv: &mut Csv, title: &str, ctx: &Ctx) {
    csv.line(title);
    csv.line(&format!("Run date: {}", ctx.as_of.format("%m/%d/%Y %H:%M")));
}

/// Windows-1252 bytes of the text. Every name in the word lists is Latin-1,
/// so nothing is replaced; a test checks that.
pub fn cp1252(text: &str) -> Vec<u8> {
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    bytes.into_owned()
}

pub fn render(county: &County, ctx: &Ctx) -> Rendered {
    let mut bk = Csv::new(';', EOL);
    preamble(
        &mut bk,
        "SHERIFF'S OFFICE - JAIL MANAGEMENT SYSTEM EXPORT",
        ctx,
    );
    bk.row(&[
        "BOOKING_NBR",
        "SO_NBR",
        "LAST_NAME",
        "FIRST_NAME",
        "MIDDLE_NAME",
        "DOB",
        "SEX",
        "RACE",
        "BOOK_DATE",
        "BOOK_TIME",
        "FACILITY",
        "BAIL_AMT",
        "BAIL_STAT",
        "ELIG_DATE",
        "ELIG_TIME",
        "REL_DATE",
        "REL_TIME",
        "REL_CODE",
    ]);
    for b in &county.bookings {
        bk.row(&booking_row(county, b));
    }

    let mut holds = Csv::new(';', EOL);
    preamble(
        &mut holds,
        "SHERIFF'S OFFICE - JAIL MANAGEMENT SYSTEM EXPORT - HOLDS/DETAINERS",
        ctx,
    );
    holds.row(&[
        "HOLD_NBR",
        "BOOKING_NBR",
        "AGENCY",
        "HOLD_TYPE",
        "WARRANT_TYPE",
        "LODGED_DATE",
        "LODGED_TIME",
        "LIFTED_DATE",
        "LIFTED_TIME",
        "LIFT_REASON",
        "ICE_CUSTODY_DATE",
        "ICE_CUSTODY_TIME",
        "PRIOR_REMOVAL_ORDER",
    ]);
    for row in detainer_rows(county, |b, d, orphan| {
        let key = b
            .map(|b| b.key)
            .or(orphan.map(|o| o.key))
            .unwrap_or_default();
        let [lodged_date, mut lodged_time] = split(Some(d.lodged), "");
        if d.date_only {
            lodged_time = String::new();
        }
        let [lifted_date, lifted_time] = split(d.lifted, "NULL");
        let [ice_date, ice_time] = split(d.ice_custody, "");
        vec![
            format!("{}", 500_000 + d.num),
            booking_id(&key),
            "ICE".to_string(),
            form_code(d.form).to_string(),
            warrant_code(d.warrant).to_string(),
            lodged_date,
            lodged_time,
            lifted_date,
            lifted_time,
            d.lift_reason.unwrap_or("N/A").to_string(),
            ice_date,
            ice_time,
            if d.final_order { "YES" } else { "NO" }.to_string(),
        ]
    }) {
        holds.row(&row);
    }

    Rendered {
        files: vec![
            ("bookings.csv".to_string(), cp1252(&bk.finish())),
            ("holds.csv".to_string(), cp1252(&holds.finish())),
        ],
        pipeline: pipeline(ctx),
    }
}

fn pipeline(ctx: &Ctx) -> String {
    let mut p = Pipeline::new(ctx, Dialect::Semicolon1252);
    let nulls: &[&str] = &["", "NULL", "N/A"];
    p.input(
        ctx,
        &Input {
            table: "bookings",
            file: "bookings.csv",
            delimiter: ';',
            encoding: "windows-1252",
            skip_rows: 2,
            null_values: nulls,
            columns: &[
                ("booking_id", Col::One("BOOKING_NBR")),
                ("person_id", Col::One("SO_NBR")),
                ("last_name", Col::One("LAST_NAME")),
                ("first_name", Col::One("FIRST_NAME")),
                ("middle_name", Col::One("MIDDLE_NAME")),
                ("dob", Col::One("DOB")),
                ("sex", Col::One("SEX")),
                ("race", Col::One("RACE")),
                ("booked_at", Col::Split("BOOK_DATE", "BOOK_TIME")),
                ("facility", Col::One("FACILITY")),
                ("bail_amount", Col::One("BAIL_AMT")),
                ("bail_status", Col::One("BAIL_STAT")),
            ],
            formats: &[("dob", &[DATE]), ("booked_at", &[DATE_TIME])],
        },
    );
    p.input(
        ctx,
        &Input {
            table: "releases",
            file: "bookings.csv",
            delimiter: ';',
            encoding: "windows-1252",
            skip_rows: 2,
            null_values: nulls,
            columns: &[
                ("booking_id", Col::One("BOOKING_NBR")),
                ("eligible_at", Col::Split("ELIG_DATE", "ELIG_TIME")),
                ("released_at", Col::Split("REL_DATE", "REL_TIME")),
                ("release_reason", Col::One("REL_CODE")),
            ],
            formats: &[("eligible_at", &[DATE_TIME]), ("released_at", &[DATE_TIME])],
        },
    );
    p.input(
        ctx,
        &Input {
            table: "detainers",
            file: "holds.csv",
            delimiter: ';',
            encoding: "windows-1252",
            skip_rows: 2,
            null_values: nulls,
            columns: &[
                ("detainer_id", Col::One("HOLD_NBR")),
                ("booking_id", Col::One("BOOKING_NBR")),
                ("lodged_at", Col::Split("LODGED_DATE", "LODGED_TIME")),
                ("form", Col::One("HOLD_TYPE")),
                ("warrant", Col::One("WARRANT_TYPE")),
                ("lifted_at", Col::Split("LIFTED_DATE", "LIFTED_TIME")),
                ("lift_reason", Col::One("LIFT_REASON")),
                (
                    "ice_custody_at",
                    Col::Split("ICE_CUSTODY_DATE", "ICE_CUSTODY_TIME"),
                ),
                ("final_order", Col::One("PRIOR_REMOVAL_ORDER")),
            ],
            // A lodging date without a time is read as a date alone.
            formats: &[
                ("lodged_at", &[DATE_TIME, DATE]),
                ("lifted_at", &[DATE_TIME]),
                ("ice_custody_at", &[DATE_TIME]),
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
    p.codes("final_order", &[("YES", "true"), ("NO", "false")]);
    p.finish()
}
