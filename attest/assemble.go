package attest

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"

	"seigarrena.dev/sei/manifest"
	"seigarrena.dev/sei/rules"
)

// BundleInput is everything a bundle is made of; the caller gathers it
// (git, files, the build) so that assembly is pure and testable.
type BundleInput struct {
	M        *manifest.Manifest
	Analysis *rules.Analysis
	Gate     *rules.GateResult
	Triple   Triple
	Assessor Assessor // name and email; the organisation comes from M
	// Croissant is the descriptor's bytes; nil when none is declared.
	Croissant          []byte
	PipelineLockDigest string
	Sections           map[string]string
	// Previous is the last run's bundle, for treatment events; nil if none.
	Previous *Bundle
	// Tables are the tables the run read, at their pinned snapshots.
	Tables []TableRecord
}

// Assemble builds the bundle of one run.
func Assemble(in BundleInput) *Bundle {
	m := in.M
	b := &Bundle{SystemName: m.System.Name, IntendedPurpose: m.System.IntendedPurpose,
		ForeseeableMisuse: misuses(m), Assessor: in.Assessor, Triple: in.Triple,
		Risks: riskSummaries(m), ControlResults: controlRecords(in.Gate),
		OverallResidual: in.Analysis.Overall, PipelineLockDigest: in.PipelineLockDigest,
		Sections: in.Sections, MeansOfConformance: rules.MeansOfConformance(m, in.Gate),
		PostMarketMeasures: postMarket(m), ApplicableStandards: nonNil(m.Context.ApplicableStandards),
		ReviewInterval: m.Risk.ReviewInterval, Tables: in.Tables}
	b.Assessor.Organization = m.System.Organization
	if c := m.Classification; c != nil {
		b.Classification = &Classification{Tier: string(c.Tier), Basis: nonNil(c.Basis), Rationale: c.Rationale}
	}
	if in.Croissant != nil {
		b.DataGovernance = summarizeCroissant(in.Croissant)
	}
	b.RiskAnalysis = riskRecords(m, in.Analysis, in.Gate)
	b.TreatmentEvents = treatmentEvents(in.Previous, b.ControlResults, in.Triple.Code)
	for _, r := range m.Roles {
		b.Roles = append(b.Roles, RoleRecord{Role: string(r.Role), Since: r.Since, MarketPhase: string(r.MarketPhase)})
	}
	return b
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

func misuses(m *manifest.Manifest) []Misuse {
	out := []Misuse{}
	for _, mu := range m.System.PotentialMisuses {
		out = append(out, Misuse{ID: mu.ID, Description: mu.Description, AddressedBy: nonNil(mu.AddressedBy)})
	}
	return out
}

func riskSummaries(m *manifest.Manifest) []RiskSummary {
	out := []RiskSummary{}
	for _, r := range m.Risk.Risks {
		out = append(out, RiskSummary{ID: r.ID, Domain: string(r.Domain), Title: r.Title, Rationale: r.Rationale})
	}
	return out
}

// lifecyclePhase names a control's phase as the original does: data
// preparation is "training".
func lifecyclePhase(ls []manifest.Lifecycle) string {
	if len(ls) == 0 {
		return "validation"
	}
	if ls[0] == "data_preparation" {
		return "training"
	}
	return string(ls[0])
}

func controlRecords(g *rules.GateResult) []ControlRecord {
	out := []ControlRecord{}
	if g == nil {
		return out
	}
	for _, r := range g.Results {
		c := r.Control
		mode := "warn"
		if c.Enforcement == "gate" {
			mode = "block"
		}
		out = append(out, ControlRecord{ControlID: c.MeasureID, MetricKey: c.Metric, ActualValue: r.Value,
			Threshold: c.Constraint.Threshold, Operator: c.Constraint.Op.Name(), Severity: string(c.Severity),
			EnforcementMode: mode, Passed: r.Verdict == rules.Pass, Verdict: r.Verdict, Underpowered: r.Underpowered,
			Reason: r.Reason, LifecyclePhase: lifecyclePhase(c.Lifecycle), RiskID: c.RiskID, Article: c.Article,
			Frameworks: c.Frameworks, Power: r.Power})
	}
	return out
}

func riskRecords(m *manifest.Manifest, a *rules.Analysis, g *rules.GateResult) []RiskRecord {
	var results []rules.ControlResult
	if g != nil {
		results = g.Results
	}
	out := []RiskRecord{}
	for i := range a.Risks {
		ra := &a.Risks[i]
		cyc, confirmed := rules.RiskCycle(&m.Risk.Risks[i], ra, results)
		out = append(out, RiskRecord{RiskID: ra.RiskID, Kind: "threat", Provenance: string(ra.Provenance),
			Likelihood: string(ra.Likelihood), ResidualLikelihood: string(ra.ResidualLikelihood),
			Dimensions: ra.Dimensions, InherentOverall: string(ra.InherentOverall),
			ResidualOverall: string(ra.ResidualOverall), RequiresTreatment: ra.RequiresTreatment,
			ControlConfirmed: confirmed, Cycle: CycleRecord{Status: cyc}, Priority: ra.Priority})
	}
	return out
}

func postMarket(m *manifest.Manifest) []PostMarketMeasure {
	var out []PostMarketMeasure
	for _, rm := range m.Measures() {
		ms := rm.Measure
		if ms.Enforcement == "monitor" || slices.Contains(ms.Lifecycle, "monitoring") {
			out = append(out, PostMarketMeasure{ID: ms.ID, Metric: ms.Metric, Article: ms.Article,
				StandardClauses: nonNil(ms.StandardClauses)})
		}
	}
	return out
}

// treatmentEvents compares this run's verdicts with the previous bundle's:
// a changed verdict is a new event anchored to this run's commit; an older
// event is carried forward while its verdict still holds, so that re-running
// at a later commit does not forget the treatment that closed a risk.
func treatmentEvents(prev *Bundle, cur []ControlRecord, code string) []TreatmentEvent {
	out := []TreatmentEvent{}
	if prev == nil {
		return out
	}
	before := map[string]ControlRecord{}
	for _, c := range prev.ControlResults {
		before[c.ControlID] = c
	}
	carried := map[string]TreatmentEvent{}
	for _, e := range prev.TreatmentEvents {
		carried[e.ControlID] = e
	}
	for _, c := range cur {
		p, seen := before[c.ControlID]
		switch {
		case seen && p.Passed != c.Passed:
			kind := "Treatment"
			if !c.Passed {
				kind = "Regression"
			}
			out = append(out, TreatmentEvent{ControlID: c.ControlID, RiskID: c.RiskID, Kind: kind,
				PreviousValue: p.ActualValue, CurrentValue: c.ActualValue, PreviousVerdict: p.Verdict,
				CurrentVerdict: c.Verdict, AnchoredCommit: code, PreviousCommit: prev.Triple.Code})
		case seen:
			if e, ok := carried[c.ControlID]; ok && e.CurrentVerdict == c.Verdict {
				out = append(out, e)
			}
		}
	}
	return out
}

// SHA256Digest is "sha256:<hex>" of data, the form every digest that
// outside tools check takes.
func SHA256Digest(data []byte) string {
	s := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(s[:])
}
