//! How a CSV export is written, found from its first bytes: the encoding
//! (UTF-8 with or without a byte-order mark, or Windows-1252), the
//! delimiter, the preamble lines before the header, the line ends and
//! whether fields are quoted, each with the evidence and how sure it is.
//! Workbooks and Parquet files need no sniffing of bytes (`sample` reads
//! their sheets and schema).
//!
//! Everything here works on a bounded buffer of the file's start; nothing
//! reads the file itself.

use crate::config::Encoding;
use std::fmt;

/// Delimiters tried, in the order a tie is broken.
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Preamble lines looked for before the header; exports put a title and a
/// run date there, not pages of text.
const MAX_PREAMBLE: usize = 20;

/// Records read per candidate layout: enough to see a delimiter that is
/// also inside some fields, few enough to try every candidate at once.
const LAYOUT_RECORDS: usize = 200;

/// Share of records that must have the header's number of fields for a
/// layout to be taken without a doubt.
const CONSISTENT: f64 = 0.9;

/// How sure a finding is, said with its evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sure {
    /// Nothing else reads the sample the same way.
    Certain,
    /// The best reading, with another possible.
    Likely,
}

impl fmt::Display for Sure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Sure::Certain => "certain",
            Sure::Likely => "likely",
        })
    }
}

/// A finding and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding<T> {
    pub value: T,
    pub sure: Sure,
    pub evidence: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnds {
    Lf,
    Crlf,
    Cr,
    Mixed,
}

impl fmt::Display for LineEnds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LineEnds::Lf => "LF",
            LineEnds::Crlf => "CRLF",
            LineEnds::Cr => "CR",
            LineEnds::Mixed => "mixed",
        })
    }
}

/// How a CSV file is written.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvDialect {
    pub encoding: Finding<Encoding>,
    /// A UTF-8 byte-order mark starts the file (the reader skips it).
    pub bom: bool,
    pub delimiter: Finding<u8>,
    /// Physical lines before the header (`skip_rows`).
    pub skip_rows: usize,
    /// Fields of the header.
    pub fields: usize,
    pub line_ends: LineEnds,
    /// Some field is in double quotes.
    pub quoted: bool,
}

/// The dialect of a CSV file from its first bytes (`truncated` when the
/// buffer stops before the end of the file). `None` when no line of the
/// buffer has two fields with any delimiter: not a table.
pub fn sniff_csv(bytes: &[u8], truncated: bool) -> Option<CsvDialect> {
    let bom = bytes.starts_with(b"\xEF\xBB\xBF");
    let body = if bom { &bytes[3..] } else { bytes };
    let encoding = sniff_encoding(body, bom, truncated);
    let (delimiter, skip_rows, fields) = sniff_layout(body)?;
    let after = skip_lines(body, skip_rows);
    Some(CsvDialect {
        encoding,
        bom,
        delimiter,
        skip_rows,
        fields,
        line_ends: line_ends(body),
        quoted: after.contains(&b'"'),
    })
}

/// UTF-8 unless some bytes are not valid UTF-8: exports made on Windows
/// are Windows-1252, and the reader knows no other one-byte encoding.
pub fn sniff_encoding(body: &[u8], bom: bool, truncated: bool) -> Finding<Encoding> {
    if bom {
        return Finding {
            value: Encoding::Utf8,
            sure: Sure::Certain,
            evidence: "the file starts with a UTF-8 byte-order mark".to_string(),
        };
    }
    let mut invalid = 0usize;
    let mut non_ascii = 0usize;
    let mut rest = body;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                non_ascii += s.chars().filter(|c| !c.is_ascii()).count();
                break;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                non_ascii += std::str::from_utf8(good)
                    .map_or(0, |s| s.chars().filter(|c| !c.is_ascii()).count());
                match e.error_len() {
                    Some(n) => {
                        invalid += 1;
                        rest = &bad[n..];
                    }
                    // A character cut by the end of the buffer, not of the
                    // file, is no evidence.
                    None if truncated => break,
                    None => {
                        invalid += 1;
                        break;
                    }
                }
            }
        }
    }
    if invalid > 0 {
        Finding {
            value: Encoding::Windows1252,
            sure: Sure::Likely,
            evidence: format!(
                "{} byte sequence{} not valid UTF-8; Windows-1252 is what exports made on \
                 Windows use",
                thousands(invalid),
                if invalid == 1 { " is" } else { "s are" }
            ),
        }
    } else if non_ascii > 0 {
        Finding {
            value: Encoding::Utf8,
            sure: Sure::Certain,
            evidence: format!(
                "{} non-ASCII character{}, all valid UTF-8",
                thousands(non_ascii),
                if non_ascii == 1 { "" } else { "s" }
            ),
        }
    } else {
        Finding {
            value: Encoding::Utf8,
            sure: Sure::Likely,
            evidence: "only ASCII in the sample, which UTF-8 and Windows-1252 read alike; if \
                       `check` rejects rows as invalid_utf8, use windows-1252"
                .to_string(),
        }
    }
}

