#!/usr/bin/env python3
"""Benchmark harness: runs each engine as its own process and measures it.

Called by bench/run (which sets up the venv, builds and generates the data);
it can also be run by hand with the venv's python:

  measure.py bench   --data DIR --out DIR --binary PATH --results FILE
                     [--runs N] [--pandas-runs M] [--engines LIST] [--label S] [--no-warm]
  measure.py scaling --data DIR[,DIR...] --labels S[,S...] --out DIR
                     --binary PATH --results FILE [--runs N] [--pandas-runs M]
                     [--engines LIST] [--no-warm]
  measure.py compare --audit DIR NAME=DIR...   (summaries only, no runs)

Engines: audit (the binary), duckdb, polars and pandas (bench/*_core.py);
--runs N runs each of the audit, duckdb and polars, --pandas-runs M of
pandas (0 leaves it out); --engines limits the set.

A data DIR holds pipelines/ and data/ as written by `detainer-audit generate`
(and generate.txt, its output, for the number of bookings).

Each run is one child process started with subprocess.Popen and reaped with
os.wait4 on its pid, which returns that child's own resource usage: wall
time is measured around spawn..reap with time.perf_counter; CPU time is the
child's ru_utime + ru_stime (all its threads); peak memory is the child's
ru_maxrss (peak resident set size, KiB on Linux). Runs are interleaved
(audit, duckdb, polars, pandas, audit, ...) so that drift on a shared
machine hits every engine alike; the tables report medians, also per
million bookings. After the runs every peer's summary is compared with the
audit's in every county-month and every column they both have (`compare`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import common as C  # noqa: E402


# ---------------------------------------------------------------------------
# One measured run

def run_once(cmd: list[str], log_path: str) -> dict:
    with open(log_path, "wb") as log:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code  # reaped here; tell Popen so it does not wait again
    return {
        "wall_s": wall,
        "cpu_s": ru.ru_utime + ru.ru_stime,
        "user_s": ru.ru_utime,
        "sys_s": ru.ru_stime,
        "peak_mib": ru.ru_maxrss / 1024.0,
        "exit": code,
        "log": log_path,
    }


def warm(files: list[str]) -> None:
    """Reads every input once so that no engine pays for a cold page cache."""
    buf = bytearray(1 << 20)
    for f in files:
        with open(f, "rb", buffering=0) as fh:
            while fh.readinto(buf):
                pass


# ---------------------------------------------------------------------------
# Facts about the machine and the data

def sh(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return ""


def machine(binary: str) -> dict:
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import duckdb
    import pandas
    import polars
    import pyarrow
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": sh(["nproc"]) or str(os.cpu_count()),
        "cpu": model or platform.processor() or "unknown",
        "memory": mem or "unknown",
        "os": platform.platform(),
        "rustc": sh(["rustc", "--version"]) or "n/a",
        "detainer_audit": sh([binary, "--version"]) or "n/a",
        "git": sh(["git", "-C", HERE, "rev-parse", "--short", "HEAD"]) or "n/a",
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "pandas": pandas.__version__,
        "polars": polars.__version__,
        "pyarrow": pyarrow.__version__,
    }


def data_facts(data: str) -> dict:
    pipelines = C.load_pipelines([os.path.join(data, "pipelines")])
    files = sorted({f for p in pipelines for i in p.inputs for f in i.files})
    size = sum(os.path.getsize(f) for f in files)
    bookings = None
    gen = os.path.join(data, "generate.txt")
    if os.path.exists(gen):
        with open(gen) as f:
            found = [int(n) for n in re.findall(r"(\d+) bookings in", f.read())]
        bookings = sum(found) if found else None
    return {"counties": len(pipelines), "files": files, "csv_bytes": size,
            "bookings": bookings, "pipelines": os.path.join(data, "pipelines")}


# ---------------------------------------------------------------------------
# Engines

_QUIET: dict[str, list[str]] = {}


def quiet_flag(binary: str) -> list[str]:
    """`--quiet` where the binary has it (older builds do not)."""
    if binary not in _QUIET:
        _QUIET[binary] = ["--quiet"] if "--quiet" in sh([binary, "--help"]) else []
    return _QUIET[binary]


def engines(binary: str, pipelines: str, out: str) -> dict[str, list[str]]:
    py = sys.executable
    return {
        "audit": [binary, *quiet_flag(binary), "run", pipelines, "--out",
                  os.path.join(out, "audit"), "--force"],
        "duckdb": [py, os.path.join(HERE, "duckdb_core.py"), pipelines, os.path.join(out, "duckdb")],
        "polars": [py, os.path.join(HERE, "polars_core.py"), pipelines, os.path.join(out, "polars")],
        "pandas": [py, os.path.join(HERE, "pandas_core.py"), pipelines, os.path.join(out, "pandas")],
    }


ENGINES = ("audit", "duckdb", "polars", "pandas")
WHAT = {
    "audit": "`detainer-audit run` (full audit, all outputs)",
    "duckdb": "`bench/duckdb_core.py` (core work, DuckDB SQL)",
    "polars": "`bench/polars_core.py` (core work, polars lazy, streaming engine)",
    "pandas": "`bench/pandas_core.py` (core work, pandas, one county at a time)",
}


def skipped_outputs(outs: dict[str, str]) -> dict[str, list[str]]:
    """Per peer, the audit's outputs (top-level entries of its folder) that
    the peer does not write."""
    a = outs.get("audit")
    if not a or not os.path.isdir(a):
        return {}
    have = {e for e in os.listdir(a) if not e.startswith(".")}
    out = {}
    for eng, d in outs.items():
        if eng != "audit" and os.path.isdir(d):
            mine = {e for e in os.listdir(d) if not e.startswith(".")}
            out[eng] = sorted(have - mine)
    return out


def plan_runs(engs: list[str], runs: int, pandas_runs: int) -> list[str]:
    plan: list[str] = []
    for i in range(max(runs, pandas_runs)):
        for e in engs:
            if i < (pandas_runs if e == "pandas" else runs):
                plan.append(e)
    return plan


def engine_list(a) -> list[str]:
    engs = [e for e in (a.engines.split(",") if a.engines else ENGINES)]
    bad = [e for e in engs if e not in ENGINES]
    if bad:
        raise SystemExit(f"unknown engine(s): {', '.join(bad)}; engines: {', '.join(ENGINES)}")
    if a.pandas_runs == 0 and "pandas" in engs:
        engs.remove("pandas")
    return engs


def execute(plan: list[str], cmds: dict[str, list[str]], logs: str, tag: str = "") -> list[dict] | None:
    """Runs the plan, one process at a time; None when one failed."""
    os.makedirs(logs, exist_ok=True)
    runs, count = [], {}
    for eng in plan:
        count[eng] = count.get(eng, 0) + 1
        n = count[eng]
        r = run_once(cmds[eng], os.path.join(logs, f"{eng}-{n}.log"))
        r.update(engine=eng, run=n)
        runs.append(r)
        print(f"  {tag}{eng:7s} run {n}: wall {r['wall_s']:8.2f} s  cpu {r['cpu_s']:8.2f} s  "
              f"peak {r['peak_mib']:8.1f} MiB  exit {r['exit']}", flush=True)
        if not ok_exit(eng, r["exit"]):
            with open(r["log"], errors="replace") as f:
                tail = f.read()[-3000:]
            print(f"error: {eng} exited {r['exit']}; its output ({r['log']}):\n{tail}", file=sys.stderr)
            return None
    return runs


def figures_table(by: dict[str, list[dict]], bookings: int | None) -> list[str]:
    """Medians per engine, per million bookings too, and ratios to the audit."""
    L = ["| engine | runs | wall s | CPU s | peak MiB | wall s / M bookings | CPU s / M bookings "
         "| peak MiB / M bookings | wall / audit | CPU / audit |",
         "|---|---|---|---|---|---|---|---|---|---|"]
    aw = med(by["audit"], "wall_s") if "audit" in by else None
    ac = med(by["audit"], "cpu_s") if "audit" in by else None
    m = bookings / 1e6 if bookings else None
    for e, rs in by.items():
        w, c, pk = med(rs, "wall_s"), med(rs, "cpu_s"), med(rs, "peak_mib")
        per = (f"{w / m:.2f} | {c / m:.2f} | {pk / m:.0f}" if m else "n/a | n/a | n/a")
        L.append(f"| {WHAT[e]} | {len(rs)} | {w:.2f} | {c:.2f} | {pk:.0f} | {per} | "
                 f"{(f'{w / aw:.2f}' if aw else 'n/a')} | {(f'{c / ac:.2f}' if ac else 'n/a')} |")
    return L


def skipped_lines(outs: dict[str, str]) -> list[str]:
    sk = skipped_outputs(outs)
    L = ["What each engine writes: the audit every output; each peer only "
         "`summary/` (the same columns as the audit's: see the cross-check). "
         "The audit's outputs each peer skips:", ""]
    for e, items in sk.items():
        L.append(f"- {e}: {', '.join(f'`{x}`' for x in items) or 'none'}")
    return L


def ok_exit(engine: str, code: int) -> bool:
    # The audit exits 1 when it wrote every output but an input passed its
    # max_reject_rate: a complete run.
    return code == 0 or (engine == "audit" and code == 1)


def med(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def fmt_bytes(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{n} B"
        n /= 1024
    return str(n)


# ---------------------------------------------------------------------------
# Cross-check of the summaries: every county-month, every column

KEYS = ("county", "year", "month")
REL_TOL = 1e-6


def read_summary(con, d: str):
    """An engine's summary/ as a relation with `county` from its folder name."""
    return (f"(SELECT regexp_extract(filename, 'county=([^/]+)', 1) AS county, "
            f"COLUMNS(lambda c: c NOT IN ('filename', 'county')) FROM read_parquet('{d}/summary/*/*.parquet', "
            f"filename=true, hive_partitioning=false, union_by_name=true))")


