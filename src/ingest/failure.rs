//! The reason code and detail of a row rejected for one field: the field,
//! what is wrong with its text, and the text itself unless it is a date of
//! birth; and the bytes of a field that is not valid UTF-8.

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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn invalid_bytes_shows_only_the_first_bad_sequence_and_its_offset() {
        assert_eq!(invalid_bytes(b"Ordonez"), "no invalid bytes");
        // 0xF3 starts a four-byte character; 0xF1 cannot continue it.
        assert_eq!(invalid_bytes(b"Ord\xF3\xF1ez"), "byte F3 at offset 3");
        assert_eq!(invalid_bytes(b"x\xFFy\xFE"), "byte FF at offset 1");
        // A character cut off by the end of the field: all of what is there.
        assert_eq!(invalid_bytes(b"ab\xE2\x82"), "byte E2 82 at offset 2");
        assert_eq!(invalid_bytes(b"\xC3"), "byte C3 at offset 0");
    }

    fn formats(f: &[&str]) -> Vec<String> {
        f.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_field_that_fails_gives_its_reason_and_shows_its_value() {
        assert_eq!(
            field_failure("bail_amount", "12x", &[], FieldError::Unparseable),
            (
                "bad_number",
                "bail_amount: `12x` is not a number".to_string()
            )
        );
        assert_eq!(
            field_failure(
                "booked_at",
                "13/45/2019",
                &formats(&["%m/%d/%Y %H%M"]),
                FieldError::Unparseable
            ),
            (
                "bad_datetime",
                "booked_at: `13/45/2019` matches none of the formats [\"%m/%d/%Y %H%M\"] \
                 and is no Excel serial date"
                    .to_string()
            )
        );
        let t = NaiveDate::from_ymd_opt(2019, 3, 10)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(
            field_failure(
                "booked_at",
                "2019-03-10 02:30",
                &formats(&["%Y-%m-%d %H:%M"]),
                FieldError::NonExistentLocalTime(t)
            ),
            (
                "nonexistent_local_time",
                "booked_at: 2019-03-10 02:30:00 does not exist in the pipeline's time zone \
                 (clocks skipped that hour); not shifted (method rule 4)"
                    .to_string()
            )
        );
        assert_eq!(
            field_failure(
                "released_at",
                "2190-01-01",
                &formats(&["%Y-%m-%d"]),
                FieldError::OutOfRange(2190)
            ),
            (
                "date_out_of_range",
                "released_at: `2190-01-01` is in year 2190, outside the plausible range"
                    .to_string()
            )
        );
        assert_eq!(
            field_failure(
                "released_at",
                "2026-07-01 00:00",
                &formats(&["%Y-%m-%d %H:%M"]),
                FieldError::AfterAsOf(t)
            ),
            (
                "date_out_of_range",
                "released_at: 2019-03-10 02:30:00 is after as_of, when the export was taken"
                    .to_string()
            )
        );
    }

    #[test]
    fn a_value_shown_is_cut_at_200_characters() {
        let long = "é".repeat(250);
        let (_, detail) = field_failure("bail_amount", &long, &[], FieldError::Unparseable);
        assert_eq!(
            detail,
            format!("bail_amount: `{}` is not a number", "é".repeat(200))
        );
    }

    #[test]
    fn a_date_of_birth_is_never_shown() {
        let f = formats(&["%m/%d/%Y"]);
        assert_eq!(
            field_failure("dob", "01/02/1903x", &f, FieldError::Unparseable),
            (
                "bad_datetime",
                "dob: `(value in raw)` matches none of the formats [\"%m/%d/%Y\"] and is no \
                 Excel serial date"
                    .to_string()
            )
        );
        // Out of range: the year, which no birth can have, but not the date.
        assert_eq!(
            field_failure("dob", "01/02/1850", &f, FieldError::OutOfRange(1850)),
            (
                "date_out_of_range",
                "dob: `(value in raw)` is in year 1850, outside the plausible range".to_string()
            )
        );
    }
}
