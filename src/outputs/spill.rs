//! Per-county lists kept on disk in the work folder until the statewide
//! files are written: each county's class members, its possible
//! duplicates and its rows of the workbook's "Flagged holds" sheet. A
//! statewide run has a great many of each; holding them all until the last
//! county is done made peak memory grow with the input. Members and rows
//! are written with the `csv` crate in a private lossless form (floats as
//! their bits, `None` apart from an empty text), possible duplicates as
//! work-file records (`workdir`); each is read back one county at a time.

use super::class::Member;
use super::workbook::Cell;
use crate::rules::person::PossibleDuplicate;
use std::io::{BufReader, BufWriter};
use std::path::Path;

type Result<T> = std::result::Result<T, csv::Error>;

fn writer(path: &Path) -> Result<csv::Writer<BufWriter<std::fs::File>>> {
    let file = std::fs::File::create(path)?;
    Ok(csv::WriterBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_writer(BufWriter::new(file)))
}

fn reader(path: &Path) -> Result<csv::Reader<BufReader<std::fs::File>>> {
    let file = std::fs::File::open(path)?;
    Ok(csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(BufReader::new(file)))
}

fn bad(what: &str) -> csv::Error {
    csv::Error::from(std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("work file damaged: {what}"),
    ))
}

/// `None` is an empty field; `Some(s)` is `=` then `s`.
fn opt(s: Option<&str>) -> String {
    s.map_or(String::new(), |s| format!("={s}"))
}

fn un_opt(s: &str) -> Option<String> {
    s.strip_prefix('=').map(str::to_string)
}

fn num<T: std::str::FromStr>(s: &str) -> Result<T> {
    s.parse().map_err(|_| bad(s))
}

fn opt_num<T: std::str::FromStr>(s: &str) -> Result<Option<T>> {
    if s.is_empty() {
        Ok(None)
    } else {
        num(s).map(Some)
    }
}

pub fn write_members<M: std::borrow::Borrow<Member>>(
    path: &Path,
    members: impl IntoIterator<Item = M>,
) -> Result<()> {
    let mut w = writer(path)?;
    for m in members {
        let m = m.borrow();
        let mut rec = vec![
            m.county.clone(),
            m.county_name.clone(),
            m.person_key.clone(),
            opt(m.person_id.as_deref()),
            opt(m.last_name.as_deref()),
            opt(m.first_name.as_deref()),
            m.dob.map_or(String::new(), |d| d.to_string()),
            m.flagged_holds.to_string(),
            m.first_hold_start.to_string(),
            m.last_hold_start.to_string(),
            m.hold_hours_total.to_bits().to_string(),
            m.days_held.to_string(),
            m.damages_estimate.to_bits().to_string(),
            m.booking_ids.clone(),
            m.match_basis.clone(),
        ];
        for (name, v) in &m.subclasses {
            rec.push(name.clone());
            rec.push(if *v { "t" } else { "f" }.to_string());
        }
        w.write_record(&rec)?;
    }
    w.flush()?;
    Ok(())
}

/// The members written by [`write_members`], one at a time, in order.
pub fn members_of(path: &Path) -> Result<impl Iterator<Item = Result<Member>>> {
    Ok(reader(path)?.into_records().map(|rec| {
        let rec = rec?;
        let f = |i: usize| rec.get(i).ok_or_else(|| bad("short member row"));
        let mut subclasses = Vec::new();
        let mut i = 15;
        while i + 1 < rec.len() {
            subclasses.push((f(i)?.to_string(), f(i + 1)? == "t"));
            i += 2;
        }
        Ok(Member {
            county: f(0)?.to_string(),
            county_name: f(1)?.to_string(),
            person_key: f(2)?.to_string(),
            person_id: un_opt(f(3)?),
            last_name: un_opt(f(4)?),
            first_name: un_opt(f(5)?),
            dob: opt_num(f(6)?)?,
            flagged_holds: num(f(7)?)?,
            first_hold_start: num(f(8)?)?,
            last_hold_start: num(f(9)?)?,
            hold_hours_total: f64::from_bits(num(f(10)?)?),
            days_held: num(f(11)?)?,
            damages_estimate: f64::from_bits(num(f(12)?)?),
            booking_ids: f(13)?.to_string(),
            match_basis: f(14)?.to_string(),
            subclasses,
        })
    }))
}

/// Writes `pairs` to the work file `path`; returns how many there were.
pub fn write_duplicates(
    path: &Path,
    pairs: impl IntoIterator<Item = std::io::Result<PossibleDuplicate>>,
) -> std::io::Result<usize> {
    let file = std::fs::File::create(path).map_err(crate::workdir::at(path))?;
    let mut w = BufWriter::with_capacity(1 << 16, file);
    let mut n = 0;
    for d in pairs {
        crate::workdir::write_record(&mut w, &d?, path)?;
        n += 1;
    }
    std::io::Write::flush(&mut w).map_err(crate::workdir::at(path))?;
    Ok(n)
}

