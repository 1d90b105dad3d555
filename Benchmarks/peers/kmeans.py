#!/usr/bin/env python3
"""Strata's k-means against scikit-learn and faiss, on the same data, in the same run.

    python3 Benchmarks/peers/kmeans.py --strata .build-rel/release/strata [--loans 10000000]
        [--scan-loans 1000000] [--repeats 3] [--threads 1,2] [--workdir /tmp/strata-bench-kmeans]

1. Lloyd: LOANS rows x 8 features, k = 8, exactly 20 Lloyd iterations from the same 8 starting
   centroids (the first 8 rows), tolerance 0. The features are a seeded mixture of 8 Gaussian
   clusters with unequal spreads and one skewed (log-normal) column, written once as CSV to the
   work directory.
   - Strata: `strata segment DATA --schema inferred --standardize none --init-centroids INIT
     --max-iter 20 --tol 0 --json --timings`, phase `kmeans` (the fit alone: Lloyd iterations,
     the final assignment pass and the inertia pass; loading the CSV and building the feature
     matrix are reported apart). `--standardize none` centres the data by its mean, as
     scikit-learn does, so both run the same arithmetic.
   - scikit-learn: `KMeans(8, init=INIT, n_init=1, max_iter=20, tol=0, algorithm="lloyd")
     .fit(X)` on float64 data already in memory (its fit also centres a copy of X and computes
     the inertia).
   - faiss: `faiss.Kmeans(8, 8, niter=20, max_points_per_centroid=LOANS)` `.train(X32,
     init_centroids=INIT)` on float32 data already in memory. max_points_per_centroid is raised
     because faiss otherwise trains on a sample of 256 x k points; faiss has no float64 k-means.
   Every timed run is a fresh process (Strata) or a fresh call on loaded data (peers), interleaved
   Strata, scikit-learn, faiss, Strata, ... for --repeats rounds; the table gives medians and
   the ratio peer / Strata (above 1: Strata is faster). The inertia of each is printed so the
   runs can be seen to do the same work (Strata and scikit-learn agree to ~1e-12 relative).
2. Choosing k: `strata segment --k auto --k-range 3..12` on the first SCAN_LOANS rows (silhouette
   on the default 10,000-row sample), wall time of the `kmeans` phase and of the whole process.

Threads: STRATA_THREADS for Strata; threadpoolctl (OpenMP and BLAS) for scikit-learn;
faiss.omp_set_num_threads for faiss. Strata re-selects OpenBLAS's AVX-512 kernels itself when
the Debian OpenBLAS does not recognise the CPU (see Sources/StrataKernels/OpenBLASCore.swift);
scikit-learn's bundled OpenBLAS recognises it.

Needs: pip install scikit-learn faiss-cpu threadpoolctl numpy.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

FEATURES = [f"f{i}" for i in range(1, 9)]
K = 8
ITERATIONS = 20


def make_data(path, init_path, loans, seed=42):
    """Writes the feature CSV (once) and the starting centroids (the first 8 rows)."""
    if os.path.exists(path) and os.path.exists(init_path):
        with open(path) as f:
            rows = sum(1 for _ in f) - 1
        if rows == loans:
            return
    rng = np.random.default_rng(seed)
    # Overlapping clusters, so Lloyd is still moving after 20 iterations (no early stop).
    centres = rng.normal(0.0, 1.5, size=(K, len(FEATURES)))
    spread = rng.uniform(0.5, 2.0, size=K)
    block = 1_000_000
    with open(path, "w") as f:
        f.write(",".join(FEATURES) + "\n")
        written = 0
        while written < loans:
            m = min(block, loans - written)
            members = rng.integers(0, K, size=m)
            x = centres[members] + rng.normal(0.0, 1.0, size=(m, len(FEATURES))) * spread[members, None]
            x[:, 7] = np.exp(x[:, 7] / 4.0)  # one skewed, positive column (an amount)
            np.savetxt(f, x, delimiter=",", fmt="%.6f")
            if written == 0:
                init = x[:K].copy()
            written += m
    with open(init_path, "w") as f:
        f.write(",".join(FEATURES) + "\n")
        np.savetxt(f, init, delimiter=",", fmt="%.6f")


def load_matrix(path, loans):
    import pandas as pd  # noqa: PLC0415 (fast CSV reader; only for loading)

    frame = pd.read_csv(path, nrows=loans, dtype=np.float64, engine="c")
    return np.ascontiguousarray(frame[FEATURES].to_numpy(dtype=np.float64))


def run_strata(binary, data, init, threads):
    env = dict(os.environ, STRATA_THREADS=str(threads))
    arguments = [
        binary, "segment", data, "--schema", "inferred", "--features", ",".join(FEATURES), "--standardize", "none",
        "--init-centroids", init, "--max-iter", str(ITERATIONS), "--tol", "0", "--json", "--timings",
    ]
    started = time.perf_counter()
    done = subprocess.run(arguments, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"strata failed: {done.stderr}")
    result = json.loads(done.stdout)
    return result["timings"]["kmeans"], result["inertia"], result["iterations"], result["timings"], wall


def run_sklearn(x, init, threads):
    from sklearn.cluster import KMeans  # noqa: PLC0415
    from threadpoolctl import threadpool_limits  # noqa: PLC0415

    with threadpool_limits(threads):
        model = KMeans(K, init=init, n_init=1, max_iter=ITERATIONS, tol=0.0, algorithm="lloyd")
        started = time.perf_counter()
        model.fit(x)
        seconds = time.perf_counter() - started
    return seconds, float(model.inertia_), int(model.n_iter_)


def run_sklearn_lloyd(xc, init_c, threads):
    """scikit-learn's Lloyd loop alone (`_kmeans_single_lloyd`, the function `KMeans.fit` calls),
    on data already centred: the same work as Strata's `kmeans` phase (iterations, the final
    assignment pass and the inertia), without `fit`'s input checks, centring copy and row norms."""
    from sklearn.cluster._kmeans import _kmeans_single_lloyd  # noqa: PLC0415
    from threadpoolctl import threadpool_limits  # noqa: PLC0415

    weights = np.ones(xc.shape[0])
    with threadpool_limits(threads):
        started = time.perf_counter()
        _, inertia, _, n_iter = _kmeans_single_lloyd(
            xc, weights, init_c.copy(), max_iter=ITERATIONS, tol=0.0, n_threads=threads)
        seconds = time.perf_counter() - started
    return seconds, float(inertia), int(n_iter)


