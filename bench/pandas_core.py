#!/usr/bin/env python3
"""pandas peer: the core work of `detainer-audit run` (what the monthly
summary needs) in plain pandas, one county at a time, single-threaded as
pandas is.

Usage: python bench/pandas_core.py [--profile] PIPELINES_DIR_OR_TOML... OUT_DIR

What it does, for every pipeline TOML given (read with tomllib; paths are
relative to the TOML file and may be globs), one county at a time so that
memory stays bounded by the largest county:

- reads each CSV source once with pd.read_csv (C engine; bookings and
  releases from one export are one read): its delimiter, encoding (utf-8
  with or without BOM, or windows-1252), skip_rows, only the mapped columns
  (plus the last one, which is NaN in a row with too few fields), every
  field as text; trims fields and applies each input's null_values; joins a
  (date, time) pair with a space;
- parses datetimes with pd.to_datetime and the field's formats in order,
  each on what is still unparsed (then the date part of each format, read
  per rules.date_only, then ISO 8601 text); local time to UTC per method
  rule 4 as revised, with dt.tz_localize(tz, ambiguous=<the field's
  instant>, nonexistent="NaT"): the later instant of a repeated time for
  booked_at, eligible_at, charge_released_at and lodged_at, the earlier
  for the others; a time in the DST gap, a year outside 1980-2100 (dates of
  birth 1900-2100), a time after as_of, an unparseable date or amount, an
  empty required field, too few fields, or invalid UTF-8 in a mapped field
  of a utf-8 file rejects its row; codes mapped with [codes.*] (exact,
  then ignoring case and spaces, `""` for empty fields; else 'unknown');
- the rules, as in duckdb_core.py: duplicate and conflicting booking and
  release rows; releases before booking; eligibility from charges only
  when no charge row of the booking was rejected (a row with too few
  fields names every non-empty field it has); detainers attached by
  booking id or person custody window; the release (released_at, else the
  earliest ICE custody time; a rejected or conflicting release row:
  release_unknown); the hold as pieces (spans sorted, a running maximum of
  their ends per booking), whole minutes of the total, unwarranted minutes,
  warrant status over the unwarranted part, the form in force at
  hold_start, the 48-hour clocks over the pieces (np.searchsorted into a
  day calendar), status, flag, transferred_to_ice, implausible stays
  dropped with their bookings;
- the release-latency baseline and the monthly summary per county and
  local month, with every column of the audit's summary;
- writes Hive-partitioned Parquet with pyarrow:
  OUT/summary/county=<slug>/part-0.parquet.

Instants are float64 microseconds since the epoch (exact below 2^53, the
year 2255), NaN for none.

What it leaves out, compared with the full audit:
- no holds/, hold_detainers/, rejects/, class lists, possible duplicates,
  workbook, report or manifest; no SHA-256, reject reasons, raw values or
  row numbers; no atomic output folder;
- XLSX and Parquet inputs; RFC 3339 instants and Excel serial numbers in
  datetime fields;
- a row with more fields than the header is kept (usecols reads the
  mapped columns only; the audit rejects it as wrong_field_count and
  counts the ids it names); invalid UTF-8 is looked for in the mapped
  columns only (and a literal U+FFFD counts as invalid);
- person keys for flagged_persons: `id:person_id`, else the booking id (the
  audit falls back to normalized name + date of birth first);
- ties in "earliest lodged" broken by detainer_id, then reading order;
  the 48-hour clock floors seconds per piece (the audit per local day
  within a piece: the same for times in whole seconds); Python strptime
  and chrono differ on exotic formats (the generated dialects parse alike).
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

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402

PROFILE: dict[str, float] = defaultdict(float)
KEY = ["booking_id"]
EOD = pd.Timedelta(hours=23, minutes=59, seconds=59)
US_MIN = 60_000_000


def timed(phase: str):
    class T:
        def __enter__(self):
            self.t = time.perf_counter()

        def __exit__(self, *a):
            PROFILE[phase] += time.perf_counter() - self.t
    return T()


# ---------------------------------------------------------------------------
# Reading

def read_source(src: C.Source) -> tuple[pd.DataFrame, pd.Series, list[str]]:
    """The source's mapped columns as trimmed text (x0, x1, ...), whether
    each row has the header's number of fields or more, and, for rows with
    too few, their non-empty fields (the ids such a row may name)."""
    enc = "utf-8-sig" if src.encoding == "utf-8" else "cp1252"
    cols = src.columns()
    frames, ragged_ids = [], []
    for header, files in C.file_groups(src.inputs[0]):
        pos = [C.column_position(header, c, files[0]) for c in cols]
        last = len(header) - 1
        use = sorted(set(pos) | {last})
        for f in files:
            df = pd.read_csv(f, sep=src.delimiter, skiprows=src.skip_rows, header=0, usecols=use,
                             dtype=str, keep_default_na=False, encoding=enc, encoding_errors="replace",
                             quotechar='"', doublequote=True, engine="c", on_bad_lines="skip")
            by_pos = dict(zip(use, df.columns))
            full = df[by_pos[last]].notna()
            if (~full).any():
                short = df[~full]
                ragged_ids += [v.strip() for v in short.stack().tolist() if isinstance(v, str) and v.strip()]
            part = {f"x{i}": df[by_pos[p_]].str.strip() for i, p_ in enumerate(pos)}
            part["_full"] = full
            if src.encoding == "utf-8":
                bad = pd.Series(False, index=df.index)
                for p_ in pos:
                    bad |= df[by_pos[p_]].str.contains("\ufffd", regex=False).fillna(False)
                part["_utf8_bad"] = bad
            else:
                part["_utf8_bad"] = pd.Series(False, index=df.index)
            frames.append(pd.DataFrame(part))
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)
    return df, df.pop("_full") & ~df.pop("_utf8_bad"), ragged_ids


def texts_of(df: pd.DataFrame, src: C.Source, inp: C.Input) -> dict[str, pd.Series]:
    """One input's fields as text: null values applied, date + time joined."""
    cols = src.columns()
    nulls = {n.strip() for n in inp.null_values} | {""}
    out = {}
    for fld, srcs in inp.columns.items():
        a = df[f"x{cols.index(srcs[0])}"]
        a = a.where(~a.isin(nulls))
        if len(srcs) == 2:
            b = df[f"x{cols.index(srcs[1])}"]
            b = b.where(~b.isin(nulls))
            a = a.where(b.isna(), a + " " + b)
        out[fld] = a
    return out


