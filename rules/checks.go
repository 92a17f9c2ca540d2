package rules

import (
	"encoding/json"
	"fmt"
	"strings"

	"seigarrena.dev/sei/manifest"
)

// CheckStatus is the outcome of one evidence check.
type CheckStatus string

const (
	CheckPass     CheckStatus = "pass"
	CheckFail     CheckStatus = "fail"
	CheckPending  CheckStatus = "pending"  // needs results of sei run that do not exist yet
	CheckAttested CheckStatus = "attested" // backed only by a declared (manual) measure
)

// Evidence is what conformance knows beyond the manifest.
type Evidence struct {
	// Run holds the results of the last sei run; nil before any run, which
	// makes every check that needs measured results pending.
	Run *RunEvidence
	// ReadFile reads a repository file by its manifest path (the Croissant
	// descriptor). Injected so that rules never touches the filesystem itself.
	ReadFile func(path string) ([]byte, error)
}

// RunEvidence is filled in by the evidence layer once sei run exists.
type RunEvidence struct {
	Gate                   GateResult
	BundleSigned           bool
	HistoryReconstructable bool
	ReviewWithinInterval   bool
	// Lifecycle is the system's state ("draft", "pending", "approved",
	// "under periodic review", "retired"): a review falls due only once
	// the system is approved, so the review check is worded by it.
	Lifecycle        string
	ApprovalRecorded bool
	AnnexIV          bool
	BOM              bool
}

// checkCtx is what a check reads.
type checkCtx struct {
	m        *manifest.Manifest
	a        *Analysis
	ev       Evidence
	standard string
}

type checkFn func(c *checkCtx) (CheckStatus, string)

const pendingRun = "needs measured results: run `sei run` first"

func static(ok bool, why string) (CheckStatus, string) {
	if ok {
		return CheckPass, ""
	}
	return CheckFail, why
}

func fromRun(f func(r *RunEvidence) bool, why string) checkFn {
	return func(c *checkCtx) (CheckStatus, string) {
		if c.ev.Run == nil {
			return CheckPending, pendingRun
		}
		return static(f(c.ev.Run), why)
	}
}

// attestedArticle maps an attested.<topic> check to the AI Act article whose
// manual measures attest it.
var attestedArticle = map[string]string{"logging": "12", "transparency": "13", "oversight": "14",
	"security": "15", "qms": "17", "data_protection": "10"}

var checks = map[string]checkFn{
	"manifest.intended_purpose": func(c *checkCtx) (CheckStatus, string) {
		return static(strings.TrimSpace(c.m.System.IntendedPurpose) != "", "system.intended_purpose is empty")
	},
	"context.standard_declared": func(c *checkCtx) (CheckStatus, string) {
		return static(manifest.Rank(c.m.Context.ApplicableStandards, c.standard) >= 0, c.standard+" is not in context.applicable_standards")
	},
	"risk.register.present": func(c *checkCtx) (CheckStatus, string) {
		return static(len(c.m.Risk.Risks) > 0, "risk.risks is empty")
	},
	"risk.analysis.complete": func(c *checkCtx) (CheckStatus, string) {
		return static(len(c.m.Risk.Risks) > 0, "no risk to analyse")
	},
	"risk.criteria.declared":            checkCriteria,
	"risk.evaluation.done":              checkEvaluation,
	"risk.treatment.planned":            checkTreatmentPlanned,
	"risk.treatment.hierarchy":          checkHierarchy,
	"residual.within_appetite":          checkResidual,
	"overall_residual.within_criterion": checkOverall,
	"impact.decisions": func(c *checkCtx) (CheckStatus, string) {
		return static(len(c.m.System.Decisions) > 0, "system.decisions is empty")
	},
	"impact.affected_persons": func(c *checkCtx) (CheckStatus, string) {
		return static(len(c.m.System.AffectedPersons) > 0, "system.affected_persons is empty")
	},
	"impact.misuse.declared": func(c *checkCtx) (CheckStatus, string) {
		return static(len(c.m.System.PotentialMisuses) > 0, "system.potential_misuses is empty")
	},
	"impact.misuse.addressed": checkMisuseAddressed,
	"data.croissant_rai":      checkCroissantRAI,
	"data.bias_measured":      checkBiasMeasured,
	"monitoring.plan":         checkMonitoringPlan,
	"measure.rationale":       checkRationale,
	"gate.passed": fromRun(func(r *RunEvidence) bool { return r.Gate.Passed && len(r.Gate.Results) > 0 },
		"a blocking control of the last run failed"),
	"bundle.signed":           fromRun(func(r *RunEvidence) bool { return r.BundleSigned }, "no verified signed bundle"),
	"history.reconstructable": fromRun(func(r *RunEvidence) bool { return r.HistoryReconstructable }, "sei reconstruct cannot find every risk's identifying commit"),
	"review.within_interval":  checkReview,
	"approval.recorded":       fromRun(func(r *RunEvidence) bool { return r.ApprovalRecorded }, "no recorded management approval"),
	"docs.annex_iv":           fromRun(func(r *RunEvidence) bool { return r.AnnexIV }, "no Annex IV document for HEAD"),
	"bom.present":             fromRun(func(r *RunEvidence) bool { return r.BOM }, "no signed bill of materials"),
}

