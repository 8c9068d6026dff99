//! The rules of docs/METHOD.md as pure functions over typed values: no
//! polars, no files. The audit (`crate::audit`) reads the staged tables,
//! and hands each booking with a detainer to [`hold::evaluate`].
//!
//! Where each rule lives:
//! - rule 1, eligibility: [`eligibility`] (the latest criminal disposition;
//!   `audit::join` computes the same as a polars expression over every
//!   booking);
//! - rule 2, release: [`release`];
//! - rule 3, the hold (detainers in force): [`interval`];
//! - rule 4, clock times: `ingest::parse` (ambiguous and skipped hours)
//!   and [`interval`] (whole minutes);
//! - rules 5 and 7, past release and the flag: [`flag`];
//! - rule 6, the warrant: [`warrant`];
//! - rule 8, the 48-hour limit: [`limit48`], over `calendar`'s clocks;
//! - rule 9, federal holidays: `calendar`;
//! - rule 10, the legal regime: [`regime`];
//! - rule 11, the release-latency baseline: `audit::baseline` (an
//!   aggregate over every booking);
//! - implausible stays: [`plausibility`]; person keys and possible
//!   duplicates: [`person`], [`similarity`].
//!
//! [`hold`] puts rules 2 to 8 together for one booking.

pub mod eligibility;
pub mod flag;
pub mod hold;
pub mod interval;
pub mod limit48;
pub mod person;
pub mod plausibility;
pub mod regime;
pub mod release;
pub mod similarity;
pub mod warrant;
