package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"seigarrena.dev/sei/adapters/mlflow"
)

const mlflowEnv = "MLFLOW_TRACKING_URI=sqlite:///$PWD/mlflow.db MLFLOW_DISABLE_TELEMETRY=true"

// TestLoanMLflow: the story with the real mlflow. pipeline_lock_digest is
// the canonical digest of the run's metrics, read back here with `mlflow
// runs describe`; the registry gets a version per measured run and
// @champion only when the gate passes; restoring V1 from sei's cache does
// not touch MLflow.
func TestLoanMLflow(t *testing.T) {
	loanStory(t, backend{tool: "mlflow", data: "featurize", eval: "main",
		lockDigest: func(t *testing.T, dir string) string {
			var rec mlflow.RunRecord
			if err := json.Unmarshal([]byte(fileText(t, filepath.Join(dir, "mlflow-runs/main.json"))), &rec); err != nil {
				t.Fatal(err)
			}
			var run struct {
				Data struct{ Metrics map[string]float64 } `json:"data"`
			}
			out := shell(t, dir, mlflowEnv+" .venv/bin/mlflow runs describe --run-id "+rec.RunID+" 2>/dev/null")
			if err := json.Unmarshal([]byte(out), &run); err != nil || len(run.Data.Metrics) == 0 {
				t.Fatalf("mlflow runs describe %s: %v\n%s", rec.RunID, err, out)
			}
			return mlflow.MetricsDigest(run.Data.Metrics)
		},
		afterV1:   registry("versions=[1] champion=None"),
		afterV2:   registry("versions=[1, 2] champion=2"),
		afterBack: registry("versions=[1, 2] champion=2"),
	})
}

// registry checks the model registry's versions and @champion alias.
func registry(want string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		t.Helper()
		got := venvPython(t, dir, mlflowEnv, `
from mlflow import MlflowClient
c = MlflowClient()
vs = sorted(int(v.version) for v in c.search_model_versions("name='loan-scoring'"))
ch = c.get_registered_model("loan-scoring").aliases.get("champion")
print(f"versions={vs} champion={ch}")`)
		if !strings.Contains(got, want) {
			t.Errorf("model registry: %s, want %s", strings.TrimSpace(got), want)
		}
	}
}
