//! `--pseudonymize KEYFILE`: names, dates of birth and ids replaced, in
//! every output, by keyed pseudonyms.
//!
//! A pseudonym is `ps_` and the first 16 hex digits (64 bits) of
//! HMAC-SHA256(key, domain, 0, value). The same key gives the same pseudonym
//! in every run, so results can be joined across runs and shared; without
//! the key no one can reverse a pseudonym or recompute it from a guessed
//! name. The domain (`booking_id`, `name`, `dob`, ...) keeps a booking id
//! from colliding with a person id of the same text. HMAC is built here from
//! `sha2` (RFC 2104, checked against the RFC 4231 test vectors) rather than
//! adding a crate for twenty lines.

use sha2::{Digest, Sha256};
use std::path::Path;

/// Whether and how to hide personal data in outputs.
#[derive(Clone, Default)]
pub struct Privacy {
    key: Option<Vec<u8>>,
    /// The key's file, which `--out` must never hold (see `place`).
    file: Option<std::path::PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{}: cannot read the pseudonym key: {source}", path.display())]
    Read {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{}: the pseudonym key has {len} bytes; use at least 16 random bytes \
         (for example `head -c 32 /dev/urandom > pseudonym.key`)",
        path.display()
    )]
    TooShort {
        path: std::path::PathBuf,
        len: usize,
    },
}

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| k.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

impl Privacy {
    /// No pseudonyms: values are written as they are.
    pub fn none() -> Privacy {
        Privacy {
            key: None,
            file: None,
        }
    }

    /// The file the key was read from.
    pub fn key_file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// Pseudonyms keyed by the bytes of `path`.
    pub fn from_key_file(path: &Path) -> Result<Privacy, KeyError> {
        let key = std::fs::read(path).map_err(|source| KeyError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        if key.len() < 16 {
            return Err(KeyError::TooShort {
                path: path.to_path_buf(),
                len: key.len(),
            });
        }
        Ok(Privacy {
            key: Some(key),
            file: Some(path.to_path_buf()),
        })
    }

    pub fn is_on(&self) -> bool {
        self.key.is_some()
    }

    /// The value, or its pseudonym in `domain`.
    pub fn value(&self, domain: &str, value: &str) -> String {
        match &self.key {
            None => value.to_string(),
            Some(key) => {
                let mut msg = Vec::with_capacity(domain.len() + 1 + value.len());
                msg.extend_from_slice(domain.as_bytes());
                msg.push(0);
                msg.extend_from_slice(value.as_bytes());
                let mac = hmac_sha256(key, &msg);
                format!("ps_{}", crate::ingest::hex(&mac[..8]))
            }
        }
    }

    pub fn opt(&self, domain: &str, value: Option<&str>) -> Option<String> {
        value.map(|v| self.value(domain, v))
    }

    /// A `;`-separated list, each element pseudonymized in `domain`.
    pub fn list(&self, domain: &str, joined: &str) -> String {
        if !self.is_on() || joined.is_empty() {
            return joined.to_string();
        }
        joined
            .split(';')
            .map(|v| self.value(domain, v))
            .collect::<Vec<_>>()
            .join(";")
    }

    /// A date of birth (days since 1970-01-01) as text: the date, or its
    /// pseudonym.
    pub fn dob_text(&self, days: Option<i32>) -> Option<String> {
        days.map(|d| self.value("dob", &crate::model::date_from_days(d).to_string()))
    }

    /// A reject's raw JSON object with every value pseudonymized (headers
    /// kept, so the shape of the row still shows).
    pub fn raw(&self, raw: &str) -> String {
        if !self.is_on() {
            return raw.to_string();
        }
        match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(raw) {
            Ok(map) => {
                let out: serde_json::Map<String, serde_json::Value> = map
                    .into_iter()
                    .map(|(k, v)| {
                        let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                        let shown = if text.is_empty() {
                            text
                        } else {
                            self.value("raw", &text)
                        };
                        (k, serde_json::Value::String(shown))
                    })
                    .collect();
                serde_json::Value::Object(out).to_string()
            }
            Err(_) => self.value("raw", raw),
        }
    }
}

/// A date-of-birth column: dates, or pseudonyms as text.
pub fn dob_column(
    privacy: &Privacy,
    values: Vec<Option<i32>>,
) -> polars::prelude::PolarsResult<polars::prelude::Column> {
    use polars::prelude::*;
    if privacy.is_on() {
        let texts: Vec<Option<String>> = values.into_iter().map(|d| privacy.dob_text(d)).collect();
        Ok(Column::new("dob".into(), texts))
    } else {
        super::date_column("dob", values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4231_test_vectors() {
        let hex = |b: &[u8]| crate::ingest::hex(b);
        assert_eq!(
            hex(&hmac_sha256(&[0x0b; 20], b"Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block is hashed first.
        assert_eq!(
            hex(&hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn pseudonyms_are_stable_per_key_and_domain() {
        let a = Privacy {
            key: Some(b"0123456789abcdef".to_vec()),
            file: None,
        };
        let b = Privacy {
            key: Some(b"fedcba9876543210".to_vec()),
            file: None,
        };
        assert_eq!(a.value("name", "PEREZ"), a.value("name", "PEREZ"));
        assert_ne!(a.value("name", "PEREZ"), b.value("name", "PEREZ"));
        assert_ne!(a.value("name", "B1"), a.value("booking_id", "B1"));
        assert!(a.value("name", "PEREZ").starts_with("ps_"));
        assert_eq!(a.list("booking_id", "B1;B2").split(';').count(), 2);
        assert_eq!(Privacy::none().value("name", "PEREZ"), "PEREZ");
        let raw = a.raw(r#"{"LAST":"Perez","NOTE":""}"#);
        assert!(
            !raw.contains("Perez")
                && raw.contains("\"LAST\":\"ps_")
                && raw.contains("\"NOTE\":\"\"")
        );
    }
}
