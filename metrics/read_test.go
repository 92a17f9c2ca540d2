package metrics

import (
	"strings"
	"testing"
)

func TestReadShapes(t *testing.T) {
	m, err := Read("metrics.json", []byte(`{
  "unfair-credit-exclusion": {"value": 0.021, "power": {"n": 1000, "ci_low": 0.003, "ci_high": 0.05, "method": "bootstrap"}},
  "accuracy": 0.75,
  "notes": "ignored unless a measure reads it"
}`))
	if err != nil {
		t.Fatal(err)
	}
	if v := m["unfair-credit-exclusion"]; v.Value != 0.021 || v.Power == nil || *v.Power.CIHigh != 0.05 {
		t.Errorf("object form: %+v", v)
	}
	if m["accuracy"].Value != 0.75 || m["notes"].Err == nil {
		t.Errorf("number form %+v, string form %+v", m["accuracy"], m["notes"])
	}
}

func TestReadSyntaxErrorHasPosition(t *testing.T) {
	_, err := Read("metrics.json", []byte("{\n  \"a\": 1,\n  \"b\": ,\n}"))
	if err == nil || !strings.HasPrefix(err.Error(), "metrics.json:3:") {
		t.Errorf("error = %v, want metrics.json:3:col", err)
	}
	if _, err := Read("metrics.json", []byte(`[1, 2]`)); err == nil {
		t.Error("an array was accepted")
	}
	// A key given twice is an error at its position: readers disagree on
	// which value wins.
	_, err = Read("metrics.json", []byte("{\n  \"m\": 0.9,\n  \"m\": 0.01\n}"))
	if err == nil || !strings.HasPrefix(err.Error(), "metrics.json:3:3: duplicate key \"m\"") {
		t.Errorf("duplicate key: %v", err)
	}
}
