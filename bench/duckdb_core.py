#!/usr/bin/env python3
"""DuckDB peer: the core work of `detainer-audit run` (what the monthly
summary needs), in DuckDB SQL, written as a competent DuckDB user would.

Usage: python bench/duckdb_core.py [--profile] [--explain FILE] [--batch-mib N]
                                   PIPELINES_DIR_OR_TOML... OUT_DIR

How it is organized:

- Counties are batched: each batch (counties in the order given, up to
  --batch-mib of CSV input, default 256; a larger county is a batch of its
  own) is read and audited by one set of about a dozen statements over all
  its counties at once, keyed by county, so that the fixed cost of a
  statement is paid per batch, not per county (with 58 counties, the small
  ones are what a per-county loop spends its time on). One connection,
  `SET threads` = the cores this process may use.
- Each input file is read once: inputs of a pipeline that read the same
  files in the same dialect (bookings and releases from one export) are one
  `read_csv`, whose projection parses both inputs' fields. Counties whose
  files have one layout (header, dialect, formats, codes, zone: the
  generated state has three) are read by one `read_csv` over all their
  files, the county found from `filename` through a small table: DuckDB
  spends about 10 ms planning each county's read otherwise.
- Each local time is converted to UTC with one `timezone()` call; only
  values on the few local days on which the zone changes its offset (a
  literal list built in Python, about 240 days for 1980-2100) take the
  exact path that rejects a time in the DST gap and picks the instant the
  field's rule asks for in the repeated hour.
- `--profile` prints the wall and CPU time of each phase (summed over
  batches) to stderr, `--explain FILE` writes EXPLAIN ANALYZE of every
  statement (each operator's time); bench/README.md says where the time
  goes.

What it does, for every pipeline TOML given (read with tomllib; paths are
relative to the TOML file and may be globs):

- reads each CSV source with its delimiter, encoding (utf-8; windows-1252
  is read as latin-1, see below), skip_rows and header, every field as
  text (no sniffing); trims fields and applies each input's null_values;
  maps source columns to canonical fields, joining a (date, time) pair with
  a space; rows with the wrong number of fields or invalid UTF-8 are kept
  out by `store_rejects`, whose table keeps their text: the booking ids
  they name are read from it (rule 1: the id column's field, or, for a row
  with the wrong number of fields, every non-empty field);
- parses datetimes with the field's chrono formats in order (as strptime
  formats), then the date part of each (a date alone read per
  rules.date_only), then ISO 8601 text; local time to UTC per method rule 4
  as revised: the later instant of a repeated time for booked_at,
  eligible_at, charge_released_at and lodged_at, the earlier for the other
  fields; a time in the DST gap rejects its row; years outside 1980-2100
  (dates of birth 1900-2100), times after as_of, unparseable dates and
  amounts, and empty required fields reject their row; codes mapped with
  [codes.*] (exact, then ignoring case and spaces, `""` for empty fields;
  else 'unknown');
- bookings and releases: identical rows of one booking id count once,
  differing rows are all dropped (a booking whose release rows conflict is
  release_unknown); a booking released before it was booked is dropped;
- eligibility (rule 1): the release row's eligible_at, else the latest
  charge_released_at of the criminal charges (unknown kind counts as
  criminal) when every criminal charge has one and no charge row of the
  booking was rejected at reading;
- detainers attached by booking id, else by person id to the latest
  booking whose booked_at..released_at (or as_of) window holds lodged_at;
- the release (rule 2): released_at; where it is empty, the earliest ICE
  custody time of the booking's detainers; a booking with a rejected or
  conflicting release row is release_unknown (not measured);
- the hold (rules 3 to 8): the detainers lodged before the release; the
  time after eligibility during which one is in force (lodged <= t <
  lifted), made of pieces (gaps left out: a gaps-and-islands window over
  each booking's spans), whole minutes rounded down of the total;
  unwarranted minutes (the part before a judicial warrant came into
  force); warrant status over the unwarranted part (or the detainers in
  force at the start of a hold of no length; what is on file for a hold
  not measured); the form of the earliest-lodged detainer in force at
  hold_start; the 48-hour clocks over the pieces (I-247/I-247D/I-247X:
  local weekdays that are not federal holidays, from a day calendar built
  in Python and read with an ASOF join; I-247A calendar; I-247N limit 0);
  status closed/open/eligibility_unknown/release_unknown; past the grace
  and flagged (unwarranted > grace, status none/administrative, local
  start date in [since, until]); transferred_to_ice; a hold over 2,629,800
  minutes rejected as implausible, its booking not counted;
- the release-latency baseline (rule 11) and the monthly summary of
  src/outputs/summary.rs per county and local month (of hold_start; of the
  first lodging when not measured), from `since` to the month of as_of (or
  until), zeros included, with every column of the audit's summary;
- writes Hive-partitioned Parquet: OUT/summary/county=<slug>/*.parquet.

What it leaves out, compared with the full audit:
- no holds/, hold_detainers/, rejects/, class lists, possible duplicates,
  workbook, report or manifest; no SHA-256, reject reasons, raw values or
  row numbers; no atomic output folder;
- XLSX and Parquet inputs; RFC 3339 instants and Excel serial numbers in
  datetime fields;
- windows-1252 files are decoded as latin-1 (DuckDB has no windows-1252
  decoder without the encodings extension, which is downloaded): they
  differ only in bytes 0x80-0x9F, which the generated names never use
  (DuckDB's latin-1 reader rejects such a file); names do not enter the
  counts;
- person keys for flagged_persons: `id:person_id`, else the booking id (the
  audit falls back to normalized name + date of birth before the booking id);
- ties in "earliest lodged" are broken by detainer_id (the audit then by
  source row); the wrong-field-count ids are the row split on the
  delimiter (quotes not undone); DuckDB trim() removes spaces only (the
  audit trims all white space); strptime and chrono differ on exotic
  formats (the generated dialects parse alike); the exact path for the
  repeated hour assumes a one-hour shift (every US zone);
- the 48-hour clock floors seconds per piece of the hold, the audit per
  local day within a piece: the same for times in whole seconds.
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

import duckdb
import pyarrow as pa

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402

PROFILE: dict[str, float] = defaultdict(float)   # wall seconds per phase
CPU: dict[str, float] = defaultdict(float)       # CPU seconds (all threads) per phase
EXPLAIN = None                                   # --explain: the file EXPLAIN ANALYZE goes to


def q(s: str) -> str:
    """SQL string literal."""
    return "'" + str(s).replace("'", "''") + "'"


def ts_utc(us: int) -> str:
    t = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=us)
    return f"TIMESTAMPTZ '{t.isoformat(sep=' ')}+00'"


def code_expr(x: str, table: dict[str, str] | None, is_bool: bool) -> str:
    """[codes.*] mapping (parse/codes.rs CodeMap): exact, then ignoring case
    and surrounding spaces; unmapped -> 'unknown'; an empty field -> the `""`
    code's category, else NULL."""
    table = table or {}
    exact = {k: v for k, v in table.items() if k != ""}
    folded: dict[str, str] = {}
    for k, v in table.items():
        folded.setdefault(k.strip().lower(), v)
    if is_bool and not exact:
        folded.update({k: "true" for k in ("y", "yes", "true", "t", "1")})
        folded.update({k: "false" for k in ("n", "no", "false", "f", "0")})
    parts = [f"CASE {x}"] + [f" WHEN {q(k)} THEN {q(v)}" for k, v in exact.items()]
    parts.append(f" ELSE CASE lower(trim({x}))")
    parts += [f" WHEN {q(k)} THEN {q(v)}" for k, v in folded.items() if k != ""]
    parts.append(" ELSE 'unknown' END END")
    empty = q(table[""]) if "" in table else "NULL"
    return f"CASE WHEN {x} IS NULL THEN {empty} ELSE {''.join(parts)} END"


