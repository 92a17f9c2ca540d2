package rules

import (
	"testing"
)

func TestEvaluateGate(t *testing.T) {
	ctls := ControlsOf(load(t, "../testdata/loan/sei.yaml"))
	for _, tc := range []struct {
		name, metrics string
		pass, under   bool
		verdict       Verdict
	}{
		{"v1 fails", `{"unfair-credit-exclusion": 0.108}`, false, false, Fail},
		{"v2 passes", `{"unfair-credit-exclusion": 0.015}`, true, false, Pass},
		{"threshold is strict", `{"unfair-credit-exclusion": 0.03}`, false, false, Fail},
		{"ci crosses threshold", `{"unfair-credit-exclusion": {"value": 0.02, "power": {"ci_low": 0.003, "ci_high": 0.174}}}`, true, true, Pass},
		{"ci inside", `{"unfair-credit-exclusion": {"value": 0.02, "power": {"ci_low": 0.01, "ci_high": 0.029}}}`, true, false, Pass},
		{"missing metric blocks", `{"demographic_parity_diff": 0.01}`, false, false, Missing},
		{"non-number blocks", `{"unfair-credit-exclusion": "low"}`, false, false, Missing},
		// Read exactly: null, booleans, strings are MISSING, never 0.
		{"null is missing, not 0", `{"unfair-credit-exclusion": null}`, false, false, Missing},
		{"null value is missing", `{"unfair-credit-exclusion": {"value": null}}`, false, false, Missing},
		{"false is missing", `{"unfair-credit-exclusion": false}`, false, false, Missing},
		{"numeric string is missing", `{"unfair-credit-exclusion": {"value": "0.01"}}`, false, false, Missing},
		{"beyond float64 is missing", `{"unfair-credit-exclusion": 1e999}`, false, false, Missing},
		// Keys match exactly: VALUE is not value (jq reads 0.9 too).
		{"case of keys is exact", `{"unfair-credit-exclusion": {"value": 0.9, "VALUE": 0.01}}`, false, false, Fail},
		{"only VALUE is missing", `{"unfair-credit-exclusion": {"VALUE": 0.01}}`, false, false, Missing},
		{"other key case is another metric", `{"UNFAIR-credit-exclusion": 0.01}`, false, false, Missing},
		{"duplicate inner key", `{"unfair-credit-exclusion": {"value": 0.9, "value": 0.01}}`, false, false, Missing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ReadMetrics("metrics.json", []byte(tc.metrics))
			if err != nil {
				t.Fatal(err)
			}
			g := Evaluate(ctls, m)
			if g.Passed != tc.pass || len(g.Results) != 1 || g.Results[0].Verdict != tc.verdict || g.Results[0].Underpowered != tc.under {
				t.Errorf("passed %v results %+v", g.Passed, g.Results)
			}
		})
	}
}

func TestAuditWarnsAndMonitorIsSkipped(t *testing.T) {
	m := load(t, "../testdata/good/credit.yaml")
	ms := &m.Risk.Risks[0].Treat[0].Measures[0]
	ms.Enforcement = "audit"
	metrics, _ := ReadMetrics("m", []byte(`{"dp-gender": 0.5}`))
	g := Evaluate(ControlsOf(m), metrics)
	if !g.Passed || len(g.Warnings) != 1 {
		t.Errorf("audit failure: passed %v warnings %v", g.Passed, g.Warnings)
	}
	ms.Enforcement = "monitor"
	if g := Evaluate(ControlsOf(m), metrics); len(g.Results) != 0 {
		t.Errorf("monitor measure evaluated ex ante: %+v", g.Results)
	}
}
