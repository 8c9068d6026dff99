//! CSV records as the `csv` crate reads them (RFC 4180 quoting, doubled
//! quotes, `\r`, `\n` or `\r\n` ending a record, blank lines skipped, a
//! UTF-8 byte order mark at the start dropped), faster, and with the line and
//! byte where each record starts.
//!
//! A record on one line whose quotes, if any, only enclose whole fields is
//! split in place: its fields are ranges of the line, found in one pass,
//! and nothing is copied. Any other record (a doubled quote, a quote inside
//! a field, a field with a line break, a lone `\r`) goes to `csv_core`, the
//! `csv` crate's own parser. The `csv` crate steps a state machine over
//! every byte and copies every field into its record; most records need
//! neither.
//!
//! Positions: the `csv` crate gives a record the position where its reader
//! stood after the previous record. That is one line early after a `\r\n`
//! (the `\n` is read with the next record) and before any blank lines; here
//! a record's line and byte are those of its first byte.

use csv_core::ReadRecordResult;
use std::io::Read;
use std::ops::Range;

/// The record last read: its fields are ranges of `bytes`.
#[derive(Debug, Clone, Copy)]
pub struct RawRecord<'a> {
    bytes: &'a [u8],
    ranges: &'a [Range<usize>],
    /// 1-based line of the record's first byte (lines end with `\n`).
    pub line: u64,
    /// Byte offset of the record's first byte in the stream.
    pub byte: u64,
}

impl<'a> RawRecord<'a> {
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    /// Bytes holding every field, in order, with whatever lay between them
    /// (delimiters and quotes of a line read in place).
    pub fn as_slice(&self) -> &'a [u8] {
        self.bytes
    }

    /// Where field `i` lies in [`RawRecord::as_slice`].
    pub fn range(&self, i: usize) -> Option<Range<usize>> {
        self.ranges.get(i).cloned()
    }

    #[cfg(test)]
    pub fn get(&self, i: usize) -> Option<&'a [u8]> {
        self.range(i).map(|r| &self.bytes[r])
    }

    pub fn iter(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        self.ranges.iter().map(|r| &self.bytes[r.clone()])
    }
}

/// A record's fields end to end, for tests.
#[cfg(test)]
pub struct OwnedRecord {
    bytes: Vec<u8>,
    ranges: Vec<Range<usize>>,
}

#[cfg(test)]
impl OwnedRecord {
    pub fn new(fields: &[&[u8]]) -> OwnedRecord {
        let mut r = OwnedRecord {
            bytes: Vec::new(),
            ranges: Vec::new(),
        };
        for f in fields {
            let start = r.bytes.len();
            r.bytes.extend_from_slice(f);
            r.ranges.push(start..r.bytes.len());
        }
        r
    }

    pub fn view(&self) -> RawRecord<'_> {
        RawRecord {
            bytes: &self.bytes,
            ranges: &self.ranges,
            line: 1,
            byte: 0,
        }
    }
}

/// Reads records from a byte stream, one at a time.
pub struct RecordReader<R> {
    rdr: R,
    delimiter: u8,
    core: csv_core::Reader,
    /// Unread bytes are `buf[start..end]`.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    /// Stream offset and line of `buf[start]`.
    byte: u64,
    line: u64,
    /// Nothing read yet (a byte order mark may come first).
    fresh: bool,
    /// The last record: in `buf[in_buf]` when split in place, else in
    /// `parsed` (csv_core's output, fields end to end).
    in_buf: Option<Range<usize>>,
    parsed: Vec<u8>,
    ends: Vec<usize>,
    ranges: Vec<Range<usize>>,
    record_line: u64,
    record_byte: u64,
}

impl<R: Read> RecordReader<R> {
    /// `capacity` is the buffer's starting size; it grows for a longer line.
    pub fn new(rdr: R, delimiter: u8, capacity: usize) -> RecordReader<R> {
        let mut core = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
        // A blank line, which csv_core skips: it has now read something, so
        // it will not take a byte order mark off a later record, which the
        // `csv` crate would not either (it strips one at the start only,
        // as done here).
        let _ = core.read_record(b"\n", &mut [], &mut []);
        RecordReader {
            rdr,
            delimiter,
            core,
            buf: vec![0; capacity.max(1)],
            start: 0,
            end: 0,
            eof: false,
            byte: 0,
            line: 1,
            fresh: true,
            in_buf: None,
            parsed: Vec::new(),
            ends: Vec::new(),
            ranges: Vec::new(),
            record_line: 0,
            record_byte: 0,
        }
    }

