//! detainer-audit: finds every person held in a county jail past their
//! release on an ICE immigration detainer, measures each hold, and writes the
//! summaries, class-member lists and rejects (README.md, docs/).
//!
//! Data flows `config` (pipeline files) → `ingest` (exports into staged
//! tables) → `audit` (the rules of `rules` applied with polars) →
//! `outputs`; `schedule` runs the staging and the audits over threads,
//! `county` finishes each county's audit, `workdir` and `interrupt` keep
//! a run's private folder and clean it up after a signal, `init` drafts a
//! pipeline file from an export, `cmd` holds one module per command, `cli`
//! the command line, and `main.rs` only maps outcomes to exit codes.
//! docs/ARCHITECTURE.md tells the whole story.

pub mod audit;
pub mod calendar;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod county;
pub mod generate;
pub mod ingest;
pub mod init;
pub mod interrupt;
pub mod memory;
pub mod model;
pub mod outputs;
pub mod progress;
pub mod rules;
pub mod schedule;
pub mod workdir;