def naive_expr(x: str, p: C.Pipeline, fld: str, formats: list[str]) -> str:
    """Local (naive) TIMESTAMP of a datetime text: the formats with a time,
    then those of a date alone (read per rules.date_only)."""
    timed, dated = [], []
    for f, has_time in C.candidate_formats(formats):
        (timed if has_time else dated).extend(C.strptime_variants(f))
    lst = lambda fs: "[" + ", ".join(q(f) for f in fs) + "]"  # noqa: E731
    d = f"try_strptime({x}, {lst(dated)})"
    if p.end_of_day(fld):
        d = f"({d} + INTERVAL '23:59:59')"
    return f"coalesce(try_strptime({x}, {lst(timed)}), {d})"


def utc_expr(n: str, u: str, fld: str, tz: str, days: str) -> str:
    """Method rule 4 from `u` = timezone(tz, n), ICU's reading (the later
    instant of a repeated time, a time in the gap shifted): only on the days
    the zone changes its offset (`days`, a literal list) is the reading
    checked: NULL in the gap, the earlier instant where the field asks for
    it."""
    exact = f"CASE WHEN timezone({q(tz)}, {u}) <> {n} THEN NULL "
    if fld not in C.LATER_INSTANT:
        exact += (f"WHEN timezone({q(tz)}, {u} - INTERVAL 1 HOUR) = {n} "
                  f"THEN {u} - INTERVAL 1 HOUR ")
    exact += f"ELSE {u} END"
    return f"CASE WHEN {n}::DATE IN ({days}) THEN {exact} ELSE {u} END"


def nz(x: str, nulls: list[str]) -> str:
    """A trimmed field, NULL when empty or one of the input's null values."""
    extra = [n.strip() for n in nulls if n.strip() != ""]
    cond = f"{x} = ''" + (f" OR {x} IN ({', '.join(q(n) for n in extra)})" if extra else "")
    return f"CASE WHEN {cond} THEN NULL ELSE {x} END"


class Reader:
    """Builds the SELECTs that read a batch's sources."""

    def __init__(self, tag: str):
        self.tag = tag
        self.n = 0
        self.rejects: list[tuple[str, str, str, str, int, list[str]]] = []

    def read(self, src: C.Source, header: list[str], files: list[str],
             roles: list[str]) -> tuple[str, dict[str, str]]:
        """One read_csv of files with one header and one layout (of every
        county that has it): the source's mapped columns, trimmed, as x0,
        x1, ..., and `filename`; the map of column name -> x name. Rows the
        reader rejects go to a rejects table, noted for the roles (releases,
        charges) whose rejected rows name a booking."""
        cols = src.columns()
        pos = [C.column_position(header, c, files[0]) for c in cols]
        self.n += 1
        rt = f"rj_{self.tag}_{self.n}"
        enc = "utf-8" if src.encoding == "utf-8" else "latin-1"
        spec = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header))) + "}"
        flist = "[" + ", ".join(q(f) for f in files) + "]"
        # Rows with the wrong number of fields or invalid UTF-8 are left out;
        # where they may name a booking (releases, charges), their text is
        # kept in a rejects table.
        keep = (f"store_rejects=true, rejects_table={q(rt)}, rejects_scan={q(rt + '_scan')}"
                if roles else "ignore_errors=true")
        read = (f"read_csv({flist}, header=true, auto_detect=false, columns={spec}, "
                f"delim={q(src.delimiter)}, quote='\"', escape='\"', skip={src.skip_rows}, "
                f"encoding={q(enc)}, filename=true, {keep})")
        for role in roles:
            inp = src.input_of(role)
            idcol = inp.columns["booking_id"][0]
            self.rejects.append((role, rt, src.delimiter,
                                 C.column_position(header, idcol, files[0]), inp.null_values))
        sel = ", ".join(f"trim(c{pp}) AS x{i}" for i, pp in enumerate(pos))
        return f"SELECT filename, {sel} FROM {read}", {c: f"x{i}" for i, c in enumerate(cols)}

    def rejected_ids_sql(self) -> str | None:
        """(county, kind, booking_id) named by the rows the reader rejected."""
        parts = []
        for role, rt, delim, idpos, nulls in self.rejects:
            kind = "release" if role == "releases" else "charge"
            f = "trim(f)"
            keep = f"{f} <> ''" + "".join(f" AND {f} <> {q(n.strip())}" for n in nulls if n.strip())
            parts.append(
                f"SELECT county, {q(kind)} AS kind, trim(f) AS booking_id FROM ("
                f"SELECT b.county, CASE WHEN e.error_type IN ('MISSING COLUMNS', 'TOO MANY COLUMNS') "
                f"THEN string_split(e.csv_line, {q(delim)}) "
                f"ELSE [string_split(e.csv_line, {q(delim)})[{idpos + 1}]] END AS fs FROM {rt} e "
                f"JOIN {rt}_scan s ON s.scan_id = e.scan_id AND s.file_id = e.file_id "
                f"JOIN bfiles b ON b.path = s.file_path), "
                f"unnest(fs) AS u(f) WHERE f IS NOT NULL AND {keep}")
        return " UNION ALL ".join(parts) if parts else None


