//! Export dialects: each renders a simulated [`County`] as the files one
//! kind of jail management system would export, plus the pipeline file
//! that maps those files onto the canonical model (docs/PIPELINE_FILES.md).
//!
//! The three dialects differ in every way the ingest must cope with:
//! delimiter, encoding, line ends, preamble lines, date formats, split date
//! and time columns, per-charge rows, and detainers keyed by booking or by
//! person.

mod combined;
mod per_charge;
mod semicolon;

use chrono::NaiveDateTime;

use crate::generate::model::{
    Booking, BookingKey, County, Defect, Detainer, Orphan, ReleaseReason, WarrantCode,
};

/// An export dialect; county `i` uses `Dialect::ALL[i % 3]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// One comma-separated UTF-8 file per booking year with booking and
    /// release fields, and a detainer file keyed by booking.
    Combined,
    /// Semicolon-separated Windows-1252 with CRLF, a preamble, and dates
    /// split into date and time columns.
    Semicolon1252,
    /// Bookings without eligibility, one row per charge, and detainers
    /// keyed by person only.
    PerCharge,
}

/// What the rendering needs besides the simulation.
pub struct Ctx<'a> {
    pub county: &'a str,
    /// Path from the pipelines directory to this county's data directory,
    /// with `/` separators.
    pub data_path: String,
    pub as_of: NaiveDateTime,
    pub seed: u64,
}

/// One rendered export: data files (name inside the county directory,
/// bytes) and the pipeline file's text.
pub struct Rendered {
    pub files: Vec<(String, Vec<u8>)>,
    pub pipeline: String,
}

impl Dialect {
    pub const ALL: [Dialect; 3] = [
        Dialect::Combined,
        Dialect::Semicolon1252,
        Dialect::PerCharge,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Dialect::Combined => "combined",
            Dialect::Semicolon1252 => "semicolon-1252",
            Dialect::PerCharge => "per-charge",
        }
    }

    pub fn render(self, county: &County, ctx: &Ctx) -> Rendered {
        match self {
            Dialect::Combined => combined::render(county, ctx),
            Dialect::Semicolon1252 => semicolon::render(county, ctx),
            Dialect::PerCharge => per_charge::render(county, ctx),
        }
    }

    pub fn booking_id(self, key: &BookingKey) -> String {
        match self {
            Dialect::Combined => combined::booking_id(key),
            Dialect::Semicolon1252 => semicolon::booking_id(key),
            Dialect::PerCharge => per_charge::booking_id(key),
        }
    }

    pub fn person_id(self, num: u64) -> String {
        match self {
            Dialect::Combined => combined::person_id(num),
            Dialect::Semicolon1252 => semicolon::person_id(num),
            Dialect::PerCharge => per_charge::person_id(num),
        }
    }

    /// The file (inside the county directory) holding a booking's row.
    pub fn bookings_file(self, b: &Booking) -> String {
        match self {
            Dialect::Combined => combined::bookings_file(b.key.year),
            Dialect::Semicolon1252 | Dialect::PerCharge => "bookings.csv".to_string(),
        }
    }

    pub fn detainers_file(self) -> &'static str {
        match self {
            Dialect::Semicolon1252 => "holds.csv",
            Dialect::Combined | Dialect::PerCharge => "detainers.csv",
        }
    }

    /// How a defect looks in this dialect, for the planted-cases list.
    pub fn defect_note(self, d: Defect) -> &'static str {
        match (self, d) {
            (Dialect::PerCharge, Defect::OrphanDetainer) => "detainer PersonNo matches no booking",
            (_, Defect::OrphanDetainer) => "detainer booking number matches no booking",
            (_, Defect::UnparseableDate) => "booked_at date is February 30",
            (_, Defect::NonexistentTime) => {
                "booked_at in the hour skipped by the spring DST change"
            }
            (_, Defect::ReleaseBeforeBooking) => "released_at before booked_at",
            (_, Defect::ConflictingDuplicate) => "two rows, same booking id, different times",
            (_, Defect::ExactDuplicate) => "the same row twice",
            (_, Defect::UnmappedReleaseReason) => {
                "release reason code not in [codes.release_reason]"
            }
        }
    }
}

/// A code table's entries: each value's code and its name, in the order of
/// `all`, leaving out `Unknown` (what an unmapped code becomes: no table
/// maps to it).
pub fn mapped_codes<T: Copy + PartialEq + std::fmt::Display>(
    all: &[T],
    code: fn(T) -> &'static str,
    name: fn(T) -> &'static str,
) -> Vec<(&'static str, &'static str)> {
    all.iter()
        .filter(|v| v.to_string() != crate::model::UNKNOWN)
        .map(|&v| (code(v), name(v)))
        .collect()
}

/// A CSV file being written: fields are quoted only when they must be.
pub struct Csv {
    out: String,
    delimiter: char,
    eol: &'static str,
}

impl Csv {
    pub fn new(delimiter: char, eol: &'static str) -> Csv {
        Csv {
            out: String::new(),
            delimiter,
            eol,
        }
    }

    /// A line written as is (a preamble line).
    pub fn line(&mut self, text: &str) {
        self.out.push_str(text);
        self.out.push_str(self.eol);
    }

