#!/usr/bin/env python3
"""polars peer: the core work of `detainer-audit run` (what the monthly
summary needs) with Python polars' lazy API and its streaming engine,
written as a competent polars user would.

Usage: python bench/polars_core.py [--profile] PIPELINES_DIR_OR_TOML... OUT_DIR

How it is organized: each county's files are scanned lazily
(`pl.scan_csv`, every field as text) and its bookings joined with their
release and charges in one plan, collected with `collect(engine="streaming")`
county by county (one query over every county's scans ran 4 to 8 times
slower in the streaming engine, and a county's joined bookings, one row per
usable booking, are what memory must hold); the detainers likewise. The
rest (attaching, holds, summary) is one lazy plan over the state, keyed by
county, collected with the streaming engine where a result is used more
than once: the detainers of the holds, the holds, the summary. Inputs that
read the same files in the same dialect (bookings and releases from one
export) are one scan. Local times are read with polars' own chrono formats
(the formats after a field's first only where it failed) and turned into
instants by `dt.replace_time_zone(tz, ambiguous=..., non_existent="null")`,
once per value: polars does rule 4 natively. `--profile` prints the time
of each collect to stderr.

What it does, for every pipeline TOML given (read with tomllib; paths are
relative to the TOML file and may be globs):

- scans each CSV source with its delimiter, skip_rows and header (utf-8,
  or windows-1252 read as `utf8-lossy`, see below); trims fields and
  applies each input's null_values; maps source columns to canonical
  fields, joining a (date, time) pair with a space;
- parses datetimes with the field's chrono formats in order, then the date
  part of each (a date alone read per rules.date_only), then ISO 8601
  text; local time to UTC per method rule 4 as revised: the later instant
  of a repeated time for booked_at, eligible_at, charge_released_at and
  lodged_at, the earlier for the other fields; a time in the DST gap
  rejects its row; years outside 1980-2100 (dates of birth 1900-2100),
  times after as_of, unparseable dates and amounts, and empty required
  fields reject their row; a row with invalid UTF-8 in any field (a U+FFFD
  after the lossy decoding) in a utf-8 file is rejected; codes mapped with
  [codes.*] (exact, then ignoring case and spaces, `""` for empty fields;
  else 'unknown');
- the rules, as in duckdb_core.py: duplicate and conflicting booking and
  release rows; releases before booking; eligibility from charges only
  when no charge row of the booking was rejected; detainers attached by
  booking id or person custody window; the release (released_at, else the
  earliest ICE custody time; a rejected or conflicting release row:
  release_unknown); the hold as pieces (a gaps-and-islands window over the
  spans of each booking: `cum_max().shift().over(...)`), whole minutes of
  the total, unwarranted minutes, warrant status over the unwarranted
  part, the form in force at hold_start, the 48-hour clocks over the
  pieces (a day calendar read with `join_asof`), status, flag,
  transferred_to_ice, implausible stays dropped with their bookings;
- the release-latency baseline and the monthly summary per county and
  local month, with every column of the audit's summary;
- writes Hive-partitioned Parquet: OUT/summary/county=<slug>/*.parquet.

What it leaves out, compared with the full audit:
- no holds/, hold_detainers/, rejects/, class lists, possible duplicates,
  workbook, report or manifest; no SHA-256, reject reasons, raw values or
  row numbers; no atomic output folder;
- XLSX and Parquet inputs; RFC 3339 instants and Excel serial numbers in
  datetime fields;
- rows with the wrong number of fields: polars' CSV reader cannot say
  which rows they are (a missing trailing field reads as empty, extra
  fields are cut with truncate_ragged_lines): such a row is used, where the
  audit rejects it and counts the ids it names as rejected (the generated
  data has none);
- windows-1252 files are read with `utf8-lossy` (polars reads only UTF-8):
  their accented letters become U+FFFD, which only names carry, and names
  do not enter the counts; a literal U+FFFD in a utf-8 file counts as
  invalid UTF-8;
- person keys for flagged_persons: `id:person_id`, else the booking id (the
  audit falls back to normalized name + date of birth first);
- ties in "earliest lodged" are broken by detainer_id, then reading order;
  the 48-hour clock floors seconds per piece (the audit per local day
  within a piece: the same for times in whole seconds).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import time
from collections import defaultdict
from zoneinfo import ZoneInfo

import polars as pl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402

PROFILE: dict[str, float] = defaultdict(float)
STREAMING = "streaming"
KEY = ["county", "booking_id"]
US = 1_000_000
MIN_US = 60 * US


def collect(phase: str, lf: pl.LazyFrame) -> pl.DataFrame:
    t0 = time.perf_counter()
    df = lf.collect(engine=STREAMING)
    PROFILE[phase] += time.perf_counter() - t0
    return df


# ---------------------------------------------------------------------------
# Reading

def nz(x: pl.Expr, nulls: list[str]) -> pl.Expr:
    """A trimmed field, null when empty or one of the input's null values."""
    t = x.str.strip_chars()
    bad = {n.strip() for n in nulls} | {""}
    return pl.when(t.is_in(list(bad))).then(None).otherwise(t)


