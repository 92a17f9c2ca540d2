"""The agnostic evaluation of the loan scenario, shared by every backend.

It loads the German Credit data through its Croissant descriptor (checking the
file's SHA-256), encodes it, and measures the treatment (train.py) on pooled
out-of-fold predictions over all 1000 rows: one 0.03 gate on a 200-row split
would be a coin toss. Metrics are keyed by measure id, with a bootstrap
confidence interval as power (advisory).
"""
import hashlib
import json
import pathlib

import numpy as np
import pandas as pd
import yaml
from sklearn.model_selection import StratifiedKFold

ROOT = pathlib.Path(__file__).resolve().parent
CROISSANT = ROOT / "data" / "german_credit.croissant.json"
FEATURES = ROOT / "data" / "features.csv"
MEASURE = "unfair-credit-exclusion"  # the measure id in sei.yaml
CATEGORICAL = ["checking", "history", "purpose", "savings", "employment", "personal_status", "debtors",
               "property", "other_plans", "housing", "job", "telephone", "foreign"]
NUMERIC = ["duration", "amount", "installment_rate", "residence", "age", "existing_credits", "dependents"]


def params() -> dict:
    return yaml.safe_load((ROOT / "params.yaml").read_text())


def gate_failures(metrics: dict) -> list:
    """The gate measures of sei.yaml whose constraint the metrics break, so
    that a backend's own check (MLflow's @champion, Dagster's asset check)
    follows the manifest's thresholds. sei's gate stays the authority."""
    ops = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}
    manifest = yaml.safe_load((ROOT / "sei.yaml").read_text())
    failed = []
    for risk in manifest.get("risk", {}).get("risks", []):
        for treat in risk.get("treat", []):
            for m in treat.get("measures", []):
                if m.get("enforcement") != "gate":
                    continue
                op, threshold = m["constraint"].split()
                v = metrics.get(m["id"])
                v = v.get("value") if isinstance(v, dict) else v
                if v is None or not ops[op](float(v), float(threshold)):
                    failed.append(m["id"])
    return failed


def flat(metrics: dict) -> dict:
    """The metrics as name -> number, for a tracker: a measure's value under
    its id, its confidence interval under id.ci_low and id.ci_high."""
    out = {}
    for k, v in metrics.items():
        if isinstance(v, dict):
            out[k] = v["value"]
            for p in ("ci_low", "ci_high", "n"):
                if p in v.get("power", {}):
                    out[f"{k}.{p}"] = v["power"][p]
        else:
            out[k] = v
    return out


def load_applications() -> pd.DataFrame:
    """The applications as the Croissant descriptor declares them."""
    desc = json.loads(CROISSANT.read_text())
    dist = desc["distribution"][0]
    path = CROISSANT.parent / dist["contentUrl"]  # relative to the descriptor, as mlcroissant reads it
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != dist["sha256"]:
        raise SystemExit(f"{path}: sha256 {digest} is not the descriptor's {dist['sha256']}")
    fields = [f["name"] for f in desc["recordSet"][0]["field"]]
    df = pd.read_csv(path)
    if list(df.columns) != fields:
        raise SystemExit(f"{path}: columns {list(df.columns)} are not the descriptor's {fields}")
    return df


def encode(df: pd.DataFrame) -> pd.DataFrame:
    """One-hot categoricals, standardised numerics, the label (1 = good
    credit, approve) and the protected attribute (female = A92) as columns."""
    x = pd.get_dummies(df[CATEGORICAL].astype(str), prefix=CATEGORICAL, dtype=float)
    num = df[NUMERIC].astype(float)
    x = pd.concat([(num - num.mean()) / num.std(ddof=0), x], axis=1)
    x["label"] = (df["credit"] == 1).astype(int)
    x["female"] = (df["personal_status"] == "A92").astype(int)
    return x


def dp_difference(y_pred, groups) -> float:
    """Demographic parity difference: the spread of approval rates between groups."""
    y = np.asarray(y_pred, float)
    g = np.asarray(groups)
    rates = [y[g == k].mean() for k in np.unique(g)]
    return float(max(rates) - min(rates))


def out_of_fold(build_model, frame: pd.DataFrame, seed: int):
    x = frame.drop(columns=["label", "female"])
    y = frame["label"].to_numpy()
    s = frame["female"].to_numpy()
    pred = np.zeros(len(frame), dtype=int)
    for train, test in StratifiedKFold(n_splits=5, shuffle=True, random_state=seed).split(x, y):
        model = build_model(seed)
        model.fit(x.iloc[train], y[train], s[train])
        pred[test] = model.predict(x.iloc[test])
    final = build_model(seed)
    final.fit(x, y, s)
    return pred, y, s, final


def bootstrap(pred, s, seed: int, n_boot: int):
    rng = np.random.default_rng(seed)
    n = len(pred)
    values = []
    for _ in range(n_boot):
        i = rng.integers(0, n, n)
        if len(np.unique(s[i])) == 2:
            values.append(dp_difference(pred[i], s[i]))
    return float(np.quantile(values, 0.025)), float(np.quantile(values, 0.975))


def run(build_model, out=ROOT / "metrics.json", frame=None):
    """Measure build_model on frame (the encoded applications; by default
    data/features.csv); write the metrics file; return (metrics, model)."""
    p = params()
    seed, n_boot = int(p["seed"]), int(p["n_boot"])
    if frame is None:
        frame = pd.read_csv(FEATURES)
    pred, y, s, model = out_of_fold(build_model, frame, seed)
    dp = dp_difference(pred, s)
    lo, hi = bootstrap(pred, s, seed, n_boot)
    metrics = {
        MEASURE: {"value": round(dp, 6), "power": {"n": int(len(pred)), "ci_low": round(lo, 6), "ci_high": round(hi, 6),
                                                 "ci_level": 0.95, "method": "bootstrap", "n_boot": n_boot, "seed": seed}},
        "accuracy": round(float((pred == y).mean()), 6),
        "approval_rate_female": round(float(pred[s == 1].mean()), 6),
        "approval_rate_male": round(float(pred[s == 0].mean()), 6),
    }
    pathlib.Path(out).write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    return metrics, model