    pub fn row<S: AsRef<str>>(&mut self, fields: &[S]) {
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                self.out.push(self.delimiter);
            }
            let f = f.as_ref();
            if f.contains([self.delimiter, '"', '\n', '\r']) {
                self.out.push('"');
                self.out.push_str(&f.replace('"', "\"\""));
                self.out.push('"');
            } else {
                self.out.push_str(f);
            }
        }
        self.out.push_str(self.eol);
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// A column mapping of an `[[inputs]]` table.
pub enum Col {
    One(&'static str),
    /// A datetime split into a date column and a time column.
    Split(&'static str, &'static str),
}

/// One `[[inputs]]` table of a pipeline file.
pub struct Input<'a> {
    pub table: &'a str,
    pub file: &'a str,
    pub delimiter: char,
    pub encoding: &'a str,
    pub skip_rows: u32,
    pub null_values: &'a [&'a str],
    pub columns: &'a [(&'a str, Col)],
    pub formats: &'a [(&'a str, &'a [&'a str])],
}

/// A TOML basic string.
pub fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn toml_list(items: &[&str]) -> String {
    let items: Vec<String> = items.iter().map(|s| toml_str(s)).collect();
    format!("[{}]", items.join(", "))
}

/// The text of a pipeline file, built a table at a time.
pub struct Pipeline(String);

impl Pipeline {
    pub fn new(ctx: &Ctx, dialect: Dialect) -> Pipeline {
        Pipeline(format!(
            "# Synthetic export (invented people) made by `detainer-audit generate`,\n\
             # seed {seed}, dialect \"{dialect}\". Do not edit by hand: regenerate.\n\
             county = {county}\n\
             state = \"CA\"\n\
             timezone = \"America/Los_Angeles\"\n\
             as_of = \"{as_of}\"\n\n\
             [rules]\n\
             # The sample plants about 1% bad rows on purpose, some in small tables.\n\
             max_reject_rate = 0.05\n",
            seed = ctx.seed,
            dialect = dialect.name(),
            county = toml_str(ctx.county),
            as_of = ctx.as_of.format("%Y-%m-%dT%H:%M:%S"),
        ))
    }

    pub fn input(&mut self, ctx: &Ctx, input: &Input) {
        let s = &mut self.0;
        s.push_str("\n[[inputs]]\n");
        s.push_str(&format!("table = {}\n", toml_str(input.table)));
        let path = format!("{}/{}", ctx.data_path, input.file);
        s.push_str(&format!("path = {}\n", toml_str(&path)));
        s.push_str("format = \"csv\"\n");
        s.push_str(&format!(
            "delimiter = {}\n",
            toml_str(&input.delimiter.to_string())
        ));
        s.push_str(&format!("encoding = {}\n", toml_str(input.encoding)));
        s.push_str(&format!("skip_rows = {}\n", input.skip_rows));
        s.push_str(&format!("null_values = {}\n", toml_list(input.null_values)));
        s.push_str("[inputs.columns]\n");
        for (field, col) in input.columns {
            match col {
                Col::One(h) => s.push_str(&format!("{field} = {}\n", toml_str(h))),
                Col::Split(d, t) => s.push_str(&format!("{field} = {}\n", toml_list(&[d, t]))),
            }
        }
        if !input.formats.is_empty() {
            s.push_str("[inputs.formats]\n");
            for (field, formats) in input.formats {
                s.push_str(&format!("{field} = {}\n", toml_list(formats)));
            }
        }
    }

    pub fn codes(&mut self, field: &str, pairs: &[(&str, &str)]) {
        self.0.push_str(&format!("\n[codes.{field}]\n"));
        for (code, category) in pairs {
            self.0
                .push_str(&format!("{} = {}\n", toml_str(code), toml_str(category)));
        }
    }

    /// `[codes.release_reason]` from a dialect's code for each category.
    pub fn reason_codes(&mut self, code: fn(ReleaseReason) -> &'static str) {
        let pairs = mapped_codes(ReleaseReason::ALL, code, |r| r.name());
        self.codes("release_reason", &pairs);
    }

    /// `[codes.warrant]` from a dialect's code for each warrant code; the
    /// unmapped code is left out on purpose: it must come out as `unknown`.
    pub fn warrant_codes(&mut self, code: fn(WarrantCode) -> &'static str) {
        let pairs: Vec<(&str, &str)> = WarrantCode::ALL
            .iter()
            .filter_map(|&w| Some((code(w), w.category()?.name())))
            .collect();
        self.codes("warrant", &pairs);
    }

    pub fn finish(self) -> String {
        self.0
    }
}

/// Bookings whose rows carry a date the export writes as February 30.
pub fn unparseable(b: &Booking) -> bool {
    b.defect == Some(Defect::UnparseableDate)
}

/// The detainer rows of a county, keyed by the booking they belong to, plus
/// the orphans, in order of lodging.
pub fn detainer_rows<'a, R>(
    county: &'a County,
    mut row: impl FnMut(Option<&'a Booking>, &'a Detainer, Option<&'a Orphan>) -> R,
) -> Vec<R> {
    let mut rows: Vec<(NaiveDateTime, R)> = Vec::new();
    for b in county.bookings.iter().filter(|b| !b.duplicate_row) {
        for d in &b.detainers {
            rows.push((d.lodged, row(Some(b), d, None)));
        }
    }
    for o in &county.orphans {
        rows.push((o.detainer.lodged, row(None, &o.detainer, Some(o))));
    }
    rows.sort_by_key(|(t, _)| *t);
    rows.into_iter().map(|(_, r)| r).collect()
}
