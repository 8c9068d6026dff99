//! Dialect "per-charge": UTF-8 with a byte-order mark and CRLF line ends.
//! `bookings.csv` has no eligibility column, so eligibility must be derived
//! from `charges.csv` (one row per charge; method rule 1); booking and release
//! times use two-digit years and AM/PM. A charge text sometimes holds an
//! embedded newline inside its quoted field. `detainers.csv` is keyed by
//! person only (method rule 3): each detainer's lodging time lies in the custody
//! window of exactly one booking of that person.

use chrono::{Datelike, NaiveDateTime};

use crate::generate::dialects::{
    detainer_rows, mapped_codes, unparseable, Col, Csv, Ctx, Dialect, Input, Pipeline, Rendered,
};
use crate::generate::model::{Booking, BookingKey, County, Form, ReleaseReason, WarrantCode};

const DATETIME: &str = "%m/%d/%y %I:%M %p";
const CHARGE_DATETIME: &str = "%Y-%m-%d %H:%M";
const DOB: &str = "%Y%m%d";
const EOL: &str = "\r\n";
const BOM: &str = "\u{feff}";

pub fn booking_id(key: &BookingKey) -> String {
    format!("{:02}-{:06}", key.year.rem_euclid(100), key.seq + 1)
}

pub fn person_id(num: u64) -> String {
    format!("X{:06}", num + 1)
}

fn reason_code(r: ReleaseReason) -> &'static str {
    match r {
        ReleaseReason::Bail => "BAIL",
        ReleaseReason::OwnRecognizance => "OWN RECOG",
        ReleaseReason::ChargesDropped => "DISMISSED",
        ReleaseReason::Acquitted => "NOT GUILTY",
        ReleaseReason::SentenceServed => "SENTENCE COMPLETE",
        ReleaseReason::CourtOrder => "CT ORDER",
        ReleaseReason::Diversion => "DIVERSION",
        ReleaseReason::TransferIce => "RELEASED TO ICE",
        ReleaseReason::TransferOther => "XFER",
        ReleaseReason::Other => "OTHER",
        ReleaseReason::Unknown => "MISC RLS",
    }
}

fn form_code(f: Form) -> &'static str {
    match f {
        Form::I247 => "247",
        Form::I247D => "247D",
        Form::I247N => "247N",
        Form::I247X => "247X",
        Form::I247A => "247A",
        // Never generated: a code no table maps.
        Form::Unknown => "UNKNOWN FORM",
    }
}

fn warrant_code(w: WarrantCode) -> &'static str {
    match w {
        WarrantCode::None => "NONE",
        WarrantCode::I200 => "ADMIN I-200",
        WarrantCode::I205 => "ADMIN I-205",
        WarrantCode::Judicial => "JUDGE SIGNED",
        WarrantCode::Unmapped => "UNK",
    }
}

fn dt(t: Option<NaiveDateTime>) -> String {
    t.map(|t| t.format(DATETIME).to_string())
        .unwrap_or_default()
}

fn booking_row(county: &County, b: &Booking) -> Vec<String> {
    let p = &county.people[b.person];
    let booked = if unparseable(b) {
        format!(
            "02/30/{:02} {}",
            b.booked.year().rem_euclid(100),
            b.booked.format("%I:%M %p")
        )
    } else {
        b.booked.format(DATETIME).to_string()
    };
    vec![
        booking_id(&b.key),
        person_id(p.num),
        p.last.to_string(),
        p.first.to_string(),
        p.middle.unwrap_or_default().to_string(),
        p.dob.format(DOB).to_string(),
        p.sex.to_string(),
        p.race.to_string(),
        booked,
        dt(b.released),
        b.reason.map(reason_code).unwrap_or_default().to_string(),
    ]
}

