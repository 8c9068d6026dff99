//! The named values of the model, as enums: the categories that coded
//! export fields are mapped to (docs/PIPELINE_FILES.md, `[codes.*]`), and
//! the values the rules give a hold (docs/METHOD.md). Each has one name, the
//! text the pipeline files and the outputs use; the rules, the outputs and
//! the generator all use these types, so a misspelled value is a compile
//! error rather than a silent mismatch.

/// Defines a value enum with its names: `ALL` (every variant, in order),
/// `NAMES` (their names), `name()`, `parse()` and `Display`.
macro_rules! named {
    ($(#[$meta:meta])* $vis:vis enum $ty:ident { $($(#[$vmeta:meta])* $variant:ident = $name:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[derive(serde::Serialize, serde::Deserialize)]
        $vis enum $ty {
            $($(#[$vmeta])* $variant,)+
        }

        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant,)+];
            pub const NAMES: &'static [&'static str] = &[$($name,)+];

            pub const fn name(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)+
                }
            }

            pub fn parse(name: &str) -> Option<$ty> {
                match name {
                    $($name => Some($ty::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
    // A coded field's categories: the names a `[codes.*]` entry may map to
    // (`CODED`), and `Unknown`, what an unmapped code becomes.
    ($(#[$meta:meta])* coded $vis:vis enum $ty:ident { $($(#[$vmeta:meta])* $variant:ident = $name:literal,)+ }) => {
        named! {
            $(#[$meta])*
            $vis enum $ty {
                $($(#[$vmeta])* $variant = $name,)+
                /// An unmapped code (counted; see `check`).
                Unknown = "unknown",
            }
        }

        impl $ty {
            /// The categories a `[codes.*]` entry may name.
            pub const CODED: &'static [&'static str] = &[$($name,)+];
        }
    };
}

named! {
    /// Why the local case let the person go, or how they left custody.
    coded pub enum ReleaseReason {
        Bail = "bail",
        OwnRecognizance = "own_recognizance",
        ChargesDropped = "charges_dropped",
        Acquitted = "acquitted",
        SentenceServed = "sentence_served",
        CourtOrder = "court_order",
        Diversion = "diversion",
        TransferIce = "transfer_ice",
        TransferOther = "transfer_other",
        Other = "other",
    }
}

named! {
    /// The detainer form (method rule 8 gives each its clock).
    coded pub enum Form {
        /// Before 2015; 48 hours excluding weekends and holidays.
        I247 = "I-247",
        /// 2015 to 2017: the detention request.
        I247D = "I-247D",
        /// 2015 to 2017: a request for notification only.
        I247N = "I-247N",
        /// 2015 to 2017: a request for transfer.
        I247X = "I-247X",
        /// From 2017-04-02: 48 calendar hours.
        I247A = "I-247A",
    }
}

named! {
    /// The warrant a detainer came with, and the warrant status of a hold
    /// (method rule 6).
    coded pub enum Warrant {
        None = "none",
        /// An I-200 or I-205, signed by ICE officers, not judges.
        Administrative = "administrative",
        Judicial = "judicial",
    }
}

named! {
    coded pub enum BailStatus {
        Set = "set",
        /// "No bail" because of the ICE hold.
        DeniedForHold = "denied_for_hold",
        DeniedOther = "denied_other",
    }
}

named! {
    /// A charge of unknown kind counts as criminal (method rule 1).
    coded pub enum ChargeKind {
        ImmigrationHold = "immigration_hold",
        Criminal = "criminal",
    }
}

named! {
    /// Whether and how a hold was measured (method rules 1 to 3).
    pub enum Status {
        Closed = "closed",
        /// Still held at `as_of`: measured to `as_of`, right-censored.
        Open = "open",
        /// No eligibility time: kept, not measured (method rule 1).
        EligibilityUnknown = "eligibility_unknown",
        /// A release row could not be used: kept, not measured (method
        /// rule 2).
        ReleaseUnknown = "release_unknown",
    }
}

named! {
    /// Where `eligible_at` came from (method rule 1).
    pub enum EligibilitySource {
        Releases = "releases",
        Charges = "charges",
        Missing = "none",
    }
}

named! {
    /// Where the release a hold was measured to came from (method rule 2).
    pub enum ReleaseSource {
        Releases = "releases",
        IceCustody = "ice_custody",
        /// No release: still held at `as_of`.
        StillHeld = "none",
        /// A release row of the booking was rejected or its rows conflict.
        Rejected = "rejected",
    }
}

named! {
    /// The legal regime of a hold (method rule 10).
    pub enum Regime {
        PreTrust = "pre_trust",
        /// Cal. Gov. Code 7282.5, from 2014-01-01.
        TrustAct = "trust_act",
        /// Cal. Gov. Code 7284.6, from 2018-01-01.
        ValuesAct = "values_act",
        /// A county outside California.
        OtherState = "none",
    }
}

named! {
    /// What a person key was made from (docs/METHOD.md, "People and the
    /// class list").
    pub enum MatchBasis {
        PersonId = "person_id",
        NameDob = "name_dob",
        BookingId = "booking_id",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        fn check<T: Copy + PartialEq + std::fmt::Debug>(
            all: &[T],
            names: &[&str],
            name: fn(T) -> &'static str,
            parse: fn(&str) -> Option<T>,
        ) {
            assert_eq!(all.len(), names.len());
            for (v, n) in all.iter().zip(names) {
                assert_eq!(name(*v), *n);
                assert_eq!(parse(n), Some(*v));
            }
            let mut sorted = names.to_vec();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), names.len());
        }
        check(Form::ALL, Form::NAMES, Form::name, Form::parse);
        check(Warrant::ALL, Warrant::NAMES, Warrant::name, Warrant::parse);
        check(Status::ALL, Status::NAMES, Status::name, Status::parse);
        check(Regime::ALL, Regime::NAMES, Regime::name, Regime::parse);
        check(
            ReleaseReason::ALL,
            ReleaseReason::NAMES,
            ReleaseReason::name,
            ReleaseReason::parse,
        );
        assert_eq!(Form::parse("unknown"), Some(Form::Unknown));
        assert_eq!(Form::CODED.len() + 1, Form::NAMES.len());
        assert_eq!(Warrant::CODED, ["none", "administrative", "judicial"]);
        assert_eq!(ChargeKind::CODED, ["immigration_hold", "criminal"]);
        assert_eq!(Form::I247A.to_string(), "I-247A");
    }
}
