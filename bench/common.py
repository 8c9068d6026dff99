"""Shared helpers of the benchmark peers (duckdb_core.py, polars_core.py, pandas_core.py).

Reads pipeline TOML files the way `detainer-audit` does (docs/PIPELINE_FILES.md, src/config/),
keeps the canonical field kinds (docs/PIPELINE_FILES.md, src/model/), translates chrono
format strings for DuckDB and Python/pandas, and builds the calendar of local
days (federal holidays of 5 U.S.C. 6103, src/calendar.rs) that the 48-hour
clock of the I-247/I-247D/I-247X forms needs.

Pure Python, standard library only: every peer imports it.
"""

from __future__ import annotations

import datetime as dt
import glob
import os
import re
import tomllib
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

# ---------------------------------------------------------------------------
# Canonical model (src/model.rs)

ID, TEXT, DATETIME, DATE, DECIMAL, BOOL, CODED = (
    "id", "text", "datetime", "date", "decimal", "bool", "coded")

FIELDS: dict[str, list[tuple[str, str, bool]]] = {
    "bookings": [
        ("booking_id", ID, True), ("person_id", ID, False),
        ("last_name", TEXT, False), ("first_name", TEXT, False),
        ("middle_name", TEXT, False), ("dob", DATE, False),
        ("sex", TEXT, False), ("race", TEXT, False),
        ("booked_at", DATETIME, True), ("facility", TEXT, False),
        ("bail_amount", DECIMAL, False), ("bail_status", CODED, False),
    ],
    "releases": [
        ("booking_id", ID, True), ("eligible_at", DATETIME, False),
        ("released_at", DATETIME, False), ("release_reason", CODED, False),
    ],
    "charges": [
        ("booking_id", ID, True), ("charge", TEXT, False),
        ("charge_kind", CODED, False), ("charge_released_at", DATETIME, False),
    ],
    "detainers": [
        ("booking_id", ID, False), ("person_id", ID, False),
        ("detainer_id", ID, False), ("lodged_at", DATETIME, True),
        ("form", CODED, False), ("warrant", CODED, False),
        ("lifted_at", DATETIME, False), ("lift_reason", TEXT, False),
        ("ice_custody_at", DATETIME, False), ("final_order", BOOL, False),
    ],
}

# docs/METHOD.md rule 4 / model DateOnly::default_for: readings that never overstate a hold.
END_OF_DAY_DEFAULT = {"eligible_at", "lodged_at", "charge_released_at"}
# Rule 4 / model Fold::for_field: a repeated (ambiguous) local time reads as
# the later instant in these fields, the earlier in every other one
# (released_at, lifted_at, ice_custody_at, the pipeline's as_of).
LATER_INSTANT = {"booked_at", "eligible_at", "charge_released_at", "lodged_at"}

MIN_YEAR, MAX_YEAR = 1980, 2100          # datetimes (src/ingest/parse/datetime.rs)
DOB_MIN_YEAR, DOB_MAX_YEAR = 1900, 2100  # dates of birth
MAX_HOLD_MINUTES = 5 * 36_525 * 24 * 60 // 100  # src/rules/plausibility.rs
# src/config/defaults.rs: the formats of a field the pipeline gives none for.
DEFAULT_DATETIME_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
                            "%Y-%m-%dT%H:%M", "%Y-%m-%d"]
DEFAULT_DATE_FORMATS = ["%Y-%m-%d"]


# ---------------------------------------------------------------------------
# Pipeline files (docs/PIPELINE_FILES.md)

@dataclass
class Input:
    table: str
    files: list[str]
    fmt: str
    delimiter: str
    encoding: str          # "utf-8" | "windows-1252"
    skip_rows: int
    null_values: list[str]
    columns: dict[str, list[str]]   # canonical field -> 1 or 2 source headers
    formats: dict[str, list[str]]   # canonical field -> chrono formats


@dataclass
class Pipeline:
    path: str
    county: str
    slug: str
    state: str
    tz: str
    as_of: dt.datetime | None       # naive local
    since: dt.date
    until: dt.date | None
    grace_minutes: int
    date_only: dict[str, str]
    missing_warrant: str
    inputs: list[Input]
    codes: dict[str, dict[str, str]] = field(default_factory=dict)

    def end_of_day(self, fld: str) -> bool:
        reading = self.date_only.get(fld)
        if reading is None:
            return fld in END_OF_DAY_DEFAULT
        return reading == "end_of_day"

    def inputs_of(self, table: str) -> list[Input]:
        return [i for i in self.inputs if i.table == table]