def empty_sql(cols: dict[str, str]) -> str:
    return "SELECT " + ", ".join(f"NULL::{t} AS {c}" for c, t in cols.items()) + " WHERE false"


SQL_TYPE = {C.DATETIME: "TIMESTAMP", C.DATE: "DATE", C.DECIMAL: "DOUBLE", C.BOOL: "BOOLEAN"}


def input_layers(p: C.Pipeline, inp: C.Input | None, table: str, xs: dict[str, str],
                 pre: str) -> tuple[list[str], list[str], list[str]]:
    """One input's fields over a read's x columns, as three SELECT lists:
    texts (null values applied, date and time joined), parsed (local naive
    times `f__n`, codes, dates, numbers) and out: the columns every read of
    this table gives alike (a datetime as `f__n` and `f__p`, its text was
    present; unmapped fields NULL) and `bad_a`, what rejects the row before
    time zones (an unparseable value, a year out of range, an empty required
    field). The time zone is applied once per table and zone (`finish`)."""
    texts, parsed, out, bad = [], [], [], []
    for fld, kind, required in C.FIELDS[table]:
        name = f"{pre}{fld}"
        if inp is None or fld not in inp.columns:
            if kind == C.DATETIME:
                out += [f"NULL::TIMESTAMP AS {name}__n", f"false AS {name}__p"]
            else:
                out.append(f"NULL::{SQL_TYPE.get(kind, 'VARCHAR')} AS {name}")
            if required and inp is not None:
                bad.append("true")
            continue
        srcs = inp.columns[fld]
        a = nz(xs[srcs[0]], inp.null_values)
        if len(srcs) == 2:
            b = nz(xs[srcs[1]], inp.null_values)
            t = f"CASE WHEN ({a}) IS NULL THEN NULL WHEN ({b}) IS NULL THEN ({a}) ELSE ({a}) || ' ' || ({b}) END"
        else:
            t = a
        tx = f"{name}__t"
        texts.append(f"{t} AS {tx}")
        parsed.append(tx)
        if kind == C.DATETIME:
            parsed.append(f"{naive_expr(tx, p, fld, inp.formats.get(fld, []))} AS {name}__n")
            out += [f"{name}__n", f"{tx} IS NOT NULL AS {name}__p"]
            bad.append(f"{tx} IS NOT NULL AND year({name}__n) NOT BETWEEN {C.MIN_YEAR} AND {C.MAX_YEAR}")
            if required:
                bad.append(f"{tx} IS NULL")
            continue
        if kind == C.DATE:
            fs = [v for f in inp.formats.get(fld, []) for v in C.strptime_variants(f)]
            e = (f"try_strptime({tx}, [{', '.join(q(f) for f in fs)}])::DATE" if fs else "NULL::DATE")
            parsed.append(f"{e} AS {name}")
            bad.append(f"{tx} IS NOT NULL AND ({name} IS NULL OR year({name}) NOT BETWEEN "
                       f"{C.DOB_MIN_YEAR} AND {C.DOB_MAX_YEAR})")
        elif kind == C.DECIMAL:
            parsed.append(f"TRY_CAST(regexp_replace({tx}, '[$, ]', '', 'g') AS DOUBLE) AS {name}")
            bad.append(f"{tx} IS NOT NULL AND {name} IS NULL")
        elif kind in (C.CODED, C.BOOL):
            e = code_expr(tx, p.codes.get(fld), kind == C.BOOL)
            if kind == C.BOOL:
                e = f"CASE ({e}) WHEN 'true' THEN true WHEN 'false' THEN false END"
            parsed.append(f"{e} AS {name}")
        else:
            parsed.append(f"{tx} AS {name}")
        out.append(name)
        if required:
            bad.append(f"{name} IS NULL")
    if table == "detainers" and inp is not None:
        has = [f for f in ("booking_id", "person_id") if f in inp.columns]
        bad.append(" AND ".join(f"{pre}{f} IS NULL" for f in has) if has else "true")
    bad_a = " OR ".join(f"({b})" for b in bad) or "false"
    out.append(f"coalesce({bad_a}, false) AS {pre}bad_a")
    return texts, parsed, out