/// The `count` pairs [`write_duplicates`] wrote to `path`, one at a time,
/// in order.
pub fn duplicates_of(
    path: &Path,
    count: usize,
) -> std::io::Result<impl Iterator<Item = std::io::Result<PossibleDuplicate>> + '_> {
    let file = std::fs::File::open(path).map_err(crate::workdir::at(path))?;
    let mut r = BufReader::with_capacity(1 << 16, file);
    Ok((0..count).map(move |_| crate::workdir::read_record(&mut r, path)))
}

/// Workbook rows written as they come (a county's holds are read back in
/// batches).
pub struct CellWriter {
    w: csv::Writer<BufWriter<std::fs::File>>,
    n: u64,
}

impl CellWriter {
    pub fn create(path: &Path) -> Result<CellWriter> {
        Ok(CellWriter {
            w: writer(path)?,
            n: 0,
        })
    }

    pub fn write(&mut self, rows: impl Iterator<Item = Vec<Cell>>) -> Result<()> {
        for row in rows {
            let rec: Vec<String> = row
                .iter()
                .map(|c| match c {
                    Cell::Empty => String::new(),
                    Cell::Text(s) => format!("T{s}"),
                    Cell::Number(x) => format!("N{}", x.to_bits()),
                    Cell::Bool(b) => if *b { "B1" } else { "B0" }.to_string(),
                    Cell::Date(d) => format!("D{}", crate::model::days_from_date(*d)),
                    Cell::DateTime(t) => format!("S{}", t.and_utc().timestamp_micros()),
                })
                .collect();
            self.w.write_record(&rec)?;
            self.n += 1;
        }
        Ok(())
    }

    /// Flushes the file; returns how many rows.
    pub fn finish(mut self) -> Result<u64> {
        self.w.flush()?;
        Ok(self.n)
    }
}

/// The rows written by a [`CellWriter`], in order.
pub fn read_cells(path: &Path) -> Result<impl Iterator<Item = Result<Vec<Cell>>>> {
    Ok(reader(path)?.into_records().map(|rec| {
        rec?.iter()
            .map(|f| {
                let (tag, rest) = f.split_at(f.len().min(1));
                Ok(match tag {
                    "" => Cell::Empty,
                    "T" => Cell::Text(rest.to_string()),
                    "N" => Cell::Number(f64::from_bits(num(rest)?)),
                    "B" => Cell::Bool(rest == "1"),
                    "D" => Cell::Date(crate::model::date_from_days(num(rest)?)),
                    "S" => Cell::DateTime(
                        chrono::DateTime::from_timestamp_micros(num(rest)?)
                            .ok_or_else(|| bad(rest))?
                            .naive_utc(),
                    ),
                    _ => return Err(bad(f)),
                })
            })
            .collect()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_and_cells_come_back_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let m = Member {
            county: "alameda".into(),
            county_name: "Alameda".into(),
            person_key: "name:doe jane|1980-01-02".into(),
            person_id: None,
            last_name: Some(String::new()),
            first_name: Some("Jane, \"J\"\nline".into()),
            dob: Some(3653),
            flagged_holds: 2,
            first_hold_start: 1_500_000_000_000_000,
            last_hold_start: -5,
            hold_hours_total: 0.1 + 0.2,
            days_held: 3,
            damages_estimate: 1.0 / 3.0,
            booking_ids: "B1;B2".into(),
            match_basis: "name_dob".into(),
            subclasses: vec![("over_limit".into(), true), ("i247d".into(), false)],
        };
        let path = dir.path().join("m");
        write_members(
            &path,
            &[
                m.clone(),
                Member {
                    subclasses: vec![],
                    ..m.clone()
                },
            ],
        )
        .unwrap();
        let back: Vec<Member> = members_of(&path).unwrap().map(|m| m.unwrap()).collect();
        assert_eq!(back[0], m);
        assert!(back[1].subclasses.is_empty());

        let day = chrono::NaiveDate::from_ymd_opt(2016, 11, 6).unwrap();
        let row = vec![
            Cell::Text("T=x,y".into()),
            Cell::Number(0.1 + 0.2),
            Cell::Bool(false),
            Cell::Date(day),
            Cell::DateTime(day.and_hms_opt(1, 30, 0).unwrap()),
            Cell::Empty,
            Cell::Text(String::new()),
        ];
        let path = dir.path().join("c");
        let rows = [row.clone(), vec![Cell::Empty]];
        let mut w = CellWriter::create(&path).unwrap();
        w.write(rows.clone().into_iter()).unwrap();
        assert_eq!(w.finish().unwrap(), 2);
        let back: Vec<Vec<Cell>> = read_cells(&path).unwrap().map(|r| r.unwrap()).collect();
        assert_eq!(back, rows);
    }
}
