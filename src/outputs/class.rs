//! The class-member list: one row per person with a flagged hold.
//!
//! `days_held` counts each started 24 hours of the unwarranted part of each
//! flagged hold (25 unwarranted hours are 2 days); `damages_estimate` is
//! `per_day * days_held`, at most `cap` (the *Roy v. County of Los Angeles*
//! settlement terms by default).

use crate::audit::Hold;
use crate::config::{Pipeline, Subclass, SubclassValue};
use polars::prelude::*;
use std::path::Path;

use super::datetime_column;
use super::privacy::{dob_column, Privacy};
use super::runs::Runs;
use crate::rules::person::PossibleDuplicate;

/// One class member, before it becomes a row.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// The county's slug, as in the other outputs.
    pub county: String,
    pub county_name: String,
    pub person_key: String,
    pub person_id: Option<String>,
    pub last_name: Option<String>,
    pub first_name: Option<String>,
    pub dob: Option<i32>,
    pub flagged_holds: i64,
    pub first_hold_start: i64,
    pub last_hold_start: i64,
    pub hold_hours_total: f64,
    pub days_held: i64,
    pub damages_estimate: f64,
    pub booking_ids: String,
    pub match_basis: String,
    /// Subclass name → whether any of the member's class holds is in it.
    pub subclasses: Vec<(String, bool)>,
}

/// Whether a hold makes its person a class member (`[class]`; by default
/// every flagged hold).
pub fn in_class(p: &Pipeline, h: &Hold) -> bool {
    let c = &p.class;
    let day = h.hold_start.map(|t| crate::calendar::local_date(t, &p.tz));
    h.flagged
        && h.hold_minutes.unwrap_or(0) >= c.min_hold_minutes
        && !(c.exclude_final_order && h.final_order == Some(true))
        && c.from.is_none_or(|f| day.is_some_and(|d| d >= f))
        && c.to.is_none_or(|t| day.is_some_and(|d| d <= t))
}

/// Whether a hold is in a subclass: its field equals the subclass value.
pub fn in_subclass(sc: &Subclass, h: &Hold) -> bool {
    let flag = |v: Option<bool>| match &sc.equals {
        SubclassValue::Bool(b) => v == Some(*b),
        SubclassValue::Text(_) => false,
    };
    let text = |v: Option<&str>| match &sc.equals {
        SubclassValue::Text(t) => v == Some(t.as_str()),
        SubclassValue::Bool(_) => false,
    };
    match sc.field.as_str() {
        "past_release" => flag(h.past_release),
        "over_limit" => flag(h.over_limit),
        "transferred_to_ice" => flag(Some(h.transferred_to_ice)),
        "final_order" => flag(h.final_order),
        "bail_status" => text(h.bail_status.map(|v| v.name())),
        "form" => text(h.form.map(|v| v.name())),
        "warrant_status" => text(Some(h.warrant_status.name())),
        "regime" => text(Some(h.regime.name())),
        "status" => text(Some(h.status.name())),
        "release_reason" => text(h.release_reason.map(|v| v.name())),
        "eligibility_source" => text(Some(h.eligibility_source.name())),
        _ => false,
    }
}

/// A member's value for a subclass; empty where its county has none.
pub fn subclass_value(m: &Member, name: &str) -> Option<bool> {
    m.subclasses
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| *v)
}

const MINUTES_PER_DAY: i64 = 24 * 60;

/// The days a flagged hold counts for damages: each started 24 hours of its
/// unwarranted part (method rule 7).
pub fn days_held(h: &Hold) -> i64 {
    let m = h.unwarranted_minutes.unwrap_or(0);
    (m + MINUTES_PER_DAY - 1) / MINUTES_PER_DAY
}

