//! `detainer-audit init`: a draft pipeline file made from a county's export
//! files (the work is in `crate::init`). This command checks what the
//! analyst gave, decides where the draft goes, never replaces a file
//! without `--force`, and says what it found.
//!
//! Where the draft goes: `--out FILE`; `--out -` prints it; by default
//! `pipelines/<county>.toml` (`pipelines/draft.toml` without `--county`),
//! where `check` and `run` look when given no argument. A draft must be a
//! file to have paths relative to its folder; printed, its paths are
//! relative to the working folder.

use crate::init::{init as make_draft, Settings};
use anyhow::{bail, Context};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The command line of `init`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The export's files (CSV, XLSX or Parquet).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The county's name (its outputs go to a folder named after it).
    #[arg(long)]
    pub county: Option<String>,
    /// Two-letter state code ("CA" gives the California regimes).
    #[arg(long)]
    pub state: Option<String>,
    /// IANA time zone the export's local times are in, like
    /// America/Los_Angeles.
    #[arg(long)]
    pub timezone: Option<String>,
    /// Where to write the draft; "-" prints it (its paths then relative
    /// to the working folder). Default: pipelines/<county>.toml
    /// (pipelines/draft.toml without --county).
    #[arg(long, value_name = "PIPELINE.toml")]
    pub out: Option<PathBuf>,
    /// Replace --out if it exists.
    #[arg(long)]
    pub force: bool,
}

/// What `init` prints, on stdout and stderr.
#[derive(Debug, Clone, Default)]
pub struct Printed {
    pub stdout: String,
    pub stderr: String,
}

/// The draft's file, when no `--out` is given.
pub fn default_out(county: Option<&str>) -> PathBuf {
    let slug = county.map(crate::config::slugify).unwrap_or_default();
    let name = if slug.is_empty() {
        "draft".to_string()
    } else {
        slug
    };
    Path::new("pipelines").join(format!("{name}.toml"))
}

pub fn init(args: &Args) -> anyhow::Result<Printed> {
    let settings = settings(args)?;
    let to_stdout = args.out.as_deref() == Some(Path::new("-"));
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_out(settings.county.as_deref()));
    if to_stdout {
        let base = std::env::current_dir().context("cannot read the working folder")?;
        let outcome = make_draft(&args.files, &settings, &base.canonicalize()?)?;
        return Ok(Printed {
            stdout: outcome.draft,
            stderr: format!(
                "{}next: its paths are relative to the working folder, so save it here (or \
                 correct them), settle its TODOs, then run `detainer-audit check` on it\n",
                outcome.report
            ),
        });
    }
    if out.exists() && !args.force {
        bail!(
            "{}: the file exists; give --force to replace it, or --out another file",
            out.display()
        );
    }
    let folder = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("{}: cannot create the folder", folder.display()))?;
    let base = folder
        .canonicalize()
        .with_context(|| format!("{}: cannot resolve the folder", folder.display()))?;
    let outcome = make_draft(&args.files, &settings, &base)?;
    write(&out, &outcome.draft, args.force)?;
    Ok(Printed {
        stdout: format!(
            "{}draft written to {}\nnext: settle its TODOs, then run `detainer-audit check {}`\n",
            outcome.report,
            out.display(),
            out.display()
        ),
        stderr: String::new(),
    })
}

/// The county, state and time zone given, checked as `check` would check
/// them, so a mistake shows now and not in the draft.
fn settings(args: &Args) -> anyhow::Result<Settings> {
    if let Some(c) = &args.county {
        if crate::config::slugify(c).is_empty() {
            bail!("--county `{c}`: a county name needs a letter or a digit");
        }
    }
    let state = match &args.state {
        Some(s) => {
            let s = s.trim().to_uppercase();
            if s.len() != 2 || !s.bytes().all(|b| b.is_ascii_uppercase()) {
                bail!("--state `{s}`: give the two-letter state code, like CA");
            }
            Some(s)
        }
        None => None,
    };
    if let Some(tz) = &args.timezone {
        if tz.parse::<chrono_tz::Tz>().is_err() {
            bail!("--timezone `{tz}` is not an IANA time zone name (like \"America/Los_Angeles\")");
        }
    }
    Ok(Settings {
        county: args.county.clone(),
        state,
        timezone: args.timezone.clone(),
    })
}

/// Writes the draft; without `force`, only as a new file (never over one
/// that appeared meanwhile).
fn write(out: &Path, text: &str, force: bool) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = options
        .open(out)
        .with_context(|| format!("{}: cannot write the draft", out.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("{}: cannot write the draft", out.display()))
}
