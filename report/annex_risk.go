package report

import (
	"fmt"
	"strings"

	"seigarrena.dev/sei/manifest"
)

func annex3(in *Input, s *sources) []Item {
	m := in.Manifest
	b := in.Evidence.Bundle
	biases, sensitive, misuse := "", "", ""
	if b != nil {
		if g := b.DataGovernance; g != nil {
			biases, sensitive = g.DataBiases, g.SensitiveData
		}
		var ms []string
		for _, u := range b.ForeseeableMisuse {
			ms = append(ms, fmt.Sprintf("%s: %s (addressed by %s)", u.ID, u.Description, orNone(strings.Join(u.AddressedBy, ", "))))
		}
		misuse = strings.Join(ms, "; ")
	}
	return []Item{
		fact("", "Known limitations of the data (Croissant RAI data biases)", biases, s.bundle("data_governance.data_biases"), true, "rai:dataBiases in the Croissant descriptor, and a verified run"),
		fact("", "Accuracy for the groups of persons concerned", groupResults(in), s.bundle("control_results"), true, "a measure with inputs.dimension (a group measure) in a verified run"),
		fact("", "Foreseeable unintended outcomes and misuse", misuse, s.bundle("foreseeable_misuse"), true, "system.potential_misuses in sei.yaml, and a verified run"),
		fact("", "Personal or sensitive data in the dataset", sensitive, s.bundle("data_governance.sensitive_data"), false, "rai:personalSensitiveInformation in the Croissant descriptor"),
		fact("", "Input data: modality and task", task(m), s.manifest("task"), false, "task.modality and task.type in sei.yaml"),
	}
}

func groupResults(in *Input) string {
	b := in.Evidence.Bundle
	if b == nil {
		return ""
	}
	var out []string
	for _, c := range controls(b, in) {
		if c.Group != "" {
			out = append(out, fmt.Sprintf("%s by %s: %s = %s (%s)", c.ID, c.Group, c.Metric, num(c.Value), c.Verdict))
		}
	}
	return strings.Join(out, "; ")
}

func task(m *manifest.Manifest) string {
	if m.Task == nil {
		return ""
	}
	return strings.Trim(string(m.Task.Modality)+", "+string(m.Task.Type), ", ")
}

// annex4 asks, of every measure, why its metric fits the system.
func annex4(in *Input, s *sources) []Item {
	var items []Item
	for _, r := range in.Manifest.Risk.Risks {
		for ti, t := range r.Treat {
			for mi, ms := range t.Measures {
				field := fmt.Sprintf("risk.risks[%s].treat[%d].measures[%d].rationale", r.ID, ti, mi)
				items = append(items, fact("", "Why "+ms.Metric+" ("+ms.ID+")", ms.Rationale, s.manifest(field), true,
					"a rationale: for measure "+ms.ID+" in sei.yaml"))
			}
		}
	}
	if len(items) == 0 {
		items = append(items, fact("", "Performance metrics", "", nil, true, "at least one measure in risk.risks[].treat[].measures"))
	}
	return items
}

