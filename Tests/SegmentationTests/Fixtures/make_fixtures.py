#!/usr/bin/env python3
"""Makes the scikit-learn fixtures of the Segmentation tests.

Run from this folder:  python3 make_fixtures.py
Writes kmeans_data.csv, kmeans_init.csv, kmeans_init_empty.csv, kmeans_labels.csv and
kmeans_expected.json. Versions used are recorded in kmeans_expected.json.

Each case runs sklearn.cluster.KMeans(algorithm="lloyd", n_init=1, init=<given centroids>) on
the same data; Strata must reproduce the labels exactly and the inertia within 1e-9 relative.
tol=0 makes scikit-learn stop only on strict convergence (labels unchanged) or max_iter, the
same stopping rule Strata applies with --tol 0.
"""
import json

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

rng = np.random.default_rng(20240611)
n, d, k = 4000, 4, 6
centres = rng.normal(0.0, 3.0, size=(k, d))
members = rng.integers(0, k, size=n)
X = centres[members] + rng.normal(0.0, 1.2, size=(n, d))
X[:, 2] = X[:, 2] * 10 + 50  # a feature on another scale
w = rng.uniform(0.5, 3.0, size=n)

init = X[[0, 1, 2, 3, 4, 5]].copy()  # poor start: arbitrary rows, so Lloyd needs many iterations
init_empty = init.copy()
init_empty[5] = [40.0, -40.0, 400.0, 40.0]  # far from every row: empty after the first assignment

cases = {
    "converged": dict(init=init, max_iter=300, weight=None),
    "capped": dict(init=init, max_iter=2, weight=None),
    "weighted": dict(init=init, max_iter=300, weight=w),
    "empty": dict(init=init_empty, max_iter=300, weight=None),
}

def margin(X, centers, labels):
    """Smallest relative gap between the nearest and second-nearest centre (ties would make
    labels depend on rounding)."""
    dist = ((X[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
    part = np.sort(dist, axis=1)
    return float(((part[:, 1] - part[:, 0]) / np.maximum(part[:, 1], 1e-300)).min())

expected = {"sklearn": sklearn.__version__, "numpy": np.__version__, "cases": {}}
labels_out = {}
for name, case in cases.items():
    km = KMeans(n_clusters=k, init=case["init"], n_init=1, algorithm="lloyd", max_iter=case["max_iter"], tol=0.0)
    km.fit(X, sample_weight=case["weight"])
    gap = margin(X, km.cluster_centers_, km.labels_)
    assert gap > 1e-9, f"{name}: near tie {gap}"
    expected["cases"][name] = {
        "max_iter": case["max_iter"],
        "weighted": case["weight"] is not None,
        "n_iter": int(km.n_iter_),
        "inertia": float(km.inertia_),
        "centers": [[float(v) for v in row] for row in km.cluster_centers_],
        "min_relative_gap": gap,
        # Validity indices of the final labels on all rows (unweighted, as scikit-learn computes them).
        "silhouette": float(silhouette_score(X, km.labels_)),
        "calinski_harabasz": float(calinski_harabasz_score(X, km.labels_)),
        "davies_bouldin": float(davies_bouldin_score(X, km.labels_)),
    }
    labels_out[name] = km.labels_

fmt = "%.17g"
np.savetxt("kmeans_data.csv", np.column_stack([X, w]), delimiter=",", fmt=fmt, header="x1,x2,x3,x4,w", comments="")
np.savetxt("kmeans_init.csv", init, delimiter=",", fmt=fmt, header="x1,x2,x3,x4", comments="")
np.savetxt("kmeans_init_empty.csv", init_empty, delimiter=",", fmt=fmt, header="x1,x2,x3,x4", comments="")
np.savetxt("kmeans_labels.csv", np.column_stack([labels_out[c] for c in cases]), delimiter=",", fmt="%d",
           header=",".join(cases), comments="")
with open("kmeans_expected.json", "w") as f:
    json.dump(expected, f, indent=1)
    f.write("\n")
for name, case in expected["cases"].items():
    print(name, case["n_iter"], case["inertia"], case["min_relative_gap"])
