#!/usr/bin/env python3
"""Makes the reference fixtures of Tests/PortfolioRiskTests with numpy, scipy and pandas.

Run from anywhere: `python3 Tests/PortfolioRiskTests/Fixtures/make_fixtures.py`. Written with
numpy 2.4, scipy 1.17 and pandas 3.1; the outputs are committed beside this script, so the Swift
tests never need Python. Everything is seeded: running it again gives the same files.

Outputs
- irb_reference.csv: IRB capital K from scipy's ndtr/ndtri for every asset class over a grid
  of PD, LGD, maturity and SME sales (Basel II paragraphs 272-273 and 328-330, CRE31.5-31.16).
- risk_tape_a.csv, risk_tape_b.csv: two small loan tapes (400 loans, then a quarter later with
  closed, new and changed loans) in the loan-tape schema, with `pd`, `grade` and `score`.
- risk_loans_expected.csv: per-loan EAD, LGD, PD, EL, K, RWA and floor class of tape A under
  the default configuration, from an independent implementation of the formulas below.
- concentration_expected.json: HHI (raw and normalised), top-10 and top-1 % shares, Gini
  (mean absolute difference form) and the largest names, by customer, industry and region.
- migration_expected.json: transition counts and balances (cents) between tapes A and B by
  classification and by grade, with new and closed loans, and the DPD-bucket matrix.
"""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

OUT = Path(__file__).resolve().parent
G999 = ndtri(0.999)

# ---------------------------------------------------------------------------------------------
# IRB reference


def correlation(asset_class, pd_, sales):
    if asset_class in ("corporate", "sme"):
        w = -np.expm1(-50 * pd_) / -np.expm1(-50)
        r = 0.12 * w + 0.24 * (1 - w)
        if asset_class == "sme":
            s = min(max(sales, 5.0), 50.0)
            r -= 0.04 * (1 - (s - 5) / 45)
        return r
    if asset_class == "mortgage":
        return 0.15
    if asset_class == "revolving":
        return 0.04
    w = -np.expm1(-35 * pd_) / -np.expm1(-35)
    return 0.03 * w + 0.16 * (1 - w)


def capital(asset_class, pd_, lgd, maturity, sales):
    if pd_ <= 0 or pd_ >= 1:
        return 0.0
    r = correlation(asset_class, pd_, sales)
    k = lgd * (ndtr((ndtri(pd_) + math.sqrt(r) * G999) / math.sqrt(1 - r)) - pd_)
    if asset_class in ("corporate", "sme"):
        b = (0.11852 - 0.05478 * math.log(pd_)) ** 2
        k *= (1 + (maturity - 2.5) * b) / (1 - 1.5 * b)
    return float(k)


def write_irb_reference():
    rows = []
    for asset_class in ["corporate", "sme", "mortgage", "revolving", "retail"]:
        for pd_ in [0.0003, 0.0007, 0.002, 0.0123, 0.04, 0.11, 0.35, 0.8]:
            for lgd in [0.1, 0.45, 0.9]:
                maturities = [1.0, 2.5, 4.2, 5.0] if asset_class in ("corporate", "sme") else [2.5]
                for maturity in maturities:
                    for sales in ([3.0, 17.5, 49.0] if asset_class == "sme" else [50.0]):
                        k = capital(asset_class, pd_, lgd, maturity, sales)
                        rows.append(f"{asset_class},{pd_!r},{lgd!r},{maturity!r},{sales!r},{k!r}")
    (OUT / "irb_reference.csv").write_text(
        "# IRB capital K (before scaling) from scipy.special.ndtr/ndtri; see make_fixtures.py\n"
        "asset_class,pd,lgd,maturity,sales,k\n" + "\n".join(rows) + "\n"
    )


# ---------------------------------------------------------------------------------------------
# Loan tapes

PRODUCTS = ["mortgage", "consumer", "credit_card", "auto", "sme"]
REGIONS = ["east", "west", "north", "south", "central", "coast"]
INDUSTRIES = ["retail_trade", "manufacturing", "construction", "services", "agriculture", "transport",
              "technology", "public"]
CLASSES = ["normal", "special_mention", "substandard", "doubtful", "loss"]
FLOORS = [1, 91, 271, 361]
CARD_FLOORS = [1, 91, 121, 181]


def floor_class(dpd, card):
    return sum(dpd >= t for t in (CARD_FLOORS if card else FLOORS))


