package rules

import (
	"sort"

	"seigarrena.dev/sei/manifest"
)

// DimensionAnalysis is one risk rated on one impact dimension. Field names
// follow the original engine's bundle (risk_analysis[].dimensions[]).
type DimensionAnalysis struct {
	Dimension     manifest.Dimension `json:"dimension"`
	Impact        manifest.Impact    `json:"impact"`
	Appetite      manifest.Level     `json:"appetite"`
	InherentLevel manifest.Level     `json:"inherent_level"`
	InherentEval  string             `json:"inherent_eval"`
	ResidualLevel manifest.Level     `json:"residual_level,omitempty"`
	ResidualEval  string             `json:"residual_eval,omitempty"`
	InherentCell  string             `json:"inherent_cell"`
	ResidualCell  string             `json:"residual_cell,omitempty"`
}

// RiskAnalysis is ISO/IEC 23894 6.4.3–6.4.4 and 6.5 for one risk.
type RiskAnalysis struct {
	RiskID             string              `json:"risk_id"`
	Title              string              `json:"title"`
	Provenance         manifest.Provenance `json:"provenance"`
	Likelihood         manifest.Likelihood `json:"likelihood"`
	ResidualLikelihood manifest.Likelihood `json:"residual_declared_likelihood,omitempty"`
	Dimensions         []DimensionAnalysis `json:"dimensions"`
	InherentOverall    manifest.Level      `json:"inherent_overall"`
	ResidualOverall    manifest.Level      `json:"residual_overall,omitempty"`
	// Driver is the dimension whose level is the risk's level (the first in
	// report order when several tie).
	Driver            manifest.Dimension `json:"driver"`
	RequiresTreatment bool               `json:"requires_treatment"`
	Treated           bool               `json:"treated"`
	Priority          int                `json:"priority"`

	score      int // highest inherent score, for priority
	exceedsDim int
}

// Residual is the level the risk is left at: the residual if one is declared,
// else the inherent level.
func (r *RiskAnalysis) Residual() manifest.Level {
	if r.ResidualOverall != "" {
		return r.ResidualOverall
	}
	return r.InherentOverall
}

// OverallResidual is the system's overall residual risk (prEN 18228 cl. 10,
// AI Act Art. 9(5)). It is advisory: it never changes an exit code.
type OverallResidual struct {
	Level        manifest.Level `json:"level"`
	Criterion    manifest.Level `json:"criterion"`
	Evaluation   string         `json:"evaluation"`
	Contributing []string       `json:"contributing"`
	// Accumulation flags several residuals sitting at the criterion: a plain
	// maximum does not see risks add up, so we say so.
	Accumulation bool `json:"accumulation"`
}

// Analysis is the whole programme rated on a scale.
type Analysis struct {
	Scale   string          `json:"scale"`
	Risks   []RiskAnalysis  `json:"risks"`
	Overall OverallResidual `json:"overall_residual"`
}

// accumulationCount is how many residuals at the criterion level raise the
// accumulation flag. Our choice (reference/compliance.md §1.4 step 5).
const accumulationCount = 3

// Analyze rates every risk of m. Each dimension is compared with its own
// appetite; the risk's level is the maximum over dimensions, and it needs
// treatment when any dimension exceeds its appetite. Dimensions are never
// averaged: a low organisational impact must not dilute harm to people.
func Analyze(m *manifest.Manifest) (*Analysis, error) {
	scale, err := ScaleFor(m.Risk.Criteria.Scale)
	if err != nil {
		return nil, err
	}
	a := &Analysis{Scale: scale.ID, Risks: make([]RiskAnalysis, 0, len(m.Risk.Risks))}
	for i := range m.Risk.Risks {
		a.Risks = append(a.Risks, analyzeRisk(scale, m.Risk.Appetite, &m.Risk.Risks[i]))
	}
	prioritize(a.Risks)
	a.Overall = overallResidual(a.Risks, m.Risk.OverallResidualCriterion)
	return a, nil
}