    /// The record last read (empty before the first).
    pub fn record(&self) -> RawRecord<'_> {
        RawRecord {
            bytes: match &self.in_buf {
                Some(r) => &self.buf[r.clone()],
                None => &self.parsed,
            },
            ranges: &self.ranges,
            line: self.record_line,
            byte: self.record_byte,
        }
    }

    /// Reads more of the stream, keeping the unread bytes; false at its end.
    fn fill(&mut self) -> std::io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            let n = self.buf.len() * 2;
            self.buf.resize(n, 0);
        }
        loop {
            match self.rdr.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Moves past `n` unread bytes.
    fn consume(&mut self, n: usize) {
        let taken = &self.buf[self.start..self.start + n];
        self.line += memchr::memchr_iter(b'\n', taken).count() as u64;
        self.byte += n as u64;
        self.start += n;
    }

    /// Reads the next record (see [`RecordReader::record`]); false at the
    /// end of the stream.
    pub fn read(&mut self) -> std::io::Result<bool> {
        self.in_buf = None;
        self.ranges.clear();
        if self.fresh {
            self.fresh = false;
            while self.end - self.start < 3 && self.fill()? {}
            if self.buf[self.start..self.end].starts_with(b"\xEF\xBB\xBF") {
                self.consume(3);
            }
        }
        // Blank lines (a record never starts with a line break).
        loop {
            if self.start == self.end && !self.fill()? {
                return Ok(false);
            }
            match self.buf[self.start] {
                b'\r' | b'\n' => self.consume(1),
                _ => break,
            }
        }
        self.record_line = self.line;
        self.record_byte = self.byte;
        // The line, to its `\n` or the end of the stream.
        let mut searched = 0;
        let line_len = loop {
            let unread = &self.buf[self.start..self.end];
            if let Some(i) = memchr::memchr(b'\n', &unread[searched..]) {
                break searched + i;
            }
            searched = unread.len();
            if !self.fill()? {
                break self.end - self.start;
            }
        };
        let line = &self.buf[self.start..self.start + line_len];
        let content = line.strip_suffix(b"\r").unwrap_or(line);
        if !split_line(content, self.delimiter, &mut self.ranges) {
            self.ranges.clear();
            return self.read_parsed(line_len);
        }
        self.in_buf = Some(self.start..self.start + content.len());
        // The `\n` too, when there is one (the only one in these bytes).
        let n = (line_len + 1).min(self.end - self.start);
        self.line += u64::from(n > line_len);
        self.byte += n as u64;
        self.start += n;
        Ok(true)
    }

    /// The record at `buf[start]`, whose first line is `line_len` bytes
    /// long, read by csv_core into `parsed`.
    fn read_parsed(&mut self, line_len: usize) -> std::io::Result<bool> {
        let (mut nout_total, mut nends_total) = (0, 0);
        // Room for the first line's fields; more if they continue.
        self.parsed.clear();
        self.parsed.resize(line_len.max(64), 0);
        self.ends.clear();
        self.ends.resize(64, 0);
        loop {
            let input = &self.buf[self.start..self.end];
            let (mut res, nin, nout, nends) = self.core.read_record(
                input,
                &mut self.parsed[nout_total..],
                &mut self.ends[nends_total..],
            );
            self.consume(nin);
            nout_total += nout;
            nends_total += nends;
            // An empty input tells csv_core the stream has ended: it ends
            // the last field.
            while res == ReadRecordResult::InputEmpty && !self.fill()? {
                let (r, _, nout, nends) = self.core.read_record(
                    &[],
                    &mut self.parsed[nout_total..],
                    &mut self.ends[nends_total..],
                );
                nout_total += nout;
                nends_total += nends;
                res = match r {
                    ReadRecordResult::OutputFull | ReadRecordResult::OutputEndsFull => {
                        self.grow(r);
                        ReadRecordResult::InputEmpty
                    }
                    ReadRecordResult::InputEmpty | ReadRecordResult::End => ReadRecordResult::End,
                    ReadRecordResult::Record => ReadRecordResult::Record,
                };
            }
            match res {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull | ReadRecordResult::OutputEndsFull => self.grow(res),
                ReadRecordResult::Record | ReadRecordResult::End => {
                    self.parsed.truncate(nout_total);
                    let mut from = 0;
                    for &end in &self.ends[..nends_total] {
                        self.ranges.push(from..end);
                        from = end;
                    }
                    return Ok(nends_total > 0);
                }
            }
        }
    }

    /// More room in csv_core's output after `full`.
    fn grow(&mut self, full: ReadRecordResult) {
        if full == ReadRecordResult::OutputFull {
            let n = self.parsed.len() * 2;
            self.parsed.resize(n, 0);
        } else {
            let n = self.ends.len() * 2;
            self.ends.resize(n, 0);
        }
    }
}