def make_tape_a(rng, n=400):
    weights = 1 / np.arange(1, 151) ** 0.8
    customers = rng.choice(150, size=n, p=weights / weights.sum())
    product = rng.choice(5, size=n, p=[0.25, 0.25, 0.25, 0.15, 0.10])
    rows = []
    for i in range(n):
        p = PRODUCTS[product[i]]
        principal = {"mortgage": 800_000, "consumer": 40_000, "credit_card": 30_000, "auto": 120_000,
                     "sme": 1_500_000}[p] * float(np.exp(rng.normal(0, 0.6)))
        principal = round(principal, -2)
        term = {"mortgage": 360, "consumer": 36, "credit_card": 12, "auto": 60, "sme": 48}[p]
        remaining = int(rng.integers(0, term + 1))
        if p == "credit_card":
            utilization = round(float(rng.uniform(0.0, 0.95)), 4)
            balance = round(principal * utilization, 2)
        else:
            utilization = round(float(rng.uniform(0.0, 0.9)), 4)
            balance = round(principal * remaining / term, 2)
        collateral = 0.0
        if p in ("mortgage", "auto") or (p == "sme" and rng.uniform() < 0.5):
            collateral = round(max(balance, 1000.0) / float(rng.uniform(0.35, 1.1)), -2)
        u = rng.uniform()
        dpd = 0 if u < 0.75 else int(rng.integers(1, 31)) if u < 0.85 else int(rng.integers(31, 91)) \
            if u < 0.90 else int(rng.integers(91, 500))
        cls = floor_class(dpd, p == "credit_card")
        v = rng.uniform()
        if cls > 0 and v < 0.12:
            cls -= 1  # classified better than the floor
        elif cls < 4 and v > 0.95:
            cls += 1  # stricter than the floor
        pd_value = float(np.clip(np.exp(rng.normal(np.log(0.02), 1.2)), 0.0001, 0.6))
        grade = "ABCDE"[min(4, int(np.searchsorted([0.005, 0.015, 0.04, 0.1], pd_value)))]
        orig_year = int(rng.integers(2019, 2026))
        orig = f"{orig_year}-{int(rng.integers(1, 13)):02d}-{int(rng.integers(1, 29)):02d}"
        rows.append({
            "loan_id": f"L{i + 1:05d}", "customer_id": f"C{customers[i] + 1:04d}", "as_of_date": "2026-06-30",
            "origination_date": orig, "product": p, "region": REGIONS[int(rng.integers(0, 6))],
            "industry": INDUSTRIES[int(rng.integers(0, 8))], "principal": principal, "balance": balance,
            "credit_limit": principal, "interest_rate": round(float(rng.uniform(0.03, 0.18)), 4),
            "term_months": term, "remaining_months": remaining,
            "annual_income": round(float(np.exp(rng.normal(np.log(3e6 if p == "sme" else 2e5), 1.0))), 2),
            "debt_to_income": round(float(rng.uniform(0.05, 0.6)), 4),
            "employment_years": round(float(rng.uniform(0, 30)), 1), "age": int(rng.integers(21, 70)),
            "credit_history_months": int(rng.integers(6, 400)), "delinquencies_2y": int(rng.integers(0, 3)),
            "inquiries_6m": int(rng.integers(0, 5)), "utilization": utilization, "collateral_value": collateral,
            "days_past_due": dpd, "classification": CLASSES[cls], "defaulted_12m": int(rng.uniform() < 0.05),
            "pd": "" if rng.uniform() < 0.1 else round(pd_value, 6), "grade": grade,
            "score": int(rng.integers(450, 800)),
        })
    return pd.DataFrame(rows)


