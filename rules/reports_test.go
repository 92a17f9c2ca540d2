package rules

import (
	"bytes"
	"os"
	"testing"
)

var reportCases = map[string]string{"loan": "../testdata/loan/sei.yaml", "compat": compatDir + "froga.yaml", "credit": "../testdata/good/credit.yaml"}

func TestAssessGolden(t *testing.T) {
	for name, path := range reportCases {
		as, err := Assess(load(t, path))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		as.WriteText(&buf)
		golden(t, "assess-"+name+".txt", buf.Bytes())
		golden(t, "assess-"+name+".json", jsonBytes(t, as))
	}
}

func TestImpactGolden(t *testing.T) {
	for name, path := range reportCases {
		r := Impact(load(t, path))
		var buf bytes.Buffer
		r.WriteText(&buf)
		golden(t, "impact-"+name+".txt", buf.Bytes())
		golden(t, "impact-"+name+".json", jsonBytes(t, r))
	}
}

func TestImpactFlagsUnaddressedMisuse(t *testing.T) {
	r := Impact(load(t, compatDir+"froga.yaml"))
	if r.Gaps != 1 || r.Misuses[3].ID != "mu.fuera-de-proposito" || r.Misuses[3].Status != "GAP" {
		t.Errorf("gaps %d misuses %+v", r.Gaps, r.Misuses)
	}
}

func TestConformanceGolden(t *testing.T) {
	for name, path := range reportCases {
		m := load(t, path)
		ev := Evidence{ReadFile: func(p string) ([]byte, error) { return os.ReadFile(compatDir + p) }}
		for _, std := range CatalogueIDs() {
			r, err := Conformance(m, std, ev)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			r.WriteText(&buf)
			golden(t, "conformance-"+name+"-"+ControlToken(std)+".txt", buf.Bytes())
		}
	}
}

// TestConformanceBeforeRun: clauses that need measured results are gaps or
// partial before any run, never covered, and say why.
func TestConformanceBeforeRun(t *testing.T) {
	r, err := Conformance(load(t, "../testdata/loan/sei.yaml"), "eu/pren-18228@2026", Evidence{})
	if err != nil {
		t.Fatal(err)
	}
	for _, cl := range r.Clauses {
		if cl.ClauseID == "8.1" && (cl.Decision != Gap || !bytes.Contains([]byte(cl.Basis), []byte("sei run"))) {
			t.Errorf("8.1 before any run: %s (%s)", cl.Decision, cl.Basis)
		}
	}
	after, _ := Conformance(load(t, "../testdata/loan/sei.yaml"), "eu/pren-18228@2026",
		Evidence{Run: &RunEvidence{Gate: GateResult{Passed: true, Results: []ControlResult{{Control: Control{MeasureID: "unfair-credit-exclusion"}, Verdict: Pass}}}}})
	for _, cl := range after.Clauses {
		if cl.ClauseID == "8.1" && cl.Decision != Covered {
			t.Errorf("8.1 after a passing run: %s (%s)", cl.Decision, cl.Basis)
		}
	}
}

func TestCatalogues(t *testing.T) {
	want := []string{"eu/ai-act@2024", "eu/dora@2022", "eu/mdr@2017", "eu/pren-18228@2026", "eu/pren-18282@2026", "eu/pren-18283@2026", "iso/23894@2023", "iso/42001@2023"}
	if got := CatalogueIDs(); len(got) != len(want) {
		t.Fatalf("catalogues %v, want %v", got, want)
	}
	cs, _ := Catalogues()
	ctx := &checkCtx{m: load(t, "../testdata/loan/sei.yaml")}
	ctx.a, _ = Analyze(ctx.m)
	for id, c := range cs {
		seen := map[string]bool{}
		for _, cl := range c.Clauses {
			if seen[cl.ID] || cl.Title == "" || cl.Summary == "" {
				t.Errorf("%s %s: duplicate id or missing title/summary", id, cl.ID)
			}
			seen[cl.ID] = true
			found := false
			for _, p := range Phases {
				found = found || p == cl.Phase
			}
			if !found {
				t.Errorf("%s %s: unknown phase %q", id, cl.ID, cl.Phase)
			}
			for _, ck := range append(cl.Checks.AllOf, cl.Checks.AnyOf...) {
				if _, why := runCheck(ctx, ck); why == "unknown check "+ck {
					t.Errorf("%s %s: unknown check %s", id, cl.ID, ck)
				}
			}
		}
	}
}