def parse_naive(x: pd.Series, formats: list[str], eod: bool) -> pd.Series:
    """Local datetimes, formats tried in order on what is still unparsed."""
    res = pd.Series(pd.NaT, index=x.index, dtype="datetime64[us]")
    todo = x.notna()
    for f, has_time in C.candidate_formats(formats):
        for v in C.strptime_variants(f):
            if not todo.any():
                return res
            t = pd.to_datetime(x[todo], format=v, errors="coerce").astype("datetime64[us]")
            if not has_time and eod:
                t = t + EOD
            got = t.notna()
            res.loc[got[got].index] = t[got]
            todo &= res.isna()
    return res


def to_us(t: pd.Series) -> pd.Series:
    """float64 microseconds since the epoch of a UTC datetime series."""
    v = t.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[us]")
    out = v.view("int64").astype("float64")
    out[np.isnat(v)] = np.nan
    return pd.Series(out, index=t.index)


def instants(naive: pd.Series, tz: str, fld: str) -> pd.Series:
    """Method rule 4: the field's instant of a repeated time (ambiguous=True
    is the earlier, DST one), NaN in the gap."""
    amb = np.full(len(naive), fld not in C.LATER_INSTANT, dtype=bool)
    return to_us(naive.dt.tz_localize(tz, ambiguous=amb, nonexistent="NaT"))


