package report

import (
	"fmt"
	"sort"
	"strings"

	"seigarrena.dev/sei/dag"
	"seigarrena.dev/sei/manifest"
)

func annex2(in *Input, s *sources) []Item {
	m := in.Manifest
	items := []Item{
		fact("a", "Development method: the pipeline and its stages", stagesOf(in), s.manifest("pipeline"), true, "a pipeline: section in sei.yaml"),
		fact("b", "Design: model family and seed", model(m), s.manifest("artifacts.model"), true, "artifacts.model.kind (and seed) in sei.yaml"),
		fact("c", "Architecture: the dependency graph (figure below)", graphSummary(in.Graph), s.manifest("(lowered by sei)"), true, "a manifest sei can lower"),
		dataSheet(in, s),
	}
	if m.Dataset != nil && len(m.Dataset.Tables) > 0 {
		items = append(items, fact("d", "Data: the tables at the snapshots measured", tablesOf(in), s.bundle("tables"), true, "a verified run pinning the tables"))
	}
	items = append(items,
		fact("e", "Human oversight measures (Article 14)", oversight(m), s.manifest("risk.risks[].treat[] citing art-14"), true,
			"a treatment whose controls cite eu/ai-act@2024#art-14, with its action"),
		outside("f", "Changes to the system and its performance determined in advance", "outside sei"),
		fact("g", "Validation and testing against thresholds fixed in advance", controlsSummary(in), s.bundle("control_results"), true, "a verified run measuring at least one control"),
		fact("g", "Evaluation script", evalScript(in), s.lockOr("inputs"), false, "eval.script in sei.yaml"),
		fact("h", "Cybersecurity measures", byDomain(m, "security"), s.manifest("risk.risks[] of domain security"), true, "a risk of domain security with its treatment"),
	)
	return items
}

func stagesOf(in *Input) string {
	p := in.Manifest.Pipeline
	if p == nil {
		return ""
	}
	var names []string
	for _, n := range in.Graph.Nodes {
		if n.Kind == dag.Stage {
			names = append(names, strings.TrimPrefix(n.Name, "stage:"))
		}
	}
	if len(names) == 0 {
		return string(p.Tool)
	}
	sort.Strings(names)
	list := strings.Join(names, ", ")
	if len(names) > maxListed {
		list = strings.Join(names[:maxListed], ", ") + fmt.Sprintf(", and %d more", len(names)-maxListed)
	}
	return fmt.Sprintf("%s, %d stage(s): %s", p.Tool, len(names), list)
}

func model(m *manifest.Manifest) string {
	if m.Artifacts == nil || m.Artifacts.Model == nil || m.Artifacts.Model.Kind == "" {
		return ""
	}
	v := m.Artifacts.Model.Kind
	if sd := m.Artifacts.Model.Seed; sd != nil {
		v += fmt.Sprintf(", seed %d", *sd)
	}
	return v
}

func graphSummary(q dag.QueryResult) string {
	if len(q.Nodes) == 0 {
		return ""
	}
	count := map[dag.Kind]int{}
	for _, n := range q.Nodes {
		count[n.Kind]++
	}
	return fmt.Sprintf("%d sources, %d stages, %d rules, %d edges", count[dag.Source], count[dag.Stage], count[dag.Rule], len(q.Edges))
}

func dataSheet(in *Input, s *sources) Item {
	const label = "Data: the datasheet (Croissant) the run read"
	b := in.Evidence.Bundle
	if b == nil || b.DataGovernance == nil {
		return fact("d", label, "", nil, true, "dataset.croissant in sei.yaml and a verified run")
	}
	g := b.DataGovernance
	v := fmt.Sprintf("%s, licence %s, descriptor %s", strings.TrimSpace(g.Name+" "+g.Version), orNone(g.License), g.CroissantDigest)
	return fact("d", label, v, s.bundle("data_governance"), true, "")
}

func tablesOf(in *Input) string {
	b := in.Evidence.Bundle
	if b == nil {
		return ""
	}
	var parts []string
	for _, t := range b.Tables {
		parts = append(parts, fmt.Sprintf("%s (%s) at %s", t.Name, t.Format, t.Snapshot))
	}
	return strings.Join(parts, "; ")
}

// oversight lists the treatments citing Article 14.
func oversight(m *manifest.Manifest) string {
	var out []string
	for _, r := range m.Risk.Risks {
		for _, t := range r.Treat {
			for _, c := range t.Controls {
				if strings.HasSuffix(c, "#art-14") || strings.Contains(c, "#art-14.") {
					out = append(out, r.ID+": "+t.Action)
					break
				}
			}
		}
	}
	return strings.Join(out, "; ")
}

func controlsSummary(in *Input) string {
	b := in.Evidence.Bundle
	if b == nil || len(b.ControlResults) == 0 {
		return ""
	}
	var parts []string
	for _, c := range b.ControlResults {
		parts = append(parts, fmt.Sprintf("%s: %s %s %s = %s %s", c.ControlID, c.MetricKey, opSymbol(c.Operator), num(&c.Threshold), num(c.ActualValue), c.Verdict))
	}
	return strings.Join(parts, "; ")
}

func evalScript(in *Input) string {
	e := in.Manifest.Eval
	if e == nil {
		return ""
	}
	if in.Lock != nil {
		if d, ok := in.Lock.Inputs["file:"+e.Script]; ok { // the source node's name, as lowering gives it
			return e.Script + " " + d
		}
	}
	return e.Script
}

// byDomain lists the risks of one domain with their treatments.
func byDomain(m *manifest.Manifest, d manifest.Domain) string {
	var out []string
	for _, r := range m.Risk.Risks {
		if r.Domain != d {
			continue
		}
		var ts []string
		for _, t := range r.Treat {
			ts = append(ts, string(t.Method)+" "+t.Action)
		}
		out = append(out, r.ID+" ("+strings.Join(ts, "; ")+")")
	}
	return strings.Join(out, "; ")
}

func orNone(s string) string {
	if s == "" {
		return "none stated"
	}
	return s
}

// lockOr cites the lock when there is one, else the manifest.
func (s *sources) lockOr(field string) *Source {
	if s.in.Lock == nil {
		return s.manifest("eval.script")
	}
	return s.add(Source{Artefact: s.in.LockFile, Field: field, Digest: s.in.LockDigest, Signed: s.in.Evidence.Current()})
}

// num prints a value as the evidence holds it, or MISSING.
func num(v *float64) string {
	if v == nil {
		return "MISSING"
	}
	return fmt.Sprintf("%.4g", *v)
}