/// Splits a line without `\n` into the ranges of its fields, as csv_core
/// would: fields between delimiters, a field in quotes taken without them.
/// False (and `ranges` half filled) for a line this does not read: a `\r`,
/// a quote inside a field, a doubled quote, or a quoted field that does not
/// end on this line.
///
/// The line is scanned eight bytes at a time for delimiters, quotes and
/// `\r` (a byte loop with three tests per byte cost as much as csv_core).
fn split_line(content: &[u8], delimiter: u8, ranges: &mut Vec<Range<usize>>) -> bool {
    let n = content.len();
    // Start of the current field; bytes before `skip` were read already
    // (a quoted field and its closing quote).
    let mut from = 0;
    let mut skip = 0;
    let mut base = 0;
    while base < n {
        let (w, width) = match content.get(base..base + 8) {
            Some(eight) => (u64::from_le_bytes(eight.try_into().unwrap_or_default()), 8),
            None => {
                let mut word = [0u8; 8];
                word[..n - base].copy_from_slice(&content[base..]);
                (u64::from_le_bytes(word), n - base)
            }
        };
        let mut mask = (equal_bytes(w, delimiter) | equal_bytes(w, b'"') | equal_bytes(w, b'\r'))
            & (u64::MAX >> (64 - 8 * width));
        while mask != 0 {
            let at = base + (mask.trailing_zeros() / 8) as usize;
            mask &= mask - 1;
            if at < skip {
                continue;
            }
            let b = content[at];
            if b == delimiter {
                ranges.push(from..at);
                from = at + 1;
            } else if b == b'"' && at == from {
                // The next quote must close the field, right before a
                // delimiter or the end of the line.
                let Some(q) = memchr::memchr(b'"', &content[at + 1..]) else {
                    return false;
                };
                let close = at + 1 + q;
                if content[at + 1..close].contains(&b'\r') {
                    return false;
                }
                ranges.push(at + 1..close);
                match content.get(close + 1) {
                    None => return true,
                    Some(&d) if d == delimiter => {
                        from = close + 2;
                        skip = close + 2;
                    }
                    Some(_) => return false,
                }
            } else {
                return false;
            }
        }
        base = (base + width).max(skip);
    }
    ranges.push(from..n);
    true
}