/// One person's class holds so far: what their member row needs.
#[derive(serde::Serialize, serde::Deserialize)]
struct Person {
    holds: i64,
    /// The booking ids of the holds, as they came.
    ids: Vec<String>,
    /// The earliest and the latest hold by (`hold_start`, booking id), as
    /// their start and the index of their booking id in `ids`.
    first: (Option<i64>, usize),
    latest: (Option<i64>, usize),
    /// The latest hold's person fields.
    person_id: Option<String>,
    last_name: Option<String>,
    first_name: Option<String>,
    dob: Option<i32>,
    match_basis: crate::model::MatchBasis,
    minutes: i64,
    days: i64,
    /// Per subclass of the pipeline: whether any hold is in it.
    subclasses: Vec<bool>,
}

impl Person {
    /// `later`'s holds added after this person's, as [`Members::add`] adds
    /// them one at a time: the first hold is replaced only by an earlier
    /// key, the latest (and the person fields with it) by a key as late or
    /// later.
    fn absorb(&mut self, later: Person) {
        let shift = self.ids.len();
        let key = |p: &Person, at: (Option<i64>, usize)| (at.0, p.ids[at.1].clone());
        if key(&later, later.first) < key(self, self.first) {
            self.first = (later.first.0, later.first.1 + shift);
        }
        if key(&later, later.latest) >= key(self, self.latest) {
            self.latest = (later.latest.0, later.latest.1 + shift);
            self.person_id = later.person_id;
            self.last_name = later.last_name;
            self.first_name = later.first_name;
            self.dob = later.dob;
            self.match_basis = later.match_basis;
        }
        self.ids.extend(later.ids);
        self.holds += later.holds;
        self.minutes += later.minutes;
        self.days += later.days;
        for (any, later) in self.subclasses.iter_mut().zip(later.subclasses) {
            *any |= later;
        }
    }
}

/// Persons a county keeps in memory before it writes them to a work file
/// (`super::runs`): a few tens of MB, so that a county of hundreds of
/// thousands of members is gathered in bounded memory.
pub const PERSONS_IN_MEMORY: usize = 64 * 1024;

/// The class members of a county, gathered a hold at a time (a county's
/// holds are read back in batches: `audit::kept`): what is kept is one
/// entry per person, not their holds, at most [`PERSONS_IN_MEMORY`] of them
/// in memory (see `super::runs`).
pub struct Members<'a> {
    p: &'a Pipeline,
    by_person: Runs<String, Person>,
}