_ACCENTS = str.maketrans(
    "áàâäãåÁÀÂÄÃÅéèêëÉÈÊËíìîïÍÌÎÏóòôöõÓÒÔÖÕúùûüÚÙÛÜñÑçÇ",
    "aaaaaaAAAAAAeeeeEEEEiiiiIIIIoooooOOOOOuuuuUUUUnNcC")


def slugify(name: str) -> str:
    """src/config/mod.rs slugify: `San Luis Obispo` -> `san-luis-obispo`."""
    out = []
    for c in name.translate(_ACCENTS):
        if c.isascii() and c.isalnum():
            out.append(c.lower())
        elif out and out[-1] != "-":
            out.append("-")
    return "".join(out).rstrip("-")


def _local_datetime(s: str) -> dt.datetime:
    for f in ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"):
        try:
            return dt.datetime.strptime(s, f)
        except ValueError:
            pass
    return dt.datetime.strptime(s, "%Y-%m-%d")


def _as_list(v) -> list[str]:
    return [v] if isinstance(v, str) else list(v)


def load_pipeline(path: str) -> Pipeline:
    with open(path, "rb") as f:
        raw = tomllib.load(f)
    base = os.path.dirname(os.path.abspath(path))
    rules = raw.get("rules", {})
    inputs = []
    for ri in raw.get("inputs", []):
        pattern = os.path.join(base, ri["path"])
        files = sorted(glob.glob(pattern))
        if not files:
            raise SystemExit(f"{path}: `{ri['path']}` matches no file")
        fmt = ri.get("format") or os.path.splitext(files[0])[1].lstrip(".").lower()
        if fmt != "csv":
            raise SystemExit(f"{path}: format {fmt!r}: the yardsticks read CSV only")
        delim = ri.get("delimiter", ",")
        if delim == "\\t":
            delim = "\t"
        enc = ri.get("encoding", "utf-8").lower()
        enc = "windows-1252" if enc in ("windows-1252", "cp1252") else "utf-8"
        columns = {k: _as_list(v) for k, v in ri.get("columns", {}).items()}
        formats = {k: _as_list(v) for k, v in ri.get("formats", {}).items()}
        # A mapped date or datetime field without formats takes its kind's
        # defaults (src/config/defaults.rs).
        for fld, kind, _ in FIELDS[ri["table"]]:
            if fld in columns and fld not in formats:
                if kind == DATETIME:
                    formats[fld] = list(DEFAULT_DATETIME_FORMATS)
                elif kind == DATE:
                    formats[fld] = list(DEFAULT_DATE_FORMATS)
        inputs.append(Input(
            table=ri["table"], files=files, fmt=fmt, delimiter=delim, encoding=enc,
            skip_rows=int(ri.get("skip_rows", 0)),
            null_values=list(ri.get("null_values", [""])),
            columns=columns, formats=formats,
        ))
    as_of = raw.get("as_of")
    until = rules.get("until")
    return Pipeline(
        path=path, county=raw["county"], slug=slugify(raw["county"]),
        state=raw["state"], tz=raw["timezone"],
        as_of=_local_datetime(as_of) if as_of else None,
        since=dt.date.fromisoformat(rules.get("since", "2011-01-01")),
        until=dt.date.fromisoformat(until) if until else None,
        grace_minutes=int(rules.get("grace_minutes", 0)),
        date_only=dict(rules.get("date_only", {})),
        missing_warrant=rules.get("missing_warrant", "unknown"),
        inputs=inputs,
        codes={k: dict(v) for k, v in raw.get("codes", {}).items()},
    )


def load_pipelines(folder_or_files: list[str]) -> list[Pipeline]:
    paths: list[str] = []
    for p in folder_or_files:
        if os.path.isdir(p):
            paths.extend(sorted(glob.glob(os.path.join(p, "*.toml"))))
        else:
            paths.append(p)
    return [load_pipeline(p) for p in paths]


# ---------------------------------------------------------------------------
# Datetime formats (src/ingest/parse/)

