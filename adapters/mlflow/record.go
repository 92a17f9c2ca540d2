package mlflow

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"

	"seigarrena.dev/sei/atomicfile"
	"seigarrena.dev/sei/metrics"
)

// RunRecord is what sei keeps of the MLflow run that produced a stage's
// outputs, in mlflow-runs/<entry>.json: beside MLproject as dvc.lock is
// beside dvc.yaml (not in .sei, where every file is signed evidence). It
// is an output of the stage, so that a restore from sei's cache brings
// back the pointer to the matching run, as dvc.lock comes back with a DVC
// stage.
type RunRecord struct {
	EntryPoint    string             `json:"entry_point"`
	RunID         string             `json:"run_id"`
	ExperimentID  string             `json:"experiment_id,omitempty"`  // the rest only for the run
	Metrics       map[string]float64 `json:"metrics,omitempty"`        // that wrote the metrics file,
	MetricsDigest string             `json:"metrics_digest,omitempty"` // read back with runs describe
}

// recordPath is the repository path of an entry point's run record.
func recordPath(entry string) string { return "mlflow-runs/" + entry + ".json" }

// runIDPattern is the line `mlflow run` logs on success.
var runIDPattern = regexp.MustCompile(`=== Run \(ID '([0-9a-f]+)'\) succeeded ===`)

// runID finds the run id in the output of `mlflow run`.
func runID(stderr []byte) (string, bool) {
	m := runIDPattern.FindSubmatch(stderr)
	if m == nil {
		return "", false
	}
	return string(m[1]), true
}

// describe is the part of `mlflow runs describe` sei reads.
type describe struct {
	Info struct {
		RunID        string `json:"run_id"`
		ExperimentID string `json:"experiment_id"`
		Status       string `json:"status"`
	} `json:"info"`
	Data struct {
		Metrics map[string]float64 `json:"metrics"`
	} `json:"data"`
}

// parseDescribe reads `mlflow runs describe` output into a record.
func parseDescribe(entry string, out []byte) (*RunRecord, error) {
	var d describe
	if err := json.Unmarshal(out, &d); err != nil {
		return nil, fmt.Errorf("mlflow runs describe: %w", err)
	}
	if d.Info.Status != "FINISHED" {
		return nil, fmt.Errorf("mlflow run %s: status %q, want FINISHED", d.Info.RunID, d.Info.Status)
	}
	if d.Data.Metrics == nil {
		d.Data.Metrics = map[string]float64{}
	}
	return &RunRecord{EntryPoint: entry, ExperimentID: d.Info.ExperimentID, RunID: d.Info.RunID,
		Metrics: d.Data.Metrics, MetricsDigest: MetricsDigest(d.Data.Metrics)}, nil
}

// MetricsDigest is the canonical SHA-256 of a run's metrics, the
// pipeline_lock_digest of the MLflow backend: the metrics as a JSON object
// with sorted keys, no white space and numbers in their shortest
// round-trip form (RFC 8785's number form, which encoding/json writes).
// The digest depends on the values only, not on the run id or the clock:
// the same measurement gives the same digest (content-addressed).
func MetricsDigest(m map[string]float64) string {
	b, _ := json.Marshal(m) // map keys are sorted; float64 cannot fail but NaN/Inf, which MLflow does not store
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// agree checks that the metrics file the gate reads says what the run
// logged, so that the metrics the engine judges are the run's. Every
// number in the file (a plain value or a {value, power} entry) must be a
// metric of the run with the same value.
func agree(rec *RunRecord, file string, data []byte) error {
	entries, err := metrics.Read(file, data)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(entries))
	for k := range entries {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := entries[k]
		if v.Err != nil {
			continue
		}
		got, ok := rec.Metrics[k]
		if !ok {
			return fmt.Errorf("%s has %s = %v, but MLflow run %s logged no such metric", file, k, v.Value, rec.RunID)
		}
		if math.Abs(got-v.Value) > 1e-12*math.Max(1, math.Abs(v.Value)) {
			return fmt.Errorf("%s has %s = %v, but MLflow run %s logged %v", file, k, v.Value, rec.RunID, got)
		}
	}
	return nil
}

func writeRecord(repo string, rec *RunRecord) error {
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	p := filepath.Join(repo, filepath.FromSlash(recordPath(rec.EntryPoint)))
	return atomicfile.Write(p, append(data, '\n'), 0o644)
}

func readRecord(repo, entry string) (*RunRecord, error) {
	p := recordPath(entry)
	data, err := os.ReadFile(filepath.Join(repo, filepath.FromSlash(p)))
	if err != nil {
		return nil, fmt.Errorf("pipeline lock digest: %w", err)
	}
	var rec RunRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return &rec, nil
}
