//! Reading a finished run's outputs for `explain`: the manifest and the
//! county's parameters in it, the hold's row of `holds/`, its rows of
//! `hold_detainers/`, and its person's row of the class list.

use super::ExplainError;
use chrono_tz::Tz;
use polars::prelude::*;
use std::path::{Path, PathBuf};

fn read_err(path: &Path) -> impl Fn(PolarsError) -> ExplainError + '_ {
    move |e| ExplainError::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// One row of `holds/`, as `explain` needs it.
pub(super) struct HoldRow {
    pub(super) county: String,
    pub(super) county_name: String,
    values: DataFrame,
}

impl HoldRow {
    pub(super) fn text(&self, name: &str) -> Option<String> {
        let c = self.values.column(name).ok()?;
        match c.get(0).ok()? {
            AnyValue::Null => None,
            AnyValue::String(s) => Some(s.to_string()),
            AnyValue::StringOwned(s) => Some(s.to_string()),
            other => Some(other.to_string()),
        }
    }

    /// A timestamp column as UTC microseconds.
    pub(super) fn time(&self, name: &str) -> Option<i64> {
        micros(self.values.column(name).ok()?)
            .first()
            .copied()
            .flatten()
    }

    pub(super) fn int(&self, name: &str) -> Option<i64> {
        let c = self.values.column(name).ok()?.cast(&DataType::Int64).ok()?;
        c.i64().ok()?.get(0)
    }

    pub(super) fn float(&self, name: &str) -> Option<f64> {
        let c = self
            .values
            .column(name)
            .ok()?
            .cast(&DataType::Float64)
            .ok()?;
        c.f64().ok()?.get(0)
    }

    pub(super) fn flag(&self, name: &str) -> Option<bool> {
        self.values.column(name).ok()?.bool().ok()?.get(0)
    }

    pub(super) fn list(&self, name: &str) -> Vec<String> {
        let Ok(c) = self.values.column(name) else {
            return Vec::new();
        };
        let Ok(list) = c.list() else {
            return Vec::new();
        };
        list.get_as_series(0)
            .and_then(|s| {
                s.str()
                    .ok()
                    .map(|v| v.iter().flatten().map(str::to_string).collect())
            })
            .unwrap_or_default()
    }
}

/// A datetime column's values as UTC microseconds.
pub(super) fn micros(c: &Column) -> Vec<Option<i64>> {
    let unit_scale = match c.dtype() {
        DataType::Datetime(TimeUnit::Nanoseconds, _) => 1_000,
        DataType::Datetime(TimeUnit::Milliseconds, _) => -1_000,
        _ => 1,
    };
    let Ok(c) = c.to_physical_repr().cast(&DataType::Int64) else {
        return Vec::new();
    };
    let Ok(v) = c.i64() else {
        return Vec::new();
    };
    v.iter()
        .map(|t| {
            t.map(|t| match unit_scale {
                1 => t,
                s if s > 0 => t / s,
                s => t * -s,
            })
        })
        .collect()
}

/// The parameters a county's run used, from the manifest.
pub(super) struct CountyRun {
    pub(super) tz: Tz,
    pub(super) as_of: String,
    pub(super) since: String,
    pub(super) until: Option<String>,
    pub(super) grace: i64,
    pub(super) per_day: f64,
    pub(super) cap: f64,
    pub(super) missing_warrant: String,
}

/// The run of county `slug`, if the manifest has it.
pub(super) fn county_run(manifest: &serde_json::Value, slug: &str) -> Option<CountyRun> {
    let p = manifest["pipelines"]
        .as_array()?
        .iter()
        .find(|p| p["slug"] == slug)?;
    let r = &p["rules"];
    Some(CountyRun {
        tz: p["timezone"].as_str()?.parse().ok()?,
        as_of: p["as_of"].as_str()?.to_string(),
        since: r["since"].as_str()?.to_string(),
        until: r["until"].as_str().map(str::to_string),
        grace: r["grace_minutes"].as_i64()?,
        per_day: r["per_day"].as_f64()?,
        cap: r["cap"].as_f64()?,
        missing_warrant: r["missing_warrant"].as_str()?.to_string(),
    })
}

