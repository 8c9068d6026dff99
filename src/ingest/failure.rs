//! The reason code and detail of a row rejected for one field: which field,
//! what was wrong, and the value only where it is no personal data.

use super::parse::FieldError;

/// The first invalid UTF-8 sequence of a field and where it is: only those
/// bytes, so that the detail shows the fault without the rest of the field
/// (which may be a name; the whole row is in `raw`).
pub(super) fn invalid_bytes(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(_) => "no invalid bytes".to_string(),
        Err(e) => {
            let start = e.valid_up_to();
            let len = e.error_len().unwrap_or(bytes.len() - start).min(4);
            let shown: Vec<String> = bytes[start..start + len]
                .iter()
                .map(|b| format!("{b:02X}"))
                .collect();
            format!("byte {} at offset {start}", shown.join(" "))
        }
    }
}

/// Reason code and detail for a field that failed to parse. The detail names
/// the field and shows the value, never more than 200 characters of it.
pub(super) fn field_failure(
    field: &str,
    text: &str,
    formats: &[String],
    e: FieldError,
) -> (&'static str, String) {
    // A date of birth is personal data: its value stays in `raw` (0600),
    // never in the detail. Other values are dates and amounts.
    let shown: String = if field == "dob" {
        "(value in raw)".to_string()
    } else {
        text.chars().take(200).collect()
    };
    match e {
        FieldError::Unparseable if formats.is_empty() => (
            "bad_number",
            format!("{field}: `{shown}` is not a number"),
        ),
        FieldError::Unparseable => (
            "bad_datetime",
            format!(
                "{field}: `{shown}` matches none of the formats {formats:?} and is no Excel serial date"
            ),
        ),
        FieldError::NonExistentLocalTime(t) => (
            "nonexistent_local_time",
            format!(
                "{field}: {t} does not exist in the pipeline's time zone (clocks skipped that hour); \
                 not shifted (method rule 4)"
            ),
        ),
        FieldError::OutOfRange(y) => (
            "date_out_of_range",
            format!("{field}: `{shown}` is in year {y}, outside the plausible range"),
        ),
        FieldError::AfterAsOf(t) => (
            "date_out_of_range",
            format!("{field}: {t} is after as_of, when the export was taken"),
        ),
    }
}
