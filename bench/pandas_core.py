#!/usr/bin/env python3
"""pandas yardstick: the core work of `detainer-audit run`, in plain pandas.

Usage: python bench/pandas_core.py PIPELINES_DIR_OR_TOML... OUT_DIR

What it does, for every pipeline TOML given (read with tomllib; paths are
relative to the TOML file and may be globs), one county at a time so that
memory stays bounded by the largest county, single-threaded as pandas is:

- reads each [[inputs]] CSV with pd.read_csv: its own delimiter, encoding
  (utf-8 with or without BOM, or windows-1252), skip_rows, only the mapped
  columns (plus the last one, to drop rows with too few fields), every field
  as text; drops rows with invalid UTF-8 in a utf-8 file; trims fields and
  applies the input's null_values;
- maps source columns to the canonical fields (docs/PIPELINE_FILES.md), joining a
  (date column, time column) pair with a space (a date with no time is the
  date alone, as the audit does);
- parses every datetime field with pd.to_datetime and the field's chrono
  formats tried in order, then the date part of each format (read per
  rules.date_only: end_of_day for eligible_at, lodged_at, charge_released_at,
  else start_of_day), then ISO 8601 text; turns local times into UTC with
  dt.tz_localize(tz, ambiguous=<all True: the earlier, DST instant>,
  nonexistent='NaT') as method rule 4 said before its revision; dates of birth and bail amounts are
  parsed too, and codes are mapped with the [codes.*] tables (exact, then
  ignoring case and spaces; else 'unknown');
- drops the rows the audit rejects while reading: a mapped datetime, date or
  number that does not parse, a local time in a DST gap, a year outside
  1980-2100 (dates of birth 1900-2100), a time after as_of, a required field
  empty (detainers: neither booking_id nor person_id), rows with the wrong
  number of fields;
- dedupes booking ids in bookings and releases (exact duplicate rows, over
  every canonical field, count once, compared by a row hash; ids with
  differing rows are dropped; a booking whose release rows conflict is
  dropped), drops bookings released before they were booked;
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
  local Saturdays, Sundays and federal holidays, by np.searchsorted into a
  day calendar built in Python; I-247A: calendar hours; I-247N: limit 0),
  transferred_to_ice;
- the monthly summary of src/outputs/summary.rs per county and local month,
  from `since` to the month of as_of, zeros included: bookings,
  bookings_with_detainer, holds, flagged, flagged_persons, over_limit,
  warrant_unknown, eligibility_unknown, open_holds, transferred_to_ice,
  hold_hours total/median/p90/max (linear quantiles), flagged_hold_hours_total,
  baseline_release_minutes_median (method rule 11), regime;
- writes Hive-partitioned Parquet with pyarrow:
  OUT/summary/county=<slug>/part-0.parquet.

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
- a row with more fields than the header is kept (usecols ignores the extra
  fields; the audit rejects it as wrong_field_count); invalid UTF-8 is looked
  for only in the mapped columns (and a literal U+FFFD counts as invalid);
- person keys for flagged_persons: `id:person_id`, else the booking id (the
  audit falls back to normalized name + date of birth before the booking);
- Python strptime and chrono differ on exotic formats (the formats of the
  three generated dialects parse alike).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402

UTC_US = "datetime64[us, UTC]"
EOD = pd.Timedelta(hours=23, minutes=59, seconds=59)


def read_texts(inp: C.Input) -> pd.DataFrame:
    """The input's mapped source columns as trimmed text (NULL markers ->
    NA), one column per canonical field (date + time joined)."""
    enc = "utf-8-sig" if inp.encoding == "utf-8" else "cp1252"
    nulls = {n.strip() for n in inp.null_values} | {""}
    cols: list[str] = []
    for srcs in inp.columns.values():
        for s in srcs:
            if s not in cols:
                cols.append(s)
    frames = []
    for header, files in C.file_groups(inp):
        pos = [C.column_position(header, c, files[0]) for c in cols]
        # The mapped columns plus the last one: a row with too few fields has
        # NaN there (keep_default_na=False keeps empty fields as '', NULL
        # markers are applied below).
        last = len(header) - 1
        use = sorted(set(pos) | {last})
        for f in files:
            df = pd.read_csv(
                f, sep=inp.delimiter, skiprows=inp.skip_rows, header=0,
                usecols=use, dtype=str, keep_default_na=False,
                encoding=enc, encoding_errors="replace", quotechar='"', doublequote=True,
                engine="c", on_bad_lines="skip")
            by_pos = dict(zip(use, df.columns))
            ok = df[by_pos[last]].notna()
            if inp.encoding == "utf-8":
                # Invalid UTF-8 (decoded as U+FFFD) makes the row unusable.
                for p_ in pos:
                    ok &= ~df[by_pos[p_]].str.contains("\ufffd", regex=False).fillna(False)
            part = {}
            for i, c in enumerate(cols):
                s = df[by_pos[pos[i]]][ok].str.strip()
                part[f"s{i}"] = s.where(~s.isin(nulls))
            frames.append(pd.DataFrame(part))
    src = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)
    out = {}
    for fld, srcs in inp.columns.items():
        a = src[f"s{cols.index(srcs[0])}"]
        if len(srcs) == 2:
            b = src[f"s{cols.index(srcs[1])}"]
            out[fld] = a.where(b.isna(), a + " " + b)
        else:
            out[fld] = a
    return pd.DataFrame(out)


def parse_naive(x: pd.Series, formats: list[str], eod: bool) -> pd.Series:
    """Local datetimes, formats tried in order on what is still unparsed."""
    res = pd.Series(pd.NaT, index=x.index, dtype="datetime64[us]")
    todo = x.notna()
    for f, timed in C.candidate_formats(formats):
        for v in C.strptime_variants(f):
            if not todo.any():
                return res
            t = pd.to_datetime(x[todo], format=v, errors="coerce").astype("datetime64[us]")
            if not timed and eod:
                t = t + EOD
            got = t.notna()
            res.loc[got[got].index] = t[got]
            todo &= res.isna()
    return res


def to_utc(naive: pd.Series, tz: str) -> pd.Series:
    """Method rule 4 before its revision: the earlier instant of an ambiguous time, NaT in a gap."""
    return naive.dt.tz_localize(tz, ambiguous=np.ones(len(naive), dtype=bool),
                                nonexistent="NaT").dt.tz_convert("UTC").astype(UTC_US)


def map_codes(x: pd.Series, table: dict[str, str] | None, is_bool: bool) -> pd.Series:
    table = table or {}
    if is_bool and not table:
        folded = {k: "true" for k in ("y", "yes", "true", "t", "1")}
        folded.update({k: "false" for k in ("n", "no", "false", "f", "0")})
        exact: dict[str, str] = {}
    else:
        exact = dict(table)
        folded = {}
        for k, v in table.items():
            folded.setdefault(k.strip().lower(), v)
    m = x.map(exact) if exact else pd.Series(np.nan, index=x.index, dtype=object)
    miss = m.isna() & x.notna()
    if miss.any():
        m[miss] = x[miss].str.strip().str.lower().map(folded).fillna("unknown")
    if is_bool:
        return m.map({"true": True, "false": False}).astype("boolean")
    return m


def read_table(p: C.Pipeline, table: str, as_of_us: int | None) -> pd.DataFrame:
    """Parsed, typed, valid rows of every input of `table`, canonical
    fields (unmapped ones NA), plus `h`, a hash of them all."""
    parts = []
    as_of_ts = pd.Timestamp(as_of_us, unit="us", tz="UTC") if as_of_us is not None else None
    for inp in p.inputs_of(table):
        t = read_texts(inp)
        out = {}
        bad = pd.Series(False, index=t.index)
        for fld, kind, required in C.FIELDS[table]:
            if fld not in inp.columns:
                out[fld] = pd.Series(pd.NaT, index=t.index, dtype=UTC_US) if kind == C.DATETIME \
                    else pd.Series(None, index=t.index, dtype=object)
                if required:
                    bad |= True
                continue
            x = t[fld]
            if kind == C.DATETIME:
                n = parse_naive(x, inp.formats.get(fld, []), p.end_of_day(fld))
                v = to_utc(n, p.tz)
                b = x.notna() & (v.isna() | ~n.dt.year.between(C.MIN_YEAR, C.MAX_YEAR))
                if as_of_ts is not None:
                    b |= x.notna() & (v > as_of_ts)
                bad |= b.fillna(True)
            elif kind == C.DATE:
                v = pd.Series(pd.NaT, index=x.index, dtype="datetime64[us]")
                for f in inp.formats.get(fld, []):
                    for fv in C.strptime_variants(f):
                        todo = v.isna() & x.notna()
                        if todo.any():
                            v[todo] = pd.to_datetime(x[todo], format=fv, errors="coerce")
                v = v.dt.normalize()
                bad |= (x.notna() & (v.isna() | ~v.dt.year.between(C.DOB_MIN_YEAR, C.DOB_MAX_YEAR))).fillna(True)
            elif kind == C.DECIMAL:
                v = pd.to_numeric(x.str.replace(r"[$, ]", "", regex=True), errors="coerce")
                bad |= x.notna() & v.isna()
            elif kind in (C.CODED, C.BOOL):
                v = map_codes(x, p.codes.get(fld), kind == C.BOOL)
            else:
                v = x
            if required:
                bad |= v.isna()
            out[fld] = v
        df = pd.DataFrame(out)
        if table == "detainers":
            has_b, has_p = "booking_id" in inp.columns, "person_id" in inp.columns
            if has_b or has_p:
                bad |= df["booking_id"].isna() & df["person_id"].isna()
            else:
                bad |= True
        parts.append(df[~bad])
    if not parts:
        return pd.DataFrame({f: pd.Series(dtype=UTC_US if k == C.DATETIME else object)
                             for f, k, _ in C.FIELDS[table]} | {"h": pd.Series(dtype="uint64")})
    df = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
    df["h"] = pd.util.hash_pandas_object(df, index=False).to_numpy()
    return df


def dedupe(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.Index]:
    """Rows of booking ids whose rows are all identical (kept once), and the
    ids whose rows conflict."""
    g = df.groupby("booking_id", sort=False)["h"].agg(["min", "max"])
    conflicting = g.index[g["min"] != g["max"]]
    first = df.drop_duplicates("booking_id")
    return first[~first["booking_id"].isin(conflicting)], conflicting


def local(t: pd.Series, tz: str) -> pd.Series:
    return t.dt.tz_convert(tz)


def business_us(t: pd.Series, cal) -> np.ndarray:
    """B(t) of common.day_calendar, for instants in microseconds."""
    _, starts, excl, cum = cal
    v = t.to_numpy(dtype="datetime64[us]").astype("int64")
    idx = np.searchsorted(starts, v, side="right") - 1
    idx = np.clip(idx, 0, len(starts) - 1)
    return cum[idx] + np.where(excl[idx], 0, v - starts[idx])


def county(p: C.Pipeline, cal) -> pd.DataFrame:
    tz = p.tz
    as_of_us = C.local_to_utc_us(p.as_of, ZoneInfo(tz)) if p.as_of else None

    bk, _ = dedupe(read_table(p, "bookings", as_of_us))
    bk = bk[["booking_id", "person_id", "booked_at"]]
    rl_all = read_table(p, "releases", as_of_us)
    rl, rl_conflicting = dedupe(rl_all)
    del rl_all
    bk = bk[~bk["booking_id"].isin(rl_conflicting)]
    j = bk.merge(rl[["booking_id", "eligible_at", "released_at", "release_reason"]],
                 on="booking_id", how="left")
    del bk, rl
    j = j[~(j["released_at"] < j["booked_at"]).fillna(False)]

    ch = read_table(p, "charges", as_of_us)
    ch = ch[["booking_id", "charge_kind", "charge_released_at"]]
    crim = (ch["charge_kind"] != "immigration_hold").fillna(True) | ch["charge_kind"].isna()
    ch = ch.assign(crim=crim, open=crim & ch["charge_released_at"].isna(),
                   crel=ch["charge_released_at"].where(crim))
    cagg = ch.groupby("booking_id").agg(n_criminal=("crim", "sum"), n_open=("open", "sum"),
                                        crim_rel=("crel", "max"))
    del ch
    j = j.merge(cagg, left_on="booking_id", right_index=True, how="left")
    from_ch = j["crim_rel"].where((j["n_criminal"] > 0) & (j["n_open"] == 0))
    j["eligible"] = j["eligible_at"].fillna(from_ch) if len(j) else j["eligible_at"]
    j = j.drop(columns=["n_criminal", "n_open", "crim_rel"])

    dtn = read_table(p, "detainers", as_of_us)
    dtn["rid"] = np.arange(len(dtn))
    if as_of_us is None:
        newest = max(x for x in [j["booked_at"].max(), j["released_at"].max(),
                                 j["eligible_at"].max(), dtn["lodged_at"].max()] if pd.notna(x))
        as_of = newest.tz_convert("UTC")
        as_of_local = newest.tz_convert(tz).tz_localize(None).to_pydatetime()
    else:
        as_of = pd.Timestamp(as_of_us, unit="us", tz="UTC")
        as_of_local = p.as_of

    det_cols = ["lodged_at", "lifted_at", "form", "warrant", "ice_custody_at", "detainer_id"]
    by_b = dtn[dtn["booking_id"].notna() & dtn["booking_id"].isin(j["booking_id"])]
    by_p = dtn[dtn["booking_id"].isna()].drop(columns=["booking_id"])
    cand = by_p.merge(j.loc[j["person_id"].notna(), ["person_id", "booking_id", "booked_at", "released_at"]],
                      on="person_id", how="inner")
    cand = cand[(cand["lodged_at"] >= cand["booked_at"])
                & (cand["lodged_at"] <= cand["released_at"].fillna(as_of))]
    cand = cand.sort_values(["rid", "booked_at", "booking_id"]).drop_duplicates("rid", keep="last")
    att = pd.concat([by_b[["booking_id"] + det_cols], cand[["booking_id"] + det_cols]],
                    ignore_index=True)
    del dtn, by_b, by_p, cand
    has_det = j["booking_id"].isin(att["booking_id"])

    # Bookings per local month of booked_at; the release-latency baseline.
    bl_local = local(j["booked_at"], tz)
    mc = pd.DataFrame({"year": bl_local.dt.year, "month": bl_local.dt.month, "d": has_det}) \
        .groupby(["year", "month"]).agg(bookings=("d", "size"), bookings_with_detainer=("d", "sum"))
    nb = j[~has_det & j["eligible"].notna() & j["released_at"].notna()]
    mins = ((nb["released_at"] - nb["eligible"]) / pd.Timedelta(minutes=1)).clip(lower=0)
    bl = mins.groupby(local(nb["eligible"], tz).dt.year).median()
    del nb, mins, bl_local

    # Detainers lodged before release, then one hold per booking.
    hd = att.merge(j[has_det][["booking_id", "person_id", "eligible", "released_at", "release_reason"]],
                   on="booking_id")
    del att, j
    hd = hd[hd["released_at"].isna() | (hd["lodged_at"] < hd["released_at"])]
    hd = hd.sort_values(["booking_id", "lodged_at", "detainer_id"], na_position="first")
    hd["ice"] = hd["ice_custody_at"].notna()
    g = hd.groupby("booking_id", sort=False)
    h = hd.drop_duplicates("booking_id").set_index("booking_id")[
        ["person_id", "eligible", "released_at", "release_reason", "form"]].copy()
    h["form"] = h["form"].fillna("unknown")
    h["first_lodged"] = g["lodged_at"].min()
    n_all, n_lifted = g["lodged_at"].size(), g["lifted_at"].count()
    h["all_lifted"] = g["lifted_at"].max().where(n_lifted == n_all)
    h["any_ice"] = g["ice"].any()
    base_end = h["released_at"].fillna(as_of)
    lifted_first = (h["all_lifted"] < base_end).fillna(False)
    elig = h["eligible"].notna()
    h["hold_start"] = h["eligible"].where(h["eligible"] >= h["first_lodged"], h["first_lodged"]).where(elig)
    h["hold_end"] = base_end.where(~lifted_first, h["all_lifted"]).where(elig, h["released_at"])
    h["status"] = np.where(~elig, "eligibility_unknown",
                           np.where(h["released_at"].isna() & ~lifted_first, "open", "closed"))
    span_us = (h["hold_end"] - h["hold_start"]) / pd.Timedelta(microseconds=1)
    h["minutes"] = (span_us.clip(lower=0) // 60_000_000).astype("Int64")
    h = h[h["minutes"].isna() | (h["minutes"] <= C.MAX_HOLD_MINUTES)]

    w = hd[["booking_id", "lodged_at", "lifted_at", "warrant"]].merge(
        h[["hold_start", "hold_end"]], left_on="booking_id", right_index=True)
    ws = w["warrant"].fillna(p.missing_warrant)
    active = ((w["hold_end"].isna() | (w["lodged_at"] <= w["hold_end"]))
              & (w["lifted_at"].isna() | w["hold_start"].isna() | (w["lifted_at"] > w["hold_start"])))
    wf = pd.DataFrame({"booking_id": w["booking_id"], "act": active,
                       "j1": active & (ws == "judicial"), "u1": active & (ws == "unknown"),
                       "a1": active & (ws == "administrative"), "j0": ws == "judicial",
                       "u0": ws == "unknown", "a0": ws == "administrative"}) \
        .groupby("booking_id").any()
    del hd, w
    wf = wf.reindex(h.index)
    use1 = wf["act"]
    jj = np.where(use1, wf["j1"], wf["j0"])
    uu = np.where(use1, wf["u1"], wf["u0"])
    aa = np.where(use1, wf["a1"], wf["a0"])
    h["warrant_status"] = np.where(jj, "judicial", np.where(uu, "unknown",
                                   np.where(aa, "administrative", "none")))

    # 48-hour clocks.
    measured = h["hold_start"].notna() & h["hold_end"].notna()
    s_f = h["hold_start"].fillna(pd.Timestamp(0, tz="UTC"))
    e_f = h["hold_end"].fillna(pd.Timestamp(0, tz="UTC"))
    cal_s = (e_f - s_f) / pd.Timedelta(microseconds=1)
    bus = business_us(e_f, cal) - business_us(s_f, cal)
    business = h["form"].isin(["I-247", "I-247D", "I-247X"]).to_numpy()
    calendar = h["form"].isin(["I-247A", "I-247N"]).to_numpy()
    counted_us = np.where(business, bus, cal_s.to_numpy())
    counted_s = np.maximum(counted_us, 0) // 1_000_000
    hours = (counted_s // 60) / 60.0
    limit = np.where(h["form"] == "I-247N", 0.0, 48.0)
    over = pd.array(hours > limit, dtype="boolean")
    over[~(measured.to_numpy() & (business | calendar))] = pd.NA
    h["over_limit"] = over

    past = h["minutes"] > p.grace_minutes
    start_day = local(h["hold_start"], tz).dt.date
    in_period = h["hold_start"].notna() & (start_day >= p.since)
    if p.until is not None:
        in_period &= start_day <= p.until
    h["past_release"] = past
    h["flagged"] = past.fillna(False).astype(bool) & h["warrant_status"].isin(["none", "administrative"]) \
        & in_period.fillna(False).astype(bool)
    h["transferred"] = (h["release_reason"] == "transfer_ice").fillna(False) | h["any_ice"]
    h["person_key"] = ("id:" + h["person_id"]).fillna("booking:" + h.index.to_series())
    basis = local(h["hold_start"].fillna(h["first_lodged"]), tz)
    h["year"], h["month"] = basis.dt.year, basis.dt.month
    h["hours"] = h["minutes"].astype("float64") / 60.0

    flagged = h["flagged"]
    hm = h.groupby(["year", "month"]).agg(
        holds=("status", "size"),
        flagged=("flagged", "sum"),
        over_limit=("over_limit", lambda s: int((s == True).sum())),  # noqa: E712
        eligibility_unknown=("status", lambda s: int((s == "eligibility_unknown").sum())),
        open_holds=("status", lambda s: int((s == "open").sum())),
        transferred_to_ice=("transferred", "sum"),
        hold_hours_total=("hours", "sum"),
        hold_hours_median=("hours", "median"),
        hold_hours_p90=("hours", lambda s: s.quantile(0.9)),
        hold_hours_max=("hours", "max"),
    )
    hm["flagged_persons"] = h[flagged].groupby(["year", "month"])["person_key"].nunique()
    hm["warrant_unknown"] = h[(h["warrant_status"] == "unknown") & h["past_release"].fillna(False).astype(bool)] \
        .groupby(["year", "month"]).size()
    hm["flagged_hold_hours_total"] = h[flagged].assign(x=h["hours"].fillna(0.0)) \
        .groupby(["year", "month"])["x"].sum()

    keys = C.month_keys(p, as_of_local)
    idx = pd.MultiIndex.from_tuples(keys, names=["year", "month"])
    s = pd.DataFrame(index=idx)
    s = s.join(mc).join(hm)
    ints = ["bookings", "bookings_with_detainer", "holds", "flagged", "flagged_persons",
            "over_limit", "warrant_unknown", "eligibility_unknown", "open_holds",
            "transferred_to_ice"]
    for c in ints:
        s[c] = s[c].fillna(0).astype("int64")
    for c in ("hold_hours_total", "flagged_hold_hours_total"):
        s[c] = s[c].fillna(0.0).astype("float64")
    s = s.reset_index()
    s["baseline_release_minutes_median"] = s["year"].map(bl).astype("float64")
    s["regime"] = [C.regime(p.state, dt.date(y, m, 1)) for y, m in keys]
    s["county"] = p.slug
    s["county_name"] = p.county
    s["year"] = s["year"].astype("int32")
    s["month"] = s["month"].astype("int32")
    return s[C.SUMMARY_COLUMNS]


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    pipelines = C.load_pipelines(argv[1:-1])
    out = argv[-1]
    summary_dir = os.path.join(out, "summary")
    shutil.rmtree(summary_dir, ignore_errors=True)
    os.makedirs(out, exist_ok=True)
    cals = {}
    frames = []
    for p in pipelines:
        if p.tz not in cals:
            _, starts, excl, cum = C.day_calendar(p.tz)
            cals[p.tz] = (None, np.array(starts, dtype="int64"), np.array(excl, dtype=bool),
                          np.array(cum, dtype="int64"))
        frames.append(county(p, cals[p.tz]))
    summary = pd.concat(frames, ignore_index=True)
    table = pa.Table.from_pandas(summary, preserve_index=False)
    pq.write_to_dataset(table, root_path=summary_dir, partition_cols=["county"],
                        basename_template="part-{i}.parquet")
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
