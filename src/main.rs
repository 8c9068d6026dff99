//! The `detainer-audit` binary: parses the command line, runs the command,
//! and maps the outcome to its exit status: 0 success, 1 ran but
//! rejects passed a pipeline's `max_reject_rate`, 2 configuration, usage or
//! I/O error.

use clap::Parser;
use detainer_audit::cli::{Cli, Command};
use detainer_audit::cmd;
use detainer_audit::outputs::privacy::Privacy;
use detainer_audit::progress::{Progress, Unit};
use std::process::ExitCode;

/// mimalloc: staging and polars allocate many small buffers from several
/// threads, and glibc malloc spent a large share of a run in malloc/free;
/// the README's benchmark section has what the change bought.
#[cfg(not(feature = "system-alloc"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    detainer_audit::memory::keep_freed_memory();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`| head`) is not an error of ours.
            if err.chain().any(|e| {
                e.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let quiet = cli.quiet;
    match cli.command {
        Command::Run {
            pipelines,
            out,
            force,
            plain_csv,
            xlsx_max_rows,
            pseudonymize,
            no_report,
        } => {
            let privacy = match &pseudonymize {
                Some(key) => Privacy::from_key_file(key)?,
                None => Privacy::none(),
            };
            let opts = detainer_audit::outputs::Options {
                force,
                excel_csv: !plain_csv,
                xlsx_max_rows,
                privacy,
                report: !no_report,
            };
            let progress = Progress::new(quiet, 0, Unit::Bytes);
            let report = cmd::run::run(&pipelines, &out, &opts, &progress)?;
            eprintln!(
                "{} counties: {} holds, {} flagged, {} class members, {} rows rejected; outputs in {}",
                report.counties,
                report.holds,
                report.flagged,
                report.members,
                report.rejected,
                out.display()
            );
            if report.over_limit.is_empty() {
                Ok(ExitCode::SUCCESS)
            } else {
                for line in &report.over_limit {
                    eprintln!("over the reject limit: {line}");
                }
                eprintln!(
                    "every output was written; see rejects/ for each rejected row and its reason"
                );
                Ok(ExitCode::from(1))
            }
        }
        Command::Check { pipelines } => {
            let progress = Progress::new(quiet, 0, Unit::Bytes);
            let (text, ok) = cmd::check::check(&pipelines, &progress)?;
            print!("{text}");
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Explain { out, booking_id } => {
            print!("{}", cmd::explain::explain(&out, &booking_id)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Init(args) => {
            let printed = cmd::init::init(&args)?;
            eprint!("{}", printed.stderr);
            print!("{}", printed.stdout);
            Ok(ExitCode::SUCCESS)
        }
        Command::Generate {
            seed,
            counties,
            from,
            to,
            bookings_per_year,
            sizes,
            out,
            pipelines,
        } => {
            let years = (to - from + 1).max(0) as u64;
            let progress = Progress::new(quiet, bookings_per_year * years, Unit::Rows);
            let summary = cmd::generate::run(
                &detainer_audit::generate::GenerateOptions {
                    seed,
                    counties,
                    from_year: from,
                    to_year: to,
                    bookings_per_year,
                    sizes: match sizes {
                        detainer_audit::cli::Sizes::Even => {
                            detainer_audit::generate::CountySizes::Even
                        }
                        detainer_audit::cli::Sizes::Population => {
                            detainer_audit::generate::CountySizes::Population
                        }
                    },
                    data_dir: out,
                    pipelines_dir: pipelines,
                },
                &progress,
            )?;
            for c in &summary.counties {
                eprintln!(
                    "{} ({}, {}): {} bookings in {} files",
                    c.county,
                    c.slug,
                    c.dialect,
                    c.bookings,
                    c.files.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