def summary_columns(con, d: str) -> list[str]:
    rows = con.execute(f"DESCRIBE SELECT * FROM {read_summary(con, d)}").fetchall()
    return [r[0] for r in rows]


def compare(audit: str, peer: str) -> dict:
    """The audit's summary against a peer's in every county-month, on every
    column both have: counts exactly, hours (and minutes) within REL_TOL
    relative, text exactly; a NULL equals only a NULL. Returns the months
    compared, the columns compared and left out, and every difference as
    (county, year, month, column, audit value, peer value)."""
    import duckdb
    con = duckdb.connect()
    a_cols, p_cols = summary_columns(con, audit), summary_columns(con, peer)
    cols = [c for c in a_cols if c in p_cols and c not in KEYS and c != "county_name"]
    for t, d in (("a", audit), ("p", peer)):
        sel = ", ".join(f"{c} AS {t}_{c}" for c in cols)
        con.execute(f"CREATE TEMP TABLE {t}_s AS SELECT county, year, month, {sel} FROM {read_summary(con, d)}")
    con.execute("""CREATE TEMP TABLE both_ AS
        SELECT county, year, month, a_s.county IS NOT NULL AS in_a, p_s.county IS NOT NULL AS in_p, *
               EXCLUDE (county, year, month)
        FROM a_s FULL JOIN p_s USING (county, year, month)""")
    floats = set(C.SUMMARY_HOURS)
    parts = []
    for c in cols:
        a, p = f"a_{c}", f"p_{c}"
        if c in floats:
            diff = (f"CASE WHEN {a} IS NULL OR {p} IS NULL THEN {a} IS DISTINCT FROM {p} "
                    f"ELSE abs({a} - {p}) > {REL_TOL} * greatest(abs({a}), abs({p})) "
                    f"AND abs({a} - {p}) > 1e-9 END")
        else:
            diff = f"{a} IS DISTINCT FROM {p}"
        parts.append(f"SELECT county, year, month, '{c}' AS col, {a}::VARCHAR AS av, {p}::VARCHAR AS pv "
                     f"FROM both_ WHERE in_a AND in_p AND ({diff})")
    n, only_a, only_p = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE NOT in_p), count(*) FILTER (WHERE NOT in_a) FROM both_").fetchall()[0]
    diffs = con.execute(f"SELECT * FROM ({' UNION ALL '.join(parts)}) ORDER BY county, year, month, col"
                        ).fetchall() if parts else []
    missing = con.execute("SELECT county, year, month, in_a FROM both_ WHERE NOT (in_a AND in_p) "
                          "ORDER BY ALL").fetchall()
    con.close()
    return {"months": n, "only_audit": only_a, "only_peer": only_p, "columns": cols,
            "not_compared": [c for c in a_cols if c not in p_cols and c not in KEYS],
            "diffs": diffs, "missing": missing}


