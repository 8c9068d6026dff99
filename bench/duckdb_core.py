#!/usr/bin/env python3
"""DuckDB yardstick: the core work of `detainer-audit run`, in DuckDB SQL.

Usage: python bench/duckdb_core.py PIPELINES_DIR_OR_TOML... OUT_DIR

What it does, for every pipeline TOML given (read with tomllib; paths are
relative to the TOML file and may be globs), all in one DuckDB process with
`SET threads` = the cores this process may use:

- reads each [[inputs]] CSV with its own delimiter, encoding (utf-8;
  windows-1252 is read as latin-1, see below), skip_rows and header, every
  field as text; trims fields and applies the input's null_values;
- maps source columns to the canonical fields (docs/PIPELINE_FILES.md), joining a
  (date column, time column) pair with a space (a date with no time is the
  date alone, as the audit does);
- parses every datetime field with the field's chrono formats tried in
  order, then the date part of each format (read per rules.date_only:
  end_of_day for eligible_at, lodged_at, charge_released_at, else
  start_of_day), then ISO 8601 text; turns local times into UTC instants as
  method rule 4 said before its revision (DuckDB/ICU takes the later instant of an ambiguous time and
  shifts gap times, so: gap -> NULL, ambiguous -> the earlier instant);
  dates of birth and bail amounts are parsed too, and codes are mapped with
  the [codes.*] tables (exact, then ignoring case and spaces; else
  'unknown');
- drops the rows the audit rejects while reading: a mapped datetime, date or
  number that does not parse, a local time in a DST gap, a year outside
  1980-2100 (dates of birth 1900-2100), a time after as_of, a required field
  empty (detainers: neither booking_id nor person_id), and rows with the
  wrong number of fields or invalid UTF-8 (read_csv ignore_errors);
- dedupes booking ids in bookings and releases (exact duplicate rows, over
  every canonical field, count once; ids with differing rows are dropped;
  a booking whose release rows conflict is dropped), drops bookings released
  before they were booked;
- eligibility (method rule 1): eligible_at from releases, else the latest
  charge_released_at of the criminal charges (unknown kind counts as
  criminal) when every criminal charge has one;
- attaches detainers by booking_id, else by person_id to the latest booking
  whose booked_at..released_at (or as_of) window holds lodged_at;
- per booking with a detainer lodged before release: hold_start, hold_end,
  status (closed/open/eligibility_unknown), whole hold minutes, the
  5-year plausibility cut, warrant status over the detainers in force,
  form of the first detainer, past_release (minutes > grace_minutes),
  flagged (past release, warrant none/administrative, local start day in
  [since, until]), the 48-hour limit (I-247/I-247D/I-247X: hours excluding
  local Saturdays, Sundays and federal holidays, from a day calendar built in
  Python and registered; I-247A: calendar hours; I-247N: limit 0),
  transferred_to_ice;
- the monthly summary of src/outputs/summary.rs per county and local month,
  from `since` to the month of as_of, zeros included: bookings,
  bookings_with_detainer, holds, flagged, flagged_persons, over_limit,
  warrant_unknown, eligibility_unknown, open_holds, transferred_to_ice,
  hold_hours total/median/p90/max (quantile_cont), flagged_hold_hours_total,
  baseline_release_minutes_median (method rule 11), regime;
- writes Hive-partitioned Parquet: OUT/summary/county=<slug>/*.parquet
  (COPY ... PARTITION_BY (county)).

Agreement: on the generated data (`detainer-audit generate`, all three
dialects) and on the bundled sample_data/, the summary equals the audit's in
every column of every county-month; bench/run checks it again at each scale.
The gaps listed below change the summary only on inputs the generator
never makes (they are mostly outputs it does not write).

What it leaves out, compared with the full audit:
- no holds/, rejects/, class_members.{parquet,csv,xlsx},
  possible_duplicates.parquet or manifest.json; no SHA-256 of inputs or
  outputs; no per-row reject reasons or raw values (rejected rows are only
  dropped); no row/line numbers; no pseudonyms; no atomic output folder;
- XLSX and Parquet inputs (the benchmark data is CSV only);
- RFC 3339 instants and Excel serial numbers in datetime fields;
- windows-1252 files are decoded as latin-1 (DuckDB has no windows-1252
  decoder without a downloaded extension): the two differ only in bytes
  0x80-0x9F, which the generated names never use, and names do not enter
  the counts;
- person keys for flagged_persons: `id:person_id`, else the booking id (the
  audit falls back to normalized name + date of birth before the booking);
- trimming: DuckDB trim() removes spaces only (the audit trims all Unicode
  white space); strptime and chrono differ on exotic formats (the formats of
  the three generated dialects parse alike);
- the ambiguity test assumes a one-hour DST shift.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402


def q(s: str) -> str:
    """SQL string literal."""
    return "'" + str(s).replace("'", "''") + "'"


def qi(s: str) -> str:
    """SQL identifier."""
    return '"' + s.replace('"', '""') + '"'


def ts_utc(us: int) -> str:
    t = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=us)
    return f"TIMESTAMPTZ '{t.isoformat(sep=' ')}+00'"


def code_expr(x: str, table: dict[str, str] | None, is_bool: bool) -> str:
    """[codes.*] mapping (parse.rs CodeMap): exact, then ignoring case and
    surrounding spaces; unmapped -> 'unknown'. Bools without a table read
    y/yes/true/t/1 and n/no/false/f/0. NULL stays NULL."""
    table = table or {}
    if is_bool and not table:
        folded = {k: "true" for k in ("y", "yes", "true", "t", "1")}
        folded.update({k: "false" for k in ("n", "no", "false", "f", "0")})
        exact = {}
    else:
        exact = dict(table)
        folded = {}
        for k, v in table.items():
            folded.setdefault(k.strip().lower(), v)
    parts = [f"CASE {x}"]
    for k, v in exact.items():
        parts.append(f" WHEN {q(k)} THEN {q(v)}")
    parts.append(f" ELSE CASE lower(trim({x}))")
    for k, v in folded.items():
        parts.append(f" WHEN {q(k)} THEN {q(v)}")
    parts.append(" ELSE 'unknown' END END")
    e = "".join(parts)
    e = f"CASE WHEN {x} IS NULL THEN NULL ELSE {e} END"
    if is_bool:
        e = f"CASE ({e}) WHEN 'true' THEN true WHEN 'false' THEN false END"
    return e


def naive_expr(x: str, p: C.Pipeline, fld: str, formats: list[str]) -> str:
    """Local (naive) TIMESTAMP of a datetime text, formats tried in order."""
    eod = p.end_of_day(fld)
    alts = []
    for f, timed in C.candidate_formats(formats):
        for v in C.strptime_variants(f):
            e = f"try_strptime({x}, {q(v)})"
            if not timed:
                e = f"({e} + INTERVAL '23:59:59')" if eod else e
            alts.append(e)
    return "coalesce(" + ", ".join(alts) + ")"


def to_utc(n: str, tz: str) -> str:
    """Method rule 4 (earlier instant, as before its revision) on top of ICU: NULL in a DST gap, the earlier instant of an
    ambiguous local time."""
    t = f"timezone({q(tz)}, {n})"
    return (f"CASE WHEN {n} IS NULL THEN NULL "
            f"WHEN timezone({q(tz)}, {t}) <> {n} THEN NULL "
            f"WHEN timezone({q(tz)}, {t} - INTERVAL 1 HOUR) = {n} THEN {t} - INTERVAL 1 HOUR "
            f"ELSE {t} END")


def read_input(p: C.Pipeline, inp: C.Input, as_of_sql: str | None) -> str:
    """SELECT of one input's parsed, typed, valid rows: the canonical fields
    of its table (unmapped ones NULL) plus `h`, a hash of them all."""
    # The dialect is known from the pipeline file: no sniffing. Columns are
    # named by position (c0, c1, ...) from the header read here, so one
    # read_csv per group of files with the same header.
    enc = "utf-8" if inp.encoding == "utf-8" else "latin-1"
    cols: list[str] = []
    for srcs in inp.columns.values():
        for s in srcs:
            if s not in cols:
                cols.append(s)
    nulls = ", ".join(q(n.strip()) for n in inp.null_values if n.strip() != "")
    reads = []
    for header, files in C.file_groups(inp):
        pos = [C.column_position(header, c, files[0]) for c in cols]
        spec = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header))) + "}"
        flist = "[" + ", ".join(q(f) for f in files) + "]"
        src = (f"read_csv({flist}, header=true, auto_detect=false, columns={spec}, "
               f"delim={q(inp.delimiter)}, quote='\"', escape='\"', skip={inp.skip_rows}, "
               f"encoding={q(enc)}, ignore_errors=true)")
        layer1 = []
        for i, p_ in enumerate(pos):
            t = f"trim(c{p_})"
            cond = f"{t} = ''" + (f" OR {t} IN ({nulls})" if nulls else "")
            layer1.append(f"CASE WHEN {cond} THEN NULL ELSE {t} END AS s{i}")
        reads.append(f"SELECT {', '.join(layer1)} FROM {src}")
    src_all = " UNION ALL ".join(reads)
    layer2 = []
    for fld, srcs in inp.columns.items():
        a = f"s{cols.index(srcs[0])}"
        if len(srcs) == 2:
            b = f"s{cols.index(srcs[1])}"
            layer2.append(f"CASE WHEN {a} IS NULL THEN NULL WHEN {b} IS NULL THEN {a} "
                          f"ELSE {a} || ' ' || {b} END AS {fld}__t")
        else:
            layer2.append(f"{a} AS {fld}__t")
    layer3, layer4, bad, out = [], [], [], []
    for fld, kind, required in C.FIELDS[inp.table]:
        if fld not in inp.columns:
            out.append(f"NULL AS {fld}" if kind != C.DATETIME else f"NULL::TIMESTAMPTZ AS {fld}")
            continue
        x = f"{fld}__t"
        if kind == C.DATETIME:
            layer3.append(f"{naive_expr(x, p, fld, inp.formats.get(fld, []))} AS {fld}__n")
            layer4.append(f"{to_utc(fld + '__n', p.tz)} AS {fld}")
            cond = (f"{x} IS NOT NULL AND ({fld} IS NULL OR year({fld}__n) NOT BETWEEN "
                    f"{C.MIN_YEAR} AND {C.MAX_YEAR}")
            if as_of_sql:
                cond += f" OR {fld} > {as_of_sql}"
            bad.append(cond + ")")
        elif kind == C.DATE:
            alts = [f"try_strptime({x}, {q(v)})::DATE" for f in inp.formats.get(fld, [])
                    for v in C.strptime_variants(f)] or ["NULL::DATE"]
            layer3.append(f"coalesce({', '.join(alts)}) AS {fld}__n")
            layer4.append(f"{fld}__n AS {fld}")
            bad.append(f"{x} IS NOT NULL AND ({fld} IS NULL OR year({fld}) NOT BETWEEN "
                       f"{C.DOB_MIN_YEAR} AND {C.DOB_MAX_YEAR})")
        elif kind == C.DECIMAL:
            layer3.append(f"TRY_CAST(regexp_replace({x}, '[$, ]', '', 'g') AS DOUBLE) AS {fld}__n")
            layer4.append(f"{fld}__n AS {fld}")
            bad.append(f"{x} IS NOT NULL AND {fld} IS NULL")
        elif kind in (C.CODED, C.BOOL):
            layer3.append(f"{code_expr(x, p.codes.get(fld), kind == C.BOOL)} AS {fld}__n")
            layer4.append(f"{fld}__n AS {fld}")
        else:
            layer3.append(f"{x} AS {fld}__n")
            layer4.append(f"{fld}__n AS {fld}")
        if required:
            bad.append(f"{fld} IS NULL")
        out.append(fld)
    if inp.table == "detainers":
        has_b = "booking_id" in inp.columns
        has_p = "person_id" in inp.columns
        if has_b and has_p:
            bad.append("booking_id IS NULL AND person_id IS NULL")
        elif has_b:
            bad.append("booking_id IS NULL")
        elif has_p:
            bad.append("person_id IS NULL")
    names = [f for f, _, _ in C.FIELDS[inp.table]]
    where = " OR ".join(f"({b})" for b in bad) or "false"
    return (
        f"SELECT {', '.join(out)}, hash({', '.join(names)}) AS h FROM ("
        f"SELECT * FROM (SELECT *, {', '.join(layer4)} FROM ("
        f"SELECT *, {', '.join(layer3)} FROM ("
        f"SELECT *, {', '.join(layer2)} FROM ("
        f"{src_all})))) WHERE NOT coalesce({where}, false))"
    )


def read_table(p: C.Pipeline, table: str, as_of_sql: str | None) -> str:
    parts = [read_input(p, i, as_of_sql) for i in p.inputs_of(table)]
    if not parts:
        cols = ", ".join(
            f"NULL::{'TIMESTAMPTZ' if k == C.DATETIME else 'VARCHAR'} AS {f}"
            for f, k, _ in C.FIELDS[table])
        return f"SELECT {cols}, 0::UBIGINT AS h WHERE false"
    return " UNION ALL ".join(f"({s})" for s in parts)


def register_days(con: duckdb.DuckDBPyConnection, tzs: list[str]) -> None:
    """Local-day calendar per time zone (see common.day_calendar)."""
    tz_col, start, excl, cum = [], [], [], []
    for tz in tzs:
        _, s, e, c = C.day_calendar(tz)
        tz_col += [tz] * len(s)
        start += s
        excl += e
        cum += c
    con.register("days_py", pa.table({"tz": tz_col, "start_us": start,
                                      "excluded": excl, "cum_us": cum}))
    con.execute("CREATE OR REPLACE TEMP TABLE days AS SELECT * FROM days_py ORDER BY tz, start_us")
    con.unregister("days_py")


def county(con: duckdb.DuckDBPyConnection, p: C.Pipeline) -> None:
    tz = p.tz
    as_of_us = C.local_to_utc_us(p.as_of, ZoneInfo(tz)) if p.as_of else None
    as_of_sql = ts_utc(as_of_us) if as_of_us is not None else None
    x = con.execute

    x(f"""CREATE OR REPLACE TEMP TABLE bk AS
        SELECT booking_id, any_value(person_id) AS person_id, any_value(booked_at) AS booked_at
        FROM ({read_table(p, 'bookings', as_of_sql)}) GROUP BY booking_id HAVING min(h) = max(h)""")
    x(f"""CREATE OR REPLACE TEMP TABLE rl AS
        SELECT booking_id, min(h) = max(h) AS ok, any_value(eligible_at) AS eligible_at,
               any_value(released_at) AS released_at, any_value(release_reason) AS release_reason
        FROM ({read_table(p, 'releases', as_of_sql)}) GROUP BY booking_id""")
    x(f"""CREATE OR REPLACE TEMP TABLE j AS
        WITH jr AS (
            SELECT b.booking_id, b.person_id, b.booked_at, r.eligible_at, r.released_at, r.release_reason
            FROM bk b LEFT JOIN rl r USING (booking_id)
            WHERE r.ok IS DISTINCT FROM false
              AND NOT coalesce(r.released_at < b.booked_at, false)
        ), ch AS (
            SELECT booking_id,
                   count(*) FILTER (WHERE crim) AS n_criminal,
                   count(*) FILTER (WHERE crim AND charge_released_at IS NULL) AS n_open,
                   max(charge_released_at) FILTER (WHERE crim) AS crim_rel
            FROM (SELECT booking_id, charge_released_at,
                         coalesce(charge_kind <> 'immigration_hold', true) AS crim
                  FROM ({read_table(p, 'charges', as_of_sql)}))
            GROUP BY booking_id
        )
        SELECT jr.*,
               coalesce(eligible_at, CASE WHEN n_criminal > 0 AND n_open = 0 THEN crim_rel END) AS eligible,
               CASE WHEN eligible_at IS NOT NULL THEN 'releases'
                    WHEN n_criminal > 0 AND n_open = 0 AND crim_rel IS NOT NULL THEN 'charges'
                    ELSE 'none' END AS eligibility_source
        FROM jr LEFT JOIN ch USING (booking_id)""")
    x("DROP TABLE bk")
    x("DROP TABLE rl")
    x(f"""CREATE OR REPLACE TEMP TABLE dt AS
        SELECT row_number() OVER () AS rid, * FROM ({read_table(p, 'detainers', as_of_sql)})""")
    if as_of_sql is None:
        # as_of: the newest time in the export (src/rules/mod.rs newest_time).
        newest = con.execute("""SELECT greatest((SELECT max(greatest(booked_at, released_at, eligible_at)) FROM j),
                                                (SELECT max(lodged_at) FROM dt))""").fetchall()[0][0]
        as_of_sql = f"TIMESTAMPTZ '{newest.astimezone(dt.timezone.utc).isoformat(sep=' ')}'"
        as_of_local = newest.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    else:
        as_of_local = p.as_of

    det_cols = "lodged_at, lifted_at, form, warrant, ice_custody_at, detainer_id"
    x(f"""CREATE OR REPLACE TEMP TABLE att AS
        SELECT booking_id, {det_cols} FROM dt
        WHERE booking_id IS NOT NULL AND booking_id IN (SELECT booking_id FROM j)
        UNION ALL
        SELECT booking_id, {det_cols} FROM (
            SELECT j.booking_id, {', '.join('d.' + c.strip() for c in det_cols.split(','))}
            FROM dt d JOIN j ON d.person_id = j.person_id
            WHERE d.booking_id IS NULL AND j.person_id IS NOT NULL
              AND d.lodged_at >= j.booked_at AND d.lodged_at <= coalesce(j.released_at, {as_of_sql})
            QUALIFY row_number() OVER (PARTITION BY d.rid ORDER BY j.booked_at DESC, j.booking_id DESC) = 1)""")
    x("DROP TABLE dt")
    x("CREATE OR REPLACE TEMP TABLE att_ids AS SELECT DISTINCT booking_id FROM att")

    # Bookings per local month of booked_at; the release-latency baseline.
    x(f"""CREATE OR REPLACE TEMP TABLE mc AS
        SELECT year(lt) AS year, month(lt) AS month, count(*) AS bookings,
               count(a.booking_id) AS bookings_with_detainer
        FROM (SELECT booking_id, timezone({q(tz)}, booked_at) AS lt FROM j) b
        LEFT JOIN att_ids a USING (booking_id) GROUP BY ALL""")
    x(f"""CREATE OR REPLACE TEMP TABLE bl AS
        SELECT year(timezone({q(tz)}, eligible)) AS year,
               quantile_cont(greatest((epoch_us(released_at) - epoch_us(eligible)) / 60e6, 0), 0.5) AS med
        FROM j ANTI JOIN att_ids a USING (booking_id)
        WHERE eligible IS NOT NULL AND released_at IS NOT NULL GROUP BY ALL""")

    # Detainers of each booking lodged before its release, then the holds.
    x("""CREATE OR REPLACE TEMP TABLE hd AS
        SELECT a.*, c.person_id, c.eligible, c.released_at, c.release_reason
        FROM att a JOIN j c USING (booking_id)
        WHERE c.released_at IS NULL OR a.lodged_at < c.released_at""")
    x("DROP TABLE att")
    x("DROP TABLE j")
    missing = q(p.missing_warrant)
    until = f"DATE '{p.until}'" if p.until else "NULL::DATE"
    x(f"""CREATE OR REPLACE TEMP TABLE h AS
        WITH h1 AS (
            SELECT booking_id, any_value(person_id) AS person_id, any_value(eligible) AS eligible,
                   any_value(released_at) AS released_at, any_value(release_reason) AS release_reason,
                   min(lodged_at) AS first_lodged,
                   CASE WHEN count(lifted_at) = count(*) THEN max(lifted_at) END AS all_lifted,
                   coalesce(first(form ORDER BY lodged_at, detainer_id NULLS FIRST), 'unknown') AS form,
                   bool_or(ice_custody_at IS NOT NULL) AS any_ice
            FROM hd GROUP BY booking_id
        ), h2 AS (
            SELECT *, coalesce(released_at, {as_of_sql}) AS base_end FROM h1
        ), h3 AS (
            SELECT *,
                   CASE WHEN eligible IS NULL THEN NULL ELSE greatest(eligible, first_lodged) END AS hold_start,
                   CASE WHEN eligible IS NULL THEN released_at
                        WHEN all_lifted < base_end THEN all_lifted ELSE base_end END AS hold_end,
                   CASE WHEN eligible IS NULL THEN 'eligibility_unknown'
                        WHEN released_at IS NULL AND NOT coalesce(all_lifted < base_end, false) THEN 'open'
                        ELSE 'closed' END AS status
            FROM h2
        ), h4 AS (
            SELECT *, CASE WHEN hold_start IS NULL THEN NULL
                           ELSE greatest(epoch_us(hold_end) - epoch_us(hold_start), 0) // 60000000 END AS minutes
            FROM h3
        ), w AS (
            SELECT d.booking_id, coalesce(d.warrant, {missing}) AS ws,
                   (h.hold_end IS NULL OR d.lodged_at <= h.hold_end)
                   AND (d.lifted_at IS NULL OR h.hold_start IS NULL OR d.lifted_at > h.hold_start) AS active
            FROM hd d JOIN h4 h USING (booking_id)
        ), wa AS (
            SELECT booking_id, bool_or(active) AS any_active,
                   bool_or(active AND ws = 'judicial') AS j1, bool_or(active AND ws = 'unknown') AS u1,
                   bool_or(active AND ws = 'administrative') AS a1,
                   bool_or(ws = 'judicial') AS j0, bool_or(ws = 'unknown') AS u0,
                   bool_or(ws = 'administrative') AS a0
            FROM w GROUP BY booking_id
        )
        SELECT h4.*,
               CASE WHEN any_active THEN
                        CASE WHEN j1 THEN 'judicial' WHEN u1 THEN 'unknown' WHEN a1 THEN 'administrative' ELSE 'none' END
                    ELSE CASE WHEN j0 THEN 'judicial' WHEN u0 THEN 'unknown' WHEN a0 THEN 'administrative' ELSE 'none' END
               END AS warrant_status
        FROM h4 JOIN wa USING (booking_id)
        WHERE minutes IS NULL OR minutes <= {C.MAX_HOLD_MINUTES}""")
    x("DROP TABLE hd")
    x(f"""CREATE OR REPLACE TEMP TABLE hf AS
        WITH b AS (
            SELECT h.*, epoch_us(hold_start) AS s_us, epoch_us(hold_end) AS e_us FROM h
        ), k AS (
            SELECT b.*, ds.cum_us + CASE WHEN ds.excluded THEN 0 ELSE s_us - ds.start_us END AS bs,
                   de.cum_us + CASE WHEN de.excluded THEN 0 ELSE e_us - de.start_us END AS be
            FROM b
            ASOF LEFT JOIN (SELECT * FROM days WHERE tz = {q(tz)}) ds ON b.s_us >= ds.start_us
            ASOF LEFT JOIN (SELECT * FROM days WHERE tz = {q(tz)}) de ON b.e_us >= de.start_us
        ), l AS (
            SELECT *,
                   CASE WHEN s_us IS NULL OR e_us IS NULL THEN NULL
                        WHEN form IN ('I-247', 'I-247D', 'I-247X') THEN greatest(be - bs, 0) // 1000000
                        WHEN form IN ('I-247A', 'I-247N') THEN greatest(e_us - s_us, 0) // 1000000
                   END AS counted_s,
                   CASE form WHEN 'I-247N' THEN 0.0 WHEN 'I-247A' THEN 48.0 WHEN 'I-247' THEN 48.0
                             WHEN 'I-247D' THEN 48.0 WHEN 'I-247X' THEN 48.0 END AS limit_h,
                   timezone({q(tz)}, coalesce(hold_start, first_lodged)) AS basis_local
            FROM k
        )
        SELECT year(basis_local) AS year, month(basis_local) AS month, minutes, status, warrant_status,
               coalesce('id:' || person_id, 'booking:' || booking_id) AS person_key,
               minutes > {p.grace_minutes} AS past_release,
               coalesce(minutes > {p.grace_minutes}, false)
                 AND warrant_status IN ('none', 'administrative')
                 AND hold_start IS NOT NULL
                 AND timezone({q(tz)}, hold_start)::DATE >= DATE '{p.since}'
                 AND ({until} IS NULL OR timezone({q(tz)}, hold_start)::DATE <= {until}) AS flagged,
               (counted_s // 60) / 60.0 > limit_h AS over_limit,
               release_reason IS NOT DISTINCT FROM 'transfer_ice' OR any_ice AS transferred
        FROM l""")
    x("DROP TABLE h")

    keys = C.month_keys(p, as_of_local)
    spine = ", ".join(
        f"({y}, {m}, {q(C.regime(p.state, dt.date(y, m, 1)))})" for y, m in keys)
    x(f"""INSERT INTO summary_all
        WITH spine AS (SELECT * FROM (VALUES {spine}) s(year, month, regime)),
        hm AS (
            SELECT year, month, count(*) AS holds,
                   count(*) FILTER (WHERE flagged) AS flagged,
                   count(DISTINCT person_key) FILTER (WHERE flagged) AS flagged_persons,
                   count(*) FILTER (WHERE over_limit) AS over_limit,
                   count(*) FILTER (WHERE warrant_status = 'unknown' AND past_release) AS warrant_unknown,
                   count(*) FILTER (WHERE status = 'eligibility_unknown') AS eligibility_unknown,
                   count(*) FILTER (WHERE status = 'open') AS open_holds,
                   count(*) FILTER (WHERE transferred) AS transferred_to_ice,
                   sum(minutes / 60.0) AS hold_hours_total,
                   quantile_cont(minutes / 60.0, 0.5) AS hold_hours_median,
                   quantile_cont(minutes / 60.0, 0.9) AS hold_hours_p90,
                   max(minutes / 60.0) AS hold_hours_max,
                   sum(CASE WHEN flagged THEN coalesce(minutes, 0) / 60.0 ELSE 0 END) AS flagged_hold_hours_total
            FROM hf GROUP BY year, month
        )
        SELECT {q(p.slug)}, {q(p.county)}, s.year::INTEGER, s.month::INTEGER,
               coalesce(mc.bookings, 0), coalesce(mc.bookings_with_detainer, 0),
               coalesce(hm.holds, 0), coalesce(hm.flagged, 0), coalesce(hm.flagged_persons, 0),
               coalesce(hm.over_limit, 0), coalesce(hm.warrant_unknown, 0),
               coalesce(hm.eligibility_unknown, 0), coalesce(hm.open_holds, 0),
               coalesce(hm.transferred_to_ice, 0), coalesce(hm.hold_hours_total, 0.0),
               hm.hold_hours_median, hm.hold_hours_p90, hm.hold_hours_max,
               coalesce(hm.flagged_hold_hours_total, 0.0), bl.med, s.regime
        FROM spine s
        LEFT JOIN mc USING (year, month)
        LEFT JOIN hm USING (year, month)
        LEFT JOIN bl ON bl.year = s.year""")
    for t in ("mc", "bl", "hf"):
        x(f"DROP TABLE {t}")


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    pipelines = C.load_pipelines(argv[1:-1])
    out = argv[-1]
    os.makedirs(out, exist_ok=True)
    summary_dir = os.path.join(out, "summary")
    shutil.rmtree(summary_dir, ignore_errors=True)
    tmp = os.path.join(out, ".duckdb_tmp")
    con = duckdb.connect()
    threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    con.execute(f"SET threads = {threads}")
    con.execute(f"SET temp_directory = {q(tmp)}")
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET preserve_insertion_order = false")
    register_days(con, sorted({p.tz for p in pipelines}))
    con.execute("""CREATE TEMP TABLE summary_all (
        county VARCHAR, county_name VARCHAR, year INTEGER, month INTEGER,
        bookings BIGINT, bookings_with_detainer BIGINT, holds BIGINT, flagged BIGINT,
        flagged_persons BIGINT, over_limit BIGINT, warrant_unknown BIGINT,
        eligibility_unknown BIGINT, open_holds BIGINT, transferred_to_ice BIGINT,
        hold_hours_total DOUBLE, hold_hours_median DOUBLE, hold_hours_p90 DOUBLE,
        hold_hours_max DOUBLE, flagged_hold_hours_total DOUBLE,
        baseline_release_minutes_median DOUBLE, regime VARCHAR)""")
    for p in pipelines:
        county(con, p)
    con.execute(f"""COPY (SELECT * FROM summary_all ORDER BY county, year, month)
        TO {q(summary_dir)} (FORMAT parquet, PARTITION_BY (county))""")
    holds, flagged = con.execute("SELECT sum(holds), sum(flagged) FROM summary_all").fetchall()[0]
    con.close()
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"duckdb_core: {len(pipelines)} counties: {holds} holds, {flagged} flagged; "
          f"outputs in {summary_dir}")
    return 0


if __name__ == "__main__":
    code = main(sys.argv)
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter teardown: a native library's thread pool (pandas /
    # pyarrow / duckdb) was seen to abort about 1 exit in 8 here ("terminate
    # called without an active exception"), after all the work was written.
    os._exit(code)
