//! The names jail exports give the canonical fields (docs/PIPELINE_FILES.md,
//! "Canonical tables and fields"): whole headers per field, and for
//! datetime fields the stems a date, a datetime or a time column is named
//! with (`BOOK_DATE` and `BOOK_TIME`, `BookedAt`, `Hold Lodged`,
//! `DETAINER_DATE`). Headers are compared folded: lower case, letters and
//! digits only, so `BKG_NO`, `Bkg No` and `bkgno` are one name.
//!
//! The lists hold names seen in real exports and their obvious variants;
//! a header not here is left for the analyst (a TODO in the draft), never
//! matched by a looser rule.

/// A header folded for comparison: `Booking Number` → `bookingnumber`.
pub fn fold(header: &str) -> String {
    header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whole-header names of the fields that are not datetimes, folded.
#[rustfmt::skip]
const NAMES: &[(&str, &[&str])] = &[
    (
        "booking_id",
        &[
            "bookingnumber", "bookingno", "bookingnbr", "bookingnum", "bookingid", "bookingkey",
            "bkgno", "bkgnbr", "bkgnum", "bkgnumber", "bkgid", "bookno", "booknbr", "booknum",
            "booknumber", "bookid", "jailbookingnumber", "jailbookingno", "bookingseq",
        ],
    ),
    (
        "person_id",
        &[
            "personid", "personno", "personnbr", "personnumber", "personnum", "sonbr", "sono",
            "sonumber", "sonum", "soid", "inmateid", "inmateno", "inmatenbr", "inmatenumber",
            "inmatenum", "jid", "jacketno", "jacketnumber", "cii", "ciino", "ciinumber", "xref",
            "xrefno", "xrefnumber", "pfn", "pfnnumber", "mni", "mnino", "mninumber", "subjectid",
            "subjectno", "subjectnumber", "offenderid", "offenderno", "offendernumber",
            "individualid", "localid", "nameid", "namenumber",
        ],
    ),
    (
        "detainer_id",
        &[
            "detainerid", "detainerno", "detainernbr", "detainernumber", "detainernum", "holdid",
            "holdno", "holdnbr", "holdnumber", "holdnum", "detid",
        ],
    ),
    (
        "last_name",
        &["lastname", "lname", "surname", "familyname", "last", "namelast", "lastnm"],
    ),
    (
        "first_name",
        &["firstname", "fname", "givenname", "first", "namefirst", "firstnm"],
    ),
    (
        "middle_name",
        &["middlename", "mname", "middle", "middleinitial", "mi", "namemiddle", "middlenm"],
    ),
    (
        "dob",
        &["dob", "dateofbirth", "birthdate", "birthdt", "bdate", "birthday", "dtofbirth"],
    ),
    ("sex", &["sex", "gender", "sexcode", "gendercode"]),
    ("race", &["race", "racecode", "ethnicity", "raceethnicity"]),
    (
        "facility",
        &["facility", "facilityname", "facilitycode", "facilityid", "jail", "housingfacility"],
    ),
    (
        "bail_amount",
        &[
            "bailamount", "bailamt", "bail", "bondamount", "bondamt", "bond", "totalbail",
            "totalbond", "bailtotal",
        ],
    ),
    (
        "bail_status",
        &[
            "bailstatus", "bailstat", "bailtype", "bailcode", "bondstatus", "bondtype", "bondcode",
            "bailstatuscode",
        ],
    ),
    (
        "release_reason",
        &[
            "releasereason", "releasecode", "relcode", "relreason", "releasetype", "reltype",
            "rlscode", "rlsreason", "releasereasoncode", "dischargereason", "dischargecode",
            "reasonforrelease",
        ],
    ),
    (
        "charge",
        &[
            "charge", "chargedescription", "chargedesc", "chargetext", "chargename", "offense",
            "offensedescription", "offensedesc", "chargestatute", "statute",
        ],
    ),
    (
        "charge_kind",
        &[
            "chargetype", "chargekind", "chargeclass", "chargelevel", "chargecategory",
            "chargedegree", "offenselevel", "offensetype", "offenseclass",
        ],
    ),
    (
        "form",
        &[
            "form", "detainerform", "detainertype", "holdtype", "holdform", "formtype", "formno",
            "formnumber", "detform", "detainerformtype",
        ],
    ),
    (
        "warrant",
        &[
            "warrant", "warranttype", "warrantcode", "warrantstatus", "warrantkind",
            "holdwarrant", "detainerwarrant",
        ],
    ),
    (
        "lift_reason",
        &[
            "liftreason", "liftcode", "liftedreason", "cancelreason", "cancellationreason",
            "holdliftreason", "withdrawnreason",
        ],
    ),
    (
        "final_order",
        &[
            "finalorder", "priorremovalorder", "priororder", "removalorder", "finalremovalorder",
            "priorremoval", "finalorderofremoval",
        ],
    ),
];

/// Stems of the datetime fields, folded: a column is the stem with a date,
/// datetime or time word before or after it (see [`datetime_name`]).
#[rustfmt::skip]
const STEMS: &[(&str, &[&str])] = &[
    (
        "booked_at",
        &["booking", "booked", "book", "bkg", "bookin", "bookedin", "bookingin", "intake"],
    ),
    (
        "eligible_at",
        &[
            "eligible", "elig", "eligibility", "releaseeligible", "releaseelig", "eligiblerelease",
            "eligrelease", "eligrel", "eligibleforrelease",
        ],
    ),
    (
        "released_at",
        &[
            "release", "released", "rel", "rls", "releasing", "discharge", "discharged",
            "bookout", "bookedout", "actualrelease", "releaseactual",
        ],
    ),
    (
        "charge_released_at",
        &[
            "disposition", "dispo", "disposed", "chargedisposition", "chargedispo",
            "chargereleased", "chargerelease", "chargeclosed",
        ],
    ),
    (
        "lodged_at",
        &[
            "lodged", "lodge", "holdlodged", "detainerlodged", "detainer", "hold", "holdplaced",
            "detainerplaced", "holdreceived", "detainerreceived", "received", "holdstart",
        ],
    ),
    (
        "lifted_at",
        &[
            "lifted", "lift", "holdlifted", "detainerlifted", "cancelled", "canceled",
            "holdcancelled", "detainercancelled", "withdrawn", "holdremoved", "holdend",
            "holdreleased", "detainerreleased",
        ],
    ),
    (
        "ice_custody_at",
        &[
            "icecustody", "icepickup", "pickup", "pickedup", "icetransfer", "transfertoice",
            "toice", "icerelease", "releasedtoice", "ice", "icetaken", "dhscustody",
        ],
    ),
];

/// Words that make a stem a date or a datetime column (`BOOK_DATE`,
/// `BookingDateTime`, `BookedAt`, `Hold Lodged` with none).
const WHOLE_AFTER: &[&str] = &[
    "",
    "date",
    "dt",
    "datetime",
    "dttm",
    "dtm",
    "datetm",
    "at",
    "on",
    "ts",
    "timestamp",
    "day",
];
const WHOLE_BEFORE: &[&str] = &["date", "dt", "datetime", "dateof"];
/// Words that make a stem a time-of-day column (`BOOK_TIME`, `TIME_BOOKED`).
const TIME_AFTER: &[&str] = &["time", "tm", "hhmm", "hrmin", "hour"];
const TIME_BEFORE: &[&str] = &["time", "tm", "timeof"];

/// Which half of a datetime a column holds, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Half {
    /// A date or a datetime.
    Whole,
    /// A time of day, to be joined to the date of the same stem.
    Time,
}

