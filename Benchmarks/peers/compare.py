#!/usr/bin/env python3
"""Strata against its peers on the same generated loan tape, in the same run.

Every measurement is a fresh process that does one operation once and reports the seconds of
that operation alone (timed inside the process, so interpreter start-up and imports do not
count) and the CPU seconds of the whole process (all its threads) over the same interval, which
are less inflated than wall time when other jobs share the cores. Memory, per process: peak RSS
(VmHWM, mapped files included) as the child reports it, and peak anonymous memory (RssAnon,
sampled by the parent every 5 ms). The runners of one operation alternate (Strata, peer, peer,
..., Strata, peer, ...) for --repeat rounds, and the table gives medians and the ratio peer
median / Strata median (above 1: Strata is faster).

Operations:
  ingest   the CSV tape into memory: Strata (full LOAN_TAPE.md validation, typed columns),
           polars.read_csv (default, and typed: dates parsed, the four category columns
           Categorical), DuckDB (CREATE TABLE t AS SELECT * FROM read_csv(...)),
           pandas.read_csv(engine="pyarrow").
  groupby  sum of balance and count by (product, region, classification) on a table already in
           memory: Strata GroupBy (from a verified snapshot), polars group_by (Categorical keys),
           DuckDB GROUP BY (table from read_csv). Each runner does the query once untimed first
           (thread pools, first-use set-up) and times the second.
  load     the snapshot of the tape: Strata Snapshot.load with and without verification, polars
           read_ipc (uncompressed Arrow IPC) and read_parquet of the same rows.

Thread counts: STRATA_THREADS / POLARS_MAX_THREADS / DuckDB SET threads / pyarrow.set_cpu_count.

Usage: python3 Benchmarks/peers/compare.py [--loans 1000000] [--repeat 5] [--threads 1,2]
           [--only ingest,groupby,load] [--strata-bin PATH] [--data DIR] [--markdown FILE]
Needs: pip install polars duckdb pandas pyarrow. The tape and the other files are made once in
Benchmarks/.data (or $STRATA_BENCH_DATA) and reused.
"""

import argparse
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH_ROOT = os.path.dirname(HERE)
SEED = 42
KEYS = ["product", "region", "classification"]
CATEGORY_COLUMNS = ["product", "region", "industry", "classification"]
OPERATIONS = ["ingest", "groupby", "load"]

# ---------------------------------------------------------------------------------------------
# Child side: one operation of one peer, timed in-process, one JSON line on stdout.
# ---------------------------------------------------------------------------------------------


def resident_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_resident_bytes():
    """VmHWM: the peak resident size of this process image since its exec.

    Not getrusage's ru_maxrss: Linux carries the parent's high-water mark into a child through
    fork (or vfork) and exec, so a child's ru_maxrss is at least its parent's peak.
    """
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def child(peer, op, path, threads, out=None):
    base = resident_bytes()
    if peer.startswith("polars"):
        import polars as pl  # POLARS_MAX_THREADS is set by the parent before the import

        if op == "ingest":
            typed = peer == "polars-typed"
            kwargs = {}
            if typed:
                kwargs = {"try_parse_dates": True, "schema_overrides": {c: pl.Categorical for c in CATEGORY_COLUMNS}}
            base = resident_bytes()
            start, cpu_start = time.perf_counter(), time.process_time()
            df = pl.read_csv(path, **kwargs)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
            return {"seconds": seconds, "cpu_seconds": cpu, "rows": df.height, "base_rss": base}
        if op == "groupby":
            df = pl.read_csv(path, schema_overrides={c: pl.Categorical for c in KEYS})
            df.group_by(KEYS).agg(pl.col("balance").sum(), pl.len())  # warm-up, untimed
            base = resident_bytes()
            start, cpu_start = time.perf_counter(), time.process_time()
            out = df.group_by(KEYS).agg(pl.col("balance").sum(), pl.len())
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
            rows = int(out["len"].sum())
            return {"seconds": seconds, "cpu_seconds": cpu, "rows": rows, "groups": out.height, "base_rss": base}
        if op == "write-arrow":
            df = pl.read_csv(
                path, try_parse_dates=True, schema_overrides={c: pl.Categorical for c in CATEGORY_COLUMNS}
            )
            df.write_ipc(out + ".arrow", compression="uncompressed")
            df.write_parquet(out + ".parquet")
            return {"seconds": 0.0, "rows": df.height}
        if op in ("load-ipc", "load-parquet"):
            start, cpu_start = time.perf_counter(), time.process_time()
            df = pl.read_ipc(path) if op == "load-ipc" else pl.read_parquet(path)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
            return {"seconds": seconds, "cpu_seconds": cpu, "rows": df.height, "base_rss": base}
    if peer == "duckdb":
        import duckdb

        con = duckdb.connect()
        con.execute(f"SET threads={threads}")
        quoted = path.replace("'", "''")
        if op == "ingest":
            base = resident_bytes()
            start, cpu_start = time.perf_counter(), time.process_time()
            con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{quoted}')")
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
            rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
            return {"seconds": seconds, "cpu_seconds": cpu, "rows": rows, "base_rss": base}
        if op == "groupby":
            con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{quoted}')")
            query = "SELECT product, region, classification, sum(balance), count(*) FROM t GROUP BY ALL"
            con.execute(query).fetchall()  # warm-up, untimed
            base = resident_bytes()
            start, cpu_start = time.perf_counter(), time.process_time()
            out = con.execute(query).fetchall()
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
            rows = sum(r[4] for r in out)
            return {"seconds": seconds, "cpu_seconds": cpu, "rows": rows, "groups": len(out), "base_rss": base}
    if peer == "pandas":
        import pandas as pd
        import pyarrow

        pyarrow.set_cpu_count(threads)
        if op == "ingest":
            base = resident_bytes()
            start, cpu_start = time.perf_counter(), time.process_time()
            df = pd.read_csv(path, engine="pyarrow")
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
            return {"seconds": seconds, "cpu_seconds": cpu, "rows": len(df), "base_rss": base}
    raise SystemExit(f"error: no operation {op} for peer {peer}")


