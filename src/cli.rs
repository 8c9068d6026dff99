//! The command line, with clap; doc comments are the help text.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Finds every person held in jail past release on an ICE detainer that no
/// judge signed, measures each hold, and writes summaries, class-member lists
/// and rejects.
#[derive(Debug, Parser)]
#[command(name = "detainer-audit", version, about)]
pub struct Cli {
    /// No progress display on stderr (it is shown only on a terminal
    /// anyway); results and errors are still printed.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the audit and write every output under --out.
    Run {
        /// Pipeline files, or folders of them (every *.toml).
        #[arg(default_value = "pipelines")]
        pipelines: Vec<PathBuf>,
        /// Output folder; replaced as a whole when the run succeeds.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Replace --out even if it was not written by detainer-audit.
        #[arg(long)]
        force: bool,
        /// Write class_members.csv as plain UTF-8 with LF line ends (the
        /// default adds a byte-order mark and CRLF, for Excel).
        #[arg(long)]
        plain_csv: bool,
        /// Rows per workbook sheet before a table continues on the next
        /// sheet (Excel's limit; smaller values are for tests).
        #[arg(long, default_value_t = 1_048_576, hide = true)]
        xlsx_max_rows: usize,
        /// Replace names, dates of birth and ids in every output by stable
        /// pseudonyms keyed by this file's bytes (HMAC-SHA256; keep the key
        /// secret, and the same key for results you want to join).
        #[arg(long, value_name = "KEYFILE")]
        pseudonymize: Option<PathBuf>,
        /// Do not write report.html (the page of charts and tables).
        #[arg(long)]
        no_report: bool,
    },
    /// Validate pipeline files and inputs and print data-quality counts;
    /// writes nothing.
    Check {
        /// Pipeline files, or folders of them (every *.toml).
        #[arg(default_value = "pipelines")]
        pipelines: Vec<PathBuf>,
    },
    /// Explain how one hold of a finished run was measured.
    ///
    /// Prints each time used and the source row it came from, the detainers
    /// in force, the form's clock, the warrant, the flag and the damages.
    /// Reads only the run's outputs; prints the booking id given, never a
    /// name, a date of birth or another id.
    Explain {
        /// The output folder of the run (as given to `run --out`).
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// The booking id (its pseudonym for a run with --pseudonymize).
        booking_id: String,
    },
    /// Write synthetic county exports and their pipeline files.
    Generate {
        /// Random seed; the same seed gives byte-identical files.
        #[arg(long, default_value_t = 20111)]
        seed: u64,
        /// Number of counties (county i uses export dialect i mod 3).
        #[arg(long, default_value_t = 3)]
        counties: usize,
        /// First booking year.
        #[arg(long, default_value_t = 2011)]
        from: i32,
        /// Last booking year (inclusive).
        #[arg(long, default_value_t = 2026)]
        to: i32,
        /// Bookings per year across all counties.
        #[arg(long, default_value_t = 280)]
        bookings_per_year: u64,
        /// How the bookings are split across counties: `even`, or by
        /// `population` (Los Angeles holds about a quarter, as in the real
        /// state).
        #[arg(long, value_enum, default_value = "even")]
        sizes: Sizes,
        /// Folder for the exports (one subfolder per county).
        #[arg(long, default_value = "sample_data")]
        out: PathBuf,
        /// Folder for the pipeline files.
        #[arg(long, default_value = "pipelines")]
        pipelines: PathBuf,
    },
    /// Draft a pipeline file from a county's export files.
    ///
    /// Reads the first 5,000 rows of each file (each sheet of a workbook),
    /// finds how it is written, which tables it feeds, which column is each
    /// field, the date formats and the codes, and writes a draft whose every
    /// guess is commented with its evidence and whose open decisions are
    /// marked TODO. Prints what it found; never prints or writes a name, a
    /// date of birth or an id. Then: settle the TODOs and run `check`.
    Init(crate::cmd::init::Args),
}

/// `generate --sizes`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Sizes {
    Even,
    Population,
}
