package main

import (
	"strings"
	"testing"
)

// TestLoanCroissantLoads: the loan scenario's descriptor resolves as
// mlcroissant (MLCommons' reference library) resolves it: its contentUrl
// is relative to the descriptor's directory, and every row of the German
// Credit CSV comes back as a record.
func TestLoanCroissantLoads(t *testing.T) {
	dir := loanRepo(t, "dvc")
	out := venvPython(t, dir, "", `
import mlcroissant as mlc
ds = mlc.Dataset("data/german_credit.croissant.json")
print("records", sum(1 for _ in ds.records(record_set="applications")))`)
	if !strings.Contains(out, "records 1000") {
		t.Fatalf("mlcroissant: %s", out)
	}
}
