package report

import (
	"fmt"
	"sort"
	"strings"

	"seigarrena.dev/sei/manifest"
)

// Section is one of the nine points of Annex IV of Regulation (EU)
// 2024/1689, with what sei can say of it.
type Section struct {
	Number int
	Title  string
	Items  []Item
}

// Item is one fact of a section. Value is empty when no artefact supplies
// it; then Missing says what would. Outside marks what sei cannot know
// (the hardware, the declaration of conformity): listed, never judged.
type Item struct {
	Point     string // the Annex's letter, "a" to "h", or ""
	Label     string
	Value     string
	Source    *Source
	Mandatory bool
	Missing   string
	Outside   bool
}

// Gap is an item with no source, for the missing list and --check.
type Gap struct {
	Section int
	Point   string
	Label   string
	Missing string
	Outside bool
}

// Gaps are the document's items with no source, section by section.
func (d *Document) Gaps() (mandatory, optional, outside []Gap) {
	for _, s := range d.Annex {
		for _, it := range s.Items {
			if it.Value != "" {
				continue
			}
			g := Gap{Section: s.Number, Point: it.Point, Label: it.Label, Missing: it.Missing, Outside: it.Outside}
			switch {
			case it.Outside:
				outside = append(outside, g)
			case it.Mandatory:
				mandatory = append(mandatory, g)
			default:
				optional = append(optional, g)
			}
		}
	}
	return mandatory, optional, outside
}

// Annex IV's points, in sei's words (the Regulation's text is longer).
var annexTitles = [9]string{
	"General description of the AI system",
	"Elements of the system and its development process",
	"Monitoring, functioning and control",
	"Appropriateness of the performance metrics",
	"The risk management system (Article 9)",
	"Relevant changes over the lifecycle",
	"Harmonised standards and other specifications applied",
	"EU declaration of conformity (Article 47)",
	"Post-market performance evaluation and monitoring plan (Article 72)",
}

func annex(in *Input, s *sources) []Section {
	builders := [9]func(*Input, *sources) []Item{annex1, annex2, annex3, annex4, annex5, annex6, annex7, annex8, annex9}
	out := make([]Section, 9)
	for i, b := range builders {
		items := b(in, s)
		// In the Annex's order of points; items with no point keep theirs.
		sort.SliceStable(items, func(x, y int) bool { return items[x].Point < items[y].Point })
		out[i] = Section{Number: i + 1, Title: annexTitles[i], Items: items}
	}
	return out
}

// fact is an item whose value, when present, comes from src; src nil or
// value empty make it missing for the reason given.
func fact(point, label, value string, src *Source, mandatory bool, missing string) Item {
	if src == nil || strings.TrimSpace(value) == "" {
		return Item{Point: point, Label: label, Mandatory: mandatory, Missing: missing}
	}
	return Item{Point: point, Label: label, Value: value, Source: src, Mandatory: mandatory}
}

func outside(point, label, why string) Item {
	return Item{Point: point, Label: label, Outside: true, Missing: why}
}

// signedOr cites the verified bundle's field when there is one, else the
// manifest's (unsigned): identity facts are in both.
func signedOr(in *Input, s *sources, bundleField, manifestField string) *Source {
	if in.Evidence.Bundle != nil {
		return s.bundle(bundleField)
	}
	return s.manifest(manifestField)
}

func annex1(in *Input, s *sources) []Item {
	m := in.Manifest
	org := m.System.Organization
	if b := in.Evidence.Bundle; b != nil {
		org = b.Assessor.Organization
	}
	items := []Item{
		fact("a", "System name", m.System.Name, signedOr(in, s, "system_name", "system.name"), true, "system.name"),
		fact("a", "Intended purpose", m.System.IntendedPurpose, signedOr(in, s, "intended_purpose", "system.intended_purpose"), true, "system.intended_purpose"),
		fact("a", "Provider", org, signedOr(in, s, "assessor.organization", "system.organization"), true, "system.organization in sei.yaml"),
		fact("a", "Version", m.System.Version, s.manifest("system.version"), true, "system.version in sei.yaml"),
		fact("a", "Decisions taken and persons affected", decisions(m), s.manifest("system.decisions, system.affected_persons"), false, "system.decisions and system.affected_persons in sei.yaml"),
		fact("a", "Classification under the AI Act", classification(m), s.manifest("classification"), false, "a classification: section in sei.yaml"),
	}
	items = append(items, software(in, s)...)
	return append(items,
		outside("b", "Interaction with hardware or software outside the system", "describe it in the documentation kept beside sei's"),
		outside("d", "Forms in which the system is placed on the market", "outside sei"),
		outside("e", "Hardware the system is meant to run on", "outside sei"),
		outside("g", "User interface for deployers", "outside sei"),
		outside("h", "Instructions for use (Article 13)", "outside sei"),
	)
}

func decisions(m *manifest.Manifest) string {
	var parts []string
	if len(m.System.Decisions) > 0 {
		parts = append(parts, "decisions: "+strings.Join(m.System.Decisions, ", "))
	}
	if len(m.System.AffectedPersons) > 0 {
		parts = append(parts, "affected persons: "+strings.Join(m.System.AffectedPersons, ", "))
	}
	return strings.Join(parts, "; ")
}

func classification(m *manifest.Manifest) string {
	c := m.Classification
	if c == nil {
		return ""
	}
	v := string(c.Tier)
	if len(c.Basis) > 0 {
		v += " (" + strings.Join(c.Basis, ", ") + ")"
	}
	if c.Rationale != "" {
		v += ": " + c.Rationale
	}
	return v
}

// software is 1(c): the versions the evidence was computed with.
func software(in *Input, s *sources) []Item {
	m := in.Manifest
	items := []Item{fact("c", "Governing tool", "sei "+in.Tool, &Source{Artefact: "this report"}, false, "")}
	if m.Pipeline == nil {
		return append(items, fact("c", "Pipeline tool and its recorded state", "", nil, true, "a pipeline: section in sei.yaml"))
	}
	v := ""
	if b := in.Evidence.Bundle; b != nil && b.PipelineLockDigest != "" {
		v = fmt.Sprintf("%s, pipeline record %s", m.Pipeline.Tool, b.PipelineLockDigest)
	}
	return append(items, fact("c", "Pipeline tool and its recorded state", v, s.bundle("pipeline_lock_digest"), true, "a verified run (`sei run`) recording the pipeline's state"))
}

func annex8(*Input, *sources) []Item {
	return []Item{outside("", "Copy of the EU declaration of conformity", "drawn up by the provider under Article 47; outside sei")}
}

// joinSorted is the sorted, comma-joined set of ss.
func joinSorted(ss []string) string {
	out := append([]string(nil), ss...)
	sort.Strings(out)
	return strings.Join(out, ", ")
}