def run_faiss(x32, init, threads):
    import faiss  # noqa: PLC0415

    faiss.omp_set_num_threads(threads)
    model = faiss.Kmeans(
        x32.shape[1], K, niter=ITERATIONS, max_points_per_centroid=x32.shape[0], min_points_per_centroid=1, seed=1,
        verbose=False)
    started = time.perf_counter()
    model.train(x32, init_centroids=init.astype(np.float32))
    seconds = time.perf_counter() - started
    return seconds, float(model.obj[-1]) if len(model.obj) else float("nan"), ITERATIONS


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--strata", required=True, help="the release strata binary")
    parser.add_argument("--loans", type=int, default=10_000_000)
    parser.add_argument("--scan-loans", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--workdir", default="/tmp/strata-bench-kmeans")
    parser.add_argument("--skip-scan", action="store_true")
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    data = os.path.join(args.workdir, f"features_v2_{args.loans}.csv")
    init_path = os.path.join(args.workdir, f"init_v2_{args.loans}.csv")
    print(f"data: {args.loans:,} rows x {len(FEATURES)} features -> {data}", flush=True)
    make_data(data, init_path, args.loans)
    x = load_matrix(data, args.loans)
    x32 = x.astype(np.float32)
    init = load_matrix(init_path, K)
    mean = x.mean(axis=0)
    xc = x - mean
    init_c = init - mean
    import faiss  # noqa: PLC0415
    import sklearn  # noqa: PLC0415

    print(f"scikit-learn {sklearn.__version__}, faiss {faiss.__version__}, numpy {np.__version__}", flush=True)
    rows = []
    for threads in [int(t) for t in args.threads.split(",")]:
        times = {"strata": [], "strata_fit": [], "sklearn": [], "sklearn_lloyd": [], "faiss": []}
        inertia = {}
        for round_ in range(args.repeats):
            seconds, strata_inertia, iterations, phases, wall = run_strata(args.strata, data, init_path, threads)
            times["strata"].append(seconds)
            times["strata_fit"].append(seconds + phases["features"])
            inertia["strata"] = (strata_inertia, iterations)
            inertia["strata_fit"] = (strata_inertia, iterations)
            print(f"  threads {threads} round {round_ + 1}: strata kmeans {seconds:.3f} s "
                  f"(load {phases['load']:.2f} s, features {phases['features']:.2f} s, process {wall:.2f} s)",
                  flush=True)
            seconds, value, iterations = run_sklearn(x, init, threads)
            times["sklearn"].append(seconds)
            inertia["sklearn"] = (value, iterations)
            print(f"  threads {threads} round {round_ + 1}: scikit-learn {seconds:.3f} s", flush=True)
            seconds, value, iterations = run_sklearn_lloyd(xc, init_c, threads)
            times["sklearn_lloyd"].append(seconds)
            inertia["sklearn_lloyd"] = (value, iterations)
            print(f"  threads {threads} round {round_ + 1}: scikit-learn Lloyd loop {seconds:.3f} s", flush=True)
            seconds, value, iterations = run_faiss(x32, init, threads)
            times["faiss"].append(seconds)
            inertia["faiss"] = (value, iterations)
            print(f"  threads {threads} round {round_ + 1}: faiss {seconds:.3f} s", flush=True)
        strata_median = statistics.median(times["strata"])
        fit_median = statistics.median(times["strata_fit"])
        for name in ["strata", "sklearn_lloyd", "faiss", "strata_fit", "sklearn"]:
            median = statistics.median(times[name])
            base = fit_median if name in ("strata_fit", "sklearn") else strata_median
            rows.append((threads, name, median, median / base, inertia[name][0], inertia[name][1]))
    print()
    print(f"Lloyd, {args.loans:,} x 8, k = 8, {ITERATIONS} iterations from the same centroids (medians of {args.repeats})")
    print("strata = the kmeans phase; sklearn_lloyd = _kmeans_single_lloyd on centred data; faiss = Kmeans.train;")
    print("strata_fit = features + kmeans phases; sklearn = KMeans.fit (ratios of the last two: against strata_fit)")
    print("| threads | runner | seconds | ms / iteration | ratio (runner / Strata) | inertia | iterations |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for threads, name, median, ratio, value, iterations in rows:
        print(f"| {threads} | {name} | {median:.3f} | {median * 1000 / iterations:.1f} | {ratio:.2f} | {value:.6e} | "
              f"{iterations} |")
    strata_inertia = next(r[4] for r in rows if r[1] == "strata")
    sklearn_inertia = next(r[4] for r in rows if r[1] == "sklearn")
    print(f"inertia, Strata vs scikit-learn: relative difference {abs(strata_inertia - sklearn_inertia) / sklearn_inertia:.2e}")

    if args.skip_scan:
        return
    scan_rows = min(args.scan_loans, args.loans)
    scan_data = os.path.join(args.workdir, f"features_v2_scan_{scan_rows}.csv")
    if not os.path.exists(scan_data):
        with open(data) as source, open(scan_data, "w") as target:
            for index, line in enumerate(source):
                if index > scan_rows:
                    break
                target.write(line)
    print()
    print(f"Choosing k over 3..12 on {scan_rows:,} rows (silhouette on a 10,000-row sample)")
    print("| threads | kmeans phase (s) | whole process (s) | chosen k |")
    print("|---:|---:|---:|---:|")
    for threads in [int(t) for t in args.threads.split(",")]:
        env = dict(os.environ, STRATA_THREADS=str(threads))
        started = time.perf_counter()
        done = subprocess.run(
            [args.strata, "segment", scan_data, "--schema", "inferred", "--features", ",".join(FEATURES),
             "--k", "auto", "--k-range", "3..12", "--json", "--timings"], env=env, capture_output=True, text=True)
        wall = time.perf_counter() - started
        if done.returncode != 0:
            sys.exit(f"strata failed: {done.stderr}")
        result = json.loads(done.stdout)
        print(f"| {threads} | {result['timings']['kmeans']:.2f} | {wall:.2f} | {result['k']} |")


if __name__ == "__main__":
    main()
