package main

import (
	"strings"
	"testing"

	"seigarrena.dev/sei/adapters"
)

// TestLoanDagster: the story with the real dagster. pipeline_lock_digest is
// sha256 of the metrics file; Dagster's own instance shows that the data
// asset was materialised once (not again for the treatment), that the V1
// run materialised both assets in one Dagster run (one start-up: sei
// batches the stale chain) and the treatment in one more, and that its
// native check followed the gate.
func TestLoanDagster(t *testing.T) {
	loanStory(t, backend{tool: "dagster", data: "credit_features", eval: "compliance_evaluation",
		lockDigest: func(t *testing.T, dir string) string {
			d, err := adapters.FileDigest(dir, "metrics.json")
			if err != nil {
				t.Fatal(err)
			}
			return d
		},
		afterV1:   instance("runs=1 credit_features=1 compliance_evaluation=1 check=False"),
		afterV2:   instance("runs=2 credit_features=1 compliance_evaluation=2 check=True"),
		afterBack: instance("runs=2 credit_features=1 compliance_evaluation=2 check=True"),
	})
}

// instance checks the runs, the materialisation counts and the latest check result
// that Dagster recorded in DAGSTER_HOME.
func instance(want string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		t.Helper()
		got := venvPython(t, dir, "DAGSTER_HOME=$PWD/.dagster", `
import dagster as dg
inst = dg.DagsterInstance.get()
n = {k: len(inst.fetch_materializations(dg.AssetKey(k), limit=1000).records)
     for k in ("credit_features", "compliance_evaluation")}
ck = dg.AssetCheckKey(dg.AssetKey("compliance_evaluation"), "unfair_credit_exclusion_gate")
h = inst.event_log_storage.get_asset_check_execution_history(ck, limit=1)
print(f"runs={len(inst.get_runs())} credit_features={n['credit_features']} compliance_evaluation={n['compliance_evaluation']} "
      f"check={h[0].evaluation.passed if h else None}")`)
		if !strings.Contains(got, want) {
			t.Errorf("dagster instance: %s, want %s", strings.TrimSpace(got), want)
		}
	}
}
