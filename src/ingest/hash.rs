//! SHA-256 for the manifest: an input file hashed in the one pass that reads
//! it (a CSV file as it is parsed, a workbook or Parquet file as it is
//! copied into the work folder), any other file (a pipeline file, an
//! output) streamed apart; and `hex`, which also spells pseudonyms.

use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

/// Hashes everything read through it, so a file is hashed in the same pass
/// that parses it, and reports the bytes read to the progress display.
pub(super) struct HashingReader<R> {
    pub(super) inner: R,
    pub(super) hasher: std::sync::Arc<std::sync::Mutex<Sha256>>,
    pub(super) bytes: Arc<dyn Fn(u64) + Send + Sync>,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Ok(mut h) = self.hasher.lock() {
            h.update(&buf[..n]);
        }
        (self.bytes)(n as u64);
        Ok(n)
    }
}

/// SHA-256 of a whole file, streamed.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Mutex;

    /// SHA-256 of "abc" (FIPS 180-2, appendix B.1) and of nothing.
    const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// Reads `data` through a hashing reader `chunk` bytes at a time, as the
    /// CSV reader does: the hex digest and the bytes it reported.
    fn through_reader(data: &[u8], chunk: usize) -> (String, u64) {
        let hasher = Arc::new(Mutex::new(Sha256::new()));
        let seen = Arc::new(AtomicU64::new(0));
        let counted = seen.clone();
        let mut reader = HashingReader {
            inner: data,
            hasher: hasher.clone(),
            bytes: Arc::new(move |n| {
                counted.fetch_add(n, Ordering::Relaxed);
            }),
        };
        let mut buf = vec![0u8; chunk];
        while reader.read(&mut buf).unwrap() > 0 {}
        let digest = hasher.lock().unwrap().clone().finalize();
        (hex(&digest), seen.load(Ordering::Relaxed))
    }

    #[test]
    fn hex_is_two_lowercase_digits_per_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xab, 0xff]), "000fabff");
        assert_eq!(hex(&[]), "");
    }

    #[test]
    fn the_file_and_the_reader_give_the_known_digests() {
        let dir = tempfile::tempdir().unwrap();
        for (data, want) in [(&b"abc"[..], ABC), (b"", EMPTY)] {
            let path = dir.path().join("f");
            std::fs::write(&path, data).unwrap();
            assert_eq!(sha256_file(&path).unwrap(), want);
            for chunk in [1, 2, 64] {
                assert_eq!(
                    through_reader(data, chunk),
                    (want.to_string(), data.len() as u64)
                );
            }
        }
    }

    #[test]
    fn a_file_longer_than_the_buffer_hashes_as_one_piece() {
        // Past the 64 KiB read buffer, and not a multiple of it.
        let data: Vec<u8> = (0..200_003u32).map(|i| (i % 251) as u8).collect();
        let path = tempfile::tempdir().unwrap().keep().join("long");
        std::fs::write(&path, &data).unwrap();
        let whole = hex(&Sha256::digest(&data));
        assert_eq!(sha256_file(&path).unwrap(), whole);
        assert_eq!(through_reader(&data, 4096), (whole, data.len() as u64));
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn a_missing_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(sha256_file(&dir.path().join("none")).is_err());
    }
}