/// The delimiter, the preamble lines and the header's width: for each
/// delimiter, the fewest skipped lines after which the header has two or
/// more fields and the records below it have as many; then the delimiter
/// whose records agree most with their header.
fn sniff_layout(body: &[u8]) -> Option<(Finding<u8>, usize, usize)> {
    struct Layout {
        delimiter: u8,
        skip: usize,
        fields: usize,
        agree: usize,
        records: usize,
    }
    impl Layout {
        fn share(&self) -> f64 {
            if self.records == 0 {
                1.0
            } else {
                self.agree as f64 / self.records as f64
            }
        }
    }
    let mut best_per_delimiter = Vec::new();
    for &d in &DELIMITERS {
        let mut best: Option<Layout> = None;
        for skip in 0..=MAX_PREAMBLE {
            let Some((fields, agree, records)) = layout(skip_lines(body, skip), d) else {
                continue;
            };
            // A line with nothing below it is a header only at the top of
            // a file (a header-only export); lower down it is the last
            // line, and its agreement with nothing proves nothing.
            if records == 0 && skip > 0 {
                continue;
            }
            let l = Layout {
                delimiter: d,
                skip,
                fields,
                agree,
                records,
            };
            let better = match &best {
                None => true,
                Some(b) => l.share() > b.share(),
            };
            if better {
                let done = l.share() >= CONSISTENT;
                best = Some(l);
                if done {
                    break;
                }
            }
        }
        best_per_delimiter.extend(best);
    }
    // Most agreement, then the wider header (a delimiter that splits more
    // is the one the file uses), then the order of DELIMITERS.
    let mut ranked: Vec<&Layout> = best_per_delimiter.iter().collect();
    ranked.sort_by(|a, b| {
        b.share()
            .partial_cmp(&a.share())
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(b.fields.cmp(&a.fields))
    });
    let first = ranked.first()?;
    let runner_up = ranked.get(1).filter(|r| r.share() >= CONSISTENT);
    let sure = if first.share() >= 0.999 && first.records > 0 && runner_up.is_none() {
        Sure::Certain
    } else {
        Sure::Likely
    };
    let mut evidence = format!(
        "{} field{} in the header and in {} of {} records below it",
        first.fields,
        if first.fields == 1 { "" } else { "s" },
        thousands(first.agree),
        thousands(first.records)
    );
    if let Some(r) = runner_up {
        evidence.push_str(&format!(
            "; {} also splits the records alike ({} fields)",
            delimiter_name(r.delimiter),
            r.fields
        ));
    }
    Some((
        Finding {
            value: first.delimiter,
            sure,
            evidence,
        },
        first.skip,
        first.fields,
    ))
}

/// Width of the first record of `text` with delimiter `d`, and how many of
/// the records after it (up to [`LAYOUT_RECORDS`]) have that width; `None`
/// when the first record has fewer than two fields.
fn layout(text: &[u8], d: u8) -> Option<(usize, usize, usize)> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(d)
        .has_headers(false)
        .flexible(true)
        .from_reader(text);
    let mut record = csv::ByteRecord::new();
    if !reader.read_byte_record(&mut record).ok()? {
        return None;
    }
    let fields = record.len();
    if fields < 2 {
        return None;
    }
    let (mut agree, mut records) = (0, 0);
    // The last record of a truncated buffer may be cut short: it is read
    // only when another follows it.
    let mut previous: Option<usize> = None;
    while records < LAYOUT_RECORDS {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {
                if let Some(n) = previous.replace(record.len()) {
                    records += 1;
                    agree += usize::from(n == fields);
                }
            }
            _ => break,
        }
    }
    if records == 0 {
        if let Some(n) = previous {
            records = 1;
            agree = usize::from(n == fields);
        }
    }
    Some((fields, agree, records))
}

/// `text` after its first `n` physical lines (as `skip_rows` counts them:
/// before any CSV parsing).
pub fn skip_lines(text: &[u8], n: usize) -> &[u8] {
    let mut rest = text;
    for _ in 0..n {
        match memchr::memchr(b'\n', rest) {
            Some(i) => rest = &rest[i + 1..],
            None => return &[],
        }
    }
    rest
}

fn line_ends(body: &[u8]) -> LineEnds {
    let lf = memchr::memchr_iter(b'\n', body).count();
    let crlf = memchr::memmem::find_iter(body, b"\r\n").count();
    let cr = memchr::memchr_iter(b'\r', body).count() - crlf;
    match (lf - crlf, crlf, cr) {
        (_, 0, 0) => LineEnds::Lf,
        (0, _, 0) => LineEnds::Crlf,
        (0, 0, _) => LineEnds::Cr,
        _ => LineEnds::Mixed,
    }
}

/// How a delimiter is written in a pipeline file and in messages.
pub fn delimiter_name(d: u8) -> String {
    match d {
        b'\t' => "\"\\t\"".to_string(),
        d => format!("\"{}\"", d as char),
    }
}