def compare_report(outs: dict[str, str], list_max: int = 40) -> tuple[list[str], int]:
    """Markdown lines comparing each peer's summary with the audit's, and
    the number of differences found (county-months missing included)."""
    L: list[str] = []
    total = 0
    audit = outs.get("audit")
    if not audit or not os.path.isdir(os.path.join(audit, "summary")):
        return ["(no audit summary to compare with)"], 0
    for eng, d in outs.items():
        if eng == "audit":
            continue
        if not os.path.isdir(os.path.join(d, "summary")):
            L.append(f"- {eng}: no summary/ written")
            total += 1
            continue
        r = compare(audit, d)
        nd = len(r["diffs"]) + len(r["missing"])
        total += nd
        months_both = r["months"] - r["only_audit"] - r["only_peer"]
        bad_months = len({(c, y, m) for c, y, m, *_ in r["diffs"]})
        text = (f"- **{eng}**: {r['months']} county-months ({months_both} in both), "
                f"{len(r['columns'])} columns compared (counts exactly, hours within "
                f"{REL_TOL:g} relative): ")
        if nd == 0:
            text += "**no difference**."
        else:
            text += (f"**{len(r['diffs'])} differing values in {bad_months} county-months**"
                     + (f", {r['only_audit']} county-months only in the audit's summary, "
                        f"{r['only_peer']} only in {eng}'s" if r["missing"] else "") + ".")
        if r["not_compared"]:
            text += f" Not in {eng}'s summary: {', '.join(r['not_compared'])}."
        L.append(text)
        if r["diffs"]:
            per: dict[str, int] = {}
            for row in r["diffs"]:
                per[row[3]] = per.get(row[3], 0) + 1
            L.append("  By column: " + ", ".join(f"{c} {n}" for c, n in sorted(per.items(), key=lambda x: -x[1])) + ".")
            L.append("")
            L.append(f"  | county | month | column | audit | {eng} |")
            L.append("  |---|---|---|---|---|")
            for c, y, m, col, av, pv in r["diffs"][:list_max]:
                L.append(f"  | {c} | {y}-{m:02d} | {col} | {av} | {pv} |")
            if len(r["diffs"]) > list_max:
                L.append(f"  | ... | | {len(r['diffs']) - list_max} more | | |")
            L.append("")
        for c, y, m, in_a in r["missing"][:list_max]:
            L.append(f"  - {c} {y}-{m:02d}: only in {'the audit' if in_a else eng}")
        with open(os.path.join(d, "differences.csv"), "w") as f:
            f.write("county,year,month,column,audit,peer\n")
            for row in r["diffs"]:
                f.write(",".join("" if v is None else str(v) for v in row) + "\n")
            for c, y, m, in_a in r["missing"]:
                f.write(f"{c},{y},{m},(row),{'present' if in_a else ''},{'' if in_a else 'present'}\n")
    return L, total


