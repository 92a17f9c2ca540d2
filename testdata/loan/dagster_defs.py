"""Dagster definitions of the loan scenario: two assets in a chain and the
fairness gate as a native asset check.

code_version is the digest of the code each asset runs, so Dagster's own
lineage marks compliance_evaluation stale when the treatment (train.py)
changes and leaves credit_features alone. Dagster does not skip fresh
assets by itself: sei selects only the stale ones.

The metadata keys sei/deps and sei/outs (dvc.yaml's vocabulary) tell sei
which files each asset reads and writes; Dagster only displays them."""
import hashlib
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

import dagster as dg  # noqa: E402

import compliance_eval  # noqa: E402
import evaluate  # noqa: E402
import featurize  # noqa: E402


def _code_version(prefix: str, *files: str) -> str:
    h = hashlib.sha256()
    for f in files:
        h.update((ROOT / f).read_bytes())
    return prefix + "-" + h.hexdigest()[:12]


@dg.asset(
    code_version=_code_version("features", "featurize.py", "compliance_eval.py"),
    metadata={
        "sei/deps": ["featurize.py", "compliance_eval.py", "data/german_credit.csv",
                     "data/german_credit.croissant.json"],
        "sei/outs": ["data/features.csv"],
    },
)
def credit_features(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"rows": featurize.main()})


@dg.asset(
    deps=[credit_features],
    code_version=_code_version("train", "train.py"),  # the TREATMENT
    metadata={
        "sei/deps": ["dagster_defs.py", "evaluate.py", "compliance_eval.py", "train.py", "data/features.csv",
                     "params.yaml", "shared_data/policies/assessment_plan.oscal.yaml"],
        "sei/outs": ["model.pkl", "metrics.json"],
    },
)
def compliance_evaluation(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    metrics, _ = evaluate.main()
    return dg.MaterializeResult(metadata={k: dg.MetadataValue.float(float(v))
                                          for k, v in compliance_eval.flat(metrics).items()})


@dg.asset_check(asset=compliance_evaluation, description="Fairness gate as a native Dagster check")
def unfair_credit_exclusion_gate() -> dg.AssetCheckResult:
    # WARN, not blocking: the authoritative verdict is sei's, from the OSCAL plan.
    import json
    metrics = json.loads((ROOT / "metrics.json").read_text())
    failed = compliance_eval.gate_failures(metrics)
    return dg.AssetCheckResult(passed=not failed, severity=dg.AssetCheckSeverity.WARN,
                               metadata={"failed": ", ".join(failed) or "none"})


defs = dg.Definitions(
    assets=[credit_features, compliance_evaluation],
    asset_checks=[unfair_credit_exclusion_gate],
    executor=dg.in_process_executor,
)
