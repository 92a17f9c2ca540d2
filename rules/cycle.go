package rules

import "seigarrena.dev/sei/manifest"

// Cycle is where a risk stands in the ISO/IEC 23894 cycle after a run.
type Cycle string

const (
	// CycleClosed: every blocking control of the risk passed and the declared
	// residual is within appetite on every dimension.
	CycleClosed Cycle = "closed"
	// CycleOpen: a blocking control fails (or the risk needs treatment and
	// has no control at all) and nobody accepted the residual.
	CycleOpen Cycle = "open"
	// CycleMonitored: the risk is treated only by manual or post-market
	// measures, which a run cannot confirm.
	CycleMonitored Cycle = "monitored"
	// CycleAccepted: the risk is retained knowingly: an ACCEPT treatment, a
	// risk within appetite with no control, or a failing control approved
	// with `sei approve --accept-residual`.
	CycleAccepted Cycle = "accepted"
	// CycleDiscrepancy: the evidence contradicts the declaration: the
	// controls pass but the declared residual still exceeds appetite, or a
	// recorded verdict disagrees with the manifest's constraint.
	CycleDiscrepancy Cycle = "discrepancy"
)

// RiskCycle classifies one risk from the results of its own controls.
// confirmed is the original engine's control_confirmed: the risk has
// automated controls and all its blocking ones passed.
func RiskCycle(r *manifest.RiskEntry, ra *RiskAnalysis, results []ControlResult) (c Cycle, confirmed bool) {
	var own []ControlResult
	for _, res := range results {
		if res.Control.RiskID == r.ID {
			own = append(own, res)
		}
	}
	accepts := false
	for _, t := range r.Treat {
		accepts = accepts || t.Method == "ACCEPT"
	}
	if len(own) == 0 {
		switch {
		case hasMeasures(r):
			return CycleMonitored, false
		case accepts || !ra.RequiresTreatment:
			return CycleAccepted, false
		}
		return CycleOpen, false
	}
	confirmed = true
	for _, res := range own {
		confirmed = confirmed && !res.Blocking()
	}
	switch {
	case confirmed && residualExceeds(ra):
		return CycleDiscrepancy, true
	case confirmed:
		return CycleClosed, true
	case accepts:
		return CycleAccepted, false
	}
	return CycleOpen, false
}

func hasMeasures(r *manifest.RiskEntry) bool {
	for _, t := range r.Treat {
		if len(t.Measures) > 0 {
			return true
		}
	}
	return false
}

// residualExceeds reports a declared residual above appetite on some
// dimension. Without a declared residual the treatment claims nothing, so
// passing controls are taken at their word.
func residualExceeds(ra *RiskAnalysis) bool {
	for _, d := range ra.Dimensions {
		if d.ResidualEval == "exceeds" {
			return true
		}
	}
	return false
}