_TIME_CODES = re.compile(r"%[-_0^#]?[HIklsTRXcr+]")


def has_time(fmt: str) -> bool:
    """True when a chrono format reads a time of day (parse/format.rs `compile`)."""
    return bool(_TIME_CODES.search(fmt))


def candidate_formats(formats: list[str]) -> list[tuple[str, bool]]:
    """The chrono formats a datetime field tries, in parse.rs order, as
    (format, has_time): the field's formats; then the date part (before the
    first space) of each format with a time, for values that carry a date
    alone; then the ISO 8601 forms always accepted. (RFC 3339 instants and
    Excel serial numbers, also accepted by the audit, are left out.)"""
    out = [(f, has_time(f)) for f in formats]
    for f in formats:
        if " " in f:
            d = f.split(" ", 1)[0]
            if d and not has_time(d):
                out.append((d, False))
    out += [("%Y-%m-%d %H:%M:%S%.f", True), ("%Y-%m-%dT%H:%M:%S%.f", True),
            ("%Y-%m-%d %H:%M", True), ("%Y-%m-%dT%H:%M", True), ("%Y-%m-%d", False)]
    # Same format twice is tried once.
    seen, uniq = set(), []
    for f, t in out:
        if f not in seen:
            seen.add(f)
            uniq.append((f, t))
    return uniq


def strptime_variants(fmt: str) -> list[str]:
    """A chrono format as Python/DuckDB strptime formats. chrono's `%.f`
    (optional dot and fraction) becomes two formats: without, and `.%f`."""
    if "%.f" in fmt:
        return [fmt.replace("%.f", ""), fmt.replace("%.f", ".%f")]
    return [fmt]


# ---------------------------------------------------------------------------
# Federal holidays and the local-day calendar (src/calendar.rs)

def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The n-th (1-based) weekday (Mon=0) of a month; n=0: the last one."""
    if n == 0:
        nxt = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
        d = nxt - dt.timedelta(days=1)
        while d.weekday() != weekday:
            d -= dt.timedelta(days=1)
        return d
    d = dt.date(year, month, 1)
    d += dt.timedelta(days=(weekday - d.weekday()) % 7)
    return d + dt.timedelta(weeks=n - 1)


def federal_holidays(year: int) -> list[tuple[str, dt.date, dt.date]]:
    """(name, date, observed) of 5 U.S.C. 6103(a); Juneteenth from 2021."""
    days = [
        ("New Year's Day", dt.date(year, 1, 1)),
        ("Martin Luther King Jr. Day", _nth_weekday(year, 1, 0, 3)),
        ("Washington's Birthday", _nth_weekday(year, 2, 0, 3)),
        ("Memorial Day", _nth_weekday(year, 5, 0, 0)),
    ]
    if year >= 2021:
        days.append(("Juneteenth National Independence Day", dt.date(year, 6, 19)))
    days += [
        ("Independence Day", dt.date(year, 7, 4)),
        ("Labor Day", _nth_weekday(year, 9, 0, 1)),
        ("Columbus Day", _nth_weekday(year, 10, 0, 2)),
        ("Veterans Day", dt.date(year, 11, 11)),
        ("Thanksgiving Day", _nth_weekday(year, 11, 3, 4)),
        ("Christmas Day", dt.date(year, 12, 25)),
    ]

    def observed(d: dt.date) -> dt.date:
        if d.weekday() == 5:
            return d - dt.timedelta(days=1)
        if d.weekday() == 6:
            return d + dt.timedelta(days=1)
        return d

    return [(n, d, observed(d)) for n, d in days]


def holiday_days(first_year: int, last_year: int) -> set[dt.date]:
    """Every day federal offices close for a holiday (the holiday itself and
    its observed day), including a New Year's Day observed on December 31."""
    out: set[dt.date] = set()
    for y in range(first_year, last_year + 2):
        for _, d, o in federal_holidays(y):
            out.add(d)
            out.add(o)
    return out


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def local_to_utc_us(naive: dt.datetime, zone: ZoneInfo, later: bool = False) -> int | None:
    """Method rule 4 in plain Python: the earlier (or, with `later`, the
    later) instant of an ambiguous local time, None for a time in a DST gap."""
    t = naive.replace(tzinfo=zone, fold=1 if later else 0)   # fold=0: the earlier instant
    u = t.astimezone(dt.timezone.utc)
    if u.astimezone(zone).replace(tzinfo=None) != naive:
        return None
    return (u - _EPOCH) // dt.timedelta(microseconds=1)


