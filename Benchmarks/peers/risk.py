#!/usr/bin/env python3
"""Strata's portfolio risk against its Python peers, on the same loan tape, in the same run.

    python3 Benchmarks/peers/risk.py --strata .build-rel/release/strata [--loans 10000000]
        [--repeats 3] [--workdir /tmp/strata-bench-risk] [--threads 2,1]

The tape comes from `strata generate` when that command exists, else from a numpy generator in
the loan-tape schema (written once to the work directory and reused), with a continuous `pd`
column (a scored book). Each comparison runs interleaved (Strata, peers, Strata, peers, ...) and
reports medians and ratios, with 2 threads and with 1 (STRATA_THREADS, POLARS_MAX_THREADS,
DuckDB `SET threads`; numpy/scipy are single-threaded either way).

1. The 3-key aggregate with EL and IRB: `strata risk BOOK --by product,region,classification
   --json --timings`, phase `aggregate` (input checks, group ids, and one fused pass computing
   EAD, LGD, PD floors, defaults, EL, IRB K and RWA per loan and summing 16 figures per group,
   with ROLLUP subtotals). Peers start from data already in memory (load times reported apart):
   - polars 2.x, categorical keys: EAD, LGD (collateral blend), PD floor and defaults, EL as
     expressions; IRB K from numpy/scipy (polars has no normal quantile) inside the timed
     region; group_by on the three keys, subtotals by two more group_bys on the result.
   - DuckDB 2.x: the same with SQL (CASE expressions, GROUP BY ROLLUP) over an Arrow table; K
     again from numpy/scipy, inside the timed region.
   Each peer's totals are checked against Strata's (EL and RWA to 1e-6 relative).
   Also reported: the group-by alone (sums of precomputed EAD, EL and RWA columns) for polars
   and DuckDB, to show where the time goes.
2. Per-loan IRB over every loan: Strata's `loan_measures` phase (EAD, LGD, PD, EL, K, RWA, capital
   and provision columns for every loan) against numpy/scipy computing the same EAD, LGD, PD,
   EL, K and RWA arrays (scipy.special.ndtr/ndtri, vectorised).
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time

KEYS = ["product", "region", "classification"]
PRODUCTS = ["mortgage", "consumer", "credit_card", "auto", "sme"]
CLASSES = ["normal", "special_mention", "substandard", "doubtful", "loss"]
CCF = {"credit_card": 0.40}
LGD = {"mortgage": (0.45, 0.20, 0.40), "sme": (0.40, 0.20, 0.40), "auto": (0.45, 0.25, 0.40),
       "consumer": (0.45, 0.25, 0.40), "credit_card": (0.85, 0.25, 0.40)}
ASSET = {"mortgage": "mortgage", "credit_card": "revolving", "consumer": "retail", "auto": "retail", "sme": "sme"}
FLOOR = {"corporate": 0.0005, "sme": 0.0005, "mortgage": 0.0005, "revolving": 0.001, "retail": 0.0005}


# ---------------------------------------------------------------------------------------------
# Data


def numpy_tape(path, n, seed=7):
    """A loan tape in the canonical schema (LOAN_TAPE.md), written with polars."""
    import numpy as np
    import polars as pl
    rng = np.random.default_rng(seed)
    product = rng.choice(5, size=n, p=[0.25, 0.35, 0.2, 0.1, 0.1])
    scale = np.array([800_000, 40_000, 30_000, 120_000, 1_500_000.0])[product]
    principal = np.round(scale * np.exp(rng.normal(0, 0.6, n)), -2)
    term = np.array([360, 36, 12, 60, 48])[product]
    remaining = (rng.uniform(size=n) * (term + 1)).astype(np.int64)
    util = np.round(rng.uniform(0, 0.95, n), 4)
    card = product == 2
    balance = np.round(np.where(card, principal * util, principal * remaining / term), 2)
    secured = (product == 0) | (product == 3) | ((product == 4) & (rng.uniform(size=n) < 0.5))
    collateral = np.where(secured, np.round(np.maximum(balance, 1000) / rng.uniform(0.35, 1.1, n), -2), 0.0)
    u = rng.uniform(size=n)
    dpd = np.where(u < 0.85, 0, np.where(u < 0.93, rng.integers(1, 31, n),
                                         np.where(u < 0.96, rng.integers(31, 91, n), rng.integers(91, 500, n))))
    floors = np.where(card[:, None], [1, 91, 121, 181], [1, 91, 271, 361])
    cls = (dpd[:, None] >= floors).sum(axis=1)
    pd_ = np.clip(np.exp(rng.normal(np.log(0.02), 1.2, n)), 0.0001, 0.6)
    start = np.datetime64("2019-01-01")
    orig = start + rng.integers(0, 2700, n).astype("timedelta64[D]")
    frame = pl.DataFrame({
        "loan_id": [f"L{i:09d}" for i in range(n)],
        "customer_id": [f"C{c:08d}" for c in rng.integers(0, n * 7 // 10, n)],
        "as_of_date": np.full(n, np.datetime64("2026-06-30")), "origination_date": orig,
        "product": np.array(PRODUCTS)[product], "region": np.array([f"R{r:02d}" for r in range(31)])[rng.integers(0, 31, n)],
        "industry": np.array([f"I{r:02d}" for r in range(20)])[rng.integers(0, 20, n)],
        "principal": principal, "balance": balance, "credit_limit": principal,
        "interest_rate": np.round(rng.uniform(0.03, 0.18, n), 4), "term_months": term, "remaining_months": remaining,
        "annual_income": np.round(np.exp(rng.normal(np.where(product == 4, np.log(3e6), np.log(2e5)), 1.0)), 2),
        "debt_to_income": np.round(rng.uniform(0.05, 0.6, n), 4), "employment_years": np.round(rng.uniform(0, 30, n), 1),
        "age": rng.integers(21, 70, n), "credit_history_months": rng.integers(6, 400, n),
        "delinquencies_2y": rng.integers(0, 3, n), "inquiries_6m": rng.integers(0, 5, n), "utilization": util,
        "collateral_value": collateral, "days_past_due": dpd, "classification": np.array(CLASSES)[cls],
        "defaulted_12m": (rng.uniform(size=n) < 0.05).astype(np.int64), "pd": np.round(pd_, 6),
    })
    frame.write_csv(path)


def add_pd(source, target, seed=11):
    """Tape from `strata generate` plus a continuous pd column (a scored book)."""
    import numpy as np
    import polars as pl
    frame = pl.read_csv(source, infer_schema_length=10000)
    rng = np.random.default_rng(seed)
    logit = -4.0 + 1.2 * frame["debt_to_income"].to_numpy() + 1.5 * frame["utilization"].to_numpy() \
        + 0.3 * frame["delinquencies_2y"].to_numpy() + rng.normal(0, 0.8, frame.height)
    frame = frame.with_columns(pl.Series("pd", np.round(1 / (1 + np.exp(-logit)), 6)))
    frame.write_csv(target)


def has_command(strata, name):
    """True when `strata --help` lists subcommand `name`."""
    text = subprocess.run([strata, "--help"], capture_output=True, text=True).stdout
    listed = text.split("SUBCOMMANDS:")[-1] if "SUBCOMMANDS:" in text else ""
    return any(line.split()[:1] == [name] for line in listed.splitlines())


def prepare(args):
    os.makedirs(args.workdir, exist_ok=True)
    csv = os.path.join(args.workdir, f"book_{args.loans}.csv")
    parquet = os.path.join(args.workdir, f"book_{args.loans}.parquet")
    if not os.path.exists(csv):
        if has_command(args.strata, "generate"):
            raw = os.path.join(args.workdir, f"generated_{args.loans}.csv")
            run([args.strata, "generate", "--loans", str(args.loans), "--seed", "7", "--out", raw])
            add_pd(raw, csv)
        else:
            print("strata generate is not available: generating the tape with numpy", file=sys.stderr)
            numpy_tape(csv, args.loans)
    if not os.path.exists(parquet):
        import polars as pl
        pl.read_csv(csv, infer_schema_length=10000, try_parse_dates=True).write_parquet(parquet)
    book = csv
    if has_command(args.strata, "ingest"):
        snapshot = os.path.join(args.workdir, f"book_{args.loans}.strata")
        if not os.path.exists(snapshot):
            run([args.strata, "ingest", csv, "--out", snapshot])
        book = snapshot
    return book, parquet


def run(cmd, env=None):
    full = dict(os.environ)
    full.update(env or {})
    result = subprocess.run(cmd, capture_output=True, text=True, env=full)
    if result.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{result.stderr}")
    return result.stdout


# ---------------------------------------------------------------------------------------------
# The peers' computations


def irb_numpy(np, ndtr, ndtri, product, balance, limit, collateral, dpd, cls, pd_raw, remaining, income):
    """EAD, LGD, PD, EL, K and RWA per loan with numpy/scipy (the default basel31 configuration)."""
    codes = {p: i for i, p in enumerate(PRODUCTS)}
    ccf = np.array([CCF.get(p, 0.0) for p in PRODUCTS])[product]
    ead = balance + ccf * np.maximum(0.0, limit - balance)
    lu = np.array([LGD[p][0] for p in PRODUCTS])[product]
    ls = np.array([LGD[p][1] for p in PRODUCTS])[product]
    hc = np.array([LGD[p][2] for p in PRODUCTS])[product]
    sp = np.minimum(ead, collateral * (1 - hc))
    with np.errstate(invalid="ignore", divide="ignore"):
        blend = (lu * (ead - sp) + ls * sp) / ead
    lgd = np.where(collateral <= 0, lu, np.where(ead <= 0, ls, blend))
    defaulted = (pd_raw >= 1) | (dpd > 90) | (cls >= 2)
    floor = np.array([FLOOR[ASSET[p]] for p in PRODUCTS])[product]
    pd_ = np.where(defaulted, 1.0, np.maximum(pd_raw, floor))
    q = np.where(defaulted, 0.5, pd_)
    w50 = -np.expm1(-50 * q) / -np.expm1(-50.0)
    w35 = -np.expm1(-35 * q) / -np.expm1(-35.0)
    corporate = 0.12 * w50 + 0.24 * (1 - w50)
    s = np.clip(income / 1e6, 5.0, 50.0)
    r = np.select([product == codes["mortgage"], product == codes["credit_card"], product == codes["sme"]],
                  [np.full_like(q, 0.15), np.full_like(q, 0.04), corporate - 0.04 * (1 - (s - 5) / 45)],
                  0.03 * w35 + 0.16 * (1 - w35))
    k = lgd * (ndtr((ndtri(q) + np.sqrt(r) * ndtri(0.999)) / np.sqrt(1 - r)) - q)
    b = (0.11852 - 0.05478 * np.log(q)) ** 2
    m = np.clip(remaining / 12, 1.0, 5.0)
    k = np.where(product == codes["sme"], k * (1 + (m - 2.5) * b) / (1 - 1.5 * b), k)
    k = np.where(defaulted, 0.0, k)
    rwa = 12.5 * k * ead
    return ead, lgd, pd_, pd_ * lgd * ead, k, rwa


def measure(kind, parquet, threads):
    """One timed run of a peer in this process: prints {"seconds": ..., ...} as JSON."""
    if kind == "polars":
        os.environ["POLARS_MAX_THREADS"] = str(threads)
    import numpy as np
    import polars as pl
    from scipy.special import ndtr, ndtri
    t = time.perf_counter()
    frame = pl.read_parquet(parquet, columns=["product", "region", "classification", "balance", "credit_limit",
                                               "collateral_value", "days_past_due", "pd", "remaining_months",
                                               "annual_income"])
    frame = frame.with_columns([pl.col(c).cast(pl.Categorical) for c in KEYS])
    load = time.perf_counter() - t
    product = frame["product"].cast(pl.String).replace_strict({p: i for i, p in enumerate(PRODUCTS)},
                                                              return_dtype=pl.Int64).to_numpy()
    cls = frame["classification"].cast(pl.String).replace_strict({c: i for i, c in enumerate(CLASSES)},
                                                                 return_dtype=pl.Int64).to_numpy()
    arrays = [frame[c].to_numpy().astype(float) for c in ["balance", "credit_limit", "collateral_value"]]
    dpd = frame["days_past_due"].to_numpy()
    pd_raw = frame["pd"].to_numpy().astype(float)
    remaining = frame["remaining_months"].to_numpy().astype(float)
    income = frame["annual_income"].to_numpy().astype(float)
    if kind == "numpy":
        t = time.perf_counter()
        ead, lgd, pd_, el, k, rwa = irb_numpy(np, ndtr, ndtri, product, *arrays, dpd, cls, pd_raw, remaining, income)
        seconds = time.perf_counter() - t
        return {"seconds": seconds, "load": load, "el": float(el.sum()), "rwa": float(rwa.sum())}
    if kind == "polars":
        t = time.perf_counter()
        ead, lgd, pd_, el, k, rwa = irb_numpy(np, ndtr, ndtri, product, *arrays, dpd, cls, pd_raw, remaining, income)
        enriched = frame.select(KEYS).with_columns(
            pl.Series("balance", arrays[0]), pl.Series("ead", ead), pl.Series("el", el), pl.Series("rwa", rwa),
            pl.Series("pd_ead", pd_ * ead), pl.Series("lgd_ead", lgd * ead),
            pl.Series("npl", (cls >= 2).astype(np.int64)), pl.Series("npl_balance", np.where(cls >= 2, arrays[0], 0.0)))
        aggs = [pl.len().alias("loans")] + [pl.col(c).sum() for c in ["balance", "ead", "el", "rwa", "pd_ead",
                                                                      "lgd_ead", "npl", "npl_balance"]]
        leaf = enriched.group_by(KEYS).agg(aggs)
        sums = [pl.col(c).sum() for c in ["loans", "balance", "ead", "el", "rwa", "pd_ead", "lgd_ead", "npl",
                                           "npl_balance"]]
        level2 = leaf.group_by(KEYS[:2]).agg(sums)
        level1 = leaf.group_by(KEYS[:1]).agg(sums)
        total = leaf.select(sums)
        seconds = time.perf_counter() - t
        t = time.perf_counter()
        enriched.group_by(KEYS).agg(aggs)
        groupby_only = time.perf_counter() - t
        return {"seconds": seconds, "groupby_only": groupby_only, "load": load, "groups": leaf.height,
                "subtotals": level2.height + level1.height, "el": float(total["el"][0]), "rwa": float(total["rwa"][0])}
    if kind == "duckdb":
        import duckdb
        con = duckdb.connect()
        con.execute(f"SET threads={threads}")
        t = time.perf_counter()
        ead, lgd, pd_, el, k, rwa = irb_numpy(np, ndtr, ndtri, product, *arrays, dpd, cls, pd_raw, remaining, income)
        table = frame.select(KEYS).with_columns(
            pl.Series("balance", arrays[0]), pl.Series("ead", ead), pl.Series("k", k), pl.Series("pd_used", pd_),
            pl.Series("lgd", lgd), pl.Series("cls", cls)).to_arrow()
        con.register("book", table)
        rows = con.execute("""
            SELECT product, region, classification, count(*) AS loans, sum(balance), sum(ead),
                   sum(pd_used * lgd * ead) AS el, sum(12.5 * k * ead) AS rwa, sum(pd_used * ead), sum(lgd * ead),
                   sum(CASE WHEN cls >= 2 THEN 1 ELSE 0 END), sum(CASE WHEN cls >= 2 THEN balance ELSE 0 END)
            FROM book GROUP BY ROLLUP (product, region, classification)""").fetchall()
        seconds = time.perf_counter() - t
        total = [r for r in rows if r[0] is None][0]
        t = time.perf_counter()
        con.execute("SELECT product, region, classification, count(*), sum(balance), sum(ead), sum(k), sum(lgd) "
                    "FROM book GROUP BY ROLLUP (product, region, classification)").fetchall()
        groupby_only = time.perf_counter() - t
        return {"seconds": seconds, "groupby_only": groupby_only, "load": load, "rows": len(rows),
                "el": float(total[6]), "rwa": float(total[7])}
    raise SystemExit(f"unknown peer {kind}")


# ---------------------------------------------------------------------------------------------
# The run


def strata_run(args, book, threads):
    out = run([args.strata, "risk", book, "--by", ",".join(KEYS), "--json", "--timings"],
              env={"STRATA_THREADS": str(threads)})
    report = json.loads(out)
    timings = report["timings"]
    summary = report["summary"]
    return {"aggregate": timings["aggregate"], "loan_measures": timings["loan_measures"], "load": timings["load"],
            "el": summary["el"], "rwa": summary["rwa"]}


def peer_run(kind, parquet, threads):
    out = run([sys.executable, __file__, "--measure", kind, "--parquet", parquet, "--threads", str(threads)],
              env={"POLARS_MAX_THREADS": str(threads), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"})
    return json.loads(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--strata")
    parser.add_argument("--loans", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workdir", default="/tmp/strata-bench-risk")
    parser.add_argument("--threads", default="2,1")
    parser.add_argument("--measure")
    parser.add_argument("--parquet")
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.parquet, int(args.threads))))
        return
    if not args.strata:
        parser.error("--strata is required")
    import numpy
    import polars
    import scipy
    import duckdb
    book, parquet = prepare(args)
    print(f"loans {args.loans:,}; numpy {numpy.__version__}, scipy {scipy.__version__}, polars {polars.__version__}, "
          f"duckdb {duckdb.__version__}; strata input {os.path.basename(book)}")
    results = []
    for threads in [int(t) for t in args.threads.split(",")]:
        samples = {k: [] for k in ["strata_agg", "strata_loans", "polars", "duckdb", "numpy", "polars_gb", "duckdb_gb"]}
        for _ in range(args.repeats):
            s = strata_run(args, book, threads)
            samples["strata_agg"].append(s["aggregate"])
            samples["strata_loans"].append(s["loan_measures"])
            for kind in ["polars", "duckdb", "numpy"]:
                p = peer_run(kind, parquet, threads)
                samples[kind].append(p["seconds"])
                if "groupby_only" in p:
                    samples[f"{kind}_gb"].append(p["groupby_only"])
                for key in ["el", "rwa"]:
                    if abs(p[key] - s[key]) > 1e-6 * abs(s[key]):
                        print(f"warning: {kind} {key} {p[key]:.2f} differs from strata {s[key]:.2f}")
        med = {k: statistics.median(v) for k, v in samples.items() if v}
        results.append((threads, med))
        print(f"\n{threads} thread(s), medians of {args.repeats} (seconds):")
        print(f"  3-key aggregate with EL and IRB  strata {med['strata_agg']:.3f}  polars {med['polars']:.3f} "
              f"({med['polars'] / med['strata_agg']:.1f}x)  duckdb {med['duckdb']:.3f} "
              f"({med['duckdb'] / med['strata_agg']:.1f}x)")
        print(f"  group-by alone (precomputed)     polars {med['polars_gb']:.3f}  duckdb {med['duckdb_gb']:.3f}")
        print(f"  per-loan IRB (all measures)      strata {med['strata_loans']:.3f}  numpy/scipy {med['numpy']:.3f} "
              f"({med['numpy'] / med['strata_loans']:.1f}x)")
    print("\n| threads | strata aggregate | polars | duckdb | strata per-loan | numpy/scipy |")
    print("|---|---|---|---|---|---|")
    for threads, med in results:
        print(f"| {threads} | {med['strata_agg']:.3f} s | {med['polars']:.3f} s ({med['polars'] / med['strata_agg']:.1f}x) "
              f"| {med['duckdb']:.3f} s ({med['duckdb'] / med['strata_agg']:.1f}x) | {med['strata_loans']:.3f} s "
              f"| {med['numpy']:.3f} s ({med['numpy'] / med['strata_loans']:.1f}x) |")


if __name__ == "__main__":
    main()