def codes(x: pl.Expr, table: dict[str, str] | None) -> pl.Expr:
    """[codes.*] (parse/codes.rs): exact, then ignoring case and surrounding
    spaces, else 'unknown'; an empty field -> the `""` code's category."""
    table = table or {}
    exact = {k: v for k, v in table.items() if k != ""}
    folded: dict[str, str] = {}
    for k, v in table.items():
        if k.strip():
            folded.setdefault(k.strip().lower(), v)
    m = pl.coalesce(
        x.replace_strict(exact, default=None, return_dtype=pl.String) if exact else pl.lit(None, pl.String),
        x.str.strip_chars().str.to_lowercase().replace_strict(folded, default="unknown", return_dtype=pl.String))
    return pl.when(x.is_null()).then(pl.lit(table.get(""), pl.String)).otherwise(m)


def naive(x: pl.Expr, p: C.Pipeline, fld: str, formats: list[str]) -> pl.Expr:
    """Local (naive) datetime of a text: the chrono formats in order (polars
    speaks chrono), a date alone read per rules.date_only."""
    eod = pl.duration(hours=23, minutes=59, seconds=59) if p.end_of_day(fld) else None
    alts = []
    for f, has_time in C.candidate_formats(formats):
        if has_time:
            alts.append(x.str.to_datetime(f, time_unit="us", strict=False, exact=True))
        else:
            d = x.str.to_date(f, strict=False, exact=True).cast(pl.Datetime("us"))
            alts.append(d + eod if eod is not None else d)
    # Nearly every value is in the first format: the others are tried only
    # where it failed (a failed parse costs several times a good one, and
    # pl.coalesce would try every format on every value).
    if len(alts) == 1:
        return alts[0]
    return pl.when(alts[0].is_not_null() | x.is_null()).then(alts[0]).otherwise(pl.coalesce(alts[1:]))


def instant(n: pl.Expr, tz: str, fld: str) -> pl.Expr:
    """Method rule 4: UTC microseconds of a local time; null in the DST gap;
    the field's instant of a repeated time."""
    amb = "latest" if fld in C.LATER_INSTANT else "earliest"
    return n.dt.replace_time_zone(tz, ambiguous=amb, non_existent="null").dt.epoch("us")