def transition_days(tz: str, first: int = MIN_YEAR, last: int = MAX_YEAR) -> list[dt.date]:
    """The local days of years first..last on which `tz` changes its UTC
    offset: the only days with a repeated or a skipped local time."""
    zone = ZoneInfo(tz)

    def off(d: dt.date):
        return dt.datetime(d.year, d.month, d.day, tzinfo=zone).utcoffset()

    out = []
    d = dt.date(first, 1, 1)
    prev = off(d)
    while d.year <= last:
        nxt = off(d + dt.timedelta(days=1))
        if nxt != prev:
            out.append(d)
        prev = nxt
        d += dt.timedelta(days=1)
    return out


def day_calendar(tz: str, first: dt.date = dt.date(1979, 12, 30),
                 last: dt.date = dt.date(2101, 1, 2)):
    """One row per local calendar day in `tz`: (day, start_us, excluded,
    cum_us) where start_us is the UTC instant (microseconds) the local day
    starts (earliest existing instant: calendar.rs local_day_start),
    excluded is True for Saturdays, Sundays and federal holidays, and cum_us
    the business microseconds (not excluded days) from `first` to the day's
    start. The business time of [s, e) is B(e) - B(s) with
    B(t) = cum_us[d] + (0 if excluded[d] else t - start_us[d]), d = the local
    day of t (the last day whose start is <= t)."""
    zone = ZoneInfo(tz)
    hol = holiday_days(first.year - 1, last.year)
    days, starts, excl = [], [], []
    d = first
    while d <= last + dt.timedelta(days=1):
        t = dt.datetime(d.year, d.month, d.day)
        s = None
        for _ in range(24 * 4 + 1):
            s = local_to_utc_us(t, zone)
            if s is not None:
                break
            t += dt.timedelta(minutes=15)
        days.append(d)
        starts.append(s)
        excl.append(d.weekday() >= 5 or d in hol)
        d += dt.timedelta(days=1)
    cum, acc = [], 0
    for i in range(len(days) - 1):
        cum.append(acc)
        if not excl[i]:
            acc += starts[i + 1] - starts[i]
    return days[:-1], starts[:-1], excl[:-1], cum


def check_holidays_against_fixture(csv_path: str) -> None:
    """Self-check against tests/fixtures/us_federal_holidays_2010_2030.csv
    (columns date, weekday, holiday, is_observed_day)."""
    import csv
    want = set()
    with open(csv_path, newline="") as f:
        for row in csv.DictReader(f):
            want.add(dt.date.fromisoformat(row["date"]))
    got = {d for d in holiday_days(2010, 2030) if 2010 <= d.year <= 2030}
    assert got == want, (sorted(got - want)[:5], sorted(want - got)[:5])


def regime(state: str, day: dt.date) -> str:
    """Method rule 10 (docs/METHOD.md)."""
    if state != "CA":
        return "none"
    if day < dt.date(2014, 1, 1):
        return "pre_trust"
    if day < dt.date(2018, 1, 1):
        return "trust_act"
    return "values_act"


def month_keys(p: Pipeline, as_of_local: dt.datetime) -> list[tuple[int, int]]:
    """The summary months: from `since` to the month of as_of (or until)."""
    first = (p.since.year, p.since.month)
    last = (as_of_local.year, as_of_local.month)
    if p.until is not None:
        last = min(last, (p.until.year, p.until.month))
    out, k = [], first
    while k <= last:
        out.append(k)
        k = (k[0] + 1, 1) if k[1] == 12 else (k[0], k[1] + 1)
    return out