# ---------------------------------------------------------------------------
# bench: the three engines at one scale

def header_lines(title: str, info: dict) -> list[str]:
    return [title, "",
            f"- date: {info['date']}",
            f"- machine: {info['nproc']} cores (`nproc`), {info['cpu']}, {info['memory']} RAM, {info['os']}",
            f"- versions: {info['detainer_audit']} (git {info['git']}), {info['rustc']}, "
            f"Python {info['python']}, duckdb {info['duckdb']}, polars {info['polars']}, "
            f"pandas {info['pandas']}, pyarrow {info['pyarrow']}",
            f"- binary: `{info['binary']}`"]


def cmd_bench(a) -> int:
    os.makedirs(a.out, exist_ok=True)
    facts = data_facts(a.data)
    info = machine(a.binary)
    info["binary"] = a.binary
    cmds = engines(a.binary, facts["pipelines"], a.out)
    engs = engine_list(a)
    plan = plan_runs(engs, a.runs, a.pandas_runs)
    if not a.no_warm:
        print(f"warming the page cache: {len(facts['files'])} files, "
              f"{fmt_bytes(facts['csv_bytes'])}", flush=True)
        warm(facts["files"])
    runs = execute(plan, cmds, os.path.join(a.out, "logs"))
    if runs is None:
        return 1
    by = {e: [r for r in runs if r["engine"] == e] for e in engs}
    by = {e: rs for e, rs in by.items() if rs}
    outs = {e: os.path.join(a.out, e) for e in by}
    L = header_lines(f"# detainer-audit benchmark, scale {a.label}", info)
    L += [
        f"- data: {facts['counties']} counties, "
        + (f"{facts['bookings']:,} bookings" if facts["bookings"] else "bookings unknown (no generate.txt)")
        + f", {len(facts['files'])} CSV files, {facts['csv_bytes']:,} bytes ({fmt_bytes(facts['csv_bytes'])})"
        + f" in `{a.data}`",
        f"- runs: {a.runs} each of {', '.join(e for e in by if e != 'pandas')}"
        + (f", {a.pandas_runs} of pandas" if "pandas" in by else "")
        + f", interleaved; page cache {'not ' if a.no_warm else ''}warmed first; medians below",
        "",
    ]
    L += figures_table(by, facts["bookings"])
    L += [""] + skipped_lines(outs)
    L += ["", "## Cross-check of the summaries", "",
          "Each peer's `summary/` against the audit's, in every county-month and on every "
          "column both have (counts exactly, hours within 1e-6 relative); every difference "
          "is listed by county, month and column (and written to OUT/<peer>/differences.csv).", ""]
    xl, ndiff = compare_report(outs)
    L += xl
    L += ["", "## Raw runs", "",
          "| # | engine | run | wall s | CPU s (user + sys) | peak MiB | exit |",
          "|---|---|---|---|---|---|---|"]
    for i, r in enumerate(runs, 1):
        L.append(f"| {i} | {r['engine']} | {r['run']} | {r['wall_s']:.2f} | {r['cpu_s']:.2f} "
                 f"({r['user_s']:.2f} + {r['sys_s']:.2f}) | {r['peak_mib']:.1f} | {r['exit']} |")
    L += ["", "Commands (PIPELINES = the data set's pipelines/ folder, OUT = the output folder):", ""]
    for e in by:
        L.append(f"- {e}: `{' '.join(shorten(x, a.out, facts['pipelines']) for x in cmds[e])}`")
    L.append("")
    text = "\n".join(L)
    with open(a.results, "w") as f:
        f.write(text)
    with open(os.path.join(a.out, f"raw-{a.label}.json"), "w") as f:
        json.dump({"machine": info, "data": {k: v for k, v in facts.items() if k != "files"},
                   "runs": runs}, f, indent=1)
    print()
    print(text)
    print(f"written: {a.results}")
    if ndiff:
        print(f"WARNING: {ndiff} differences between a peer's summary and the audit's "
              f"(listed above)", file=sys.stderr)
    return 0