def layout(p: C.Pipeline, src: C.Source, header: list[str], tables: list[tuple[str, str]]) -> tuple:
    """What the SQL that reads a source depends on: counties whose files
    have one layout (the generated state has three) are read by one
    read_csv, whose planning is then paid once, not once per county."""
    parts: list = [tuple(t for t, _ in tables), p.tz, src.delimiter, src.encoding, src.skip_rows,
                   tuple(header)]
    for table, _ in tables:
        inp = src.input_of(table)
        if inp is None:
            parts.append(None)
            continue
        fl = []
        for fld, kind, _ in C.FIELDS[table]:
            if fld in inp.columns:
                fl.append((fld, tuple(inp.columns[fld]), tuple(inp.formats.get(fld, [])),
                           p.end_of_day(fld) if kind == C.DATETIME else None,
                           tuple(sorted(p.codes.get(fld, {}).items())) if kind in (C.CODED, C.BOOL) else None))
        parts.append((tuple(fl), tuple(inp.null_values)))
    return tuple(parts)


def read_select(rd: Reader, p: C.Pipeline, src: C.Source, header: list[str], files: list[str],
                tables: list[tuple[str, str]]) -> str:
    """The rows of files of one layout, in the columns of input_layers, for
    `tables` [(table, prefix)] (bookings and releases share a source), with
    `filename` (the county is found from it)."""
    roles = [t for t, _ in tables if t in ("releases", "charges") and src.input_of(t)]
    read, xs = rd.read(src, header, files, roles)
    texts, parsed, cols = ["filename"], ["filename"], ["filename"]
    for table, pre in tables:
        inp = src.input_of(table)
        t, pz, o = input_layers(p, inp, table, xs, pre)
        texts += t
        parsed += pz
        cols.append(f"{'true' if inp else 'false'} AS {pre}has")
        cols += o
    inner = f"SELECT {', '.join(texts)} FROM ({read})"
    inner = f"SELECT {', '.join(parsed)} FROM ({inner})"
    return f"SELECT {', '.join(cols)} FROM ({inner})"


def finish(selects: dict[str, list[str]], tables: list[tuple[str, str]], keep: list[str],
           days: dict[str, str]) -> str:
    """The rows of every county of a batch, per time zone (`selects`: zone
    -> the reads of its counties): one timezone() per local time, the exact
    path on the zone's transition days, then each table's verdict `ok`
    (nothing rejected the row; NULL where the source has no such input) and
    `h`, a hash of its fields (for duplicate rows), and the columns `keep`."""
    parts = []
    for tz, sel in selects.items():
        if not sel:
            continue
        us, utc, oks = [], [], []
        for table, pre in tables:
            dts = [f for f, k, _ in C.FIELDS[table] if k == C.DATETIME]
            us += [f"timezone({q(tz)}, {pre}{f}__n) AS {pre}{f}__u" for f in dts]
            utc += [f"{utc_expr(pre + f + '__n', pre + f + '__u', f, tz, days[tz])} AS {pre}{f}" for f in dts]
            bad = [f"{pre}bad_a"] + [f"({pre}{f}__p AND {pre}{f} IS NULL)" for f in dts] \
                + [f"coalesce({pre}{f} > c.as_of, false)" for f in dts]
            names = ", ".join(f"{pre}{f}" for f, _, _ in C.FIELDS[table])
            oks += [f"CASE WHEN {pre}has THEN NOT ({' OR '.join(bad)}) END AS {pre}ok",
                    f"hash({names}) AS {pre}h"]
        u = f"SELECT *, {', '.join(us)} FROM ({' UNION ALL '.join(sel)})"
        t = f"SELECT *, {', '.join(utc)} FROM ({u})"
        parts.append(f"SELECT b.county, {', '.join('x.' + k for k in keep)}, {', '.join(oks)} "
                     f"FROM ({t}) x JOIN bfiles b ON b.path = x.filename JOIN cty c ON c.county = b.county")
    return " UNION ALL ".join(parts)


BR_TABLES = [("bookings", "b_"), ("releases", "r_")]
BR_KEEP = ["b_booking_id", "b_person_id", "b_booked_at", "r_booking_id", "r_eligible_at",
           "r_released_at", "r_release_reason"]
CH_KEEP = ["booking_id", "charge_kind", "charge_released_at"]
DT_KEEP = ["booking_id", "person_id", "detainer_id", "lodged_at", "lifted_at", "form",
           "warrant", "ice_custody_at"]


