package rules

import (
	"bytes"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"seigarrena.dev/sei/manifest"
)

// ReadPlan reads a compiled assessment plan back into the controls the gate
// evaluates. It reads the canonical SEI props (matched on ns and name), never
// the control-id tokens, ignores props it does not know, and checks the
// references the JSON schema cannot: every activity-uuid and every "#uuid"
// href must resolve.
func ReadPlan(file string, data []byte) ([]Control, error) {
	var doc PlanDoc
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: not an OSCAL assessment plan sei can read: %w", file, err)
	}
	ap := &doc.AssessmentPlan
	if ap.UUID == "" {
		return nil, fmt.Errorf("%s: no assessment-plan object", file)
	}
	if err := checkReferences(ap); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var out []Control
	if ap.LocalDefinitions == nil {
		return out, nil
	}
	for _, a := range ap.LocalDefinitions.Activities {
		c, ok, err := controlFromProps(a.Props)
		if err != nil {
			return nil, fmt.Errorf("%s: activity %s: %w", file, a.UUID, err)
		}
		if ok {
			out = append(out, c)
		}
	}
	return out, nil
}

func controlFromProps(props []Prop) (Control, bool, error) {
	c := Control{Inputs: map[string]string{}}
	var constraint string
	seen := false
	for _, p := range props {
		if p.NS != SEINamespace {
			continue
		}
		seen = true
		switch p.Name {
		case "measure-id":
			c.MeasureID = p.Value
		case "risk-id":
			c.RiskID = p.Value
		case "metric":
			c.Metric = p.Value
		case "constraint":
			constraint = p.Value
		case "severity":
			c.Severity = manifest.Severity(p.Value)
		case "enforcement":
			c.Enforcement = manifest.Enforcement(p.Value)
		case "evaluation":
			c.Evaluation = manifest.Evaluation(p.Value)
		case "lifecycle":
			c.Lifecycle = append(c.Lifecycle, manifest.Lifecycle(p.Value))
		case "article":
			c.Article = p.Value
		case "control-tier":
			c.ControlTier = manifest.ControlTier(p.Value)
		case "control":
			c.Controls = append(c.Controls, p.Value)
		case "framework":
			c.Frameworks = append(c.Frameworks, p.Value)
		case "standard-clause":
			c.StandardClauses = append(c.StandardClauses, p.Value)
		case "input":
			c.Inputs[p.Class] = p.Value
		}
	}
	if !seen {
		return c, false, nil
	}
	if c.MeasureID == "" || c.Metric == "" {
		return c, false, fmt.Errorf("SEI props lack measure-id or metric")
	}
	k, err := manifest.ParseConstraint(constraint)
	if err != nil {
		return c, false, err
	}
	c.Constraint = k
	if manifest.Rank(manifest.Enforcements, c.Enforcement) < 0 {
		return c, false, fmt.Errorf("unknown enforcement %q", c.Enforcement)
	}
	if c.Evaluation == "" {
		c.Evaluation = "automated"
	}
	return c, true, nil
}

// checkReferences resolves every internal reference of the plan.
func checkReferences(ap *AssessmentPlan) error {
	ids := map[string]bool{}
	var dup []string
	add := func(u string) {
		if ids[u] {
			dup = append(dup, u)
		}
		ids[u] = true
	}
	add(ap.UUID)
	var acts []Activity
	if ap.LocalDefinitions != nil {
		acts = ap.LocalDefinitions.Activities
	}
	for _, a := range acts {
		add(a.UUID)
		for _, s := range a.Steps {
			add(s.UUID)
		}
	}
	walkTasks(ap.Tasks, func(t *Task) { add(t.UUID) })
	if ap.BackMatter != nil {
		for _, r := range ap.BackMatter.Resources {
			add(r.UUID)
		}
	}
	if len(dup) > 0 {
		return fmt.Errorf("duplicate uuid %s", dup[0])
	}
	return checkLinks(ap, acts, ids)
}

func checkLinks(ap *AssessmentPlan, acts []Activity, ids map[string]bool) error {
	var bad []string
	href := func(h string) {
		if strings.HasPrefix(h, "#") && !ids[h[1:]] {
			bad = append(bad, h)
		}
	}
	href(ap.ImportSSP.Href)
	for _, a := range acts {
		for _, l := range a.Links {
			href(l.Href)
		}
	}
	for _, cs := range ap.ReviewedControls.ControlSelections {
		for _, l := range cs.Links {
			href(l.Href)
		}
	}
	walkTasks(ap.Tasks, func(t *Task) {
		for _, aa := range t.AssociatedActivities {
			href("#" + aa.ActivityUUID)
		}
	})
	if len(bad) > 0 {
		return fmt.Errorf("dangling reference %s", bad[0])
	}
	return nil
}

func walkTasks(ts []Task, f func(*Task)) {
	for i := range ts {
		f(&ts[i])
		walkTasks(ts[i].Tasks, f)
	}
}
