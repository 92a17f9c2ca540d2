package main

import (
	"path/filepath"
	"strings"
	"testing"

	"seigarrena.dev/sei/adapters"
)

// TestLoanDVC: the story with the real dvc; pipeline_lock_digest is
// sha256(dvc.lock), and DVC agrees that what sei restored is up to date.
func TestLoanDVC(t *testing.T) {
	loanStory(t, backend{tool: "dvc", data: "featurize", eval: "evaluate",
		lockDigest: func(t *testing.T, dir string) string {
			d, err := adapters.FileDigest(dir, "dvc.lock")
			if err != nil {
				t.Fatal(err)
			}
			return d
		},
		afterV1: nop, afterV2: nop,
		afterBack: func(t *testing.T, dir string) {
			if st := shell(t, dir, "DVC_NO_ANALYTICS=1 .venv/bin/dvc status"); !strings.Contains(st, "up to date") {
				t.Errorf("dvc status after sei restored V1: %s", st)
			}
		},
	})
}

func abs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