pub fn render(county: &County, ctx: &Ctx) -> Rendered {
    let mut bk = Csv::new(',', EOL);
    bk.row(&[
        "BookingNo",
        "PersonNo",
        "LastName",
        "FirstName",
        "MiddleName",
        "DOB",
        "Gender",
        "Race",
        "BookedAt",
        "ReleasedAt",
        "ReleaseCode",
    ]);
    let mut ch = Csv::new(',', EOL);
    ch.row(&[
        "BookingNo",
        "ChargeSeq",
        "ChargeDescription",
        "ChargeType",
        "DispositionDate",
    ]);
    for b in &county.bookings {
        bk.row(&booking_row(county, b));
        if b.duplicate_row {
            continue;
        }
        for (i, c) in b.charges.iter().enumerate() {
            let text = match c.amendment {
                Some(note) => format!("{}\n{}", c.text, note),
                None => c.text.to_string(),
            };
            let kind = if c.hold {
                "ICE HOLD"
            } else if c.felony {
                "FEL"
            } else {
                "MISD"
            };
            ch.row(&[
                booking_id(&b.key),
                (i + 1).to_string(),
                text,
                kind.to_string(),
                c.released
                    .map(|t| t.format(CHARGE_DATETIME).to_string())
                    .unwrap_or_default(),
            ]);
        }
    }

    let mut det = Csv::new(',', EOL);
    det.row(&[
        "PersonNo",
        "DetainerNo",
        "LodgedAt",
        "DetainerForm",
        "WarrantType",
        "LiftedAt",
        "LiftReason",
        "ICECustodyAt",
        "FinalOrder",
    ]);
    for row in detainer_rows(county, |b, d, orphan| {
        let person = match (b, orphan) {
            (Some(b), _) => county.people[b.person].num,
            (None, Some(o)) => o.person_num,
            (None, None) => 0,
        };
        vec![
            person_id(person),
            format!("D-{:06}", d.num),
            d.lodged.format(DATETIME).to_string(),
            form_code(d.form).to_string(),
            warrant_code(d.warrant).to_string(),
            dt(d.lifted),
            d.lift_reason.unwrap_or_default().to_string(),
            dt(d.ice_custody),
            if d.final_order { "1" } else { "0" }.to_string(),
        ]
    }) {
        det.row(&row);
    }

    let with_bom = |csv: Csv| format!("{BOM}{}", csv.finish()).into_bytes();
    Rendered {
        files: vec![
            ("bookings.csv".to_string(), with_bom(bk)),
            ("charges.csv".to_string(), with_bom(ch)),
            ("detainers.csv".to_string(), with_bom(det)),
        ],
        pipeline: pipeline(ctx),
    }
}

fn pipeline(ctx: &Ctx) -> String {
    let mut p = Pipeline::new(ctx, Dialect::PerCharge);
    let nulls: &[&str] = &[""];
    p.input(
        ctx,
        &Input {
            table: "bookings",
            file: "bookings.csv",
            delimiter: ',',
            encoding: "utf-8",
            skip_rows: 0,
            null_values: nulls,
            columns: &[
                ("booking_id", Col::One("BookingNo")),
                ("person_id", Col::One("PersonNo")),
                ("last_name", Col::One("LastName")),
                ("first_name", Col::One("FirstName")),
                ("middle_name", Col::One("MiddleName")),
                ("dob", Col::One("DOB")),
                ("sex", Col::One("Gender")),
                ("race", Col::One("Race")),
                ("booked_at", Col::One("BookedAt")),
            ],
            formats: &[("dob", &[DOB]), ("booked_at", &[DATETIME])],
        },
    );
    // No eligibility column: method rule 1 derives it from the charges.
    p.input(
        ctx,
        &Input {
            table: "releases",
            file: "bookings.csv",
            delimiter: ',',
            encoding: "utf-8",
            skip_rows: 0,
            null_values: nulls,
            columns: &[
                ("booking_id", Col::One("BookingNo")),
                ("released_at", Col::One("ReleasedAt")),
                ("release_reason", Col::One("ReleaseCode")),
            ],
            formats: &[("released_at", &[DATETIME])],
        },
    );
    p.input(
        ctx,
        &Input {
            table: "charges",
            file: "charges.csv",
            delimiter: ',',
            encoding: "utf-8",
            skip_rows: 0,
            null_values: nulls,
            columns: &[
                ("booking_id", Col::One("BookingNo")),
                ("charge", Col::One("ChargeDescription")),
                ("charge_kind", Col::One("ChargeType")),
                ("charge_released_at", Col::One("DispositionDate")),
            ],
            formats: &[("charge_released_at", &[CHARGE_DATETIME])],
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
                ("person_id", Col::One("PersonNo")),
                ("detainer_id", Col::One("DetainerNo")),
                ("lodged_at", Col::One("LodgedAt")),
                ("form", Col::One("DetainerForm")),
                ("warrant", Col::One("WarrantType")),
                ("lifted_at", Col::One("LiftedAt")),
                ("lift_reason", Col::One("LiftReason")),
                ("ice_custody_at", Col::One("ICECustodyAt")),
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
        "charge_kind",
        &[
            ("FEL", "criminal"),
            ("MISD", "criminal"),
            ("ICE HOLD", "immigration_hold"),
        ],
    );
    p.codes("form", &mapped_codes(Form::ALL, form_code, |f| f.name()));
    p.warrant_codes(warrant_code);
    p.codes("final_order", &[("1", "true"), ("0", "false")]);
    p.finish()
}