// runCheck evaluates a check id, including the attested.<topic> family.
func runCheck(c *checkCtx, id string) (CheckStatus, string) {
	if topic, ok := strings.CutPrefix(id, "attested."); ok {
		return checkAttested(c, topic)
	}
	f, ok := checks[id]
	if !ok {
		return CheckFail, "unknown check " + id
	}
	return f(c)
}

func checkCriteria(c *checkCtx) (CheckStatus, string) {
	r := &c.m.Risk
	dims := 0
	for _, d := range manifest.Dimensions {
		if r.Appetite.Get(d) != "" {
			dims++
		}
	}
	switch {
	case dims == 0:
		return CheckFail, "risk.appetite declares no dimension"
	case r.OverallResidualCriterion == "":
		return CheckFail, "risk.overall_residual_criterion is not set"
	}
	return CheckPass, ""
}

func checkEvaluation(c *checkCtx) (CheckStatus, string) {
	if s, why := checkCriteria(c); s != CheckPass {
		return s, why
	}
	return static(len(c.a.Risks) > 0, "no risk was evaluated")
}

func checkTreatmentPlanned(c *checkCtx) (CheckStatus, string) {
	var missing []string
	for i, ra := range c.a.Risks {
		if ra.RequiresTreatment && len(c.m.Risk.Risks[i].Treat) == 0 {
			missing = append(missing, ra.RiskID)
		}
	}
	if len(c.a.Risks) == 0 {
		return CheckFail, "no risk"
	}
	return static(len(missing) == 0, "no treatment for "+strings.Join(missing, ", "))
}

func checkHierarchy(c *checkCtx) (CheckStatus, string) {
	var missing []string
	for i, ra := range c.a.Risks {
		if !ra.RequiresTreatment {
			continue
		}
		tiered := false
		for _, t := range c.m.Risk.Risks[i].Treat {
			for _, ms := range t.Measures {
				tiered = tiered || ms.ControlTier != ""
			}
		}
		if !tiered {
			missing = append(missing, ra.RiskID)
		}
	}
	return static(len(missing) == 0 && len(c.a.Risks) > 0, "no control_tier (inherent, protective or information) on a measure of "+strings.Join(missing, ", "))
}

func checkResidual(c *checkCtx) (CheckStatus, string) {
	var bad []string
	for _, ra := range c.a.Risks {
		if !ra.RequiresTreatment {
			continue
		}
		if ra.ResidualOverall == "" {
			bad = append(bad, ra.RiskID+" (no residual declared)")
			continue
		}
		for _, d := range ra.Dimensions {
			if d.ResidualEval == "exceeds" {
				bad = append(bad, fmt.Sprintf("%s (%s residual %s exceeds %s)", ra.RiskID, d.Dimension, d.ResidualLevel, d.Appetite))
			}
		}
	}
	return static(len(bad) == 0 && len(c.a.Risks) > 0, strings.Join(bad, "; "))
}

func checkOverall(c *checkCtx) (CheckStatus, string) {
	o := c.a.Overall
	return static(o.Evaluation == "within", fmt.Sprintf("overall residual %s against criterion %q: %s", o.Level, o.Criterion, o.Evaluation))
}

func checkMisuseAddressed(c *checkCtx) (CheckStatus, string) {
	gaps := misuseGaps(c.m)
	if len(c.m.System.PotentialMisuses) == 0 {
		return CheckFail, "no misuse declared"
	}
	return static(len(gaps) == 0, "unaddressed: "+strings.Join(gaps, ", "))
}