def shorten(x: str, out: str, pipelines: str) -> str:
    root = os.path.dirname(HERE)
    if x.startswith(out):
        return "OUT" + x[len(out):]
    if x.startswith(pipelines):
        return "PIPELINES"
    if x == sys.executable:
        return "python"
    if x.startswith(root + os.sep):
        return os.path.relpath(x, root)
    return x


# ---------------------------------------------------------------------------
# scaling: every engine at several sizes (S, 2S, 4S)

def cmd_scaling(a) -> int:
    datas = a.data.split(",")
    labels = a.labels.split(",")
    info = machine(a.binary)
    info["binary"] = a.binary
    engs = engine_list(a)
    os.makedirs(a.out, exist_ok=True)
    rows, all_runs, xlines, ndiff = [], [], [], 0
    for data, label in zip(datas, labels):
        facts = data_facts(data)
        out = os.path.join(a.out, f"scale-{label}")
        if not a.no_warm:
            warm(facts["files"])
        cmds = engines(a.binary, facts["pipelines"], out)
        runs = execute(plan_runs(engs, a.runs, a.pandas_runs), cmds, os.path.join(out, "logs"),
                       tag=f"scale {label:>6s} ")
        if runs is None:
            return 1
        for r in runs:
            r["scale"] = label
        all_runs += runs
        by = {e: [r for r in runs if r["engine"] == e] for e in engs}
        rows.append((label, facts, {e: rs for e, rs in by.items() if rs}))
        xl, n = compare_report({e: os.path.join(out, e) for e in by if by[e]})
        ndiff += n
        xlines += [f"Scale {label}:", ""] + xl + [""]
    L = header_lines(f"# detainer-audit scaling, scales {', '.join(labels)}", info)
    L += [f"- runs per size: {a.runs} each of {', '.join(e for e in engs if e != 'pandas')}"
          + (f", {a.pandas_runs} of pandas" if "pandas" in engs else "")
          + f"; medians; page cache {'not ' if a.no_warm else ''}warmed first", ""]
    for e in engs:
        L += [f"## {e}: {WHAT[e]}", "",
              "| scale | bookings | CSV bytes | wall s | CPU s | peak MiB | wall s / M bookings "
              "| CPU s / M bookings | wall vs first | peak vs first |",
              "|---|---|---|---|---|---|---|---|---|---|"]
        base_w = base_p = None
        for label, facts, by in rows:
            rs = by.get(e)
            if not rs:
                continue
            w, c, pk = med(rs, "wall_s"), med(rs, "cpu_s"), med(rs, "peak_mib")
            b = facts["bookings"]
            base_w, base_p = base_w or w, base_p or pk
            per = f"{w / (b / 1e6):.2f} | {c / (b / 1e6):.2f}" if b else "n/a | n/a"
            L.append(f"| {label} | {f'{b:,}' if b else 'n/a'} | {facts['csv_bytes']:,} | {w:.2f} | {c:.2f} "
                     f"| {pk:.0f} | {per} | {w / base_w:.2f}x | {pk / base_p:.2f}x |")
        L.append("")
    L += ["Linear growth shows as a flat \"per M bookings\" column (and wall about doubling "
          "from one size to the next); flat memory as a peak that does not double.", ""]
    L += skipped_lines({e: os.path.join(a.out, f"scale-{labels[0]}", e) for e in engs})
    L += ["", "## Cross-check of the summaries", ""] + xlines
    L += ["## Raw runs", "", "| scale | engine | run | wall s | CPU s | peak MiB | exit |",
          "|---|---|---|---|---|---|---|"]
    for r in all_runs:
        L.append(f"| {r['scale']} | {r['engine']} | {r['run']} | {r['wall_s']:.2f} | {r['cpu_s']:.2f} | "
                 f"{r['peak_mib']:.1f} | {r['exit']} |")
    L.append("")
    text = "\n".join(L)
    with open(a.results, "w") as f:
        f.write(text)
    with open(os.path.join(a.out, "raw-scaling.json"), "w") as f:
        json.dump({"machine": info, "runs": all_runs}, f, indent=1)
    print()
    print(text)
    print(f"written: {a.results}")
    if ndiff:
        print(f"WARNING: {ndiff} differences between a peer's summary and the audit's", file=sys.stderr)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("bench")
    b.add_argument("--data", required=True)
    b.add_argument("--out", required=True)
    b.add_argument("--binary", required=True)
    b.add_argument("--results", required=True)
    b.add_argument("--label", default="?")
    b.add_argument("--runs", type=int, default=3)
    b.add_argument("--pandas-runs", type=int, default=1)
    b.add_argument("--engines", default="", help="comma-separated subset of " + ",".join(ENGINES))
    b.add_argument("--no-warm", action="store_true")
    s = sub.add_parser("scaling")
    s.add_argument("--data", required=True)
    s.add_argument("--labels", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--binary", required=True)
    s.add_argument("--results", required=True)
    s.add_argument("--runs", type=int, default=3)
    s.add_argument("--pandas-runs", type=int, default=1)
    s.add_argument("--engines", default="", help="comma-separated subset of " + ",".join(ENGINES))
    s.add_argument("--no-warm", action="store_true")
    c = sub.add_parser("compare", help="compare peers' summaries with the audit's, every county-month")
    c.add_argument("--audit", required=True, help="the audit's output folder (with summary/)")
    c.add_argument("peers", nargs="+", help="NAME=DIR: a peer's output folder (with summary/)")
    a = ap.parse_args()
    if a.cmd == "compare":
        outs = {"audit": a.audit} | dict(x.split("=", 1) for x in a.peers)
        lines, n = compare_report(outs)
        print("\n".join(lines))
        return 1 if n else 0
    for k in ("data", "out", "binary", "results"):
        if hasattr(a, k) and k != "data":
            setattr(a, k, os.path.abspath(getattr(a, k)))
    if a.cmd == "bench":
        a.data = os.path.abspath(a.data)
        return cmd_bench(a)
    a.data = ",".join(os.path.abspath(d) for d in a.data.split(","))
    return cmd_scaling(a)


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # see the end of duckdb_core.py: no native teardown