# ---------------------------------------------------------------------------------------------
# Parent side.
# ---------------------------------------------------------------------------------------------


def anonymous_bytes(pid):
    """RssAnon of a running process (heap and other private memory, not mapped files), or 0."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run_child(argv, env):
    """Runs argv and returns its JSON line plus what the parent saw of the child's memory.

    The child reports peak_rss itself (VmHWM: everything resident, mapped files included). The
    parent samples the child's RssAnon every 5 ms (peak_anon: private memory only, so a mapped
    input file does not count; a peak shorter than 5 ms can be missed) and keeps wait4's
    ru_maxrss as a cross-check, which is at least the parent's own peak (see
    peak_resident_bytes): this parent therefore stays small and imports no peer library.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=err)
        peak_anon = 0
        while True:
            peak_anon = max(peak_anon, anonymous_bytes(proc.pid))
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.005)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"error: {' '.join(argv)} failed ({proc.returncode}):\n{stderr}")
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise SystemExit(f"error: no JSON from {' '.join(argv)}:\n{stdout}\n{stderr}")
    result = json.loads(lines[-1])
    result["peak_anon"] = peak_anon
    result["maxrss_wait4"] = usage.ru_maxrss * 1024
    return result


def thread_env(threads):
    env = dict(os.environ)
    n = str(threads)
    env.update(
        STRATA_THREADS=n,
        POLARS_MAX_THREADS=n,
        OMP_NUM_THREADS=n,
        OPENBLAS_NUM_THREADS=n,
        ARROW_NUM_THREADS=n,
        RAYON_NUM_THREADS=n,
    )
    return env


