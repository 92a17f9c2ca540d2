package mlflow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"seigarrena.dev/sei/adapters"
)

func TestLoanProjectStages(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	stages, err := New("../../testdata/loan", "metrics.json").Stages()
	if err != nil {
		t.Fatal(err)
	}
	if len(stages) != 2 || stages[0].Name != "featurize" || stages[1].Name != "main" {
		t.Fatalf("stages %+v", stages)
	}
	main := stages[1]
	if main.Inputs[0] != (adapters.Input{Path: "MLproject", Class: adapters.Impl}) {
		t.Errorf("first input %+v, want MLproject (impl)", main.Inputs[0])
	}
	var ins []string
	for _, in := range main.Inputs {
		ins = append(ins, in.Path)
	}
	if !strings.Contains(strings.Join(ins, " "), "train.py data/features.csv params.yaml") {
		t.Errorf("main inputs: %v", ins)
	}
	if got := strings.Join(main.Outputs, " "); got != "model.pkl metrics.json mlflow-runs/main.json" {
		t.Errorf("main outputs: %s", got)
	}
	want := "mlflow run . -e main --env-manager local --experiment-name loan-scoring"
	if got := strings.Join(argv(main), " "); got != want {
		t.Errorf("argv %q, want %q", got, want)
	}
	if got := strings.Join(main.Command, " "); !strings.HasSuffix(got, "# python eval/mlflow_entry.py") {
		t.Errorf("the entry's command is not part of the key: %s", got)
	}
}

func TestProjectErrorsHavePositions(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{"name: x\nentry_points:\n  main:\n    deps: [a.py]\n", "MLproject:4:5: entry point main: no command"},
		{"name: x\nentry_points:\n  main:\n    command: python a.py\n", "MLproject:3:3: no entry point declares deps or outs, so sei has nothing to run"},
		{"name: x\n", "MLproject:1:1: no entry_points mapping"},
		{"name: x\nentry_points:\n  main:\n    command: c\n    outs: a.csv\n", "MLproject:5:11: entry point main: outs: not a list"},
		{"name: x\nentry_points:\n  main:\n    command: c\n    outs: [../../etc/cron.d/x]\n", `MLproject:5:12: entry point main: outs: path "../../etc/cron.d/x" leaves the repository`},
	} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "MLproject"), []byte(c.body), 0o644)
		_, err := readProject(dir)
		if err == nil || err.Error() != c.want {
			t.Errorf("%q: got %v, want %s", c.body, err, c.want)
		}
	}
}

// The digest is of the canonical form, computed here from the literal text.
func TestMetricsDigestIsCanonical(t *testing.T) {
	sum := sha256.Sum256([]byte(`{"accuracy":0.746,"n":1000,"unfair-credit-exclusion":0.109}`))
	want := "sha256:" + hex.EncodeToString(sum[:])
	got := MetricsDigest(map[string]float64{"unfair-credit-exclusion": 0.109, "n": 1000, "accuracy": 0.746})
	if got != want {
		t.Fatalf("MetricsDigest %s, want %s", got, want)
	}
}

func TestRunIDAndDescribe(t *testing.T) {
	id, ok := runID([]byte("INFO mlflow.projects: === Run (ID 'dc3393d5436c48528240bdd570b77f06') succeeded ===\n"))
	if !ok || id != "dc3393d5436c48528240bdd570b77f06" {
		t.Fatalf("runID: %q %v", id, ok)
	}
	if _, ok := runID([]byte("=== Run (ID 'abc') failed ===")); ok {
		t.Error("a failed run has no run id")
	}
	rec, err := parseDescribe("main", []byte(`{"info": {"run_id": "r1", "experiment_id": "1", "status": "FINISHED"},
		"data": {"metrics": {"m": 0.02}}}`))
	if err != nil || rec.RunID != "r1" || rec.MetricsDigest != MetricsDigest(map[string]float64{"m": 0.02}) {
		t.Fatalf("parseDescribe: %+v %v", rec, err)
	}
	if _, err := parseDescribe("main", []byte(`{"info": {"run_id": "r2", "status": "RUNNING"}}`)); err == nil ||
		!strings.Contains(err.Error(), `status "RUNNING"`) {
		t.Errorf("an unfinished run: %v", err)
	}
}

// The metrics file must say what the run logged.
func TestAgree(t *testing.T) {
	rec := &RunRecord{RunID: "r1", Metrics: map[string]float64{"m": 0.02, "accuracy": 0.7}}
	if err := agree(rec, "metrics.json", []byte(`{"m": {"value": 0.02, "power": {"n": 10}}, "accuracy": 0.7}`)); err != nil {
		t.Errorf("agreeing metrics: %v", err)
	}
	err := agree(rec, "metrics.json", []byte(`{"m": {"value": 0.01}}`))
	if err == nil || !strings.Contains(err.Error(), "metrics.json has m = 0.01, but MLflow run r1 logged 0.02") {
		t.Errorf("a disagreeing value: %v", err)
	}
	err = agree(rec, "metrics.json", []byte(`{"other": 1}`))
	if err == nil || !strings.Contains(err.Error(), "logged no such metric") {
		t.Errorf("a metric the run did not log: %v", err)
	}
}

func TestMissingMLflowNamesTheStage(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	dir := t.TempDir()
	_, err := New(dir, "metrics.json").RunStage(context.Background(), dir, adapters.Stage{Name: "main"})
	if err == nil || !strings.Contains(err.Error(), "stage main: mlflow not found") {
		t.Fatalf("RunStage without mlflow: %v", err)
	}
}