impl<'a> Members<'a> {
    /// Members of `p`'s county, with work files named `{tag}.members…` in
    /// `dir`.
    pub fn new(p: &'a Pipeline, dir: &Path, tag: &str) -> Members<'a> {
        Members::with_limit(p, dir, tag, PERSONS_IN_MEMORY)
    }

    fn with_limit(p: &'a Pipeline, dir: &Path, tag: &str, limit: usize) -> Members<'a> {
        Members {
            p,
            by_person: Runs::new(dir, &format!("{tag}.members"), limit),
        }
    }

    pub fn add(&mut self, h: &Hold) -> std::io::Result<()> {
        let p = self.p;
        if !in_class(p, h) {
            return Ok(());
        }
        let person = self.by_person.entry(
            h.person_key.as_str(),
            || h.person_key.clone(),
            || Person {
                holds: 0,
                ids: Vec::new(),
                first: (h.hold_start, 0),
                latest: (h.hold_start, 0),
                person_id: None,
                last_name: None,
                first_name: None,
                dob: None,
                match_basis: h.match_basis,
                minutes: 0,
                days: 0,
                subclasses: vec![false; p.class.subclasses.len()],
            },
        )?;
        let i = person.ids.len();
        person.ids.push(h.booking_id.clone());
        let key = (h.hold_start, h.booking_id.as_str());
        // As a stable sort by (hold_start, booking id) would order them:
        // the first of equal keys first, the last of them latest.
        if i == 0 || key < (person.first.0, person.ids[person.first.1].as_str()) {
            person.first = (h.hold_start, i);
        }
        if i == 0 || key >= (person.latest.0, person.ids[person.latest.1].as_str()) {
            person.latest = (h.hold_start, i);
            person.person_id = h.person_id.clone();
            person.last_name = h.last_name.clone();
            person.first_name = h.first_name.clone();
            person.dob = h.dob;
            person.match_basis = h.match_basis;
        }
        person.holds += 1;
        person.minutes += h.hold_minutes.unwrap_or(0);
        person.days += days_held(h);
        for (any, sc) in person.subclasses.iter_mut().zip(&p.class.subclasses) {
            *any |= in_subclass(sc, h);
        }
        Ok(())
    }

    /// The members, by person key, made one at a time.
    pub fn finish(self) -> std::io::Result<impl Iterator<Item = std::io::Result<Member>> + 'a> {
        let p = self.p;
        Ok(self
            .by_person
            .finish(Person::absorb)?
            .map(move |entry| entry.map(|(key, person)| member(p, key, person))))
    }
}

/// The member row of a person.
fn member(p: &Pipeline, key: String, person: Person) -> Member {
    let days = person.days;
    let mut ids: Vec<&str> = person.ids.iter().map(String::as_str).collect();
    ids.sort_unstable();
    ids.dedup();
    Member {
        county: p.slug.clone(),
        county_name: p.county.clone(),
        person_key: key,
        booking_ids: ids.join(";"),
        person_id: person.person_id,
        last_name: person.last_name,
        first_name: person.first_name,
        dob: person.dob,
        flagged_holds: person.holds,
        first_hold_start: person.first.0.unwrap_or(0),
        last_hold_start: person.latest.0.unwrap_or(0),
        hold_hours_total: person.minutes as f64 / 60.0,
        days_held: days,
        damages_estimate: (p.rules.per_day * days as f64).min(p.rules.cap),
        match_basis: person.match_basis.to_string(),
        subclasses: p
            .class
            .subclasses
            .iter()
            .zip(person.subclasses)
            .map(|(sc, any)| (sc.name.clone(), any))
            .collect(),
    }
}

/// The class list as a frame; timestamps in `tz` (the pipelines' common
/// zone, or UTC when they differ).
/// `subclasses` are the columns of every county's subclasses (members are
/// written county by county).
pub fn members_frame(
    members: &[Member],
    subclasses: &[String],
    tz: &str,
    privacy: &Privacy,
) -> PolarsResult<DataFrame> {
    let s = |name: &str, f: &dyn Fn(&Member) -> Option<String>| -> Column {
        Column::new(name.into(), members.iter().map(f).collect::<Vec<_>>())
    };
    let cols = vec![
        s("county", &|m| Some(m.county.clone())),
        s("county_name", &|m| Some(m.county_name.clone())),
        s("person_key", &|m| {
            Some(privacy.value("person_key", &m.person_key))
        }),
        s("person_id", &|m| {
            privacy.opt("person_id", m.person_id.as_deref())
        }),
        s("last_name", &|m| {
            privacy.opt("name", m.last_name.as_deref())
        }),
        s("first_name", &|m| {
            privacy.opt("name", m.first_name.as_deref())
        }),
        dob_column(privacy, members.iter().map(|m| m.dob).collect())?,
        Column::new(
            "flagged_holds".into(),
            members.iter().map(|m| m.flagged_holds).collect::<Vec<_>>(),
        ),
        datetime_column(
            "first_hold_start",
            members.iter().map(|m| Some(m.first_hold_start)).collect(),
            tz,
        )?,
        datetime_column(
            "last_hold_start",
            members.iter().map(|m| Some(m.last_hold_start)).collect(),
            tz,
        )?,
        Column::new(
            "hold_hours_total".into(),
            members
                .iter()
                .map(|m| m.hold_hours_total)
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "days_held".into(),
            members.iter().map(|m| m.days_held).collect::<Vec<_>>(),
        ),
        Column::new(
            "damages_estimate".into(),
            members
                .iter()
                .map(|m| m.damages_estimate)
                .collect::<Vec<_>>(),
        ),
        s("booking_ids", &|m| {
            Some(privacy.list("booking_id", &m.booking_ids))
        }),
        s("match_basis", &|m| Some(m.match_basis.clone())),
    ];
    let mut cols = cols;
    for name in subclasses {
        cols.push(Column::new(
            name.as_str().into(),
            members
                .iter()
                .map(|m| subclass_value(m, name))
                .collect::<Vec<_>>(),
        ));
    }
    DataFrame::new(members.len(), cols)
}

/// The class list as CSV text, written a county at a time: UTF-8, local
/// times as `YYYY-MM-DD HH:MM:SS`. `excel` (see [`MembersCsv::new`]) adds a
/// byte-order mark and CRLF line ends, so that Excel opens accented names
/// and line breaks correctly on a double click.
pub struct MembersCsv<W: std::io::Write> {
    w: csv::Writer<W>,
    subclasses: Vec<String>,
}

impl<W: std::io::Write> MembersCsv<W> {
    /// Starts the file: byte-order mark (`excel`) and header.
    pub fn new(mut out: W, subclasses: Vec<String>, excel: bool) -> Result<Self, csv::Error> {
        if excel {
            out.write_all(b"\xEF\xBB\xBF")?;
        }
        let terminator = if excel {
            csv::Terminator::CRLF
        } else {
            csv::Terminator::Any(b'\n')
        };
        let mut w = csv::WriterBuilder::new()
            .terminator(terminator)
            .from_writer(out);
        let mut header: Vec<String> = [
            "county",
            "county_name",
            "person_key",
            "person_id",
            "last_name",
            "first_name",
            "dob",
            "flagged_holds",
            "first_hold_start",
            "last_hold_start",
            "hold_hours_total",
            "days_held",
            "damages_estimate",
            "booking_ids",
            "match_basis",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        header.extend(subclasses.iter().cloned());
        w.write_record(&header)?;
        Ok(MembersCsv { w, subclasses })
    }

    pub fn write(
        &mut self,
        members: &[Member],
        tz: &chrono_tz::Tz,
        privacy: &Privacy,
    ) -> Result<(), csv::Error> {
        for m in members {
            let mut record = vec![
                m.county.clone(),
                m.county_name.clone(),
                privacy.value("person_key", &m.person_key),
                privacy
                    .opt("person_id", m.person_id.as_deref())
                    .unwrap_or_default(),
                privacy
                    .opt("name", m.last_name.as_deref())
                    .unwrap_or_default(),
                privacy
                    .opt("name", m.first_name.as_deref())
                    .unwrap_or_default(),
                privacy.dob_text(m.dob).unwrap_or_default(),
                m.flagged_holds.to_string(),
                super::local_text(m.first_hold_start, tz),
                super::local_text(m.last_hold_start, tz),
                format!("{:.2}", m.hold_hours_total),
                m.days_held.to_string(),
                format!("{:.2}", m.damages_estimate),
                privacy.list("booking_id", &m.booking_ids),
                m.match_basis.clone(),
            ];
            record.extend(
                self.subclasses
                    .iter()
                    .map(|n| subclass_value(m, n).map_or(String::new(), |v| v.to_string())),
            );
            self.w.write_record(&record)?;
        }
        Ok(())
    }

    pub fn finish(self) -> Result<W, csv::Error> {
        self.w
            .into_inner()
            .map_err(|e| csv::Error::from(e.into_error()))
    }
}

/// Pairs of persons that may be one (a class list must neither
/// split nor merge people): same birth date, close names, keyed apart;
/// `rows` of one county.
pub fn duplicates_frame(
    county: &str,
    rows: &[crate::rules::person::PossibleDuplicate],
    privacy: &Privacy,
) -> PolarsResult<DataFrame> {
    let s = |name: &str,
             f: &dyn Fn(&crate::rules::person::PossibleDuplicate) -> String|
     -> Column { Column::new(name.into(), rows.iter().map(f).collect::<Vec<_>>()) };
    DataFrame::new(
        rows.len(),
        vec![
            Column::new("county".into(), vec![county; rows.len()]),
            s("person_key_a", &|d| {
                privacy.value("person_key", &d.person_key_a)
            }),
            s("person_key_b", &|d| {
                privacy.value("person_key", &d.person_key_b)
            }),
            s("name_a", &|d| privacy.value("name", &d.name_a)),
            s("name_b", &|d| privacy.value("name", &d.name_b)),
            dob_column(privacy, rows.iter().map(|d| Some(d.dob)).collect())?,
            Column::new(
                "score".into(),
                rows.iter().map(|d| d.score).collect::<Vec<_>>(),
            ),
        ],
    )
}

/// The possible duplicates among the persons of one county's holds,
/// gathered a hold at a time.
pub struct Duplicates<'a> {
    p: &'a Pipeline,
    /// (birth date, person key, name key) -> the name as shown (the last
    /// seen), at most `limit` in memory (see `super::runs`).
    seen: Runs<(i32, String, String), String>,
    dir: std::path::PathBuf,
    tag: String,
    limit: usize,
}

/// A pair of person keys -> the rest of their [`PossibleDuplicate`]: names
/// a and b, birth date, score.
type Pairs = Runs<(String, String), (String, String, i32, f64)>;

impl<'a> Duplicates<'a> {
    /// Persons of `p`'s county, with work files named `{tag}.persons…` and
    /// `{tag}.pairs…` in `dir`.
    pub fn new(p: &'a Pipeline, dir: &Path, tag: &str) -> Duplicates<'a> {
        Duplicates::with_limit(p, dir, tag, PERSONS_IN_MEMORY)
    }

    fn with_limit(p: &'a Pipeline, dir: &Path, tag: &str, limit: usize) -> Duplicates<'a> {
        Duplicates {
            p,
            seen: Runs::new(dir, &format!("{tag}.persons"), limit),
            dir: dir.to_path_buf(),
            tag: tag.to_string(),
            limit,
        }
    }

    pub fn add(&mut self, h: &Hold) -> std::io::Result<()> {
        use crate::rules::person::{name_key, shown_name};
        if let (Some(last_name), Some(first_name), Some(dob)) =
            (h.last_name.as_deref(), h.first_name.as_deref(), h.dob)
        {
            let key = (dob, h.person_key.clone(), name_key(last_name, first_name));
            *self.seen.entry(&key, || key.clone(), String::new)? =
                shown_name(last_name, first_name);
        }
        Ok(())
    }

    /// The possible duplicates in the order of their two person keys, each
    /// pair once (as `rules::person::sort_pairs` leaves them), compared a
    /// birth date at a time. The pairs go through sorted runs as the
    /// persons do: a county whose jail gives one person a new id at each
    /// booking has a pair for every two of their bookings, too many to
    /// hold.
    pub fn finish(
        self,
    ) -> std::io::Result<impl Iterator<Item = std::io::Result<PossibleDuplicate>>> {
        use crate::rules::person::pairs_of_one_birth_date;
        let threshold = self.p.rules.name_similarity;
        let mut pairs: Pairs = Runs::new(&self.dir, &format!("{}.pairs", self.tag), self.limit);
        let mut found = Vec::new();
        let mut dob = None;
        let mut people: Vec<((String, String), String)> = Vec::new();
        let mut compare =
            |dob: i32, people: &mut Vec<((String, String), String)>| -> std::io::Result<()> {
                let refs: Vec<(&(String, String), &String)> =
                    people.iter().map(|(k, s)| (k, s)).collect();
                pairs_of_one_birth_date(dob, &refs, threshold, &mut found);
                people.clear();
                for d in found.drain(..) {
                    let key = (d.person_key_a, d.person_key_b);
                    // The first pair found of two keys is the one kept, here
                    // and across runs (see `finish` below).
                    pairs.entry(
                        &key,
                        || key.clone(),
                        || (d.name_a, d.name_b, d.dob, d.score),
                    )?;
                }
                Ok(())
            };
        // The last one seen of an entry is the shown name kept.
        for entry in self.seen.finish(|earlier, later| *earlier = later)? {
            let ((d, key, name), shown) = entry?;
            if dob.is_some_and(|o| o != d) {
                compare(dob.expect("some"), &mut people)?;
            }
            dob = Some(d);
            people.push(((key, name), shown));
        }
        if let Some(d) = dob {
            compare(d, &mut people)?;
        }
        Ok(pairs.finish(|_earlier, _later| {})?.map(|entry| {
            entry.map(
                |((person_key_a, person_key_b), (name_a, name_b, dob, score))| PossibleDuplicate {
                    person_key_a,
                    person_key_b,
                    name_a,
                    name_b,
                    dob,
                    score,
                },
            )
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::kept::sample::{hold, Rng};
    use std::collections::BTreeMap;

    /// A pipeline with two subclasses and a minimum hold length.
    fn pipeline(dir: &std::path::Path) -> Pipeline {
        std::fs::write(dir.join("b.csv"), "BKG,BOOKED\n").unwrap();
        let toml = r#"
county = "Test"
state = "CA"
timezone = "America/Los_Angeles"

[class]
min_hold_minutes = 30
[[class.subclasses]]
name = "open"
field = "status"
equals = "open"
[[class.subclasses]]
name = "past_release"
field = "past_release"
equals = true

[[inputs]]
table = "bookings"
path = "b.csv"
[inputs.columns]
booking_id = "BKG"
booked_at = "BOOKED"

[[inputs]]
table = "detainers"
path = "b.csv"
[inputs.columns]
booking_id = "BKG"
lodged_at = "BOOKED"
"#;
        let path = dir.join("test.toml");
        std::fs::write(&path, toml).unwrap();
        crate::config::load_all(&[path]).unwrap().remove(0)
    }

    /// The members as they were made before they were gathered a hold at a
    /// time: each person's holds collected, sorted by (hold_start, booking
    /// id), the latest one's fields taken.
    fn reference(p: &Pipeline, holds: &[Hold]) -> Vec<Member> {
        let mut by_person: BTreeMap<&str, Vec<&Hold>> = BTreeMap::new();
        for h in holds.iter().filter(|h| in_class(p, h)) {
            by_person.entry(&h.person_key).or_default().push(h);
        }
        by_person
            .into_iter()
            .map(|(key, mut hs)| {
                hs.sort_by_key(|h| (h.hold_start, h.booking_id.clone()));
                let latest = hs[hs.len() - 1];
                let minutes: i64 = hs.iter().filter_map(|h| h.hold_minutes).sum();
                let days: i64 = hs.iter().map(|h| days_held(h)).sum();
                let mut ids: Vec<&str> = hs.iter().map(|h| h.booking_id.as_str()).collect();
                ids.sort_unstable();
                ids.dedup();
                Member {
                    county: p.slug.clone(),
                    county_name: p.county.clone(),
                    person_key: key.to_string(),
                    person_id: latest.person_id.clone(),
                    last_name: latest.last_name.clone(),
                    first_name: latest.first_name.clone(),
                    dob: latest.dob,
                    flagged_holds: hs.len() as i64,
                    first_hold_start: hs[0].hold_start.unwrap_or(0),
                    last_hold_start: latest.hold_start.unwrap_or(0),
                    hold_hours_total: minutes as f64 / 60.0,
                    days_held: days,
                    damages_estimate: (p.rules.per_day * days as f64).min(p.rules.cap),
                    booking_ids: ids.join(";"),
                    match_basis: latest.match_basis.to_string(),
                    subclasses: p
                        .class
                        .subclasses
                        .iter()
                        .map(|sc| (sc.name.clone(), hs.iter().any(|h| in_subclass(sc, h))))
                        .collect(),
                }
            })
            .collect()
    }

    /// The possible duplicates gathered a hold at a time, in memory or
    /// through run files, are those of the rule's own function over every
    /// person seen.
    #[test]
    fn duplicates_through_run_files_are_those_of_every_person_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let p = pipeline(dir.path());
        for seed in 1..=10u64 {
            let r = Rng::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            // Few birth dates and names, so that most persons share a
            // birth date with others, some with close names.
            let holds: Vec<Hold> = (0..300)
                .map(|i| {
                    let mut h = hold(&r, i, 60);
                    h.dob = h.dob.map(|d| d % 5);
                    // Names swapped now and then: one name key, two shown
                    // names, the last seen kept.
                    if i % 7 == 0 {
                        std::mem::swap(&mut h.last_name, &mut h.first_name);
                    }
                    h
                })
                .collect();
            let seen: Vec<crate::rules::person::Seen> = holds
                .iter()
                .filter_map(|h| {
                    Some(crate::rules::person::Seen {
                        person_key: &h.person_key,
                        last_name: h.last_name.as_deref()?,
                        first_name: h.first_name.as_deref()?,
                        dob: h.dob?,
                    })
                })
                .collect();
            let want = crate::rules::person::possible_duplicates(&seen, p.rules.name_similarity);
            assert!(want.len() > 5, "seed {seed}: {} pairs", want.len());
            for limit in [usize::MAX, 1, 4, 13] {
                let mut d = Duplicates::with_limit(&p, dir.path(), "t", limit);
                for h in &holds {
                    d.add(h).unwrap();
                }
                let got: Vec<PossibleDuplicate> =
                    d.finish().unwrap().collect::<std::io::Result<_>>().unwrap();
                assert_eq!(got, want, "seed {seed}, {limit} a run");
            }
        }
        assert_eq!(
            std::fs::read_dir(dir.path())
                .unwrap()
                .filter(|e| e
                    .as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .contains("persons")
                    || e.as_ref()
                        .unwrap()
                        .file_name()
                        .to_string_lossy()
                        .contains("pairs"))
                .count(),
            0
        );
    }

    #[test]
    fn members_gathered_a_hold_at_a_time_are_those_of_all_holds_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let p = pipeline(dir.path());
        for seed in 1..=20u64 {
            let r = Rng::new(seed.wrapping_mul(0x2545_f491_4f6c_dd1d));
            // Few persons, so that most have several holds, some tied on
            // hold_start, some without one.
            let holds: Vec<Hold> = (0..400).map(|i| hold(&r, i, 40)).collect();
            let want = reference(&p, &holds);
            assert!(want.len() > 20, "seed {seed}: {} members", want.len());
            // In memory, and through run files of 1, 3 and 7 persons (a
            // person's entries then in several runs, combined).
            for limit in [usize::MAX, 1, 3, 7] {
                let mut members = Members::with_limit(&p, dir.path(), "t", limit);
                for h in &holds {
                    members.add(h).unwrap();
                }
                let got: Vec<Member> = members
                    .finish()
                    .unwrap()
                    .collect::<std::io::Result<_>>()
                    .unwrap();
                assert_eq!(got, want, "seed {seed}, {limit} persons a run");
            }
            let left = std::fs::read_dir(dir.path())
                .unwrap()
                .filter(|e| {
                    e.as_ref()
                        .unwrap()
                        .file_name()
                        .to_string_lossy()
                        .contains("members")
                })
                .count();
            assert_eq!(left, 0, "run files removed");
        }
    }
}