def build_strata_timings():
    print("building strata-timings (release) ...", file=sys.stderr, flush=True)
    cmd = ["swift", "build", "-c", "release", "--package-path", BENCH_ROOT, "--product", "strata-timings"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    bin_dir = subprocess.run(
        cmd[:-2] + ["--show-bin-path"], check=True, capture_output=True, text=True
    ).stdout.strip()
    return os.path.join(bin_dir, "strata-timings")


def warm(path):
    """Reads a file once so every runner starts with it in the page cache."""
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def prepare(args, strata, loans):
    os.makedirs(args.data, exist_ok=True)
    stem = os.path.join(args.data, f"loans-{loans}-seed{SEED}")
    files = {"csv": stem + ".csv", "strata": stem + ".strata", "ipc": stem + ".arrow", "parquet": stem + ".parquet"}
    if not os.path.exists(files["csv"]):
        print(f"generating {files['csv']} ...", file=sys.stderr, flush=True)
        subprocess.run([strata, "generate", "--loans", str(loans), "--out", files["csv"]], check=True)
    if not os.path.exists(files["strata"]):
        print(f"ingesting into {files['strata']} ...", file=sys.stderr, flush=True)
        subprocess.run([strata, "ingest", files["csv"], "--snapshot-out", files["strata"]], check=True)
    if "load" in args.only and not (os.path.exists(files["ipc"]) and os.path.exists(files["parquet"])):
        # In a child process: the parent must stay small (see run_child).
        print(f"writing {files['ipc']} and {files['parquet']} ...", file=sys.stderr, flush=True)
        me = [sys.executable, os.path.abspath(__file__), "--child", "polars", "write-arrow", files["csv"]]
        run_child(me + ["--out", stem], dict(os.environ))
    return files


def runners_for(op, files, strata):
    """(label, argv) of every runner of an operation; Strata first."""
    me = [sys.executable, os.path.abspath(__file__), "--child"]
    if op == "ingest":
        return [
            ("Strata", [strata, "ingest", files["csv"]]),
            ("polars", me + ["polars", "ingest", files["csv"]]),
            ("polars (typed)", me + ["polars-typed", "ingest", files["csv"]]),
            ("DuckDB", me + ["duckdb", "ingest", files["csv"]]),
            ("pandas (pyarrow)", me + ["pandas", "ingest", files["csv"]]),
        ]
    if op == "groupby":
        return [
            ("Strata", [strata, "groupby", files["strata"]]),
            ("polars", me + ["polars", "groupby", files["csv"]]),
            ("DuckDB", me + ["duckdb", "groupby", files["csv"]]),
        ]
    if op == "load":
        return [
            ("Strata (verify)", [strata, "load", files["strata"]]),
            ("Strata (no verify)", [strata, "load", files["strata"], "--no-verify"]),
            ("polars read_ipc", me + ["polars", "load-ipc", files["ipc"]]),
            ("polars read_parquet", me + ["polars", "load-parquet", files["parquet"]]),
        ]
    raise ValueError(op)


def measure(op, runners, threads, repeat):
    env = thread_env(threads)
    samples = {label: [] for label, _ in runners}
    for round_index in range(repeat):
        for label, argv in runners:
            child_argv = argv + ["--threads", str(threads)]
            result = run_child(child_argv, env)
            samples[label].append(result)
        print(
            f"  {op} threads={threads} round {round_index + 1}/{repeat}: "
            + ", ".join(f"{label} {samples[label][-1]['seconds']:.3f}s" for label, _ in runners)
            + f"  (load {os.getloadavg()[0]:.2f})",
            file=sys.stderr,
            flush=True,
        )
    rows = {label: {s["rows"] for s in samples[label]} for label, _ in runners}
    if len({r for values in rows.values() for r in values}) != 1:
        print(f"warning: {op}: runners report different row counts: {rows}", file=sys.stderr)
    return samples


def mib(n):
    return f"{n / 2**20:,.0f}"


def summarise(op, threads, loans, samples, reference):
    lines = []
    ref = statistics.median(s["seconds"] for s in samples[reference])
    ref_cpu = statistics.median(s["cpu_seconds"] for s in samples[reference])
    for label, runs in samples.items():
        seconds = [s["seconds"] for s in runs]
        med = statistics.median(seconds)
        cpu = statistics.median(s["cpu_seconds"] for s in runs)
        peak = statistics.median(s["peak_rss"] for s in runs)
        anon = statistics.median(s["peak_anon"] for s in runs)
        ratio = "1.00" if label == reference else f"{med / ref:.2f}"
        cpu_ratio = "1.00" if label == reference else f"{cpu / ref_cpu:.2f}"
        spread = f"{min(seconds):.3f}–{max(seconds):.3f}"
        lines.append(
            f"| {op} | {loans:,} | {threads} | {label} | {med:.3f} | {spread} | {ratio} | {cpu:.3f} | {cpu_ratio} "
            f"| {mib(peak)} | {mib(anon)} |"
        )
    return lines


def machine_info():
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        total_kib = int(f.readline().split()[1])
    versions = {}
    for name in ("polars", "duckdb", "pandas", "pyarrow"):
        try:  # from the installed metadata: importing the libraries would grow this process
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "missing"
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(total_kib / 2**20, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "swift": swift[0] if swift else "unknown",
        **versions,
    }


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        parser = argparse.ArgumentParser()
        parser.add_argument("--child", nargs=3, metavar=("PEER", "OP", "FILE"))
        parser.add_argument("--threads", type=int, default=os.cpu_count())
        parser.add_argument("--out")
        a = parser.parse_args()
        result = child(a.child[0], a.child[1], a.child[2], a.threads, a.out)
        result["peak_rss"] = peak_resident_bytes()
        print(json.dumps(result))
        return

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--loans", default="1000000", help="tape sizes, comma-separated (default 1000000)")
    parser.add_argument("--repeat", type=int, default=5, help="rounds of each runner (default 5)")
    parser.add_argument("--threads", default="1,2", help="thread counts, comma-separated (default 1,2)")
    parser.add_argument("--only", default=",".join(OPERATIONS), help="operations: ingest,groupby,load")
    parser.add_argument("--strata-bin", help="the strata-timings binary (default: build it)")
    parser.add_argument("--data", default=os.environ.get("STRATA_BENCH_DATA") or os.path.join(BENCH_ROOT, ".data"))
    parser.add_argument("--markdown", help="also write the table to this file")
    parser.add_argument("--json", help="also write every sample to this file")
    args = parser.parse_args()
    args.only = [op.strip() for op in args.only.split(",") if op.strip()]
    for op in args.only:
        if op not in OPERATIONS:
            parser.error(f"unknown operation {op} (choose from {', '.join(OPERATIONS)})")
    sizes = [int(x.replace("_", "")) for x in args.loans.split(",")]
    thread_counts = [int(x) for x in args.threads.split(",")]

    strata = os.path.abspath(args.strata_bin) if args.strata_bin else build_strata_timings()
    info = machine_info()
    load_before = os.getloadavg()
    print(f"machine: {json.dumps(info)}", file=sys.stderr)
    print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}", file=sys.stderr)

    table = [
        "| operation | loans | threads | runner | median s | min–max s | ratio to Strata | median CPU s | CPU ratio "
        "| peak RSS MiB | peak anon MiB |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    everything = {"machine": info, "load_before": load_before, "results": []}
    memory_lines = []
    for loans in sizes:
        files = prepare(args, strata, loans)
        for op in args.only:
            runners = runners_for(op, files, strata)
            for path in sorted({arg for _, argv in runners for arg in argv if arg in files.values()}):
                warm(path)
            for threads in thread_counts:
                samples = measure(op, runners, threads, args.repeat)
                table += summarise(op, threads, loans, samples, runners[0][0])
                everything["results"].append({"op": op, "loans": loans, "threads": threads, "samples": samples})
        if "ingest" in args.only:
            snap = os.path.getsize(files["strata"])
            ingest = [r for r in everything["results"] if r["op"] == "ingest" and r["loans"] == loans]
            for r in ingest:
                runs = r["samples"]["Strata"]
                peak = statistics.median(s["peak_rss"] for s in runs)
                anon = statistics.median(s["peak_anon"] for s in runs)
                cols = runs[0]["column_bytes"]
                memory_lines.append(
                    f"memory: Strata ingest of {loans:,} loans, {r['threads']} thread(s): "
                    f"peak RSS {mib(peak)} MiB ({peak / cols:.2f} x the columns), "
                    f"peak anonymous {mib(anon)} MiB ({anon / cols:.2f} x); "
                    f"columns {mib(cols)} MiB (snapshot file {mib(snap)} MiB), "
                    f"tape {mib(os.path.getsize(files['csv']))} MiB"
                )
    load_after = os.getloadavg()
    everything["load_after"] = load_after
    note = f"load average (1 min) before {load_before[0]:.2f}, after {load_after[0]:.2f}"
    if max(load_before[0], load_after[0]) > 2.5:
        note += " -- MEASURED UNDER LOAD: figures are not representative"
    machine = (
        f"machine: {info['nproc']} CPUs ({info['cpu']}), {info['ram_gib']} GiB RAM, {info['swift']}, "
        f"Python {info['python']}, polars {info['polars']}, DuckDB {info['duckdb']}, pandas {info['pandas']}, "
        f"pyarrow {info['pyarrow']}; {args.repeat} rounds"
    )
    report = (
        machine + "\n\n" + "\n".join(table) + "\n\n" + "".join(line + "\n" for line in memory_lines) + note + "\n"
    )
    print(report, end="")
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(report)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(everything, f, indent=1)


if __name__ == "__main__":
    main()
