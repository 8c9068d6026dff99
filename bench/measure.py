#!/usr/bin/env python3
"""Benchmark harness: runs each engine as its own process and measures it.

Called by bench/run (which sets up the venv, builds and generates the data);
it can also be run by hand with the venv's python:

  measure.py bench   --data DIR --out DIR --binary PATH --results FILE
                     [--runs N] [--pandas-runs M] [--label S] [--no-warm]
  measure.py scaling --data DIR[,DIR...] --labels S[,S...] --out DIR
                     --binary PATH --results FILE [--runs N] [--no-warm]

A data DIR holds pipelines/ and data/ as written by `detainer-audit generate`
(and generate.txt, its output, for the number of bookings).

Each run is one child process started with subprocess.Popen and reaped with
os.wait4 on its pid, which returns that child's own resource usage: wall
time is measured around spawn..reap with time.perf_counter; CPU time is the
child's ru_utime + ru_stime (all its threads); peak memory is the child's
ru_maxrss (peak resident set size, KiB on Linux). Runs are interleaved
(audit, duckdb, pandas, audit, duckdb, ...) so that drift on a shared
machine hits every engine alike; the table reports medians.
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
        "pandas": [py, os.path.join(HERE, "pandas_core.py"), pipelines, os.path.join(out, "pandas")],
    }


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
# Cross-check of the three summaries

def crosscheck(outs: dict[str, str]) -> tuple[list[str], float]:
    """Per county: total holds, flagged holds and bookings of each engine's
    summary/, and the largest relative difference from the audit. Returns
    markdown lines and that largest difference."""
    import duckdb
    con = duckdb.connect()
    totals: dict[str, dict[str, tuple[int, int, int]]] = {}
    for eng, out in outs.items():
        d = os.path.join(out, "summary")
        if not os.path.isdir(d):
            continue
        rows = con.execute(f"""
            SELECT regexp_extract(filename, 'county=([^/]+)', 1) AS county,
                   sum(holds)::BIGINT, sum(flagged)::BIGINT, sum(bookings)::BIGINT
            FROM read_parquet('{d}/*/*.parquet', filename=true, hive_partitioning=false,
                              union_by_name=true)
            GROUP BY ALL ORDER BY 1""").fetchall()
        totals[eng] = {r[0]: (r[1], r[2], r[3]) for r in rows}
    con.close()
    engs = [e for e in ("audit", "duckdb", "pandas") if e in totals]
    counties = sorted(set().union(*[set(t) for t in totals.values()])) if totals else []
    head = "| county | " + " | ".join(
        f"{e} holds | {e} flagged" for e in engs) + " | max diff vs audit |"
    lines = [head, "|" + "---|" * (2 + 2 * len(engs))]
    worst = 0.0
    sums = {e: [0, 0, 0] for e in engs}
    book_diff = 0.0

    def rel(x, a):
        return abs(x - a) / max(abs(a), 1)

    for c in counties:
        cells, diff = [], 0.0
        a = totals.get("audit", {}).get(c)
        for e in engs:
            v = totals[e].get(c)
            if v is None:
                cells += ["missing", "missing"]
                diff = float("inf")
                continue
            cells += [str(v[0]), str(v[1])]
            for k in range(3):
                sums[e][k] += v[k]
            if a is not None and e != "audit":
                diff = max(diff, rel(v[0], a[0]), rel(v[1], a[1]))
                book_diff = max(book_diff, rel(v[2], a[2]))
        worst = max(worst, diff)
        lines.append(f"| {c} | " + " | ".join(cells) + f" | {diff * 100:.2f}% |")
    if len(counties) > 1:
        cells = []
        for e in engs:
            cells += [str(sums[e][0]), str(sums[e][1])]
        d = 0.0
        if "audit" in sums:
            for e in engs:
                if e != "audit":
                    d = max(d, rel(sums[e][0], sums["audit"][0]), rel(sums[e][1], sums["audit"][1]))
        lines.append("| **all** | " + " | ".join(cells) + f" | {d * 100:.2f}% |")
    lines.append("")
    lines += all_columns(outs)
    lines.append("")
    lines.append(f"Largest per-county difference from the audit in holds or flagged holds: "
                 f"{worst * 100:.3f}%; in bookings counted: {book_diff * 100:.3f}%.")
    if worst > 0.01:
        lines.append("")
        lines.append(f"**WARNING**: a yardstick differs from the audit by more than 1% "
                     f"({worst * 100:.2f}%) for some county: it is not doing the same work.")
    return lines, worst


def all_columns(outs: dict[str, str]) -> list[str]:
    """County-months where a yardstick's summary equals the audit's in every
    column (floats to 1e-9 relative), and the columns that differ most often."""
    import duckdb
    if "audit" not in outs or not os.path.isdir(os.path.join(outs["audit"], "summary")):
        return []
    con = duckdb.connect()

    def rel(d: str) -> str:
        return (f"(SELECT regexp_extract(filename, 'county=([^/]+)', 1) AS cty, * EXCLUDE (filename) "
                f"FROM read_parquet('{d}/summary/*/*.parquet', filename=true, "
                f"hive_partitioning=false, union_by_name=true))")

    cols = [c for c in C.SUMMARY_COLUMNS if c not in ("county", "county_name", "year", "month")]
    out = []
    for eng, d in outs.items():
        if eng == "audit" or not os.path.isdir(os.path.join(d, "summary")):
            continue
        diffs = []
        for c in cols:
            if c == "regime":
                diffs.append(f"(a.{c} IS DISTINCT FROM y.{c})")
            else:
                diffs.append(f"(CASE WHEN a.{c} IS NULL OR y.{c} IS NULL THEN a.{c} IS DISTINCT FROM y.{c} "
                             f"ELSE abs(a.{c} - y.{c}) > 1e-9 * greatest(abs(a.{c}), 1) END)")
        sel = ", ".join(f"count(*) FILTER (WHERE {e})" for e in diffs)
        row = con.execute(f"""
            SELECT count(*), count(*) FILTER (WHERE a.cty IS NULL OR y.cty IS NULL),
                   count(*) FILTER (WHERE {' OR '.join(diffs)}), {sel}
            FROM {rel(outs['audit'])} a FULL JOIN {rel(d)} y USING (cty, year, month)""").fetchall()[0]
        total, missing, differing = row[0], row[1], row[2]
        per = sorted(((n, c) for n, c in zip(row[3:], cols) if n), reverse=True)
        same = total - missing - differing
        text = (f"- {eng}: {same} of {total} county-months equal the audit's in all "
                f"{len(cols)} summary columns")
        if missing:
            text += f"; {missing} months only in one of the two"
        if per:
            text += "; differing: " + ", ".join(f"{c} ({n})" for n, c in per[:6])
        out.append(text + ".")
    con.close()
    return out


# ---------------------------------------------------------------------------
# bench: the three engines at one scale

def cmd_bench(a) -> int:
    os.makedirs(a.out, exist_ok=True)
    facts = data_facts(a.data)
    info = machine(a.binary)
    cmds = engines(a.binary, facts["pipelines"], a.out)
    plan: list[str] = []
    for i in range(max(a.runs, a.pandas_runs)):
        if i < a.runs:
            plan += ["audit", "duckdb"]
        if i < a.pandas_runs:
            plan.append("pandas")
    if not a.no_warm:
        print(f"warming the page cache: {len(facts['files'])} files, "
              f"{fmt_bytes(facts['csv_bytes'])}", flush=True)
        warm(facts["files"])
    runs: list[dict] = []
    logs = os.path.join(a.out, "logs")
    os.makedirs(logs, exist_ok=True)
    count: dict[str, int] = {}
    for eng in plan:
        count[eng] = count.get(eng, 0) + 1
        n = count[eng]
        r = run_once(cmds[eng], os.path.join(logs, f"{eng}-{n}.log"))
        r.update(engine=eng, run=n)
        runs.append(r)
        print(f"  {eng:7s} run {n}: wall {r['wall_s']:8.2f} s  cpu {r['cpu_s']:8.2f} s  "
              f"peak {r['peak_mib']:8.1f} MiB  exit {r['exit']}", flush=True)
        if not ok_exit(eng, r["exit"]):
            with open(r["log"], errors="replace") as f:
                tail = f.read()[-3000:]
            print(f"error: {eng} exited {r['exit']}; its output ({r['log']}):\n{tail}",
                  file=sys.stderr)
            return 1

    by = {e: [r for r in runs if r["engine"] == e] for e in ("audit", "duckdb", "pandas")}
    by = {e: rs for e, rs in by.items() if rs}
    audit_wall = med(by["audit"], "wall_s") if "audit" in by else None
    audit_cpu = med(by["audit"], "cpu_s") if "audit" in by else None
    what = {
        "audit": "`detainer-audit run` (full audit, all outputs)",
        "duckdb": "`bench/duckdb_core.py` (core work, DuckDB SQL)",
        "pandas": "`bench/pandas_core.py` (core work, pandas)",
    }
    L = [f"# detainer-audit benchmark, scale {a.label}", ""]
    L += [
        f"- date: {info['date']}",
        f"- machine: {info['nproc']} cores (`nproc`), {info['cpu']}, {info['memory']} RAM, {info['os']}",
        f"- versions: {info['detainer_audit']} (git {info['git']}), {info['rustc']}, "
        f"Python {info['python']}, duckdb {info['duckdb']}, pandas {info['pandas']}, "
        f"pyarrow {info['pyarrow']}",
        f"- data: {facts['counties']} counties, "
        + (f"{facts['bookings']:,} bookings" if facts["bookings"] else "bookings unknown (no generate.txt)")
        + f", {len(facts['files'])} CSV files, {facts['csv_bytes']:,} bytes ({fmt_bytes(facts['csv_bytes'])})"
        + f" in `{os.path.relpath(a.data, os.path.dirname(HERE))}`",
        f"- runs: {a.runs} each of audit and duckdb, {a.pandas_runs} of pandas, interleaved; "
        f"page cache {'not ' if a.no_warm else ''}warmed first; medians below",
        "",
        "| engine | runs | median wall s | median CPU s | median peak MiB | wall / audit wall | CPU / audit CPU |",
        "|---|---|---|---|---|---|---|",
    ]
    for e, rs in by.items():
        w, c, m = med(rs, "wall_s"), med(rs, "cpu_s"), med(rs, "peak_mib")
        ratio = f"{w / audit_wall:.2f}" if audit_wall else "n/a"
        cratio = f"{c / audit_cpu:.2f}" if audit_cpu else "n/a"
        L.append(f"| {what[e]} | {len(rs)} | {w:.2f} | {c:.2f} | {m:.0f} | {ratio} | {cratio} |")
    L.append("")
    if audit_wall:
        parts = [f"{e} wall / audit wall = {med(by[e], 'wall_s') / audit_wall:.2f}"
                 for e in ("duckdb", "pandas") if e in by]
        if parts:
            L.append("Ratios: " + "; ".join(parts) + ".")
            L.append("")
    if facts["bookings"] and "audit" in by:
        L.append(f"Audit: {med(by['audit'], 'wall_s') / (facts['bookings'] / 1e6):.2f} s wall and "
                 f"{med(by['audit'], 'cpu_s') / (facts['bookings'] / 1e6):.2f} s CPU per million bookings.")
        L.append("")
    L += ["## Cross-check of the summaries", "",
          "Per county, total holds and flagged (past release) holds in each engine's "
          "`summary/` (all months):", ""]
    xl, worst = crosscheck({e: os.path.join(a.out, e) for e in by})
    L += xl
    L += ["", "## Raw runs", "",
          "| # | engine | run | wall s | CPU s (user + sys) | peak MiB | exit |",
          "|---|---|---|---|---|---|---|"]
    for i, r in enumerate(runs, 1):
        L.append(f"| {i} | {r['engine']} | {r['run']} | {r['wall_s']:.2f} | {r['cpu_s']:.2f} "
                 f"({r['user_s']:.2f} + {r['sys_s']:.2f}) | {r['peak_mib']:.1f} | {r['exit']} |")
    L.append("")
    L.append("Commands (PIPELINES = the data set's pipelines/ folder, OUT = the output folder):")
    L.append("")
    for e in by:
        L.append(f"- {e}: `{' '.join(shorten(x, a) for x in cmds[e])}`")
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
    return 0


def shorten(x: str, a) -> str:
    root = os.path.dirname(HERE)
    if x.startswith(a.out):
        return "OUT" + x[len(a.out):]
    if x.startswith(os.path.join(a.data, "pipelines")):
        return "PIPELINES"
    if x == sys.executable:
        return "python"
    if x.startswith(root + os.sep):
        return os.path.relpath(x, root)
    return x


# ---------------------------------------------------------------------------
# scaling: the audit alone at several sizes

def cmd_scaling(a) -> int:
    datas = a.data.split(",")
    labels = a.labels.split(",")
    info = machine(a.binary)
    os.makedirs(a.out, exist_ok=True)
    rows = []
    all_runs = []
    for data, label in zip(datas, labels):
        facts = data_facts(data)
        out = os.path.join(a.out, f"scale-{label}")
        os.makedirs(os.path.join(out, "logs"), exist_ok=True)
        if not a.no_warm:
            warm(facts["files"])
        cmd = engines(a.binary, facts["pipelines"], out)["audit"]
        runs = []
        for n in range(1, a.runs + 1):
            r = run_once(cmd, os.path.join(out, "logs", f"audit-{n}.log"))
            r.update(engine="audit", run=n, scale=label)
            print(f"  scale {label:>6s} run {n}: wall {r['wall_s']:8.2f} s  cpu {r['cpu_s']:8.2f} s  "
                  f"peak {r['peak_mib']:8.1f} MiB  exit {r['exit']}", flush=True)
            if not ok_exit("audit", r["exit"]):
                print(f"error: audit exited {r['exit']}; see {r['log']}", file=sys.stderr)
                return 1
            runs.append(r)
        all_runs += runs
        rows.append((label, facts, runs))
    L = [f"# detainer-audit scaling, scales {', '.join(labels)}", ""]
    L += [
        f"- date: {info['date']}",
        f"- machine: {info['nproc']} cores (`nproc`), {info['cpu']}, {info['memory']} RAM, {info['os']}",
        f"- versions: {info['detainer_audit']} (git {info['git']}), {info['rustc']}",
        f"- {a.runs} runs of the full audit per size; medians; page cache "
        f"{'not ' if a.no_warm else ''}warmed first",
        "",
        "| scale | bookings | CSV bytes | median wall s | median CPU s | median peak MiB "
        "| wall s per M bookings | CPU s per M bookings | wall vs first |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    base = None
    for label, facts, runs in rows:
        w, c, m = med(runs, "wall_s"), med(runs, "cpu_s"), med(runs, "peak_mib")
        b = facts["bookings"]
        base = base or w
        per = f"{w / (b / 1e6):.2f}" if b else "n/a"
        cper = f"{c / (b / 1e6):.2f}" if b else "n/a"
        L.append(f"| {label} | {b:,} | {facts['csv_bytes']:,} | {w:.2f} | {c:.2f} | {m:.0f} "
                 f"| {per} | {cper} | {w / base:.2f}x |" if b else
                 f"| {label} | n/a | {facts['csv_bytes']:,} | {w:.2f} | {c:.2f} | {m:.0f} | n/a | n/a | {w / base:.2f}x |")
    L += ["", "Linear growth shows as a flat \"per M bookings\" column (and wall about doubling "
          "from one size to the next); flat memory as a peak that does not double.", "",
          "## Raw runs", "", "| scale | run | wall s | CPU s | peak MiB | exit |", "|---|---|---|---|---|---|"]
    for r in all_runs:
        L.append(f"| {r['scale']} | {r['run']} | {r['wall_s']:.2f} | {r['cpu_s']:.2f} | "
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
    b.add_argument("--no-warm", action="store_true")
    s = sub.add_parser("scaling")
    s.add_argument("--data", required=True)
    s.add_argument("--labels", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--binary", required=True)
    s.add_argument("--results", required=True)
    s.add_argument("--runs", type=int, default=3)
    s.add_argument("--no-warm", action="store_true")
    a = ap.parse_args()
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