/// 0x80 in each byte of `w` that equals `b`, 0 elsewhere. Exact: no carry
/// crosses a byte, as `(x & 0x7F) + 0x7F` is at most 0xFE.
#[inline(always)]
fn equal_bytes(w: u64, b: u8) -> u64 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let v = w ^ (0x0101_0101_0101_0101 * u64::from(b));
    !(((v & LOW7) + LOW7) | v | LOW7)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A reader handing out at most `chunk` bytes per call, to cross every
    /// buffer boundary.
    struct Chunks<'a> {
        data: &'a [u8],
        chunk: usize,
    }

    impl Read for Chunks<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.chunk.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    /// Each record's fields, line and byte.
    type Got = (Vec<Vec<u8>>, u64, u64);

    fn ours(data: &[u8], delimiter: u8, chunk: usize, capacity: usize) -> Vec<Got> {
        let mut r = RecordReader::new(Chunks { data, chunk }, delimiter, capacity);
        let mut out = Vec::new();
        while r.read().unwrap() {
            let rec = r.record();
            out.push((rec.iter().map(<[u8]>::to_vec).collect(), rec.line, rec.byte));
        }
        out
    }

    fn csv_crate(data: &[u8], delimiter: u8) -> Vec<Vec<Vec<u8>>> {
        let mut r = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(data);
        let mut rec = csv::ByteRecord::new();
        let mut out = Vec::new();
        while r.read_byte_record(&mut rec).unwrap() {
            out.push(rec.iter().map(<[u8]>::to_vec).collect());
        }
        out
    }

    /// The same records as the `csv` crate, each starting where it says.
    fn check(data: &[u8], delimiter: u8, chunk: usize, capacity: usize) -> Result<(), String> {
        let got = ours(data, delimiter, chunk, capacity);
        let want = csv_crate(data, delimiter);
        let got_fields: Vec<_> = got.iter().map(|r| r.0.clone()).collect();
        if got_fields != want {
            return Err(format!(
                "{:?}: {got_fields:?} != {want:?}",
                String::from_utf8_lossy(data)
            ));
        }
        for (k, (fields, line, byte)) in got.iter().enumerate() {
            let at = *byte as usize;
            let lines = 1 + data[..at].iter().filter(|&&b| b == b'\n').count() as u64;
            // A new reader would take a byte order mark off the start.
            let bom = data[at..].starts_with(b"\xEF\xBB\xBF");
            // On a content byte, on its own line, and read again from there
            // by the `csv` crate as the same record.
            let again = csv_crate(&data[at..], delimiter);
            if *line != lines
                || matches!(data.get(at), Some(b'\r' | b'\n') | None)
                || (!bom && again.first() != Some(fields))
            {
                return Err(format!(
                    "{:?}: record {k} at byte {at} line {line} (line {lines})",
                    String::from_utf8_lossy(data),
                ));
            }
        }
        Ok(())
    }

    #[test]
    fn reads_what_the_csv_crate_reads() {
        for data in [
            &b""[..],
            b"\n\r\n",
            b"a,b\r\nc,d\r\n",
            b"a,b\nc,d",
            b"h\n\n\na\nb\r\rc\r\n\"x\ny\",z\nq",
            b"a,\"b\"c,d\n\"\"\"q\n",
            b"\"a,b\",\"\",c\n\"x\"\"y\",z\r\n",
            b"\xEF\xBB\xBFa,b\n\xEF\xBB\xBFc\n",
            b",\n,,\n\"\"\n a \n",
            b"\"open\nstill,open",
            b"a\"b,c\n\"a\" ,b\n",
        ] {
            for (chunk, capacity) in [(1, 1), (2, 3), (7, 5), (1 << 20, 1 << 16)] {
                check(data, b',', chunk, capacity).unwrap();
            }
        }
    }

    #[test]
    fn reads_what_the_csv_crate_reads_for_any_bytes() {
        let bytes = proptest::collection::vec(
            proptest::sample::select(b"ab ;,\"\"\r\n\n\xEF\xBB\xBF".to_vec()),
            0..80,
        );
        let cases = (
            bytes,
            proptest::sample::select(vec![b',', b';']),
            1usize..9,
            1usize..12,
        );
        // scripts/fuzz sets PROPTEST_CASES for a longer run in release mode.
        let wanted = std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok());
        proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
            cases: wanted.unwrap_or(2000),
            ..Default::default()
        })
        .run(&cases, |(data, delimiter, chunk, capacity)| {
            check(&data, delimiter, chunk, capacity).map_err(TestCaseError::fail)
        })
        .unwrap();
    }

    #[test]
    fn equal_bytes_marks_exactly_the_equal_bytes() {
        let bytes = [0u8, 0x80, b',', 0x2C ^ 0x80, 0xFF, b',', 0x7F, b'"'];
        let w = u64::from_le_bytes(bytes);
        for target in [b',', b'"', 0, 0x80, 0xFF, 0x7F, b'\r'] {
            let want = bytes
                .iter()
                .enumerate()
                .filter(|(_, &b)| b == target)
                .fold(0u64, |m, (k, _)| m | 0x80 << (8 * k));
            assert_eq!(equal_bytes(w, target), want, "{target:#x}");
        }
    }

    #[test]
    fn a_record_after_crlf_or_blank_lines_is_on_its_own_line() {
        let recs = ours(b"h\r\na\r\n\r\n\"b\nb\"\r\nc", b',', 4, 4);
        let at: Vec<(u64, u64)> = recs.iter().map(|r| (r.1, r.2)).collect();
        assert_eq!(at, [(1, 0), (2, 3), (4, 8), (6, 15)]);
    }
}