/// `12345` → `12,345`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sniff(text: &[u8]) -> CsvDialect {
        sniff_csv(text, false).expect("a table")
    }

    #[test]
    fn delimiters_are_told_apart_even_when_fields_hold_other_ones() {
        let comma = b"ID,NAME,WHEN\n1,\"Smith; John\",2019-01-01\n2,Lee,2019-01-02\n";
        let d = sniff(comma);
        assert_eq!((d.delimiter.value, d.fields, d.skip_rows), (b',', 3, 0));
        assert_eq!(d.delimiter.sure, Sure::Certain);
        assert!(d.quoted);
        let semi = b"ID;FACILITY;WHEN\n1;NORTH, BLDG B;2019-01-01\n2;MAIN;2019-01-02\n";
        let d = sniff(semi);
        assert_eq!((d.delimiter.value, d.fields), (b';', 3));
        assert!(!d.quoted);
        let tab = b"ID\tNAME\n1\tA, B\n2\tC\n";
        assert_eq!(sniff(tab).delimiter.value, b'\t');
        let pipe = b"ID|NAME|X\n1|A|B\n";
        assert_eq!(sniff(pipe).delimiter.value, b'|');
        assert_eq!(delimiter_name(b'\t'), "\"\\t\"");
    }

    #[test]
    fn preamble_lines_before_the_header_are_counted() {
        let text = b"SHERIFF'S OFFICE - JAIL EXPORT\r\nRun date: 06/30/2026 00:00\r\n\
                     A;B;C\r\n1;2;3\r\n4;5;6\r\n";
        let d = sniff(text);
        assert_eq!((d.delimiter.value, d.skip_rows, d.fields), (b';', 2, 3));
        assert_eq!(d.line_ends, LineEnds::Crlf);
        // A title with the delimiter in it is still a preamble: the lines
        // below it do not have its width.
        let text = b"Export, all facilities\nA,B,C,D\n1,2,3,4\n5,6,7,8\n";
        let d = sniff(text);
        assert_eq!((d.skip_rows, d.fields), (1, 4));
    }

    #[test]
    fn encodings_bom_utf8_windows_1252_and_ascii() {
        let d = sniff(b"\xEF\xBB\xBFID,NAME\n1,Ord\xC3\xB3\xC3\xB1ez\n");
        assert!(d.bom);
        assert_eq!(d.encoding.value, Encoding::Utf8);
        assert_eq!(d.encoding.sure, Sure::Certain);
        let d = sniff(b"ID,NAME\n1,Ord\xC3\xB3\xC3\xB1ez\n");
        assert!(!d.bom);
        assert_eq!(
            (d.encoding.value, d.encoding.sure),
            (Encoding::Utf8, Sure::Certain)
        );
        assert!(d.encoding.evidence.starts_with("2 non-ASCII"));
        let d = sniff(b"ID;NAME\n1;D\xCDAZ\n2;NO\xC9\n");
        assert_eq!(d.encoding.value, Encoding::Windows1252);
        assert!(d.encoding.evidence.starts_with("2 byte sequences"));
        let d = sniff(b"ID,NAME\n1,Lee\n");
        assert_eq!(
            (d.encoding.value, d.encoding.sure),
            (Encoding::Utf8, Sure::Likely)
        );
        // A character cut by the end of the buffer is not evidence of
        // Windows-1252; at the end of the file it is.
        assert_eq!(
            sniff_encoding(b"ID\n\xC3", false, true).value,
            Encoding::Utf8
        );
        assert_eq!(
            sniff_encoding(b"ID\n\xC3", false, false).value,
            Encoding::Windows1252
        );
    }

    #[test]
    fn line_ends_and_numbers() {
        assert_eq!(line_ends(b"a\nb\n"), LineEnds::Lf);
        assert_eq!(line_ends(b"a\r\nb\r\n"), LineEnds::Crlf);
        assert_eq!(line_ends(b"a\rb\r"), LineEnds::Cr);
        assert_eq!(line_ends(b"a\r\nb\n"), LineEnds::Mixed);
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(5000), "5,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn a_file_of_one_column_or_no_lines_is_not_a_table() {
        assert_eq!(sniff_csv(b"just a title\nand text\n", false), None);
        assert_eq!(sniff_csv(b"", false), None);
    }

    #[test]
    fn a_delimiter_inside_some_fields_is_not_taken_for_the_files() {
        // Amounts with a thousands comma split some lines in two; the
        // last of them, with nothing below it, is no header.
        let text = b"TITLE\r\nA;B;AMT\r\n1;x;$1,500.00\r\n2;y;NULL\r\n3;z;$2,000.00\r\n";
        let d = sniff(text);
        assert_eq!((d.delimiter.value, d.skip_rows, d.fields), (b';', 1, 3));
        assert_eq!(d.delimiter.sure, Sure::Certain, "{}", d.delimiter.evidence);
    }

    #[test]
    fn a_header_alone_is_a_table_with_no_records() {
        let d = sniff(b"A,B,C\n");
        assert_eq!((d.fields, d.skip_rows), (3, 0));
    }
}
