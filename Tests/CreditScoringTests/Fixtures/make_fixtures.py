#!/usr/bin/env python3
"""Reference values for the CreditScoring tests, from trusted peers.

Run from anywhere:  python3 Tests/CreditScoringTests/Fixtures/make_fixtures.py
Needs numpy, pandas, statsmodels, scikit-learn (pip install ...). Writes, next to this script:

- logit_data.csv / logit_expected.json: a 2 000-row design of WoE-like columns and a 0/1 target;
  statsmodels Logit (Newton, tol 1e-12) coefficients, standard errors, z, p-values, deviance.
- logit_l2_expected.json: scikit-learn LogisticRegression with an L2 penalty on the same data
  (lbfgs, intercept unpenalised), whose optimum is Strata's with lambda = 1 / C.
- auc_data.csv / auc_expected.json: credit scores with many ties and labels; roc_auc_score of the
  negated score (higher score = better credit), and KS from numpy cumulative counts.

The data are drawn from numpy's seeded RandomState, so the files are reproducible. Versions used
are recorded in each JSON file.
"""
import json
import os

import numpy as np
import pandas as pd
import sklearn
import statsmodels
import statsmodels.api as sm
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

HERE = os.path.dirname(os.path.abspath(__file__))


def versions():
    return {"numpy": np.__version__, "pandas": pd.__version__, "statsmodels": statsmodels.__version__,
            "scikit-learn": sklearn.__version__}


def write_json(name, payload):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(payload, f, indent=2, sort_keys=True)
        f.write("\n")


def logit_fixture():
    rng = np.random.RandomState(20240611)
    n = 2000
    # WoE-like columns: a few distinct values each, as a binned feature gives.
    x1 = rng.choice([-0.9, -0.3, 0.2, 0.7, 1.1], size=n, p=[0.1, 0.2, 0.3, 0.25, 0.15])
    x2 = rng.choice([-0.6, 0.1, 0.5], size=n, p=[0.3, 0.4, 0.3])
    x3 = np.round(rng.normal(0.0, 0.5, size=n), 3)
    x4 = rng.choice([-1.2, -0.2, 0.4, 0.9], size=n) + 0.3 * x1
    eta = -2.6 - 0.9 * x1 - 0.7 * x2 - 0.5 * x3 - 0.4 * x4
    y = (rng.uniform(size=n) < 1.0 / (1.0 + np.exp(-eta))).astype(int)
    frame = pd.DataFrame({"x1": x1, "x2": x2, "x3": x3, "x4": x4, "y": y})
    frame.to_csv(os.path.join(HERE, "logit_data.csv"), index=False, float_format="%.17g")
    X = sm.add_constant(frame[["x1", "x2", "x3", "x4"]].to_numpy())
    result = sm.Logit(frame["y"].to_numpy(), X).fit(method="newton", tol=1e-12, maxiter=200, disp=0)
    names = ["intercept", "x1", "x2", "x3", "x4"]
    write_json("logit_expected.json", {
        "source": "statsmodels.api.Logit(y, add_constant(X)).fit(method='newton', tol=1e-12)",
        "versions": versions(),
        "names": names,
        "coefficients": [float(v) for v in result.params],
        "standardErrors": [float(v) for v in result.bse],
        "z": [float(v) for v in result.tvalues],
        "pValues": [float(v) for v in result.pvalues],
        "deviance": float(-2.0 * result.llf),
        "nullDeviance": float(-2.0 * result.llnull),
        "rows": int(n),
        "bads": int(y.sum()),
    })
    lam = 5.0
    model = LogisticRegression(C=1.0 / lam, l1_ratio=0.0, solver="lbfgs", tol=1e-12, max_iter=100000)
    model.fit(frame[["x1", "x2", "x3", "x4"]].to_numpy(), frame["y"].to_numpy())
    write_json("logit_l2_expected.json", {
        "source": "sklearn LogisticRegression(C=1/lambda, l2, lbfgs, tol=1e-12); Strata l2 = lambda",
        "versions": versions(),
        "lambda": lam,
        "coefficients": [float(model.intercept_[0])] + [float(v) for v in model.coef_[0]],
    })


def auc_fixture():
    rng = np.random.RandomState(7)
    n = 3000
    y = (rng.uniform(size=n) < 0.12).astype(int)
    # Scores on a coarse grid (many ties), bads lower on average.
    score = np.round(rng.normal(600, 40, size=n) - 35 * y, -1)
    score[:50] = 600.0  # a block of exact ties across both classes
    pd.DataFrame({"score": score, "y": y}).to_csv(os.path.join(HERE, "auc_data.csv"), index=False,
                                                   float_format="%.17g")
    # KS from numpy: cumulative shares at each distinct score.
    values = np.unique(score)
    bad_cdf = np.array([np.sum((score <= v) & (y == 1)) for v in values]) / y.sum()
    good_cdf = np.array([np.sum((score <= v) & (y == 0)) for v in values]) / (n - y.sum())
    gaps = np.abs(bad_cdf - good_cdf)
    write_json("auc_expected.json", {
        "source": "sklearn.metrics.roc_auc_score(y, -score); KS = max |F_bad - F_good| over distinct scores",
        "versions": versions(),
        "auc": float(roc_auc_score(y, -score)),
        "ks": float(gaps.max()),
        "ksScore": float(values[int(np.argmax(gaps))]),
        "rows": int(n),
        "bads": int(y.sum()),
    })


if __name__ == "__main__":
    logit_fixture()
    auc_fixture()
    print("fixtures written to", HERE)