def make_tape_b(rng, a):
    keep = rng.uniform(size=len(a)) >= 0.1
    b = a[keep].copy()
    b["as_of_date"] = "2026-09-30"
    for idx in b.index:
        row = b.loc[idx]
        dpd = int(row["days_past_due"])
        u = rng.uniform()
        if u < 0.7:
            pass
        elif u < 0.85:
            dpd = dpd + int(rng.integers(20, 120))
        else:
            dpd = 0
        card = row["product"] == "credit_card"
        cls = floor_class(dpd, card)
        if cls > 0 and rng.uniform() < 0.08:
            cls -= 1
        b.at[idx, "days_past_due"] = dpd
        b.at[idx, "classification"] = CLASSES[cls]
        b.at[idx, "remaining_months"] = max(0, int(row["remaining_months"]) - 3)
        if card:
            util = round(float(min(0.98, max(0.0, row["utilization"] + rng.normal(0.05, 0.25)))), 4)
            b.at[idx, "utilization"] = util
            b.at[idx, "balance"] = round(float(row["credit_limit"]) * util, 2)
        else:
            b.at[idx, "balance"] = round(float(row["balance"]) * 0.97, 2)
            b.at[idx, "utilization"] = round(float(min(1.2, row["utilization"] + max(0, rng.normal(0, 0.2)))), 4)
        shift = int(rng.choice([-1, 0, 0, 0, 1, 2]))
        b.at[idx, "grade"] = "ABCDE"[min(4, max(0, "ABCDE".index(row["grade"]) + shift))]
        b.at[idx, "score"] = int(row["score"]) + int(rng.integers(-60, 25))
    new = make_tape_a(rng, 40)
    new["loan_id"] = [f"L{9000 + i:05d}" for i in range(len(new))]
    new["as_of_date"] = "2026-09-30"
    return pd.concat([b, new], ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Per-loan measures under the default configuration (basel31)

CCF = {"credit_card": 0.40}
LGD = {"mortgage": (0.45, 0.20, 0.40), "sme": (0.40, 0.20, 0.40), "auto": (0.45, 0.25, 0.40),
       "consumer": (0.45, 0.25, 0.40), "credit_card": (0.85, 0.25, 0.40)}
ASSET = {"mortgage": "mortgage", "credit_card": "revolving", "consumer": "retail", "auto": "retail",
         "sme": "sme"}
PD_FLOOR = {"corporate": 0.0005, "sme": 0.0005, "mortgage": 0.0005, "revolving": 0.001, "retail": 0.0005}
PD_BY_CLASS = [0.02, 0.20, 1.0, 1.0, 1.0]


def loan_measures(a):
    out = []
    for _, row in a.iterrows():
        p = row["product"]
        balance = float(row["balance"])
        ead = balance + CCF.get(p, 0.0) * max(0.0, float(row["credit_limit"]) - balance)
        unsecured, secured, haircut = LGD[p]
        collateral = float(row["collateral_value"])
        if collateral <= 0:
            lgd = unsecured
        elif ead <= 0:
            lgd = secured
        else:
            secured_part = min(ead, collateral * (1 - haircut))
            lgd = (unsecured * (ead - secured_part) + secured * secured_part) / ead
        severity = CLASSES.index(row["classification"])
        dpd = int(row["days_past_due"])
        raw = PD_BY_CLASS[severity] if row["pd"] == "" else float(row["pd"])
        asset = ASSET[p]
        defaulted = raw >= 1 or dpd > 90 or severity >= 2
        if defaulted:
            pd_used, k = 1.0, 0.0
        else:
            pd_used = max(raw, PD_FLOOR[asset])
            maturity = min(max(int(row["remaining_months"]) / 12, 1.0), 5.0)
            k = capital(asset, pd_used, lgd, maturity, float(row["annual_income"]) / 1e6)
        rwa = 12.5 * k * 1.0 * ead
        out.append({"loan_id": row["loan_id"], "ead": repr(ead), "lgd": repr(lgd), "pd": repr(pd_used),
                    "el": repr(pd_used * lgd * ead), "k": repr(k), "rwa": repr(rwa),
                    "floor": CLASSES[floor_class(dpd, p == "credit_card")]})
    return pd.DataFrame(out)


# ---------------------------------------------------------------------------------------------
# Concentration and migration with pandas


def ead_cents(df):
    ccf = df["product"].map(lambda p: CCF.get(p, 0.0)).astype(float)
    ead = df["balance"].astype(float) + ccf * np.maximum(0.0, df["credit_limit"].astype(float) - df["balance"])
    return np.rint(ead * 100).astype(np.int64)


def concentration(df, column):
    frame = pd.DataFrame({"name": df[column], "x": ead_cents(df)})
    grouped = frame.groupby("name", sort=False).agg(x=("x", "sum"), loans=("x", "size"))
    x = grouped["x"].to_numpy(dtype=np.int64)
    n = len(x)
    total = int(x.sum())
    shares = x / total
    hhi = float((shares ** 2).sum())
    top = grouped.reset_index().reset_index().sort_values(["x", "index"], ascending=[False, True])
    k1 = math.ceil(n / 100)
    xf = x.astype(float)
    gini = float(np.abs(xf[:, None] - xf[None, :]).sum() / (2 * n * n * xf.mean()))
    return {
        "dimension": column, "names": n, "total_cents": total, "hhi": hhi,
        "hhi_normalised": (hhi - 1 / n) / (1 - 1 / n), "top10_share": float(top["x"].head(10).sum() / total),
        "top1pct_names": k1, "top1pct_share": float(top["x"].head(k1).sum() / total), "gini": gini,
        "largest": [{"name": r["name"], "exposure_cents": int(r["x"]), "loans": int(r["loans"])}
                    for _, r in top.head(10).iterrows()],
    }


def dpd_bucket(days):
    return pd.cut(days, bins=[0, 1, 31, 61, 91, 181, np.inf], right=False,
                  labels=["0", "1-30", "31-60", "61-90", "91-180", "181+"]).astype(str)


def transition(a, b, column, order):
    merged = a[["loan_id", column, "balance", "days_past_due"]].merge(
        b[["loan_id", column, "balance", "days_past_due"]], on="loan_id", how="outer", suffixes=("_a", "_b"),
        indicator=True)
    merged["from"] = merged[f"{column}_a"].where(merged["_merge"] != "right_only", "(new)")
    merged["to"] = merged[f"{column}_b"].where(merged["_merge"] != "left_only", "(closed)")
    cents = np.where(merged["_merge"] == "right_only", merged["balance_b"], merged["balance_a"])
    merged["cents"] = np.rint(cents.astype(float) * 100).astype(np.int64)
    rows = order + ["(new)"]
    cols = order + ["(closed)"]
    counts = pd.crosstab(merged["from"], merged["to"]).reindex(index=rows, columns=cols, fill_value=0)
    balances = merged.pivot_table(index="from", columns="to", values="cents", aggfunc="sum",
                                  fill_value=0).reindex(index=rows, columns=cols, fill_value=0)
    result = {"states": order, "counts": counts.astype(int).values.tolist(),
              "balances_cents": balances.astype(np.int64).values.tolist()}
    # DPD buckets
    labels = ["0", "1-30", "31-60", "61-90", "91-180", "181+"]
    merged["bfrom"] = np.where(merged["_merge"] == "right_only", "(new)",
                               dpd_bucket(merged["days_past_due_a"].fillna(0)))
    merged["bto"] = np.where(merged["_merge"] == "left_only", "(closed)",
                             dpd_bucket(merged["days_past_due_b"].fillna(0)))
    dcounts = pd.crosstab(merged["bfrom"], merged["bto"]).reindex(index=labels + ["(new)"],
                                                                  columns=labels + ["(closed)"], fill_value=0)
    dbal = merged.pivot_table(index="bfrom", columns="bto", values="cents", aggfunc="sum", fill_value=0).reindex(
        index=labels + ["(new)"], columns=labels + ["(closed)"], fill_value=0)
    result["dpd_buckets"] = labels
    result["dpd_counts"] = dcounts.astype(int).values.tolist()
    result["dpd_balances_cents"] = dbal.astype(np.int64).values.tolist()
    return result


def main():
    write_irb_reference()
    rng = np.random.default_rng(20260630)
    a = make_tape_a(rng)
    b = make_tape_b(rng, a)
    a.to_csv(OUT / "risk_tape_a.csv", index=False)
    b.to_csv(OUT / "risk_tape_b.csv", index=False)
    a = pd.read_csv(OUT / "risk_tape_a.csv", keep_default_na=False)
    b = pd.read_csv(OUT / "risk_tape_b.csv", keep_default_na=False)
    loan_measures(a).to_csv(OUT / "risk_loans_expected.csv", index=False)
    conc = [concentration(a, c) for c in ["customer_id", "industry", "region"]]
    (OUT / "concentration_expected.json").write_text(json.dumps(conc, indent=1) + "\n")
    migration = {
        "classification": transition(a, b, "classification", CLASSES),
        "grade": transition(a, b, "grade", sorted(set(a["grade"]) | set(b["grade"]))),
    }
    (OUT / "migration_expected.json").write_text(json.dumps(migration, indent=1) + "\n")


if __name__ == "__main__":
    main()
