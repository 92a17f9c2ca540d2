package rules

import (
	"fmt"
	"sort"
	"strings"

	"seigarrena.dev/sei/manifest"
)

// activities turns each ex-ante control into an OSCAL activity whose SEI
// props carry everything the gate needs; ReadPlan reads exactly these props.
func (b *planBuilder) activities(controls []Control) []Activity {
	var out []Activity
	for _, c := range controls {
		out = append(out, b.activity(c))
	}
	return out
}

func (b *planBuilder) activity(c Control) Activity {
	metrics := "the metrics file"
	if p := b.m.Pipeline; p != nil {
		metrics = p.Metrics
	}
	effect := map[manifest.Enforcement]string{"gate": "A violation fails the gate.", "audit": "A violation is reported as a warning."}[c.Enforcement]
	a := Activity{
		UUID:        planUUID(b.sys, "activity/"+c.MeasureID),
		Title:       oneLine(fmt.Sprintf("Measure %s: %s %s", c.MeasureID, c.Metric, c.Constraint)),
		Description: oneLine(fmt.Sprintf("Evaluate %s from %s against %s. %s", c.Metric, metrics, c.Constraint, effect)),
		Props:       b.activityProps(c),
		Steps: []Step{
			{UUID: planUUID(b.sys, "step/"+c.MeasureID+"/collect"), Title: "Collect metric",
				Description: fmt.Sprintf("Read the value keyed %q from %s.", c.MeasureID, metrics)},
			{UUID: planUUID(b.sys, "step/"+c.MeasureID+"/evaluate"), Title: "Evaluate constraint",
				Description: oneLine(fmt.Sprintf("Compare the value with %s; enforcement %s.", c.Constraint, c.Enforcement))},
		},
	}
	for _, cl := range c.StandardClauses {
		a.Links = append(a.Links, b.standardLink(standardOf(cl), StandardTitle(standardOf(cl))+" "+clauseOf(cl)))
	}
	if len(c.Controls) > 0 {
		sel := ControlSelection{}
		for _, id := range c.Controls {
			sel.IncludeControls = append(sel.IncludeControls, ControlRef{ControlID: ControlToken(id)})
		}
		a.RelatedControls = &ReviewedControls{ControlSelections: []ControlSelection{sel}}
	}
	return a
}

func (b *planBuilder) activityProps(c Control) []Prop {
	ps := []Prop{{Name: "method", Value: "TEST"}, seiProp("measure-id", c.MeasureID), seiProp("risk-id", c.RiskID),
		seiProp("metric", c.Metric), seiProp("constraint", c.Constraint.String()),
		seiProp("operator", c.Constraint.Op.Name()), seiProp("threshold", c.Constraint.Decimal),
		seiProp("enforcement", string(c.Enforcement)), seiProp("evaluation", string(c.Evaluation))}
	if c.Severity != "" {
		ps = append(ps, seiProp("severity", string(c.Severity)))
	}
	for _, l := range c.Lifecycle {
		ps = append(ps, seiProp("lifecycle", string(l)))
	}
	if c.Article != "" {
		ps = append(ps, seiProp("article", c.Article))
	}
	tier := c.ControlTier
	if tier == "" {
		tier = "protective" // the original engine's default
	}
	ps = append(ps, seiProp("control-tier", string(tier)))
	for _, id := range c.Controls {
		ps = append(ps, seiProp("control", id))
	}
	for _, id := range c.Frameworks {
		ps = append(ps, seiProp("framework", id))
	}
	for _, id := range c.StandardClauses {
		ps = append(ps, seiProp("standard-clause", id))
	}
	keys := make([]string, 0, len(c.Inputs))
	for k := range c.Inputs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ps = append(ps, seiPropClass("input", k, c.Inputs[k]))
	}
	return ps
}

// tasks gives one task per risk, with its analysis in props, its treatments as
// sub-tasks and its ex-ante measures as associated activities.
func (b *planBuilder) tasks(a *Analysis, controls []Control) []Task {
	var timing *Timing
	if p, err := manifest.ParsePeriod(b.m.Risk.ReviewInterval); err == nil {
		if n, unit, ok := p.OSCALFrequency(); ok {
			timing = &Timing{AtFrequency: &AtFrequency{Period: n, Unit: unit}}
		}
	}
	var out []Task
	for i := range b.m.Risk.Risks {
		r, ra := &b.m.Risk.Risks[i], &a.Risks[i]
		t := Task{UUID: planUUID(b.sys, "task/"+r.ID), Type: "action", Title: oneLine(r.Title),
			Props: riskProps(r, ra), Timing: timing}
		for j, tr := range r.Treat {
			t.Tasks = append(t.Tasks, b.treatmentTask(r, j, tr))
		}
		for _, c := range controls {
			if c.RiskID == r.ID {
				t.AssociatedActivities = append(t.AssociatedActivities, AssociatedActivity{
					ActivityUUID: planUUID(b.sys, "activity/"+c.MeasureID),
					Subjects:     []Subject{{Type: "component", IncludeAll: &struct{}{}}}})
			}
		}
		out = append(out, t)
	}
	return out
}

func riskProps(r *manifest.RiskEntry, ra *RiskAnalysis) []Prop {
	ps := []Prop{seiProp("risk-id", r.ID), seiProp("likelihood", string(r.Likelihood))}
	if r.Domain != "" {
		ps = append(ps, seiProp("domain", string(r.Domain)))
	}
	for _, d := range manifest.Dimensions {
		if v := r.Impact.Get(d); v != "" {
			ps = append(ps, seiPropClass("impact", string(d), string(v)))
		}
	}
	ps = append(ps, seiProp("inherent-level", string(ra.InherentOverall)))
	if ra.ResidualOverall != "" {
		ps = append(ps, seiProp("residual-level", string(ra.ResidualOverall)))
	}
	ps = append(ps, seiProp("requires-treatment", fmt.Sprint(ra.RequiresTreatment)))
	return ps
}

func (b *planBuilder) treatmentTask(r *manifest.RiskEntry, j int, tr manifest.Treatment) Task {
	what := tr.Action
	if what == "" {
		what = tr.Rationale
	}
	t := Task{UUID: planUUID(b.sys, fmt.Sprintf("task/%s/treat/%d", r.ID, j)), Type: "action",
		Title: oneLine(fmt.Sprintf("Treatment (%s): %s", tr.Method, what)),
		Props: []Prop{seiProp("treatment-method", string(tr.Method))}}
	if tr.ResidualLikelihood != "" {
		t.Props = append(t.Props, seiProp("residual-likelihood", string(tr.ResidualLikelihood)))
	}
	for _, c := range tr.Controls {
		t.Props = append(t.Props, seiProp("control", c))
	}
	if strings.TrimSpace(tr.Rationale) != "" && tr.Action != "" {
		t.Description = strings.TrimSpace(tr.Rationale)
	}
	return t
}