def input_exprs(p: C.Pipeline, inp: C.Input | None, table: str, xs: dict[str, str], pre: str,
                as_of_us: int | None, utf8: bool) -> tuple[list[pl.Expr], list[pl.Expr], list[pl.Expr], pl.Expr]:
    """One input's fields over a scan's x columns, in layers that each
    compute a value once: texts (trimmed, null values applied, date and time
    joined), values (typed; a datetime as its local time `f__n`), instants
    (UTC microseconds, one zone conversion per value), and the condition
    that rejects the row, over those columns."""
    texts, vals, insts, bad = [], [], [], []
    for fld, kind, required in C.FIELDS[table]:
        name = f"{pre}{fld}"
        if inp is None or fld not in inp.columns:
            dtype = {C.DATETIME: pl.Int64, C.DATE: pl.Date, C.DECIMAL: pl.Float64}.get(kind, pl.String)
            vals.append(pl.lit(None, dtype).alias(name))
            if required and inp is not None:
                bad.append(pl.lit(True))
            continue
        srcs = inp.columns[fld]
        a = nz(pl.col(xs[srcs[0]]), inp.null_values)
        if len(srcs) == 2:
            b = nz(pl.col(xs[srcs[1]]), inp.null_values)
            t = pl.when(b.is_null()).then(a).otherwise(pl.concat_str([a, b], separator=" "))
        else:
            t = a
        tx = f"{name}__t"
        texts.append(t.alias(tx))
        x, v = pl.col(tx), pl.col(name)
        if kind == C.DATETIME:
            n = pl.col(f"{name}__n")
            vals.append(naive(x, p, fld, inp.formats.get(fld, [])).alias(f"{name}__n"))
            insts.append(instant(n, p.tz, fld).alias(name))
            cond = x.is_not_null() & (v.is_null() | ~n.dt.year().is_between(C.MIN_YEAR, C.MAX_YEAR))
            if as_of_us is not None:
                cond = cond | (v > as_of_us).fill_null(False)
            bad.append(cond.fill_null(True))
        elif kind == C.DATE:
            fs = inp.formats.get(fld, [])
            vals.append((pl.coalesce([x.str.to_date(f, strict=False, exact=True) for f in fs]) if fs
                         else pl.lit(None, pl.Date)).alias(name))
            bad.append((x.is_not_null() & (v.is_null() | ~v.dt.year().is_between(
                C.DOB_MIN_YEAR, C.DOB_MAX_YEAR))).fill_null(True))
        elif kind == C.DECIMAL:
            vals.append(x.str.replace_all(r"[$, ]", "").cast(pl.Float64, strict=False).alias(name))
            bad.append(x.is_not_null() & v.is_null())
        elif kind in (C.CODED, C.BOOL):
            vals.append(codes(x, p.codes.get(fld)).alias(name))
        else:
            vals.append(x.alias(name))
        if required:
            bad.append(v.is_null())
    if table == "detainers" and inp is not None:
        has = [f for f in ("booking_id", "person_id") if f in inp.columns]
        bad.append(pl.all_horizontal([pl.col(f"{pre}{f}").is_null() for f in has]) if has else pl.lit(True))
    return texts, vals, insts, pl.any_horizontal(bad) if bad else pl.lit(False)


def scan_source(p: C.Pipeline, src: C.Source, tables: list[tuple[str, str]], as_of_us: int | None,
                keep: list[str]) -> pl.LazyFrame:
    """A source's rows: for each table of `tables` [(table, prefix)] its
    fields, `{pre}ok` (the row is used; null where the source has no such
    input) and `{pre}h` (a hash of its canonical fields); columns `keep`."""
    frames = []
    cols = src.columns()
    utf8 = src.encoding == "utf-8"
    for header, files in C.file_groups(src.inputs[0]):
        pos = [C.column_position(header, c, files[0]) for c in cols]
        lf = pl.scan_csv(files, separator=src.delimiter, skip_rows=src.skip_rows, has_header=True,
                         infer_schema=False, quote_char='"', empty_string_is_null=False,
                         truncate_ragged_lines=True, encoding="utf8-lossy")
        xs = {c: f"x{i}" for i, c in enumerate(cols)}
        # Invalid UTF-8 anywhere in a row of a utf-8 file (a U+FFFD after
        # the lossy decoding) rejects the row for every input that reads it.
        u8 = (pl.any_horizontal(pl.all().str.contains("\ufffd", literal=True)).fill_null(False)
              if utf8 else pl.lit(False))
        lf = lf.select([pl.nth(pp).alias(f"x{i}") for i, pp in enumerate(pos)] + [u8.alias("_u8bad")])
        texts, vals, insts, oks = [], [], [], []
        for table, pre in tables:
            inp = src.input_of(table)
            t, v, i, bad = input_exprs(p, inp, table, xs, pre, as_of_us, utf8)
            texts += t
            vals += v
            insts += i
            names = [f"{pre}{f}" for f, _, _ in C.FIELDS[table]]
            oks.append(pl.lit(None, pl.Boolean).alias(f"{pre}ok") if inp is None
                       else (~(bad | pl.col("_u8bad"))).alias(f"{pre}ok"))
            oks.append(pl.struct(names).hash(7).alias(f"{pre}h"))
        lf = lf.with_columns(texts).with_columns(vals)
        if insts:
            lf = lf.with_columns(insts)
        lf = lf.with_columns(oks).select([pl.lit(p.slug).alias("county"), *keep])
        frames.append(lf)
    return pl.concat(frames, how="vertical")


def rejected_ids(lf: pl.LazyFrame, pre: str, kind: str) -> pl.LazyFrame:
    """(county, booking_id) named by the rows of `lf` that were rejected."""
    return (lf.filter(~pl.col(f"{pre}ok") & pl.col(f"{pre}booking_id").is_not_null())
            .select("county", pl.col(f"{pre}booking_id").alias("booking_id"), pl.lit(kind).alias("kind")))


