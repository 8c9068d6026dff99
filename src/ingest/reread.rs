//! The raw values of rows rejected after staging, read again from their
//! source file: at their byte offsets in a CSV file, else by reading the
//! file to the last of them.

use super::schema::raw_json;
use super::{source, IngestError};
use crate::config::Input;
use std::path::Path;

fn open(path: &Path) -> Result<std::fs::File, IngestError> {
    std::fs::File::open(path).map_err(|source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The raw values (JSON, as in rejects) of some rows of an input file, read
/// again from the source: used for rows rejected after staging, so staging
/// need not carry every row's text.
pub fn raw_values(
    input: &Input,
    path: &Path,
    rows: &std::collections::BTreeSet<i64>,
    offsets: Option<&[u64]>,
) -> Result<std::collections::HashMap<i64, String>, IngestError> {
    let mut out = std::collections::HashMap::new();
    if rows.is_empty() {
        return Ok(out);
    }
    // A CSV file staged with its row offsets: read just those rows.
    if let Some(offsets) = offsets {
        let mut header = None;
        let mut records = source::csv::RecordsAt::open(path, input)?;
        for &row in rows {
            let Some(&offset) = usize::try_from(row - 1).ok().and_then(|i| offsets.get(i)) else {
                continue;
            };
            let header = match &header {
                Some(h) => h,
                None => header.insert(
                    source::Source::open(path, input, Box::new(open(path)?))?
                        .header()
                        .to_vec(),
                ),
            };
            out.insert(row, raw_json(header, &records.fields_at(path, offset)?));
        }
        return Ok(out);
    }
    let mut source = source::Source::open(path, input, Box::new(open(path)?))?;
    let header = source.header().to_vec();
    let last = *rows.iter().next_back().unwrap_or(&0);
    while let Some(record) = source.next_record(path)? {
        let row = record.row as i64;
        if rows.contains(&row) {
            let fields: Vec<String> = match &record.fields {
                source::Fields::Ok(t) => t.iter().map(|c| c.to_string()).collect(),
                source::Fields::WrongFieldCount { fields, .. }
                | source::Fields::InvalidUtf8 { fields, .. } => fields.clone(),
            };
            out.insert(row, raw_json(&header, &fields));
        }
        if row >= last {
            break;
        }
    }
    Ok(out)
}
