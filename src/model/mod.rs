//! The canonical model (docs/PIPELINE_FILES.md): the four tables, their
//! fields, the kind of value each field holds, and the categories of coded
//! fields.
//!
//! Every county export is mapped onto these names by its pipeline file; the
//! rest of the program only ever sees canonical names.

mod values;

pub use values::{
    BailStatus, ChargeKind, EligibilitySource, Form, MatchBasis, Regime, ReleaseReason,
    ReleaseSource, Status, Warrant,
};

use std::fmt;

/// One of the four canonical tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Table {
    Bookings,
    Releases,
    Charges,
    Detainers,
}

impl Table {
    pub const ALL: [Table; 4] = [
        Table::Bookings,
        Table::Releases,
        Table::Charges,
        Table::Detainers,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Table::Bookings => "bookings",
            Table::Releases => "releases",
            Table::Charges => "charges",
            Table::Detainers => "detainers",
        }
    }

    pub fn parse(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The fields of this table kept in its staged table, in order.
    pub fn staged_fields(self) -> Vec<Field> {
        self.fields().iter().filter(|f| f.staged).copied().collect()
    }

    /// The fields of this table, in output order.
    pub fn fields(self) -> &'static [Field] {
        match self {
            Table::Bookings => BOOKINGS,
            Table::Releases => RELEASES,
            Table::Charges => CHARGES,
            Table::Detainers => DETAINERS,
        }
    }

    pub fn field(self, name: &str) -> Option<&'static Field> {
        self.fields().iter().find(|f| f.name == name)
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a field holds, which decides how its text is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An identifier, kept as text exactly (leading zeros matter).
    Id,
    /// Free text.
    Text,
    /// A date and time (or a date alone, read per `rules.date_only`).
    DateTime,
    /// A calendar date (date of birth).
    Date,
    /// A decimal amount (bail).
    Decimal,
    /// A yes/no flag.
    Bool,
    /// A code mapped to one of the listed categories by `[codes.<field>]`.
    Coded(&'static [&'static str]),
}

/// A canonical field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    /// Required whenever the table is given.
    pub required: bool,
    /// Kept in the staged table: read by the rules or the outputs (every
    /// field of bookings and releases is: duplicate rows are compared on
    /// all of them). A field that is not is still checked when its row is
    /// staged (a value that does not parse rejects the row), then dropped.
    pub staged: bool,
}

const fn f(name: &'static str, kind: Kind, required: bool) -> Field {
    Field {
        name,
        kind,
        required,
        staged: true,
    }
}

/// A field only checked when staged (see [`Field::staged`]).
const fn checked(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: false,
        staged: false,
    }
}

pub const RELEASE_REASONS: &[&str] = ReleaseReason::CODED;
pub const FORMS: &[&str] = Form::CODED;
pub const WARRANTS: &[&str] = Warrant::CODED;
pub const BAIL_STATUSES: &[&str] = BailStatus::CODED;
pub const CHARGE_KINDS: &[&str] = ChargeKind::CODED;
pub const BOOLS: &[&str] = &["true", "false"];

/// The category an unmapped code becomes.
pub const UNKNOWN: &str = "unknown";

const BOOKINGS: &[Field] = &[
    f("booking_id", Kind::Id, true),
    f("person_id", Kind::Id, false),
    f("last_name", Kind::Text, false),
    f("first_name", Kind::Text, false),
    f("middle_name", Kind::Text, false),
    f("dob", Kind::Date, false),
    f("sex", Kind::Text, false),
    f("race", Kind::Text, false),
    f("booked_at", Kind::DateTime, true),
    f("facility", Kind::Text, false),
    f("bail_amount", Kind::Decimal, false),
    f("bail_status", Kind::Coded(BAIL_STATUSES), false),
];
const RELEASES: &[Field] = &[
    f("booking_id", Kind::Id, true),
    f("eligible_at", Kind::DateTime, false),
    f("released_at", Kind::DateTime, false),
    f("release_reason", Kind::Coded(RELEASE_REASONS), false),
];
const CHARGES: &[Field] = &[
    f("booking_id", Kind::Id, true),
    checked("charge", Kind::Text),
    f("charge_kind", Kind::Coded(CHARGE_KINDS), false),
    f("charge_released_at", Kind::DateTime, false),
];
// `booking_id` or `person_id` is required for detainers: checked in config.
const DETAINERS: &[Field] = &[
    f("booking_id", Kind::Id, false),
    f("person_id", Kind::Id, false),
    f("detainer_id", Kind::Id, false),
    f("lodged_at", Kind::DateTime, true),
    f("form", Kind::Coded(FORMS), false),
    f("warrant", Kind::Coded(WARRANTS), false),
    f("lifted_at", Kind::DateTime, false),
    f("lift_reason", Kind::Text, false),
    f("ice_custody_at", Kind::DateTime, false),
    f("final_order", Kind::Bool, false),
];