def map_codes(x: pd.Series, table: dict[str, str] | None, is_bool: bool) -> pd.Series:
    table = table or {}
    exact = {k: v for k, v in table.items() if k != ""}
    folded: dict[str, str] = {}
    for k, v in table.items():
        if k.strip():
            folded.setdefault(k.strip().lower(), v)
    if is_bool and not exact:
        folded.update({k: "true" for k in ("y", "yes", "true", "t", "1")})
        folded.update({k: "false" for k in ("n", "no", "false", "f", "0")})
    m = x.map(exact) if exact else pd.Series(np.nan, index=x.index, dtype=object)
    miss = m.isna() & x.notna()
    if miss.any():
        m[miss] = x[miss].str.strip().str.lower().map(folded).fillna("unknown")
    if "" in table:
        m[x.isna()] = table[""]
    return m


def parse_input(p: C.Pipeline, src: C.Source, df: pd.DataFrame, usable: pd.Series, inp: C.Input,
                as_of_us: float | None) -> tuple[pd.DataFrame, pd.Series]:
    """One input's canonical fields (datetimes as float µs) and whether each
    row is used, with `h`, a hash of the fields (for duplicate rows)."""
    t = texts_of(df, src, inp)
    out, bad = {}, ~usable
    for fld, kind, required in C.FIELDS[inp.table]:
        if fld not in inp.columns:
            out[fld] = pd.Series(np.nan if kind == C.DATETIME else None, index=df.index)
            if required:
                bad = bad | True
            continue
        x = t[fld]
        if kind == C.DATETIME:
            n = parse_naive(x, inp.formats.get(fld, []), p.end_of_day(fld))
            v = instants(n, p.tz, fld)
            b = x.notna() & (v.isna() | ~n.dt.year.between(C.MIN_YEAR, C.MAX_YEAR))
            if as_of_us is not None:
                b |= v > as_of_us
            bad = bad | b.fillna(True)
        elif kind == C.DATE:
            v = pd.Series(pd.NaT, index=x.index, dtype="datetime64[us]")
            for f in inp.formats.get(fld, []):
                for fv in C.strptime_variants(f):
                    todo = v.isna() & x.notna()
                    if todo.any():
                        v[todo] = pd.to_datetime(x[todo], format=fv, errors="coerce")
            bad = bad | (x.notna() & (v.isna() | ~v.dt.year.between(C.DOB_MIN_YEAR, C.DOB_MAX_YEAR))).fillna(True)
        elif kind == C.DECIMAL:
            v = pd.to_numeric(x.str.replace(r"[$, ]", "", regex=True), errors="coerce")
            bad = bad | (x.notna() & v.isna())
        elif kind in (C.CODED, C.BOOL):
            v = map_codes(x, p.codes.get(fld), kind == C.BOOL)
        else:
            v = x
        if required:
            bad = bad | v.isna()
        out[fld] = v
    o = pd.DataFrame(out)
    if inp.table == "detainers":
        has = [f for f in ("booking_id", "person_id") if f in inp.columns]
        bad = bad | (o[has].isna().all(axis=1) if has else True)
    if inp.table in ("bookings", "releases"):
        o["h"] = pd.util.hash_pandas_object(o, index=False).to_numpy()
    return o, ~bad


def read_tables(p: C.Pipeline, as_of_us: float | None) -> dict:
    """Every table of the county: its used rows, and the booking ids named by
    rejected release and charge rows."""
    parts: dict[str, list[pd.DataFrame]] = defaultdict(list)
    rejected: dict[str, list] = defaultdict(list)
    for src in C.sources(p):
        with timed("read csv"):
            df, usable, ragged = read_source(src)
        with timed("parse"):
            for inp in src.inputs:
                o, ok = parse_input(p, src, df, usable, inp, as_of_us)
                parts[inp.table].append(o[ok])
                if inp.table in ("releases", "charges"):
                    rejected[inp.table] += o.loc[~ok & o["booking_id"].notna(), "booking_id"].tolist()
                    rejected[inp.table] += ragged
    out = {}
    for table in ("bookings", "releases", "charges", "detainers"):
        if parts[table]:
            out[table] = pd.concat(parts[table], ignore_index=True)
        else:
            out[table] = pd.DataFrame({f: pd.Series(dtype="float64" if k == C.DATETIME else object)
                                       for f, k, _ in C.FIELDS[table]})
    out["rejected"] = rejected
    return out