class Batch:
    def __init__(self, con: duckdb.DuckDBPyConnection, pipelines: list[C.Pipeline], n: int,
                 days: dict[str, str]):
        self.con, self.ps, self.n, self.days = con, pipelines, n, days

    def x(self, phase: str, sql: str) -> None:
        t0, c0 = time.perf_counter(), time.process_time()
        if EXPLAIN is not None and not sql.lstrip().startswith("UPDATE"):
            # EXPLAIN ANALYZE runs the statement and gives each operator's time.
            plan = self.con.execute(f"EXPLAIN ANALYZE {sql}").fetchall()
            EXPLAIN.write(f"\n==== batch {self.n}: {phase}\n{plan[0][1]}\n")
        else:
            self.con.execute(sql)
        PROFILE[phase] += time.perf_counter() - t0
        CPU[phase] += time.process_time() - c0

    def run(self) -> None:
        x = self.x
        rd = Reader(str(self.n))
        # Sources grouped by layout: {role: {layout: (pipeline, source, header, files)}}.
        groups: dict[str, dict[tuple, list]] = {"br": {}, "ch": {}, "dt": {}}
        cty, bfiles = [], []
        for p in self.ps:
            as_of_us = C.local_to_utc_us(p.as_of, ZoneInfo(p.tz)) if p.as_of else None
            for src in C.sources(p):
                tables = {i.table for i in src.inputs}
                role = "br" if tables & {"bookings", "releases"} else "ch" if "charges" in tables else "dt"
                spec = {"br": BR_TABLES, "ch": [("charges", "")], "dt": [("detainers", "")]}[role]
                for header, files in C.file_groups(src.inputs[0]):
                    g = groups[role].setdefault(layout(p, src, header, spec), [p, src, header, []])
                    g[3] += files
                    bfiles += [(f, p.slug) for f in files]
            cty.append("(" + ", ".join([
                q(p.slug), q(p.county), q(p.state), q(p.tz),
                ts_utc(as_of_us) if as_of_us is not None else "NULL::TIMESTAMPTZ",
                str(p.grace_minutes), f"DATE '{p.since}'",
                f"DATE '{p.until}'" if p.until else "NULL::DATE", q(p.missing_warrant)]) + ")")
        self.con.register("bfiles_py", pa.table({"path": [f for f, _ in bfiles],
                                                 "county": [c for _, c in bfiles]}))
        self.con.execute("CREATE OR REPLACE TEMP TABLE bfiles AS SELECT * FROM bfiles_py")
        self.con.unregister("bfiles_py")
        br, ch, dtn = defaultdict(list), defaultdict(list), defaultdict(list)
        for role, out, spec in (("br", br, BR_TABLES), ("ch", ch, [("charges", "")]),
                                ("dt", dtn, [("detainers", "")])):
            for p, src, header, files in groups[role].values():
                out[p.tz].append(read_select(rd, p, src, header, files, spec))
        x("rules: counties", f"""CREATE OR REPLACE TEMP TABLE cty AS SELECT * FROM (VALUES {', '.join(cty)})
            c(county, county_name, state, tz, as_of, grace, since, until, missing_warrant)""")

        # --- reading: one statement per table, every county of the batch -----
        x("read bookings+releases", "CREATE OR REPLACE TEMP TABLE br AS "
          + finish(br, BR_TABLES, BR_KEEP, self.days))
        x("read charges", "CREATE OR REPLACE TEMP TABLE ch AS " + (
            finish(ch, [("charges", "")], CH_KEEP, self.days) if ch else empty_sql(
                {"county": "VARCHAR", "booking_id": "VARCHAR", "charge_kind": "VARCHAR",
                 "charge_released_at": "TIMESTAMPTZ", "ok": "BOOLEAN", "h": "UBIGINT"})))
        x("read detainers", "CREATE OR REPLACE TEMP TABLE dt AS SELECT row_number() OVER () AS rid, * FROM ("
          + (finish(dtn, [("detainers", "")], DT_KEEP, self.days) if dtn else empty_sql(
              {"county": "VARCHAR", **{c: ("TIMESTAMPTZ" if c.endswith("_at") else "VARCHAR") for c in DT_KEEP},
               "ok": "BOOLEAN", "h": "UBIGINT"})) + ") WHERE ok")
        # Booking ids named by rejected release and charge rows (rule 1, 2).
        rj = rd.rejected_ids_sql()
        x("rules: rejected ids", f"""CREATE OR REPLACE TEMP TABLE rej AS
            SELECT DISTINCT county, kind, booking_id FROM (
              SELECT county, 'release' AS kind, r_booking_id AS booking_id FROM br
              WHERE NOT r_ok AND r_booking_id IS NOT NULL
              UNION ALL SELECT county, 'charge', booking_id FROM ch WHERE NOT ok AND booking_id IS NOT NULL
              {'UNION ALL ' + rj if rj else ''})""")
        for _, rt, _, _, _ in rd.rejects:
            self.con.execute(f"DROP TABLE IF EXISTS {rt}; DROP TABLE IF EXISTS {rt}_scan")

        # --- bookings joined with their release and charges (rule 1, 2) -------
        x("rules: join", """CREATE OR REPLACE TEMP TABLE j AS
            WITH b AS (
                SELECT county, b_booking_id AS booking_id, any_value(b_person_id) AS person_id,
                       any_value(b_booked_at) AS booked_at
                FROM br WHERE b_ok GROUP BY ALL HAVING min(b_h) = max(b_h)
            ), r AS (
                SELECT county, r_booking_id AS booking_id, min(r_h) = max(r_h) AS same,
                       any_value(r_eligible_at) AS eligible_at, any_value(r_released_at) AS released_at,
                       any_value(r_release_reason) AS release_reason
                FROM br WHERE r_ok GROUP BY ALL
            ), c AS (
                SELECT county, booking_id,
                       count(*) FILTER (WHERE crim) AS n_criminal,
                       count(*) FILTER (WHERE crim AND charge_released_at IS NULL) AS n_open,
                       max(charge_released_at) FILTER (WHERE crim) AS crim_rel
                FROM (SELECT county, booking_id, charge_released_at,
                             coalesce(charge_kind <> 'immigration_hold', true) AS crim FROM ch WHERE ok)
                GROUP BY ALL
            ), rr AS (
                SELECT county, booking_id FROM rej WHERE kind = 'release'
                UNION SELECT county, booking_id FROM r WHERE NOT same
            )
            SELECT b.county, b.booking_id, b.person_id, b.booked_at,
                   r.eligible_at, r.released_at, r.release_reason,
                   coalesce(r.eligible_at,
                            CASE WHEN c.n_criminal > 0 AND c.n_open = 0 AND cr.booking_id IS NULL
                                 THEN c.crim_rel END) AS eligible,
                   rr.booking_id IS NOT NULL AS rel_rejected
            FROM b
            LEFT JOIN r ON r.county = b.county AND r.booking_id = b.booking_id AND r.same
            LEFT JOIN c ON c.county = b.county AND c.booking_id = b.booking_id
            LEFT JOIN (SELECT county, booking_id FROM rej WHERE kind = 'charge') cr
                   ON cr.county = b.county AND cr.booking_id = b.booking_id
            LEFT JOIN rr ON rr.county = b.county AND rr.booking_id = b.booking_id
            WHERE NOT coalesce(r.released_at < b.booked_at, false)""")
        for t in ("br", "ch", "rej"):
            self.con.execute(f"DROP TABLE {t}")
        # as_of where the pipeline gives none: the newest time in the export.
        x("rules: as_of", """UPDATE cty SET as_of = n.t FROM (
                SELECT county, max(t) AS t FROM (
                    SELECT county, greatest(max(booked_at), max(released_at), max(eligible_at)) AS t FROM j GROUP BY county
                    UNION ALL SELECT county, max(lodged_at) FROM dt GROUP BY county) GROUP BY county) n
            WHERE cty.county = n.county AND cty.as_of IS NULL""")

        # --- detainers to bookings (rule 3) ----------------------------------
        x("rules: attach", """CREATE OR REPLACE TEMP TABLE att AS
            SELECT county, booking_id, rid, lodged_at, lifted_at, form, warrant, ice_custody_at, detainer_id
            FROM dt d SEMI JOIN j USING (county, booking_id) WHERE d.booking_id IS NOT NULL
            UNION ALL
            SELECT d.county, j.booking_id, d.rid, d.lodged_at, d.lifted_at, d.form, d.warrant,
                   d.ice_custody_at, d.detainer_id
            FROM dt d JOIN j ON d.county = j.county AND d.person_id = j.person_id
            JOIN cty c ON c.county = d.county
            WHERE d.booking_id IS NULL AND d.lodged_at >= j.booked_at
              AND d.lodged_at <= coalesce(j.released_at, c.as_of)
            QUALIFY row_number() OVER (PARTITION BY d.rid ORDER BY j.booked_at DESC, j.booking_id DESC) = 1""")
        self.con.execute("DROP TABLE dt")

        # --- the holds (rules 2 to 8) ----------------------------------------
        # The detainers of each booking lodged before its release, with the
        # release: released_at, else the earliest ICE custody time; none for
        # a rejected or conflicting release row.
        x("rules: holds", """CREATE OR REPLACE TEMP TABLE hd AS
            WITH a AS (
                SELECT a.*, j.person_id, j.booked_at, j.eligible, j.release_reason, j.rel_rejected,
                       CASE WHEN j.rel_rejected THEN NULL
                            ELSE coalesce(j.released_at, min(a.ice_custody_at) OVER (PARTITION BY a.county, a.booking_id))
                       END AS rel
                FROM att a JOIN j USING (county, booking_id)
            )
            SELECT a.*, coalesce(a.warrant, c.missing_warrant) AS ws,
                   NOT a.rel_rejected AND a.eligible IS NOT NULL AS measured,
                   greatest(a.lodged_at, a.eligible) AS s,
                   least(coalesce(a.lifted_at, coalesce(a.rel, c.as_of)), coalesce(a.rel, c.as_of)) AS e
            FROM a JOIN cty c USING (county)
            WHERE a.rel_rejected OR a.rel IS NULL OR a.lodged_at < a.rel""")
        x("rules: holds", """CREATE OR REPLACE TEMP TABLE hp AS
            -- rid breaks ties in both windows: two detainers with the same
            -- interval must be seen in the same order by each, or the
            -- second window can open a piece the first merged (the hold
            -- then counted twice).
            WITH sp AS (
                SELECT county, booking_id, rid, s, e,
                       coalesce(s > max(e) OVER (PARTITION BY county, booking_id ORDER BY s, e, rid
                                                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), true) AS new
                FROM hd WHERE measured AND s < e
            )
            SELECT county, booking_id, min(s) AS ps, max(e) AS pe FROM (
                SELECT *, sum(new::INTEGER) OVER (PARTITION BY county, booking_id ORDER BY s, e, rid
                                                  ROWS UNBOUNDED PRECEDING) AS pid FROM sp)
            GROUP BY county, booking_id, pid""")
        x("rules: holds", """CREATE OR REPLACE TEMP TABLE h AS
            WITH b1 AS (
                SELECT county, booking_id, any_value(person_id) AS person_id, any_value(booked_at) AS booked_at,
                       any_value(eligible) AS eligible, any_value(rel) AS rel,
                       any_value(rel_rejected) AS rel_rejected, any_value(measured) AS measured,
                       any_value(release_reason) AS release_reason,
                       min(lodged_at) AS first_lodged, bool_or(ice_custody_at IS NOT NULL) AS any_ice,
                       min(s) FILTER (WHERE measured AND s < e) AS sp_start,
                       max(e) FILTER (WHERE measured AND s < e) AS sp_end,
                       min(s) FILTER (WHERE measured AND s < e AND ws = 'judicial') AS w
                FROM hd GROUP BY county, booking_id
            ), b2 AS (
                SELECT b1.*, coalesce(sp_start, eligible) AS hs FROM b1
            ), d AS (
                SELECT b2.county, b2.booking_id,
                       first(coalesce(hd.form, 'unknown') ORDER BY hd.lodged_at, hd.detainer_id NULLS FIRST, hd.rid)
                         FILTER (WHERE CASE WHEN NOT b2.measured THEN true
                                            WHEN b2.sp_start IS NOT NULL THEN hd.s < hd.e AND hd.s = b2.hs
                                            ELSE hd.lodged_at <= b2.hs AND (hd.lifted_at IS NULL OR hd.lifted_at > b2.hs)
                                       END) AS form,
                       -- the detainers the warrant status judges
                       list(hd.ws) FILTER (WHERE CASE WHEN NOT b2.measured THEN true
                                                      WHEN b2.sp_start IS NOT NULL THEN hd.s < hd.e AND (b2.w IS NULL OR hd.s < b2.w)
                                                      ELSE hd.lodged_at <= b2.hs AND (hd.lifted_at IS NULL OR hd.lifted_at > b2.hs)
                                                 END) AS judged
                FROM b2 JOIN hd USING (county, booking_id) GROUP BY b2.county, b2.booking_id
            ), pa AS (
                SELECT hp.county, hp.booking_id,
                       sum(epoch_us(pe) - epoch_us(ps)) AS us,
                       sum(greatest(epoch_us(least(pe, coalesce(b1.w, pe))) - epoch_us(ps), 0)) AS unw_us,
                       sum((epoch_us(pe) - epoch_us(ps)) // 1000000) AS cal_s,
                       sum(((de.cum_us + CASE WHEN de.excluded THEN 0 ELSE epoch_us(pe) - de.start_us END)
                           - (ds.cum_us + CASE WHEN ds.excluded THEN 0 ELSE epoch_us(ps) - ds.start_us END))
                           // 1000000) AS bus_s
                FROM hp JOIN b1 USING (county, booking_id) JOIN cty c USING (county)
                ASOF JOIN days ds ON ds.tz = c.tz AND epoch_us(hp.ps) >= ds.start_us
                ASOF JOIN days de ON de.tz = c.tz AND epoch_us(hp.pe) >= de.start_us
                GROUP BY hp.county, hp.booking_id
            )
            SELECT b2.county, b2.booking_id, b2.booked_at, b2.person_id,
                   CASE WHEN b2.rel_rejected THEN 'release_unknown'
                        WHEN b2.eligible IS NULL THEN 'eligibility_unknown'
                        WHEN b2.rel IS NULL AND b2.sp_end = c.as_of THEN 'open'
                        ELSE 'closed' END AS status,
                   CASE WHEN b2.measured THEN coalesce(pa.us, 0) // 60000000 END AS minutes,
                   CASE WHEN b2.measured THEN coalesce(pa.unw_us, 0) // 60000000 END AS unw,
                   CASE WHEN b2.measured AND b2.w = b2.sp_start THEN 'judicial'
                        WHEN list_contains(d.judged, 'judicial') AND (NOT b2.measured OR b2.sp_start IS NULL) THEN 'judicial'
                        WHEN list_contains(d.judged, 'unknown') THEN 'unknown'
                        WHEN list_contains(d.judged, 'administrative') THEN 'administrative'
                        ELSE 'none' END AS warrant_status,
                   CASE WHEN NOT b2.measured THEN NULL
                        WHEN d.form IN ('I-247', 'I-247D', 'I-247X') THEN (coalesce(pa.bus_s, 0) // 60) / 60.0 > 48
                        WHEN d.form = 'I-247A' THEN (coalesce(pa.cal_s, 0) // 60) / 60.0 > 48
                        WHEN d.form = 'I-247N' THEN (coalesce(pa.cal_s, 0) // 60) / 60.0 > 0
                   END AS over_limit,
                   CASE WHEN b2.measured THEN b2.hs END AS hold_start,
                   timezone(c.tz, coalesce(CASE WHEN b2.measured THEN b2.hs END, b2.first_lodged)) AS basis_local,
                   b2.release_reason IS NOT DISTINCT FROM 'transfer_ice' OR b2.any_ice AS transferred,
                   c.grace, c.since, c.until, c.tz
            FROM b2 JOIN d USING (county, booking_id) JOIN cty c USING (county)
            LEFT JOIN pa USING (county, booking_id)""")
        x("rules: holds", f"""CREATE OR REPLACE TEMP TABLE hf AS
            SELECT county, booking_id, booked_at, year(basis_local) AS year, month(basis_local) AS month,
                   minutes, unw, status, warrant_status, over_limit, transferred,
                   coalesce('id:' || person_id, 'booking:' || booking_id) AS person_key,
                   coalesce(unw > grace, false) AND warrant_status IN ('none', 'administrative')
                     AND timezone(tz, hold_start)::DATE >= since
                     AND (until IS NULL OR timezone(tz, hold_start)::DATE <= until) AS flagged,
                   coalesce(unw > grace, false) AND warrant_status = 'unknown' AS warrant_unknown,
                   coalesce(minutes > {C.MAX_HOLD_MINUTES}, false) AS implausible
            FROM h""")
        for t in ("hd", "hp", "h"):
            self.con.execute(f"DROP TABLE {t}")

        # --- the monthly summary ---------------------------------------------
        x("summary", """CREATE OR REPLACE TEMP TABLE mc AS
            WITH ids AS (SELECT DISTINCT county, booking_id FROM att),
            gone AS (SELECT county, booking_id FROM hf WHERE implausible)
            SELECT j.county, year(lt) AS year, month(lt) AS month, count(*) AS bookings,
                   count(ids.booking_id) AS bookings_with_detainer
            FROM (SELECT j.*, timezone(c.tz, j.booked_at) AS lt FROM j JOIN cty c USING (county)) j
            LEFT JOIN ids ON ids.county = j.county AND ids.booking_id = j.booking_id
            ANTI JOIN gone ON gone.county = j.county AND gone.booking_id = j.booking_id
            GROUP BY ALL""")
        x("summary", """CREATE OR REPLACE TEMP TABLE bl AS
            SELECT j.county, year(timezone(c.tz, j.eligible)) AS year,
                   quantile_cont(greatest((epoch_us(j.released_at) - epoch_us(j.eligible)) / 60e6, 0), 0.5) AS med
            FROM j JOIN cty c USING (county)
            ANTI JOIN (SELECT DISTINCT county, booking_id FROM att) a USING (county, booking_id)
            WHERE j.eligible IS NOT NULL AND j.released_at IS NOT NULL GROUP BY ALL""")
        x("summary", """INSERT INTO summary_all
            WITH spine AS (
                SELECT c.county, c.county_name, c.state, year(m)::INTEGER AS year, month(m)::INTEGER AS month, m
                FROM cty c, LATERAL (SELECT unnest(generate_series(
                    date_trunc('month', c.since::TIMESTAMP),
                    least(date_trunc('month', timezone(c.tz, c.as_of)),
                          coalesce(date_trunc('month', c.until::TIMESTAMP), date_trunc('month', timezone(c.tz, c.as_of)))),
                    INTERVAL 1 MONTH))::DATE AS m)
            ), hm AS (
                SELECT county, year, month, count(*) AS holds,
                       count(*) FILTER (WHERE flagged) AS flagged,
                       count(DISTINCT person_key) FILTER (WHERE flagged) AS flagged_persons,
                       count(*) FILTER (WHERE over_limit) AS over_limit,
                       count(*) FILTER (WHERE warrant_unknown) AS warrant_unknown,
                       count(*) FILTER (WHERE status = 'eligibility_unknown') AS eligibility_unknown,
                       count(*) FILTER (WHERE status = 'release_unknown') AS release_unknown,
                       count(*) FILTER (WHERE status = 'open') AS open_holds,
                       count(*) FILTER (WHERE transferred) AS transferred_to_ice,
                       sum(minutes / 60.0) AS hold_hours_total,
                       quantile_cont(minutes / 60.0, 0.5) AS hold_hours_median,
                       quantile_cont(minutes / 60.0, 0.9) AS hold_hours_p90,
                       max(minutes / 60.0) AS hold_hours_max,
                       sum(minutes / 60.0) FILTER (WHERE flagged) AS flagged_hold_hours_total,
                       sum(unw / 60.0) FILTER (WHERE flagged) AS flagged_unwarranted_hours_total
                FROM hf WHERE NOT implausible GROUP BY ALL
            )
            SELECT s.county, s.county_name, s.year, s.month,
                   coalesce(mc.bookings, 0), coalesce(mc.bookings_with_detainer, 0),
                   coalesce(hm.holds, 0), coalesce(hm.flagged, 0), coalesce(hm.flagged_persons, 0),
                   coalesce(hm.over_limit, 0), coalesce(hm.warrant_unknown, 0),
                   coalesce(hm.eligibility_unknown, 0), coalesce(hm.release_unknown, 0),
                   coalesce(hm.open_holds, 0), coalesce(hm.transferred_to_ice, 0),
                   coalesce(hm.hold_hours_total, 0.0), hm.hold_hours_median, hm.hold_hours_p90,
                   hm.hold_hours_max, coalesce(hm.flagged_hold_hours_total, 0.0),
                   coalesce(hm.flagged_unwarranted_hours_total, 0.0), bl.med,
                   CASE WHEN s.state <> 'CA' THEN 'none' WHEN s.m < DATE '2014-01-01' THEN 'pre_trust'
                        WHEN s.m < DATE '2018-01-01' THEN 'trust_act' ELSE 'values_act' END
            FROM spine s
            LEFT JOIN mc USING (county, year, month)
            LEFT JOIN hm USING (county, year, month)
            LEFT JOIN bl ON bl.county = s.county AND bl.year = s.year""")
        for t in ("j", "att", "hf", "mc", "bl", "cty", "bfiles"):
            self.con.execute(f"DROP TABLE {t}")


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