// misuseGaps lists misuse ids with no existing risk addressing them.
func misuseGaps(m *manifest.Manifest) []string {
	var gaps []string
	for _, mu := range m.System.PotentialMisuses {
		if len(existingRisks(m, mu.AddressedBy)) < len(mu.AddressedBy) || len(mu.AddressedBy) == 0 {
			gaps = append(gaps, mu.ID)
		}
	}
	return gaps
}

func existingRisks(m *manifest.Manifest, ids []string) []string {
	var out []string
	for _, id := range ids {
		for _, r := range m.Risk.Risks {
			if r.ID == id {
				out = append(out, id)
			}
		}
	}
	return out
}

// raiFields are the Croissant RAI properties a data governance claim needs.
var raiFields = []string{"rai:dataCollection", "rai:dataBiases", "rai:dataLimitations", "rai:personalSensitiveInformation"}

func checkCroissantRAI(c *checkCtx) (CheckStatus, string) {
	if c.m.Dataset == nil {
		return CheckFail, "no dataset.croissant declared"
	}
	if c.ev.ReadFile == nil {
		return CheckPending, "the Croissant descriptor was not read"
	}
	data, err := c.ev.ReadFile(c.m.Dataset.Croissant)
	if err != nil {
		return CheckFail, fmt.Sprintf("reading %s: %v", c.m.Dataset.Croissant, err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		return CheckFail, fmt.Sprintf("%s is not JSON: %v", c.m.Dataset.Croissant, err)
	}
	var missing []string
	for _, f := range raiFields {
		if _, ok := doc[f]; !ok {
			missing = append(missing, f)
		}
	}
	return static(len(missing) == 0, c.m.Dataset.Croissant+" lacks "+strings.Join(missing, ", "))
}

func checkBiasMeasured(c *checkCtx) (CheckStatus, string) {
	for _, rm := range c.m.Measures() {
		if rm.Measure.Automated() && rm.Measure.Inputs != nil && rm.Measure.Inputs.Dimension != "" {
			return CheckPass, ""
		}
	}
	return CheckFail, "no automated measure computes a disparity across groups (inputs.dimension)"
}

func checkMonitoringPlan(c *checkCtx) (CheckStatus, string) {
	for _, rm := range c.m.Measures() {
		ms := rm.Measure
		if manifest.Rank(ms.Lifecycle, "monitoring") >= 0 && ms.Trigger != "" && ms.Frequency != "" &&
			(ms.Art72Citation != "" || ms.Article == "72") {
			return CheckPass, ""
		}
	}
	return CheckFail, "no monitoring measure with trigger, ISO 8601 frequency and an Art. 72 citation"
}

func checkRationale(c *checkCtx) (CheckStatus, string) {
	var missing []string
	for _, rm := range c.m.Measures() {
		if rm.Measure.Automated() && strings.TrimSpace(rm.Measure.Rationale) == "" {
			missing = append(missing, rm.Measure.ID)
		}
	}
	if len(c.m.Measures()) == 0 {
		return CheckFail, "no measure"
	}
	return static(len(missing) == 0, "no rationale on "+strings.Join(missing, ", "))
}

func checkAttested(c *checkCtx, topic string) (CheckStatus, string) {
	art, ok := attestedArticle[topic]
	if ok {
		for _, rm := range c.m.Measures() {
			if !rm.Measure.Automated() && rm.Measure.Article == art {
				return CheckAttested, ""
			}
		}
	}
	return CheckFail, "no declared measure attests " + topic
}

// checkReview: a system approved and reviewed in time passes; one never
// approved (draft, pending) has no review due yet, which is pending, not
// a failure; a retired one needs none.
func checkReview(c *checkCtx) (CheckStatus, string) {
	r := c.ev.Run
	switch {
	case r == nil:
		return CheckPending, pendingRun
	case r.ReviewWithinInterval:
		return CheckPass, ""
	case r.Lifecycle == "draft" || r.Lifecycle == "pending" || r.Lifecycle == "":
		state := r.Lifecycle
		if state == "" {
			state = "draft"
		}
		return CheckPending, "no periodic review is due yet: the system has not been approved (" + state + ")"
	case r.Lifecycle == "retired":
		return CheckPass, "retired: no review is due"
	}
	return CheckFail, "the periodic review is overdue"
}