# ---------------------------------------------------------------------------
# The rules

def business_us(v: np.ndarray, cal) -> np.ndarray:
    """B(t) of common.day_calendar, for instants in microseconds."""
    starts, excl, cum = cal
    vi = v.astype("int64")
    idx = np.clip(np.searchsorted(starts, vi, side="right") - 1, 0, len(starts) - 1)
    return cum[idx] + np.where(excl[idx], 0, vi - starts[idx])


def local(us: pd.Series, tz: str) -> pd.Series:
    return pd.to_datetime(us, unit="us", utc=True).dt.tz_convert(tz)


def county(p: C.Pipeline, cal) -> pd.DataFrame:
    tz = p.tz
    as_of_us = C.local_to_utc_us(p.as_of, ZoneInfo(tz)) if p.as_of else None
    T = read_tables(p, as_of_us)
    t0 = time.perf_counter()

    # Bookings and releases: identical rows once, conflicting ids dropped.
    bk = T["bookings"]
    g = bk.groupby("booking_id", sort=False)["h"].agg(["min", "max"])
    bk = bk.drop_duplicates("booking_id")
    bk = bk[bk["booking_id"].isin(g.index[g["min"] == g["max"]])][["booking_id", "person_id", "booked_at"]]
    rl = T["releases"]
    g = rl.groupby("booking_id", sort=False)["h"].agg(["min", "max"])
    conflicting = g.index[g["min"] != g["max"]]
    rl = rl.drop_duplicates("booking_id")
    rl = rl[~rl["booking_id"].isin(conflicting)][["booking_id", "eligible_at", "released_at", "release_reason"]]
    rel_rejected = set(T["rejected"]["releases"]) | set(conflicting)
    ch_rejected = set(T["rejected"]["charges"])
    j = bk.merge(rl, on="booking_id", how="left")
    j = j[~(j["released_at"] < j["booked_at"])]
    ch = T["charges"]
    crim = (ch["charge_kind"] != "immigration_hold") | ch["charge_kind"].isna()
    cagg = pd.DataFrame({"booking_id": ch["booking_id"], "crim": crim,
                         "open": crim & ch["charge_released_at"].isna(),
                         "crel": ch["charge_released_at"].where(crim)}) \
        .groupby("booking_id").agg(n_criminal=("crim", "sum"), n_open=("open", "sum"), crim_rel=("crel", "max"))
    j = j.merge(cagg, left_on="booking_id", right_index=True, how="left")
    ok_ch = (j["n_criminal"] > 0) & (j["n_open"] == 0) & ~j["booking_id"].isin(ch_rejected)
    j["eligible"] = j["eligible_at"].fillna(j["crim_rel"].where(ok_ch))
    j["rel_rejected"] = j["booking_id"].isin(rel_rejected)
    j = j.drop(columns=["n_criminal", "n_open", "crim_rel"]).reset_index(drop=True)

    dtn = T["detainers"].reset_index(drop=True)
    dtn["rid"] = np.arange(len(dtn))
    if as_of_us is None:
        as_of_us = float(np.nanmax([j["booked_at"].max(), j["released_at"].max(),
                                    j["eligible_at"].max(), dtn["lodged_at"].max()]))
    as_of_local = local(pd.Series([as_of_us]), tz).iloc[0].tz_localize(None).to_pydatetime()

    # Detainers to bookings: by booking id, else by person and custody window.
    det_cols = ["rid", "lodged_at", "lifted_at", "form", "warrant", "ice_custody_at", "detainer_id"]
    by_b = dtn[dtn["booking_id"].notna() & dtn["booking_id"].isin(j["booking_id"])]
    cand = dtn[dtn["booking_id"].isna()].drop(columns=["booking_id"]).merge(
        j.loc[j["person_id"].notna(), ["person_id", "booking_id", "booked_at", "released_at"]]
        .rename(columns={"booked_at": "b_booked", "released_at": "b_released"}), on="person_id")
    cand = cand[(cand["lodged_at"] >= cand["b_booked"])
                & (cand["lodged_at"] <= cand["b_released"].fillna(as_of_us))]
    cand = cand.sort_values(["rid", "b_booked", "booking_id"]).drop_duplicates("rid", keep="last")
    att = pd.concat([by_b[["booking_id"] + det_cols], cand[["booking_id"] + det_cols]], ignore_index=True)
    has_det = j["booking_id"].isin(att["booking_id"])

    # The holds: detainers lodged before the release.
    hd = att.merge(j[has_det][["booking_id", "person_id", "booked_at", "eligible", "released_at",
                               "release_reason", "rel_rejected"]], on="booking_id")
    first_ice = hd.groupby("booking_id")["ice_custody_at"].transform("min")
    hd["rel"] = hd["released_at"].fillna(first_ice).where(~hd["rel_rejected"])
    hd = hd[hd["rel_rejected"] | hd["rel"].isna() | (hd["lodged_at"] < hd["rel"])].reset_index(drop=True)
    end = hd["rel"].fillna(as_of_us)
    hd["ws"] = hd["warrant"].fillna(p.missing_warrant)
    hd["measured"] = ~hd["rel_rejected"] & hd["eligible"].notna()
    hd["s"] = np.fmax(hd["lodged_at"], hd["eligible"])
    hd["e"] = np.fmin(hd["lifted_at"].fillna(end), end)
    hd["span"] = hd["measured"] & (hd["s"] < hd["e"])

    # Pieces: spans sorted; a new piece where a span starts after every
    # earlier span of the booking ended.
    sp = hd.loc[hd["span"], ["booking_id", "s", "e"]].sort_values(["booking_id", "s", "e"])
    prev = sp.groupby("booking_id")["e"].cummax().groupby(sp["booking_id"]).shift(1)
    sp["pid"] = (prev.isna() | (sp["s"] > prev)).astype(int).groupby(sp["booking_id"]).cumsum()
    pieces = sp.groupby(["booking_id", "pid"]).agg(ps=("s", "min"), pe=("e", "max")).reset_index()

    g = hd.groupby("booking_id", sort=False)
    b1 = g[["person_id", "booked_at", "eligible", "rel", "rel_rejected", "measured", "release_reason"]].first()
    b1["first_lodged"] = g["lodged_at"].min()
    b1["any_ice"] = g["ice_custody_at"].count() > 0
    spans = hd[hd["span"]]
    b1["sp_start"] = spans.groupby("booking_id")["s"].min()
    b1["sp_end"] = spans.groupby("booking_id")["e"].max()
    b1["w"] = spans[spans["ws"] == "judicial"].groupby("booking_id")["s"].min()
    b1["hs"] = b1["sp_start"].fillna(b1["eligible"])

    pieces = pieces.merge(b1[["w"]], left_on="booking_id", right_index=True)
    pieces["us"] = pieces["pe"] - pieces["ps"]
    pieces["unw_us"] = (np.fmin(pieces["pe"], pieces["w"].fillna(pieces["pe"])) - pieces["ps"]).clip(lower=0)
    pieces["cal_s"] = pieces["us"] // 1e6
    pieces["bus_s"] = (business_us(pieces["pe"].to_numpy(), cal) - business_us(pieces["ps"].to_numpy(), cal)) // 1_000_000
    pa_ = pieces.groupby("booking_id")[["us", "unw_us", "cal_s", "bus_s"]].sum()

    x = hd.merge(b1[["hs", "sp_start", "w"]], left_on="booking_id", right_index=True)
    at_start = (x["lodged_at"] <= x["hs"]) & (x["lifted_at"].isna() | (x["lifted_at"] > x["hs"]))
    has_pieces = x["sp_start"].notna()
    form_cand = np.where(~x["measured"], True, np.where(has_pieces, x["span"] & (x["s"] == x["hs"]), at_start))
    judged = np.where(~x["measured"], True,
                      np.where(has_pieces, x["span"] & (x["w"].isna() | (x["s"] < x["w"])), at_start))
    fc = x[form_cand].sort_values(["booking_id", "lodged_at", "detainer_id", "rid"], na_position="first") \
        .drop_duplicates("booking_id").set_index("booking_id")["form"].fillna("unknown")
    jd = x[judged]
    flags = pd.DataFrame({w: (jd["ws"] == w).groupby(jd["booking_id"]).any()
                          for w in ("judicial", "unknown", "administrative")})

    h = b1.join(pa_).join(fc.rename("form")).join(flags)
    for w in ("judicial", "unknown", "administrative"):
        h[w] = h[w].fillna(False).astype(bool)
    m = h["measured"].astype(bool)
    h["status"] = np.select(
        [h["rel_rejected"].astype(bool), h["eligible"].isna(), h["rel"].isna() & (h["sp_end"] == as_of_us)],
        ["release_unknown", "eligibility_unknown", "open"], "closed")
    h["minutes"] = (h["us"].fillna(0) // US_MIN).where(m)
    h["unw"] = (h["unw_us"].fillna(0) // US_MIN).where(m)
    h["warrant_status"] = np.select(
        [m & (h["w"] == h["sp_start"]), h["judicial"] & (~m | h["sp_start"].isna()), h["unknown"],
         h["administrative"]], ["judicial", "judicial", "unknown", "administrative"], "none")
    bus_h = (h["bus_s"].fillna(0) // 60) / 60.0
    cal_h = (h["cal_s"].fillna(0) // 60) / 60.0
    form = h["form"]
    over = np.select([form.isin(["I-247", "I-247D", "I-247X"]), form == "I-247A", form == "I-247N"],
                     [bus_h > 48, cal_h > 48, cal_h > 0], False)
    h["over_limit"] = over & m & form.isin(["I-247", "I-247D", "I-247X", "I-247A", "I-247N"])
    h["hold_start"] = h["hs"].where(m)
    h["transferred"] = (h["release_reason"] == "transfer_ice") | h["any_ice"]
    h["person_key"] = ("id:" + h["person_id"]).fillna("booking:" + h.index.to_series())
    basis = local(h["hold_start"].fillna(h["first_lodged"]), tz)
    h["year"], h["month"] = basis.dt.year, basis.dt.month
    start_day = local(h["hold_start"], tz).dt.date
    in_period = h["hold_start"].notna() & (start_day >= p.since)
    if p.until is not None:
        in_period &= start_day <= p.until
    unw_past = (h["unw"] > p.grace_minutes).fillna(False)
    h["flagged"] = unw_past & h["warrant_status"].isin(["none", "administrative"]) & in_period.fillna(False)
    h["warrant_unknown"] = unw_past & (h["warrant_status"] == "unknown")
    h["implausible"] = (h["minutes"] > C.MAX_HOLD_MINUTES).fillna(False)

    # The summary.
    gone = set(h.index[h["implausible"]])
    h = h[~h["implausible"]]
    jj = j[~j["booking_id"].isin(gone)]
    lt = local(jj["booked_at"], tz)
    mc = pd.DataFrame({"year": lt.dt.year, "month": lt.dt.month, "d": has_det[jj.index]}) \
        .groupby(["year", "month"]).agg(bookings=("d", "size"), bookings_with_detainer=("d", "sum"))
    nb = j[~has_det & j["eligible"].notna() & j["released_at"].notna()]
    mins = ((nb["released_at"] - nb["eligible"]) / 60e6).clip(lower=0)
    bl = mins.groupby(local(nb["eligible"], tz).dt.year).median()
    h["hours"] = h["minutes"] / 60.0
    h["unw_hours"] = h["unw"] / 60.0
    st = h["status"]
    h = h.assign(elig_u=st == "eligibility_unknown", rel_u=st == "release_unknown", open_=st == "open")
    gb = h.groupby(["year", "month"])
    hm = gb.agg(holds=("status", "size"), flagged=("flagged", "sum"), over_limit=("over_limit", "sum"),
                warrant_unknown=("warrant_unknown", "sum"), eligibility_unknown=("elig_u", "sum"),
                release_unknown=("rel_u", "sum"), open_holds=("open_", "sum"),
                transferred_to_ice=("transferred", "sum"), hold_hours_total=("hours", "sum"),
                hold_hours_median=("hours", "median"), hold_hours_max=("hours", "max"))
    hm["hold_hours_p90"] = gb["hours"].quantile(0.9)
    fl = h[h["flagged"]].groupby(["year", "month"])
    hm["flagged_persons"] = fl["person_key"].nunique()
    hm["flagged_hold_hours_total"] = fl["hours"].sum()
    hm["flagged_unwarranted_hours_total"] = fl["unw_hours"].sum()

    keys = C.month_keys(p, as_of_local)
    s = pd.DataFrame(index=pd.MultiIndex.from_tuples(keys, names=["year", "month"])).join(mc).join(hm)
    for c in C.SUMMARY_COUNTS:
        s[c] = s[c].fillna(0).astype("int64")
    for c in ("hold_hours_total", "flagged_hold_hours_total", "flagged_unwarranted_hours_total"):
        s[c] = s[c].fillna(0.0).astype("float64")
    s = s.reset_index()
    s["baseline_release_minutes_median"] = s["year"].map(bl).astype("float64")
    s["regime"] = [C.regime(p.state, dt.date(y, mo, 1)) for y, mo in keys]
    s["county"], s["county_name"] = p.slug, p.county
    s["year"] = s["year"].astype("int32")
    s["month"] = s["month"].astype("int32")
    PROFILE["rules and summary"] += time.perf_counter() - t0
    return s[C.SUMMARY_COLUMNS]


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description="pandas peer of detainer-audit's core work")
    ap.add_argument("--profile", action="store_true", help="print the time of each phase to stderr")
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args(argv[1:])
    if len(a.paths) < 2:
        ap.error("PIPELINES... OUT_DIR")
    t_start = time.perf_counter()
    pipelines = C.load_pipelines(a.paths[:-1])
    out = a.paths[-1]
    summary_dir = os.path.join(out, "summary")
    shutil.rmtree(summary_dir, ignore_errors=True)
    os.makedirs(out, exist_ok=True)
    cals = {}
    frames = []
    for p in pipelines:
        if p.tz not in cals:
            with timed("setup (calendars)"):
                _, starts, excl, cum = C.day_calendar(p.tz)
                cals[p.tz] = (np.array(starts, dtype="int64"), np.array(excl, dtype=bool),
                              np.array(cum, dtype="int64"))
        frames.append(county(p, cals[p.tz]))
    with timed("write summary"):
        summary = pd.concat(frames, ignore_index=True)
        table = pa.Table.from_pandas(summary, preserve_index=False)
        pq.write_to_dataset(table, root_path=summary_dir, partition_cols=["county"],
                            basename_template="part-{i}.parquet")
    if a.profile:
        total = time.perf_counter() - t_start
        print(f"pandas_core profile (wall {total:.2f} s):", file=sys.stderr)
        for k, v in PROFILE.items():
            print(f"  {k:28s} {v:8.2f} s  {100 * v / total:5.1f}%", file=sys.stderr)
    print(f"pandas_core: {len(pipelines)} counties: {int(summary['holds'].sum())} holds, "
          f"{int(summary['flagged'].sum())} flagged; outputs in {summary_dir}")
    return 0


if __name__ == "__main__":
    code = main(sys.argv)
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter teardown: a native library's thread pool (pandas /
    # pyarrow / duckdb) was seen to abort about 1 exit in 8 here ("terminate
    # called without an active exception"), after all the work was written.
    os._exit(code)
