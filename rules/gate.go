package rules

import (
	"fmt"

	"seigarrena.dev/sei/manifest"
)

// Control is one measure as the gate evaluates it, whether it comes from the
// manifest (ControlsOf) or from a compiled plan (ReadPlan).
type Control struct {
	MeasureID       string
	RiskID          string
	Metric          string
	Constraint      manifest.Constraint
	Severity        manifest.Severity
	Enforcement     manifest.Enforcement
	Evaluation      manifest.Evaluation
	Lifecycle       []manifest.Lifecycle
	Article         string
	ControlTier     manifest.ControlTier
	Controls        []string // canonical ids of the treatment's controls
	StandardClauses []string
	Frameworks      []string
	Inputs          map[string]string
}

// ControlsOf lists the ex-ante controls of m in declaration order: the ones
// the compiled plan holds and sei run evaluates.
func ControlsOf(m *manifest.Manifest) []Control {
	var out []Control
	for _, rm := range m.Measures() {
		if rm.Measure.ExAnte() {
			out = append(out, controlOf(rm))
		}
	}
	return out
}

func controlOf(rm manifest.RiskMeasure) Control {
	ms := rm.Measure
	c, _ := manifest.ParseConstraint(ms.Constraint) // validated on load
	ctl := Control{MeasureID: ms.ID, RiskID: rm.Risk.ID, Metric: ms.Metric, Constraint: c,
		Severity: ms.Severity, Enforcement: ms.Enforcement, Evaluation: ms.Evaluation,
		Lifecycle: ms.Lifecycle, Article: ms.Article, ControlTier: ms.ControlTier,
		Controls: rm.Treatment.Controls, StandardClauses: ms.StandardClauses, Frameworks: ms.Frameworks,
		Inputs: inputsMap(ms.Inputs)}
	if ctl.Evaluation == "" {
		ctl.Evaluation = "automated"
	}
	return ctl
}

func inputsMap(in *manifest.Inputs) map[string]string {
	out := map[string]string{}
	if in == nil {
		return out
	}
	for k, v := range map[string]string{"prediction": in.Prediction, "target": in.Target,
		"dimension": in.Dimension, "cluster": in.Cluster, "score": in.Score} {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

// Verdict is the outcome of one control.
type Verdict string

const (
	Pass    Verdict = "PASS"
	Fail    Verdict = "FAIL"
	Missing Verdict = "MISSING" // the metrics file has no usable value: a failure
)

// ControlResult is one control evaluated against the metrics file.
type ControlResult struct {
	Control      Control
	Value        *float64
	Power        *Power
	Verdict      Verdict
	Underpowered bool   // the confidence interval crosses the threshold (advisory)
	Reason       string // why MISSING
}

// Blocking reports whether the result blocks the gate: a gate control that
// did not pass. Audit controls only warn.
func (r ControlResult) Blocking() bool {
	return r.Control.Enforcement == "gate" && r.Verdict != Pass
}

// GateResult is the conjunction of blocking controls.
type GateResult struct {
	Results  []ControlResult
	Passed   bool
	Blocking []string // measure ids of failed gate controls, in order
	Warnings []string // measure ids of failed audit controls, in order
}

// Evaluate checks each automated control against metrics. Monitor controls
// are post-market only and manual ones are declared, so neither is evaluated
// here; ControlsOf already leaves them out.
func Evaluate(controls []Control, metrics Metrics) GateResult {
	g := GateResult{Passed: true}
	for _, c := range controls {
		if c.Enforcement == "monitor" || c.Evaluation == "manual" {
			continue
		}
		r := evaluateOne(c, metrics)
		if r.Blocking() {
			g.Passed = false
			g.Blocking = append(g.Blocking, c.MeasureID)
		} else if r.Verdict != Pass {
			g.Warnings = append(g.Warnings, c.MeasureID)
		}
		g.Results = append(g.Results, r)
	}
	return g
}

func evaluateOne(c Control, metrics Metrics) ControlResult {
	r := ControlResult{Control: c}
	mv, ok := metrics[c.MeasureID]
	switch {
	case !ok:
		r.Verdict, r.Reason = Missing, fmt.Sprintf("the metrics file has no key %q (metrics are keyed by measure id)", c.MeasureID)
		return r
	case mv.Err != nil:
		r.Verdict, r.Reason = Missing, mv.Err.Error()
		return r
	}
	v := mv.Value
	r.Value, r.Power = &v, mv.Power
	r.Verdict = Fail
	if c.Constraint.Holds(v) {
		r.Verdict = Pass
	}
	if p := mv.Power; p != nil && p.CILow != nil && p.CIHigh != nil {
		r.Underpowered = c.Constraint.Holds(*p.CILow) != c.Constraint.Holds(*p.CIHigh)
	}
	return r
}