# ---------------------------------------------------------------------------
# Local calendar: per zone (a zone is part of polars' datetime type)

def by_zone(lf: pl.LazyFrame, cty: pl.DataFrame, make) -> pl.LazyFrame:
    """`make(frame, tz)` applied to the rows of the counties of each zone."""
    parts = []
    for tz in cty["tz"].unique().sort():
        counties = cty.filter(pl.col("tz") == tz)["county"].to_list()
        parts.append(make(lf.filter(pl.col("county").is_in(counties)), tz))
    return pl.concat(parts, how="vertical") if len(parts) > 1 else parts[0]


def local(us: pl.Expr, tz: str) -> pl.Expr:
    return pl.from_epoch(us, time_unit="us").dt.replace_time_zone("UTC").dt.convert_time_zone(tz)


def days_frame(tzs: list[str]) -> pl.DataFrame:
    parts = []
    for tz in tzs:
        _, s, e, c = C.day_calendar(tz)
        parts.append(pl.DataFrame({"tz": [tz] * len(s), "start_us": s, "excluded": e, "cum_us": c},
                                  schema={"tz": pl.String, "start_us": pl.Int64, "excluded": pl.Boolean,
                                          "cum_us": pl.Int64}))
    return pl.concat(parts).sort("start_us")


# ---------------------------------------------------------------------------
# The audit's core

BR_TABLES = [("bookings", "b_"), ("releases", "r_")]
BR_KEEP = ["b_booking_id", "b_person_id", "b_booked_at", "b_ok", "b_h", "r_booking_id",
           "r_eligible_at", "r_released_at", "r_release_reason", "r_ok", "r_h"]
CH_KEEP = ["booking_id", "charge_kind", "charge_released_at", "ok"]
DT_KEEP = ["booking_id", "person_id", "detainer_id", "lodged_at", "lifted_at", "form",
           "warrant", "ice_custody_at", "ok"]


def county_plans(p: C.Pipeline) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """One county's plans: its bookings joined with their release and charges
    (rules 1, 2; one row per usable booking), and its usable detainers."""
    as_of_us = C.local_to_utc_us(p.as_of, ZoneInfo(p.tz)) if p.as_of else None
    br, ch, dts = [], [], []
    for src in C.sources(p):
        tables = {i.table for i in src.inputs}
        if tables & {"bookings", "releases"}:
            br.append(scan_source(p, src, BR_TABLES, as_of_us, BR_KEEP))
        elif "charges" in tables:
            ch.append(scan_source(p, src, [("charges", "")], as_of_us, CH_KEEP))
        else:
            dts.append(scan_source(p, src, [("detainers", "")], as_of_us, DT_KEEP))
    br = pl.concat(br, how="vertical")
    ch = pl.concat(ch, how="vertical") if ch else pl.LazyFrame(
        schema={"county": pl.String, "booking_id": pl.String, "charge_kind": pl.String,
                "charge_released_at": pl.Int64, "ok": pl.Boolean})
    dt_ = pl.concat(dts, how="vertical").filter("ok").drop("ok") if dts else pl.LazyFrame(
        schema={"county": pl.String, **{c: (pl.Int64 if c.endswith("_at") else pl.String)
                                        for c in DT_KEEP if c != "ok"}})
    b = (br.filter(pl.col("b_ok"))
         .group_by("county", pl.col("b_booking_id").alias("booking_id"))
         .agg(pl.col("b_person_id").first().alias("person_id"),
              pl.col("b_booked_at").first().alias("booked_at"),
              (pl.col("b_h").min() == pl.col("b_h").max()).alias("same"))
         .filter("same").drop("same"))
    r = (br.filter(pl.col("r_ok"))
         .group_by("county", pl.col("r_booking_id").alias("booking_id"))
         .agg((pl.col("r_h").min() == pl.col("r_h").max()).alias("same"),
              pl.col("r_eligible_at").first().alias("eligible_at"),
              pl.col("r_released_at").first().alias("released_at"),
              pl.col("r_release_reason").first().alias("release_reason")))
    crim = pl.col("charge_kind").ne("immigration_hold").fill_null(True)
    c = (ch.filter(pl.col("ok"))
         .group_by(KEY)
         .agg(crim.sum().alias("n_criminal"),
              (crim & pl.col("charge_released_at").is_null()).sum().alias("n_open"),
              pl.col("charge_released_at").filter(crim).max().alias("crim_rel")))
    # Booking ids named by rejected release and charge rows, and by
    # conflicting release rows.
    rr = pl.concat([rejected_ids(br, "r_", "release").select(KEY),
                    r.filter(~pl.col("same")).select(KEY)]).unique().with_columns(rel_rejected=pl.lit(True))
    cr = (rejected_ids(ch.rename({"ok": "c_ok", "booking_id": "c_booking_id"}), "c_", "charge")
          .select(KEY).unique().with_columns(ch_rejected=pl.lit(True)))
    j = (b.join(r.filter("same").drop("same"), on=KEY, how="left")
         .filter(~(pl.col("released_at") < pl.col("booked_at")).fill_null(False))
         .join(c, on=KEY, how="left").join(cr, on=KEY, how="left").join(rr, on=KEY, how="left")
         .with_columns(
             eligible=pl.coalesce(
                 "eligible_at",
                 pl.when((pl.col("n_criminal") > 0) & (pl.col("n_open") == 0) & pl.col("ch_rejected").is_null())
                 .then("crim_rel")),
             rel_rejected=pl.col("rel_rejected").fill_null(False))
         .select(*KEY, "person_id", "booked_at", "eligible_at", "released_at", "release_reason",
                 "eligible", "rel_rejected"))
    return j, dt_


