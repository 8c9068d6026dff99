//! One county made and written: its own stream of the seed, the simulation,
//! the export in the county's dialect, `planted.csv`, and the pipeline file
//! that reads the export.

use chrono::NaiveDateTime;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::dialects::{Ctx, Dialect};
use super::files::{create_dir, write};
use super::model::{self, Plan};
use super::planted::planted;
use super::{names, slug, CountySummary, GenerateError, GenerateOptions};
use crate::progress::Task;

pub(super) fn county(
    opts: &GenerateOptions,
    index: usize,
    as_of: NaiveDateTime,
    data_path: &str,
    task: &Task,
) -> Result<CountySummary, GenerateError> {
    let name = names::CA_COUNTIES[index];
    let slug = slug(name);
    let dialect = Dialect::ALL[index % Dialect::ALL.len()];
    let per_year = super::split_bookings(opts.bookings_per_year, opts.counties, opts.sizes)[index];

    // One stream of the seed per county: counties are independent of each
    // other and of the order they are made in.
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    rng.set_stream(index as u64);
    task.message(&format!("simulating {} bookings a year", per_year));
    let sim = model::simulate(
        &mut rng,
        Plan {
            from_year: opts.from_year,
            to_year: opts.to_year,
            bookings_per_year: per_year,
            as_of,
        },
    );

    let ctx = Ctx {
        county: name,
        data_path: format!("{data_path}/{slug}"),
        as_of,
        seed: opts.seed,
    };
    task.rows(sim.bookings.len() as u64);
    task.message("writing the export");
    let rendered = dialect.render(&sim, &ctx);
    let dir = opts.data_dir.join(&slug);
    create_dir(&dir)?;
    let mut files = Vec::new();
    for (file, bytes) in &rendered.files {
        files.push(write(dir.join(file), bytes)?);
    }
    files.push(write(
        dir.join("planted.csv"),
        planted(&sim, dialect).as_bytes(),
    )?);
    files.push(write(
        opts.pipelines_dir.join(format!("{slug}.toml")),
        rendered.pipeline.as_bytes(),
    )?);
    Ok(CountySummary {
        county: name.to_string(),
        slug,
        dialect: dialect.name(),
        bookings: sim.bookings.iter().filter(|b| !b.duplicate_row).count() as u64,
        files,
    })
}
