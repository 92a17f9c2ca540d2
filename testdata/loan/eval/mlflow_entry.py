"""MLflow entry point of the loan scenario: one run that measures the
treatment with the agnostic evaluation, registers the model and promotes it
to @champion only when every gate measure of sei.yaml passes.

`mlflow run` starts the run and passes MLFLOW_RUN_ID; start_run attaches."""
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import mlflow  # noqa: E402
import sklearn  # noqa: E402
import yaml  # noqa: E402

import compliance_eval  # noqa: E402
import evaluate  # noqa: E402


def main():
    name = yaml.safe_load((ROOT / "sei.yaml").read_text())["system"]["name"]
    with mlflow.start_run():
        metrics, model = evaluate.main()
        mlflow.log_params(compliance_eval.params())
        mlflow.log_metrics(compliance_eval.flat(metrics))
        # skops refuses types it does not know: the treatment's own model
        # class is the one type this project vouches for.
        own = f"{type(model).__module__}.{type(model).__qualname__}"
        info = mlflow.sklearn.log_model(model, name="model", registered_model_name=name,
                                        pip_requirements=[f"scikit-learn=={sklearn.__version__}"],
                                        code_paths=[str(ROOT / "train.py")], skops_trusted_types=[own])
        failed = compliance_eval.gate_failures(metrics)
        mlflow.set_tag("sei.gate", "failed: " + ", ".join(failed) if failed else "passed")
        if not failed:
            mlflow.MlflowClient().set_registered_model_alias(name, "champion", info.registered_model_version)


if __name__ == "__main__":
    main()