def run(pipelines: list[C.Pipeline], summary_dir: str) -> pl.DataFrame:
    cty = pl.DataFrame(
        [{"county": p.slug, "county_name": p.county, "state": p.state, "tz": p.tz,
          "as_of": C.local_to_utc_us(p.as_of, ZoneInfo(p.tz)) if p.as_of else None,
          "grace": p.grace_minutes, "since": p.since, "until": p.until,
          "missing_warrant": p.missing_warrant} for p in pipelines],
        schema={"county": pl.String, "county_name": pl.String, "state": pl.String, "tz": pl.String,
                "as_of": pl.Int64, "grace": pl.Int64, "since": pl.Date, "until": pl.Date,
                "missing_warrant": pl.String})
    # One streaming query per county for the reading: the streaming engine
    # ran a concatenation of 58 counties' scans 4 to 8 times slower than the
    # same scans one by one (its fixed cost grows with the sources of one
    # query), and a county's joined bookings are what memory must hold.
    js, dts = [], []
    for p in pipelines:
        j_p, dt_p = county_plans(p)
        js.append(collect("read bookings+releases+charges, join", j_p))
        dts.append(collect("read detainers", dt_p))
    j = pl.concat(js)
    dt_ = pl.concat(dts).with_row_index("rid")

    # as_of where the pipeline gives none: the newest time in the export.
    newest = pl.concat([
        j.group_by("county").agg(pl.max_horizontal(pl.col("booked_at").max(), pl.col("released_at").max(),
                                                   pl.col("eligible_at").max()).alias("t")),
        dt_.group_by("county").agg(pl.col("lodged_at").max().alias("t"))]).group_by("county").agg(pl.col("t").max())
    cty = (cty.join(newest, on="county", how="left")
           .with_columns(as_of=pl.coalesce("as_of", "t")).drop("t"))

    jl, dl, cl = j.lazy(), dt_.lazy(), cty.lazy()
    det_cols = ["rid", "lodged_at", "lifted_at", "form", "warrant", "ice_custody_at", "detainer_id"]
    by_b = dl.filter(pl.col("booking_id").is_not_null()).join(jl.select(KEY), on=KEY, how="semi")
    by_p = (dl.filter(pl.col("booking_id").is_null()).drop("booking_id")
            .join(jl.filter(pl.col("person_id").is_not_null())
                  .select("county", "person_id", "booking_id", pl.col("booked_at").alias("b_booked"),
                          pl.col("released_at").alias("b_released")),
                  on=["county", "person_id"])
            .join(cl.select("county", "as_of"), on="county")
            .filter((pl.col("lodged_at") >= pl.col("b_booked"))
                    & (pl.col("lodged_at") <= pl.coalesce("b_released", "as_of")))
            .group_by("rid").agg(pl.all().sort_by("b_booked", "booking_id").last()))
    att = pl.concat([by_b.select(*KEY, *det_cols), by_p.select(*KEY, *det_cols)])

    # --- the holds (rules 2 to 8) --------------------------------------------
    span = pl.col("measured") & (pl.col("s") < pl.col("e"))
    end = pl.coalesce("rel", "as_of")
    hd = (att.join(jl.select(*KEY, "person_id", "booked_at", "eligible", "released_at", "release_reason",
                             "rel_rejected"), on=KEY)
          .with_columns(rel=pl.when(pl.col("rel_rejected")).then(None)
                        .otherwise(pl.coalesce("released_at", pl.col("ice_custody_at").min().over(KEY))))
          .filter(pl.col("rel_rejected") | pl.col("rel").is_null() | (pl.col("lodged_at") < pl.col("rel")))
          .join(cl.select("county", "as_of", "missing_warrant", "tz"), on="county")
          .with_columns(ws=pl.coalesce("warrant", "missing_warrant"),
                        measured=~pl.col("rel_rejected") & pl.col("eligible").is_not_null(),
                        s=pl.max_horizontal("lodged_at", "eligible"),
                        e=pl.min_horizontal(pl.coalesce("lifted_at", end), end)))
    hd = collect("rules: detainers of holds", hd).lazy()
    # Pieces: spans sorted, a new piece where a span starts after every
    # earlier one ended. rid breaks ties so that both windows see two equal
    # spans in one order (else the second can split what the first merged).
    pieces = (hd.filter(span).select(*KEY, "rid", "s", "e", "tz")
              .with_columns(prev=pl.col("e").cum_max().shift(1).over(KEY, order_by=["s", "e", "rid"]))
              .with_columns(pid=(pl.col("prev").is_null() | (pl.col("s") > pl.col("prev")))
                            .cum_sum().over(KEY, order_by=["s", "e", "rid"]))
              .group_by(*KEY, "pid").agg(pl.col("s").min().alias("ps"), pl.col("e").max().alias("pe"),
                                         pl.col("tz").first()))
    b1 = (hd.group_by(KEY)
          .agg(pl.col("person_id", "booked_at", "eligible", "rel", "rel_rejected", "measured",
                      "release_reason", "as_of", "tz").first(),
               pl.col("lodged_at").min().alias("first_lodged"),
               pl.col("ice_custody_at").is_not_null().any().alias("any_ice"),
               pl.col("s").filter(span).min().alias("sp_start"),
               pl.col("e").filter(span).max().alias("sp_end"),
               pl.col("s").filter(span & (pl.col("ws") == "judicial")).min().alias("w"))
          .with_columns(hs=pl.coalesce("sp_start", "eligible")))
    days = days_frame(cty["tz"].unique().sort().to_list()).lazy()

    def business(col: str) -> pl.LazyFrame:
        return (pieces.select(*KEY, "pid", "tz", col).sort(col)
                .join_asof(days, left_on=col, right_on="start_us", by="tz", strategy="backward",
                           check_sortedness=False)
                .select(*KEY, "pid", (pl.col("cum_us") + pl.when(pl.col("excluded")).then(0)
                                      .otherwise(pl.col(col) - pl.col("start_us"))).alias(f"B_{col}")))
    pa = (pieces.join(business("ps"), on=[*KEY, "pid"]).join(business("pe"), on=[*KEY, "pid"])
          .join(b1.select(*KEY, "w"), on=KEY)
          .group_by(KEY)
          .agg((pl.col("pe") - pl.col("ps")).sum().alias("us"),
               (pl.min_horizontal("pe", pl.coalesce("w", "pe")) - pl.col("ps")).clip(0).sum().alias("unw_us"),
               ((pl.col("pe") - pl.col("ps")) // US).sum().alias("cal_s"),
               ((pl.col("B_pe") - pl.col("B_ps")) // US).sum().alias("bus_s")))
    at_start = ((pl.col("lodged_at") <= pl.col("hs"))
                & (pl.col("lifted_at").is_null() | (pl.col("lifted_at") > pl.col("hs"))))
    form_cand = (pl.when(~pl.col("measured")).then(True)
                 .when(pl.col("sp_start").is_not_null()).then(span & (pl.col("s") == pl.col("hs")))
                 .otherwise(at_start))
    judged = (pl.when(~pl.col("measured")).then(True)
              .when(pl.col("sp_start").is_not_null())
              .then(span & (pl.col("w").is_null() | (pl.col("s") < pl.col("w"))))
              .otherwise(at_start))
    d = (hd.drop("measured", "tz", "as_of").join(b1.select(*KEY, "hs", "sp_start", "w", "measured"), on=KEY)
         .group_by(KEY)
         .agg(pl.col("form").fill_null("unknown").filter(form_cand)
              .sort_by([pl.col(k).filter(form_cand) for k in ("lodged_at", "detainer_id", "rid")],
                       nulls_last=False).first().alias("form"),
              *[(judged & (pl.col("ws") == w)).any().alias(f"j_{w}")
                for w in ("judicial", "unknown", "administrative")]))
    hours = lambda s: (pl.col(s).fill_null(0) // 60) / 60.0  # noqa: E731
    h = (b1.join(d, on=KEY).join(pa, on=KEY, how="left")
         .join(cl.select("county", "grace", "since", "until"), on="county")
         .with_columns(
             status=pl.when("rel_rejected").then(pl.lit("release_unknown"))
             .when(pl.col("eligible").is_null()).then(pl.lit("eligibility_unknown"))
             .when(pl.col("rel").is_null() & (pl.col("sp_end") == pl.col("as_of"))).then(pl.lit("open"))
             .otherwise(pl.lit("closed")),
             minutes=pl.when("measured").then(pl.col("us").fill_null(0) // MIN_US),
             unw=pl.when("measured").then(pl.col("unw_us").fill_null(0) // MIN_US),
             warrant_status=pl.when(pl.col("measured") & (pl.col("w") == pl.col("sp_start")))
             .then(pl.lit("judicial"))
             .when(pl.col("j_judicial") & (~pl.col("measured") | pl.col("sp_start").is_null()))
             .then(pl.lit("judicial"))
             .when("j_unknown").then(pl.lit("unknown"))
             .when("j_administrative").then(pl.lit("administrative"))
             .otherwise(pl.lit("none")),
             over_limit=pl.when(~pl.col("measured")).then(None)
             .when(pl.col("form").is_in(["I-247", "I-247D", "I-247X"])).then(hours("bus_s") > 48)
             .when(pl.col("form") == "I-247A").then(hours("cal_s") > 48)
             .when(pl.col("form") == "I-247N").then(hours("cal_s") > 0),
             hold_start=pl.when("measured").then("hs"),
             transferred=pl.col("release_reason").eq_missing("transfer_ice") | pl.col("any_ice"),
             person_key=pl.coalesce(pl.lit("id:") + pl.col("person_id"), pl.lit("booking:") + pl.col("booking_id"))))
    h = by_zone(h, cty, lambda f, tz: f.with_columns(
        basis=local(pl.coalesce("hold_start", "first_lodged"), tz),
        start_day=local(pl.col("hold_start"), tz).dt.date()))
    unw_past = (pl.col("unw") > pl.col("grace")).fill_null(False)
    h = h.with_columns(
        year=pl.col("basis").dt.year(), month=pl.col("basis").dt.month(),
        flagged=unw_past & pl.col("warrant_status").is_in(["none", "administrative"])
        & (pl.col("start_day") >= pl.col("since")).fill_null(False)
        & (pl.col("until").is_null() | (pl.col("start_day") <= pl.col("until"))).fill_null(False),
        warrant_unknown=unw_past & (pl.col("warrant_status") == "unknown"),
        implausible=(pl.col("minutes") > C.MAX_HOLD_MINUTES).fill_null(False))
    h = collect("rules: holds", h.select(*KEY, "booked_at", "year", "month", "minutes", "unw", "status",
                                          "warrant_status", "over_limit", "transferred", "person_key",
                                          "flagged", "warrant_unknown", "implausible"))
    hl = h.lazy()

    # --- the monthly summary -------------------------------------------------
    ids = att.select(KEY).unique()
    gone = hl.filter("implausible").select(KEY)
    mc = by_zone(jl.join(gone, on=KEY, how="anti")
                 .join(ids.with_columns(has=pl.lit(True)), on=KEY, how="left"), cty,
                 lambda f, tz: f.with_columns(lt=local(pl.col("booked_at"), tz)))
    mc = (mc.group_by("county", pl.col("lt").dt.year().alias("year"), pl.col("lt").dt.month().alias("month"))
          .agg(pl.len().alias("bookings"), pl.col("has").count().alias("bookings_with_detainer")))
    bl = by_zone(jl.join(ids, on=KEY, how="anti")
                 .filter(pl.col("eligible").is_not_null() & pl.col("released_at").is_not_null()), cty,
                 lambda f, tz: f.with_columns(year=local(pl.col("eligible"), tz).dt.year()))
    bl = (bl.group_by("county", "year")
          .agg(((pl.col("released_at") - pl.col("eligible")) / 60e6).clip(0).median()
               .alias("baseline_release_minutes_median")))
    hrs = pl.col("minutes") / 60.0
    fl = pl.col("flagged")
    hm = (hl.filter(~pl.col("implausible")).group_by("county", "year", "month")
          .agg(pl.len().alias("holds"), fl.sum().alias("flagged"),
               pl.col("person_key").filter(fl).n_unique().alias("flagged_persons"),
               pl.col("over_limit").sum().alias("over_limit"),
               pl.col("warrant_unknown").sum().alias("warrant_unknown"),
               (pl.col("status") == "eligibility_unknown").sum().alias("eligibility_unknown"),
               (pl.col("status") == "release_unknown").sum().alias("release_unknown"),
               (pl.col("status") == "open").sum().alias("open_holds"),
               pl.col("transferred").sum().alias("transferred_to_ice"),
               hrs.sum().alias("hold_hours_total"),
               hrs.quantile(0.5, interpolation="linear").alias("hold_hours_median"),
               hrs.quantile(0.9, interpolation="linear").alias("hold_hours_p90"),
               hrs.max().alias("hold_hours_max"),
               hrs.filter(fl).sum().alias("flagged_hold_hours_total"),
               (pl.col("unw") / 60.0).filter(fl).sum().alias("flagged_unwarranted_hours_total")))
    spine = []
    for row in cty.iter_rows(named=True):
        as_of_local = (dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=row["as_of"])) \
            .replace(tzinfo=dt.timezone.utc).astimezone(ZoneInfo(row["tz"])).replace(tzinfo=None)
        p = next(x for x in pipelines if x.slug == row["county"])
        for y, m in C.month_keys(p, as_of_local):
            spine.append((row["county"], row["county_name"], y, m, C.regime(row["state"], dt.date(y, m, 1))))
    spine = pl.LazyFrame(spine, schema={"county": pl.String, "county_name": pl.String, "year": pl.Int32,
                                        "month": pl.Int8, "regime": pl.String}, orient="row")
    ints = [c for c in C.SUMMARY_COUNTS]
    summary = (spine.join(mc, on=["county", "year", "month"], how="left")
               .join(hm, on=["county", "year", "month"], how="left")
               .join(bl, on=["county", "year"], how="left")
               .with_columns([pl.col(c).fill_null(0).cast(pl.Int64) for c in ints]
                             + [pl.col(c).fill_null(0.0) for c in ("hold_hours_total", "flagged_hold_hours_total",
                                                                   "flagged_unwarranted_hours_total")]
                             + [pl.col("month").cast(pl.Int32)])
               .select(C.SUMMARY_COLUMNS).sort("county", "year", "month"))
    summary = collect("summary", summary)
    t0 = time.perf_counter()
    summary.write_parquet(summary_dir, partition_by="county", mkdir=True)
    PROFILE["write summary"] += time.perf_counter() - t0
    return summary


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description="polars peer of detainer-audit's core work")
    ap.add_argument("--profile", action="store_true", help="print the time of each collect to stderr")
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args(argv[1:])
    if len(a.paths) < 2:
        ap.error("PIPELINES... OUT_DIR")
    t_start = time.perf_counter()
    pipelines = C.load_pipelines(a.paths[:-1])
    out = a.paths[-1]
    os.makedirs(out, exist_ok=True)
    summary_dir = os.path.join(out, "summary")
    shutil.rmtree(summary_dir, ignore_errors=True)
    summary = run(pipelines, summary_dir)
    if a.profile:
        total = time.perf_counter() - t_start
        print(f"polars_core profile (wall {total:.2f} s, {pl.thread_pool_size()} threads):", file=sys.stderr)
        for k, v in PROFILE.items():
            if v:
                print(f"  {k:40s} {v:8.2f} s  {100 * v / total:5.1f}%", file=sys.stderr)
    print(f"polars_core: {len(pipelines)} counties: {summary['holds'].sum()} holds, "
          f"{summary['flagged'].sum()} flagged; outputs in {summary_dir}")
    return 0


if __name__ == "__main__":
    code = main(sys.argv)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # see duckdb_core.py: no native teardown
