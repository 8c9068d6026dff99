//! SHA-256 of input files, for the manifest: hashed in the pass that reads
//! a CSV file, or streamed apart for a file another reader opens.

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