func annex5(in *Input, s *sources) []Item {
	m := in.Manifest
	a := m.Risk.Appetite
	criteria := fmt.Sprintf("scale %s; appetite individual %s, society %s, organization %s; overall criterion %s",
		orDefault(m.Risk.Criteria.Scale, "5x5"), orNone(string(a.Individual)), orNone(string(a.Society)), orNone(string(a.Organization)), orNone(string(m.Risk.OverallResidualCriterion)))
	if a == (manifest.Appetite{}) {
		criteria = ""
	}
	return []Item{
		fact("", "Risk criteria", criteria, s.manifest("risk.criteria, risk.appetite"), true, "risk.appetite in sei.yaml"),
		fact("", "Risks identified, analysed and evaluated (matrix above)", analysed(in), s.bundle("risk_analysis"), true, "declared risks and a verified run"),
		fact("", "Treatments adopted", treatments(m), s.manifest("risk.risks[].treat"), true, "a treat: entry for each risk"),
		fact("", "Overall residual risk", overall(in), s.bundle("overall_residual"), true, "a verified run"),
		fact("", "Periodic review interval", m.Risk.ReviewInterval, s.manifest("risk.review_interval"), true, "risk.review_interval in sei.yaml"),
		fact("", "The cycle of each risk, replayed from git", cycles(in), s.history("reconstruct"), true, "committed runs of record (`sei run`, then commit)"),
	}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func analysed(in *Input) string {
	b := in.Evidence.Bundle
	if b == nil {
		return ""
	}
	var out []string
	for _, r := range b.RiskAnalysis {
		v := fmt.Sprintf("%s: inherent %s", r.RiskID, r.InherentOverall)
		if r.ResidualOverall != "" {
			v += ", residual " + r.ResidualOverall
		}
		out = append(out, v+", cycle "+string(r.Cycle.Status))
	}
	return strings.Join(out, "; ")
}

func treatments(m *manifest.Manifest) string {
	var out []string
	for _, r := range m.Risk.Risks {
		for _, t := range r.Treat {
			out = append(out, fmt.Sprintf("%s: %s %s", r.ID, t.Method, strings.TrimSpace(t.Action+" "+t.Rationale)))
		}
	}
	return strings.Join(out, "; ")
}

func overall(in *Input) string {
	b := in.Evidence.Bundle
	if b == nil || b.OverallResidual.Level == "" {
		return ""
	}
	o := b.OverallResidual
	return fmt.Sprintf("%s against criterion %s: %s", o.Level, orNone(string(o.Criterion)), o.Evaluation)
}

func cycles(in *Input) string {
	h := in.History
	if h == nil || len(h.Snapshots) == 0 {
		return ""
	}
	var out []string
	for _, r := range h.Risks {
		v := r.RiskID + ": " + string(r.Cycle.Status)
		if r.IdentifiedSHA != "" {
			v += " (identified " + short(r.IdentifiedSHA) + " " + r.IdentifiedDate + ")"
		}
		out = append(out, v)
	}
	return strings.Join(out, "; ")
}

func annex6(in *Input, s *sources) []Item {
	var runs, arcs, acts string
	if h := in.History; h != nil && len(h.Snapshots) > 0 {
		first, last := h.Snapshots[0], h.Snapshots[len(h.Snapshots)-1]
		runs = fmt.Sprintf("%d run(s) of record, from %s (%s) to %s (%s)", len(h.Snapshots), short(first.SHA), first.Date, short(last.SHA), last.Date)
		var as, es []string
		for _, r := range h.Risks {
			for _, a := range r.Arcs {
				as = append(as, fmt.Sprintf("%s %s %s→%s (%s→%s)", strings.ToLower(a.Kind), a.ControlID, a.FromVerdict, a.ToVerdict, short(a.FromSHA), short(a.ToSHA)))
			}
		}
		for _, e := range h.Lifecycle.Events {
			if e.Verified {
				es = append(es, fmt.Sprintf("%s %s by %s (%s)", e.Act, e.Date.UTC().Format("2006-01-02"), e.By, short(e.SHA)))
			}
		}
		arcs, acts = strings.Join(as, "; "), strings.Join(es, "; ")
	}
	return []Item{
		fact("", "Runs of record", runs, s.history("runs of record"), true, "committed runs of record (`sei run`, then commit)"),
		fact("", "Treatments and regressions (timeline above)", arcs, s.history("treatment arcs"), false, "a control changing verdict between two runs of record"),
		fact("", "Approvals and reviews (verified acts)", acts, s.history("lifecycle acts"), false, "`sei request` then `sei approve` by an approver"),
	}
}

func annex7(in *Input, s *sources) []Item {
	m := in.Manifest
	items := []Item{fact("", "Standards declared applicable", joinSorted(m.Context.ApplicableStandards), s.manifest("context.applicable_standards"), true, "context.applicable_standards in sei.yaml")}
	for _, r := range in.Conformance {
		sm := r.Summary
		v := fmt.Sprintf("%d covered, %d covered by attestation, %d partial, %d gap, %d not applicable", sm.Covered, sm.CoveredAttested, sm.Partial, sm.Gap, sm.NotApplicable)
		src := s.bundle("conformance of " + r.Standard + " (computed from the verified run)")
		if src == nil {
			src = s.manifest("conformance of " + r.Standard + " (no verified run)")
		}
		items = append(items, fact("", "Conformance to "+r.Standard, v, src, false, ""))
	}
	if len(in.NoCatalogue) > 0 {
		items = append(items, fact("", "Applicable without a catalogue in sei (not judged)", joinSorted(in.NoCatalogue), s.manifest("context.applicable_standards"), false, ""))
	}
	return items
}

func annex9(in *Input, s *sources) []Item {
	var out []string
	for _, r := range in.Manifest.Risk.Risks {
		for _, t := range r.Treat {
			for _, ms := range t.Measures {
				if ms.Enforcement == "monitor" {
					out = append(out, fmt.Sprintf("%s: %s, trigger %s, every %s, threshold %s", ms.ID, ms.Metric, orNone(ms.Trigger), orNone(ms.Frequency), orNone(ms.MetricThreshold)))
				}
			}
		}
	}
	due := ""
	if h := in.History; h != nil && h.Lifecycle.ReviewDue != nil {
		due = "next review due " + h.Lifecycle.ReviewDue.UTC().Format("2006-01-02") + " (lifecycle " + string(h.Lifecycle.State) + ")"
	}
	return []Item{
		fact("", "Post-market monitoring measures (Article 72)", strings.Join(out, "; "), s.manifest("risk.risks[].treat[].measures[] with enforcement: monitor"), true,
			"a measure with enforcement: monitor, its trigger, frequency and metric_threshold"),
		fact("", "Periodic review", due, s.history("lifecycle"), false, "an approval (`sei approve`), from which the review interval runs"),
	}
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