SUMMARY_DDL = """CREATE TEMP TABLE summary_all (
    county VARCHAR, county_name VARCHAR, year INTEGER, month INTEGER,
    bookings BIGINT, bookings_with_detainer BIGINT, holds BIGINT, flagged BIGINT,
    flagged_persons BIGINT, over_limit BIGINT, warrant_unknown BIGINT,
    eligibility_unknown BIGINT, release_unknown BIGINT, open_holds BIGINT,
    transferred_to_ice BIGINT, hold_hours_total DOUBLE, hold_hours_median DOUBLE,
    hold_hours_p90 DOUBLE, hold_hours_max DOUBLE, flagged_hold_hours_total DOUBLE,
    flagged_unwarranted_hours_total DOUBLE, baseline_release_minutes_median DOUBLE,
    regime VARCHAR)"""


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description="DuckDB peer of detainer-audit's core work")
    ap.add_argument("--profile", action="store_true", help="print the time of each phase to stderr")
    ap.add_argument("--explain", metavar="FILE",
                    help="write EXPLAIN ANALYZE of every statement (each operator's time) to FILE")
    ap.add_argument("--batch-mib", type=float, default=256.0,
                    help="CSV input per batch of counties (default 256 MiB)")
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args(argv[1:])
    if len(a.paths) < 2:
        ap.error("PIPELINES... OUT_DIR")
    t_start = time.perf_counter()
    global EXPLAIN
    if a.explain:
        EXPLAIN = open(a.explain, "w")
    pipelines = C.load_pipelines(a.paths[:-1])
    out = a.paths[-1]
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
    t0 = time.perf_counter()
    tzs = sorted({p.tz for p in pipelines})
    register_days(con, tzs)
    days = {tz: ", ".join(f"DATE '{d}'" for d in C.transition_days(tz)) for tz in tzs}
    con.execute(SUMMARY_DDL)
    PROFILE["setup (calendars)"] += time.perf_counter() - t0
    bs = C.batches(pipelines, int(a.batch_mib * 1024 * 1024))
    for n, b in enumerate(bs, 1):
        Batch(con, b, n, days).run()
    t0 = time.perf_counter()
    con.execute(f"""COPY (SELECT * FROM summary_all ORDER BY county, year, month)
        TO {q(summary_dir)} (FORMAT parquet, PARTITION_BY (county))""")
    holds, flagged = con.execute("SELECT sum(holds), sum(flagged) FROM summary_all").fetchall()[0]
    PROFILE["write summary"] += time.perf_counter() - t0
    con.close()
    shutil.rmtree(tmp, ignore_errors=True)
    if a.profile:
        total = time.perf_counter() - t_start
        print(f"duckdb_core profile ({len(bs)} batches, wall {total:.2f} s):", file=sys.stderr)
        for k, v in PROFILE.items():
            print(f"  {k:28s} wall {v:8.2f} s  {100 * v / total:5.1f}%   CPU {CPU.get(k, 0):8.2f} s",
                  file=sys.stderr)
    print(f"duckdb_core: {len(pipelines)} counties in {len(bs)} batches: {holds} holds, "
          f"{flagged} flagged; outputs in {summary_dir}")
    return 0


if __name__ == "__main__":
    code = main(sys.argv)
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter teardown: a native library's thread pool (pandas /
    # pyarrow / duckdb) was seen to abort about 1 exit in 8 here ("terminate
    # called without an active exception"), after all the work was written.
    os._exit(code)