# The audit's summary columns (src/outputs/summary.rs), in its order.
SUMMARY_COLUMNS = [
    "county", "county_name", "year", "month", "bookings", "bookings_with_detainer",
    "holds", "flagged", "flagged_persons", "over_limit", "warrant_unknown",
    "eligibility_unknown", "release_unknown", "open_holds", "transferred_to_ice",
    "hold_hours_total", "hold_hours_median", "hold_hours_p90", "hold_hours_max",
    "flagged_hold_hours_total", "flagged_unwarranted_hours_total",
    "baseline_release_minutes_median", "regime",
]
SUMMARY_COUNTS = [
    "bookings", "bookings_with_detainer", "holds", "flagged", "flagged_persons",
    "over_limit", "warrant_unknown", "eligibility_unknown", "release_unknown",
    "open_holds", "transferred_to_ice",
]
SUMMARY_HOURS = [
    "hold_hours_total", "hold_hours_median", "hold_hours_p90", "hold_hours_max",
    "flagged_hold_hours_total", "flagged_unwarranted_hours_total",
    "baseline_release_minutes_median",
]


# ---------------------------------------------------------------------------
# CSV headers (src/ingest/source/csv.rs): BOM skipped, preamble lines skipped,
# header names trimmed; a mapped column is found exactly, then ignoring
# ASCII case.

def read_header(path: str, inp: Input) -> list[str]:
    import csv
    import io
    with open(path, "rb") as f:
        if f.read(3) != b"\xef\xbb\xbf":
            f.seek(0)
        for _ in range(inp.skip_rows):
            if not f.readline():
                break
        enc = "utf-8" if inp.encoding == "utf-8" else "cp1252"
        text = io.TextIOWrapper(f, encoding=enc, errors="replace", newline="")
        row = next(csv.reader(text, delimiter=inp.delimiter), None)
    if row is None:
        raise SystemExit(f"{path}: the file is empty (no header line)")
    return [h.strip() for h in row]


def column_position(header: list[str], name: str, path: str) -> int:
    for i, h in enumerate(header):
        if h == name:
            return i
    for i, h in enumerate(header):
        if h.lower() == name.lower():
            return i
    raise SystemExit(f"{path}: column `{name}` is not in the header; the header has: "
                     + ", ".join(header))


def file_groups(inp: Input) -> list[tuple[list[str], list[str]]]:
    """The input's files grouped by identical header, in file order:
    [(header, files)]."""
    groups: list[tuple[list[str], list[str]]] = []
    for f in inp.files:
        h = read_header(f, inp)
        if groups and groups[-1][0] == h:
            groups[-1][1].append(f)
        else:
            groups.append((h, [f]))
    return groups


# ---------------------------------------------------------------------------
# Reading each file once: inputs of one pipeline that read the same files in
# the same dialect (bookings and releases from one export, as all three
# generated dialects have them) are one source.

@dataclass
class Source:
    files: list[str]
    delimiter: str
    encoding: str
    skip_rows: int
    inputs: list[Input]

    def columns(self) -> list[str]:
        """Every source column any of its inputs maps, once, in order."""
        out: list[str] = []
        for inp in self.inputs:
            for srcs in inp.columns.values():
                for s in srcs:
                    if s not in out:
                        out.append(s)
        return out

    def input_of(self, table: str) -> Input | None:
        got = [i for i in self.inputs if i.table == table]
        return got[0] if got else None


def sources(p: Pipeline, shared: tuple[str, ...] = ("bookings", "releases")) -> list[Source]:
    """The pipeline's inputs grouped by what they read. Only one input of
    each table goes in a source, and only the tables in `shared` share one
    (charges and detainers are read on their own)."""
    out: list[Source] = []
    for inp in p.inputs:
        key = (tuple(inp.files), inp.delimiter, inp.encoding, inp.skip_rows)
        for s in out:
            if ((tuple(s.files), s.delimiter, s.encoding, s.skip_rows) == key
                    and inp.table in shared and all(i.table in shared for i in s.inputs)
                    and s.input_of(inp.table) is None):
                s.inputs.append(inp)
                break
        else:
            out.append(Source(inp.files, inp.delimiter, inp.encoding, inp.skip_rows, [inp]))
    return out


def input_bytes(p: Pipeline) -> int:
    return sum(os.path.getsize(f) for f in {f for i in p.inputs for f in i.files})


def batches(pipelines: list[Pipeline], budget: int) -> list[list[Pipeline]]:
    """Counties in batches of at most `budget` bytes of input (a larger
    county is a batch of its own), in the order given."""
    out: list[list[Pipeline]] = []
    size = 0
    for p in pipelines:
        b = input_bytes(p)
        if not out or size + b > budget:
            out.append([])
            size = 0
        out[-1].append(p)
        size += b
    return out