/// Whether folded header `name` is a whole-header name of `field`.
pub fn is_name_of(field: &str, name: &str) -> bool {
    NAMES
        .iter()
        .any(|(f, names)| *f == field && names.contains(&name))
}

/// When folded header `name` names datetime `field`: its stem (what joins
/// a date column to its time column) and which half it is. A longer stem
/// is a better match (`releasedtoice` over `released`).
pub fn datetime_name(field: &str, name: &str) -> Option<(&'static str, Half)> {
    let stems = STEMS.iter().find(|(f, _)| *f == field)?.1;
    let mut best: Option<(&'static str, Half)> = None;
    for stem in stems {
        let half = if let Some(rest) = name.strip_suffix(stem) {
            if WHOLE_BEFORE.contains(&rest) {
                Some(Half::Whole)
            } else if TIME_BEFORE.contains(&rest) {
                Some(Half::Time)
            } else {
                None
            }
        } else {
            None
        };
        let half = half.or_else(|| {
            let rest = name.strip_prefix(stem)?;
            if WHOLE_AFTER.contains(&rest) {
                Some(Half::Whole)
            } else if TIME_AFTER.contains(&rest) {
                Some(Half::Time)
            } else {
                None
            }
        });
        if let Some(h) = half {
            if best.is_none_or(|(s, _)| stem.len() > s.len()) {
                best = Some((stem, h));
            }
        }
    }
    best
}

/// The table a file name points to (`holds.csv`, `charges_2019.csv`):
/// used only when a file's headers leave its table open.
pub fn table_of_file_name(name: &str) -> Option<crate::model::Table> {
    use crate::model::Table;
    let n = fold(name);
    [
        ("detain", Table::Detainers),
        ("hold", Table::Detainers),
        ("charge", Table::Charges),
        ("releas", Table::Releases),
        ("book", Table::Bookings),
    ]
    .into_iter()
    .find(|(w, _)| n.contains(w))
    .map(|(_, t)| t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, Table};

    #[test]
    fn headers_fold_to_one_name() {
        assert_eq!(fold("BKG_NO"), "bkgno");
        assert_eq!(fold("Booking Number"), "bookingnumber");
        assert_eq!(fold(" BookingNo. "), "bookingno");
        assert!(is_name_of("booking_id", &fold("BOOKING_ID")));
        assert!(is_name_of("booking_id", &fold("Bkg No")));
        assert!(is_name_of("person_id", &fold("SO_NBR")));
        assert!(!is_name_of("person_id", &fold("BOOKING_NBR")));
    }

    #[test]
    fn datetime_columns_by_stem_and_half() {
        let dt = |f: &str, h: &str| datetime_name(f, &fold(h));
        assert_eq!(
            dt("booked_at", "BookingDateTime"),
            Some(("booking", Half::Whole))
        );
        assert_eq!(dt("booked_at", "BOOK_DATE"), Some(("book", Half::Whole)));
        assert_eq!(dt("booked_at", "BOOK_TIME"), Some(("book", Half::Time)));
        assert_eq!(
            dt("booked_at", "DATE_BOOKED"),
            Some(("booked", Half::Whole))
        );
        assert_eq!(dt("released_at", "REL_DATE"), Some(("rel", Half::Whole)));
        assert_eq!(dt("released_at", "REL_TIME"), Some(("rel", Half::Time)));
        assert_eq!(
            dt("released_at", "ReleasedAt"),
            Some(("released", Half::Whole))
        );
        assert_eq!(
            dt("lodged_at", "Hold Lodged"),
            Some(("holdlodged", Half::Whole))
        );
        assert_eq!(
            dt("lodged_at", "DETAINER_DATE"),
            Some(("detainer", Half::Whole))
        );
        assert_eq!(
            dt("ice_custody_at", "ICECustodyDateTime"),
            Some(("icecustody", Half::Whole))
        );
        assert_eq!(
            dt("ice_custody_at", "ReleasedToIceDate"),
            Some(("releasedtoice", Half::Whole))
        );
        assert_eq!(
            dt("charge_released_at", "DispositionDate"),
            Some(("disposition", Half::Whole))
        );
        // Codes and ids that share a stem are not datetimes.
        assert_eq!(dt("released_at", "REL_CODE"), None);
        assert_eq!(dt("released_at", "ReleaseReason"), None);
        assert_eq!(dt("lodged_at", "HOLD_TYPE"), None);
        assert_eq!(dt("booked_at", "BookingNumber"), None);
    }

    #[test]
    fn every_listed_field_exists_and_has_the_kind_its_list_assumes() {
        for (field, names) in NAMES {
            let f = Table::ALL
                .iter()
                .find_map(|t| t.field(field))
                .unwrap_or_else(|| panic!("{field} is no field"));
            assert_ne!(
                f.kind,
                Kind::DateTime,
                "{field}: datetimes are matched by stem"
            );
            for n in *names {
                assert_eq!(*n, fold(n), "{field}: {n} is not folded");
            }
        }
        for (field, _) in STEMS {
            assert!(crate::model::is_datetime_field(field), "{field}");
        }
        // Every field but the free-text ones has a way to be found.
        for t in Table::ALL {
            for f in t.fields() {
                let listed = NAMES.iter().any(|(n, _)| *n == f.name)
                    || STEMS.iter().any(|(n, _)| *n == f.name);
                assert!(listed, "{}.{} has no synonyms", t, f.name);
            }
        }
    }

    #[test]
    fn file_names_point_to_tables() {
        assert_eq!(table_of_file_name("holds.csv"), Some(Table::Detainers));
        assert_eq!(
            table_of_file_name("ICE_Detainers_2019.csv"),
            Some(Table::Detainers)
        );
        assert_eq!(table_of_file_name("charges.csv"), Some(Table::Charges));
        assert_eq!(
            table_of_file_name("bookings_2013.csv"),
            Some(Table::Bookings)
        );
        assert_eq!(table_of_file_name("export.csv"), None);
    }
}
