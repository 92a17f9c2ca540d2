package rules

import (
	"encoding/json"
	"os"
	"testing"

	"seigarrena.dev/sei/manifest"
)

func load(t testing.TB, path string) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Load(path, "sei.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSeedExample checks the seed page's credit risk: inherent HIGH,
// residual MEDIUM, treatment required.
func TestSeedExample(t *testing.T) {
	a, err := Analyze(load(t, "../testdata/loan/sei.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	r := a.Risks[0]
	if r.RiskID != "risk.unfair-credit-exclusion" || r.InherentOverall != "HIGH" || r.ResidualOverall != "MEDIUM" || !r.RequiresTreatment {
		t.Errorf("got %s inherent %s residual %s treatment %v", r.RiskID, r.InherentOverall, r.ResidualOverall, r.RequiresTreatment)
	}
	if a.Overall.Level != "MEDIUM" || a.Overall.Evaluation != "within" {
		t.Errorf("overall %+v", a.Overall)
	}
}

const compatDir = "../../shared/compat/vldemo-talent-screening/"

// TestCompatRiskAnalysis reproduces, for every risk of the original engine's
// demo, the levels and evaluations its signed bundle records.
func TestCompatRiskAnalysis(t *testing.T) {
	data, err := os.ReadFile(compatDir + ".froga/bundle.json")
	if err != nil {
		t.Fatalf("compat fixture missing (it lives in ../shared beside the project): %v", err)
	}
	var bundle struct {
		RiskAnalysis []struct {
			RiskID             string              `json:"risk_id"`
			Likelihood         string              `json:"likelihood"`
			ResidualLikelihood string              `json:"residual_declared_likelihood"`
			Dimensions         []DimensionAnalysis `json:"dimensions"`
			InherentOverall    string              `json:"inherent_overall"`
			ResidualOverall    string              `json:"residual_overall"`
			RequiresTreatment  bool                `json:"requires_treatment"`
		} `json:"risk_analysis"`
		OverallResidual OverallResidual `json:"overall_residual"`
	}
	if err := json.Unmarshal(data, &bundle); err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Load(compatDir+"froga.yaml", "froga.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a, err := Analyze(m)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Risks) != len(bundle.RiskAnalysis) || len(a.Risks) == 0 {
		t.Fatalf("%d risks, bundle has %d", len(a.Risks), len(bundle.RiskAnalysis))
	}
	for i, want := range bundle.RiskAnalysis {
		got := a.Risks[i]
		if got.RiskID != want.RiskID || string(got.InherentOverall) != want.InherentOverall ||
			string(got.ResidualOverall) != want.ResidualOverall || got.RequiresTreatment != want.RequiresTreatment ||
			string(got.ResidualLikelihood) != want.ResidualLikelihood {
			t.Errorf("%s: got inherent %s residual %q treat %v; bundle %s %q %v", want.RiskID,
				got.InherentOverall, got.ResidualOverall, got.RequiresTreatment, want.InherentOverall, want.ResidualOverall, want.RequiresTreatment)
		}
		if len(got.Dimensions) != len(want.Dimensions) {
			t.Fatalf("%s: %d dimensions, bundle %d", want.RiskID, len(got.Dimensions), len(want.Dimensions))
		}
		for j, wd := range want.Dimensions {
			gd := got.Dimensions[j]
			gd.InherentCell, gd.ResidualCell = "", ""
			if gd != wd {
				t.Errorf("%s %s: got %+v, bundle %+v", want.RiskID, wd.Dimension, gd, wd)
			}
		}
	}
	o := bundle.OverallResidual
	if a.Overall.Level != o.Level || a.Overall.Evaluation != o.Evaluation || len(a.Overall.Contributing) != len(o.Contributing) {
		t.Errorf("overall %+v, bundle %+v", a.Overall, o)
	}
}

func TestResidualTakesLowestTarget(t *testing.T) {
	m := load(t, "../testdata/good/credit.yaml")
	tr := m.Risk.Risks[0].Treat[0]
	tr.ResidualLikelihood = "POSSIBLE"
	m.Risk.Risks[0].Treat = append(m.Risk.Risks[0].Treat, tr)
	m.Risk.Risks[0].Treat[1].ResidualLikelihood = "RARE"
	a, _ := Analyze(m)
	if got := a.Risks[0].ResidualLikelihood; got != "RARE" {
		t.Errorf("residual likelihood %s, want RARE", got)
	}
	if a.Risks[0].ResidualOverall != "LOW" {
		t.Errorf("residual %s, want LOW", a.Risks[0].ResidualOverall)
	}
}