/// The categories of a coded field, wherever it appears.
pub fn categories(field: &str) -> Option<&'static [&'static str]> {
    Table::ALL.iter().find_map(|t| match t.field(field)?.kind {
        Kind::Coded(c) => Some(c),
        Kind::Bool => Some(BOOLS),
        _ => None,
    })
}

/// Every datetime field of any table.
pub fn is_datetime_field(field: &str) -> bool {
    Table::ALL.iter().any(|t| {
        matches!(
            t.field(field),
            Some(Field {
                kind: Kind::DateTime,
                ..
            })
        )
    })
}

/// The epoch that day-number dates (Parquet `Date`, polars `Date`) count from.
fn epoch() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("the epoch exists")
}

/// A date from its day number (days since 1970-01-01), as dates are staged.
pub fn date_from_days(days: i32) -> chrono::NaiveDate {
    epoch() + chrono::Duration::days(i64::from(days))
}

/// The day number (days since 1970-01-01) of a date.
pub fn days_from_date(date: chrono::NaiveDate) -> i32 {
    (date - epoch()).num_days() as i32
}

/// How a date without a time is read (method rule 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOnly {
    StartOfDay,
    EndOfDay,
}

impl DateOnly {
    pub fn parse(s: &str) -> Option<DateOnly> {
        match s {
            "start_of_day" => Some(DateOnly::StartOfDay),
            "end_of_day" => Some(DateOnly::EndOfDay),
            _ => None,
        }
    }

    /// The default reading per field: the one that never overstates a hold.
    /// Times that start or lengthen a hold's eligibility read late (end of
    /// day), times that end a hold read early (start of day).
    pub fn default_for(field: &str) -> DateOnly {
        match field {
            "eligible_at" | "lodged_at" | "charge_released_at" => DateOnly::EndOfDay,
            _ => DateOnly::StartOfDay,
        }
    }
}

/// Which instant an ambiguous local time (the hour repeated when clocks go
/// back) is read as (method rule 4): the one that gives the shorter hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fold {
    Earlier,
    Later,
}

impl Fold {
    /// Times that start a hold or its eligibility read late; times that end
    /// one read early.
    pub fn for_field(field: &str) -> Fold {
        match field {
            "booked_at" | "eligible_at" | "charge_released_at" | "lodged_at" => Fold::Later,
            _ => Fold::Earlier,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ambiguous_times_read_the_way_that_shortens_a_hold() {
        for f in [
            "booked_at",
            "eligible_at",
            "charge_released_at",
            "lodged_at",
        ] {
            assert_eq!(Fold::for_field(f), Fold::Later, "{f}");
        }
        for f in ["released_at", "lifted_at", "ice_custody_at"] {
            assert_eq!(Fold::for_field(f), Fold::Earlier, "{f}");
        }
    }

    #[test]
    fn coded_fields_know_their_categories() {
        assert_eq!(categories("form"), Some(FORMS));
        assert_eq!(categories("final_order"), Some(BOOLS));
        assert_eq!(categories("booked_at"), None);
        assert!(is_datetime_field("lifted_at"));
        assert!(!is_datetime_field("dob"));
    }

    #[test]
    fn day_numbers_round_trip() {
        let d = chrono::NaiveDate::from_ymd_opt(1980, 2, 3).unwrap();
        assert_eq!(days_from_date(d), 3685);
        assert_eq!(date_from_days(3685), d);
        assert_eq!(date_from_days(-1).to_string(), "1969-12-31");
    }

    #[test]
    fn date_only_defaults_never_overstate() {
        assert_eq!(DateOnly::default_for("eligible_at"), DateOnly::EndOfDay);
        assert_eq!(DateOnly::default_for("lodged_at"), DateOnly::EndOfDay);
        assert_eq!(DateOnly::default_for("released_at"), DateOnly::StartOfDay);
        assert_eq!(DateOnly::default_for("lifted_at"), DateOnly::StartOfDay);
    }
}