/// A lazy scan of one Parquet output.
fn scan(path: &Path) -> Result<LazyFrame, ExplainError> {
    let p = PlRefPath::try_from_path(path).map_err(read_err(path))?;
    LazyFrame::scan_parquet(p, ScanArgsParquet::default()).map_err(read_err(path))
}

/// The county folders of one output table (`holds`, ...), in name order.
pub(super) fn county_files(
    out: &Path,
    table: &str,
) -> Result<Vec<(String, PathBuf)>, ExplainError> {
    let dir = out.join(table);
    let entries = std::fs::read_dir(&dir).map_err(|e| ExplainError::Read {
        path: dir.clone(),
        message: e.to_string(),
    })?;
    let mut files: Vec<(String, PathBuf)> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            let slug = name.strip_prefix("county=")?.to_string();
            let file = e.path().join("part-0.parquet");
            file.is_file().then_some((slug, file))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// The run's `manifest.json`.
pub(super) fn manifest(manifest_path: &Path) -> Result<serde_json::Value, ExplainError> {
    std::fs::read_to_string(manifest_path)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        .map_err(|message| ExplainError::Read {
            path: manifest_path.to_path_buf(),
            message: format!("{message} (is this a detainer-audit --out folder?)"),
        })
}

/// The hold of `booking_id` in county `slug`'s `holds/` file, if it has one.
pub(super) fn hold(
    file: &Path,
    slug: &str,
    booking_id: &str,
) -> Result<Option<HoldRow>, ExplainError> {
    let values = scan(file)?
        .filter(col("booking_id").eq(lit(booking_id)))
        .collect()
        .map_err(read_err(file))?;
    if values.height() == 0 {
        return Ok(None);
    }
    Ok(Some(HoldRow {
        county_name: values
            .column("county_name")
            .ok()
            .and_then(|c| c.str().ok()?.get(0).map(str::to_string))
            .unwrap_or_else(|| slug.to_string()),
        county: slug.to_string(),
        values,
    }))
}

/// The rows of `hold_detainers/` of `booking_id` in county `slug`.
pub(super) fn hold_detainers(
    out: &Path,
    slug: &str,
    booking_id: &str,
) -> Result<DataFrame, ExplainError> {
    let detainers_file = out
        .join("hold_detainers")
        .join(format!("county={slug}"))
        .join("part-0.parquet");
    scan(&detainers_file)?
        .filter(col("booking_id").eq(lit(booking_id)))
        .collect()
        .map_err(read_err(&detainers_file))
}

/// The class-list row of the hold's person, when the hold is flagged:
/// (flagged holds, days held, damages estimate).
pub(super) fn class_member(
    out: &Path,
    hold: &HoldRow,
) -> Result<Option<(i64, i64, f64)>, ExplainError> {
    if hold.flag("flagged") != Some(true) {
        return Ok(None);
    }
    let Some(key) = hold.text("person_key") else {
        return Ok(None);
    };
    let path = out.join("class_members.parquet");
    if !path.is_file() {
        return Ok(None);
    }
    let df = scan(&path)?
        .filter(
            col("county")
                .eq(lit(hold.county.as_str()))
                .and(col("person_key").eq(lit(key.as_str()))),
        )
        .select([
            col("flagged_holds"),
            col("days_held"),
            col("damages_estimate"),
        ])
        .collect()
        .map_err(read_err(&path))?;
    if df.height() == 0 {
        return Ok(None);
    }
    let row = HoldRow {
        county: String::new(),
        county_name: String::new(),
        values: df,
    };
    Ok(Some((
        row.int("flagged_holds").unwrap_or(0),
        row.int("days_held").unwrap_or(0),
        row.float("damages_estimate").unwrap_or(0.0),
    )))
}