func analyzeRisk(scale *Scale, appetite manifest.Appetite, r *manifest.RiskEntry) RiskAnalysis {
	ra := RiskAnalysis{RiskID: r.ID, Title: r.Title, Provenance: r.Provenance, Likelihood: r.Likelihood, Treated: len(r.Treat) > 0}
	if ra.Provenance == "" {
		ra.Provenance = "declared"
	}
	resL, resI, hasResidual := residualOf(r)
	ra.ResidualLikelihood = resL
	for _, d := range manifest.Dimensions {
		imp := r.Impact.Get(d)
		if imp == "" {
			continue
		}
		app := appetite.Get(d)
		cell := scale.Rate(r.Likelihood, imp)
		da := DimensionAnalysis{Dimension: d, Impact: imp, Appetite: app, InherentLevel: cell.Level,
			InherentEval: evalWord(Within(cell.Level, app)), InherentCell: cell.String()}
		if rank(cell.Level) > rank(ra.InherentOverall) {
			ra.InherentOverall, ra.Driver = cell.Level, d
		}
		ra.score = max(ra.score, cell.Score)
		if !Within(cell.Level, app) {
			ra.RequiresTreatment = true
			ra.exceedsDim++
		}
		if hasResidual {
			l := resL
			if l == "" {
				l = r.Likelihood
			}
			ri := imp
			if v := resI.Get(d); v != "" {
				ri = v
			}
			rc := scale.Rate(l, ri)
			da.ResidualLevel, da.ResidualEval, da.ResidualCell = rc.Level, evalWord(Within(rc.Level, app)), rc.String()
			ra.ResidualOverall = maxLevel(ra.ResidualOverall, rc.Level)
		}
		ra.Dimensions = append(ra.Dimensions, da)
	}
	return ra
}

// residualOf combines the treatments' declared residuals: the lowest declared
// likelihood, and per dimension the lowest declared impact. Each treatment
// claims the risk is brought down to its target, so together they reach the
// lowest target. ok is false when no treatment declares a residual.
func residualOf(r *manifest.RiskEntry) (l manifest.Likelihood, imp manifest.Impacts, ok bool) {
	lower := func(cur, v manifest.Impact) manifest.Impact {
		if cur == "" || manifest.Rank(manifest.ImpactValues, v) < manifest.Rank(manifest.ImpactValues, cur) {
			return v
		}
		return cur
	}
	for _, t := range r.Treat {
		if t.ResidualLikelihood != "" {
			ok = true
			if l == "" || manifest.Rank(manifest.Likelihoods, t.ResidualLikelihood) < manifest.Rank(manifest.Likelihoods, l) {
				l = t.ResidualLikelihood
			}
		}
		if ri := t.ResidualImpact; ri != nil {
			ok = true
			for _, v := range []struct {
				dst *manifest.Impact
				src manifest.Impact
			}{{&imp.Individual, ri.Individual}, {&imp.Society, ri.Society}, {&imp.Organization, ri.Organization}} {
				if v.src != "" {
					*v.dst = lower(*v.dst, v.src)
				}
			}
		}
	}
	return l, imp, ok
}

// prioritize ranks risks 1..n for display: higher inherent level first, then
// more dimensions over appetite, then higher score, then declaration order.
// This is our rule; the original engine's was never published.
func prioritize(risks []RiskAnalysis) {
	idx := make([]int, len(risks))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(x, y int) bool {
		a, b := &risks[idx[x]], &risks[idx[y]]
		if rank(a.InherentOverall) != rank(b.InherentOverall) {
			return rank(a.InherentOverall) > rank(b.InherentOverall)
		}
		if a.exceedsDim != b.exceedsDim {
			return a.exceedsDim > b.exceedsDim
		}
		return a.score > b.score
	})
	for p, i := range idx {
		risks[i].Priority = p + 1
	}
}

func overallResidual(risks []RiskAnalysis, criterion manifest.Level) OverallResidual {
	o := OverallResidual{Criterion: criterion, Contributing: []string{}}
	for i := range risks {
		o.Level = maxLevel(o.Level, risks[i].Residual())
	}
	atCriterion := 0
	for i := range risks {
		if risks[i].Residual() == o.Level {
			o.Contributing = append(o.Contributing, risks[i].RiskID)
		}
		if criterion != "" && risks[i].Residual() == criterion {
			atCriterion++
		}
	}
	switch {
	case len(risks) == 0:
		o.Evaluation = "no_risks"
	case criterion == "":
		o.Evaluation = "no_criterion"
	default:
		o.Evaluation = evalWord(Within(o.Level, criterion))
	}
	o.Accumulation = atCriterion >= accumulationCount
	return o
}
