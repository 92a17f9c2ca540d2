package report

import (
	"fmt"
	"sort"
	"strings"

	"seigarrena.dev/sei/attest"
	"seigarrena.dev/sei/dag"
	"seigarrena.dev/sei/rules"
)

// Document is a report as data: what both renderers print, in order.
type Document struct {
	System     string
	Version    string
	Tool       string // sei's version
	Purpose    string
	AsOf       string // YYYY-MM-DD, UTC
	Head       string
	Evidence   string   // the evidence state, as sei status says it
	Banner     []string // why the evidence does not describe the tree; empty when it does
	Gate       string   // PASS, FAIL (ids…), or "no verified run"
	GatePassed bool
	Matrix     Matrix
	Controls   []Control
	Timeline   []TimelineRow
	// Drift is the stale sections (at most maxListed) and Reused how many
	// others are current: at 10k stages every stage is a section, and a
	// job summary holds 1 MiB.
	Drift      []dag.SectionStatus
	Reused     int
	MoreStale  int
	Graph      dag.QueryResult
	Annex      []Section
	Signatures []attest.Finding
	// Sources are every artefact the report cites, with its digest.
	Sources []Source
}

// Source is an artefact a claim comes from: its repository-relative name
// (or "git history"), the field within it, and its digest. Signed says
// whether a trusted key vouches for it (directly, or by the verified
// bundle's binding of the manifest's sections).
type Source struct {
	Artefact string `json:"artefact"`
	Field    string `json:"field,omitempty"`
	Digest   string `json:"digest,omitempty"`
	Signed   bool   `json:"signed"`
}

// String is how a source is cited: "sei.yaml system.name (sha256:…, signed)".
func (s Source) String() string {
	var b strings.Builder
	b.WriteString(s.Artefact)
	if s.Field != "" {
		b.WriteString(" " + s.Field)
	}
	var tags []string
	if s.Digest != "" {
		tags = append(tags, s.Digest)
	}
	if s.Signed {
		tags = append(tags, "signed")
	} else {
		tags = append(tags, "unsigned")
	}
	fmt.Fprintf(&b, " (%s)", strings.Join(tags, ", "))
	return b.String()
}

// Control is one measured control of the verified run.
type Control struct {
	ID, Risk, Metric, Operator, Enforcement string
	Threshold                               float64
	Value, Low, High                        *float64 // nil when not measured
	Level                                   *float64 // the interval's confidence level
	Verdict                                 rules.Verdict
	Underpowered                            bool
	Reason                                  string
	Group                                   string // the dimension a group measure splits by
}

// Build makes the document from in. It never fails: what in lacks is
// reported as missing in the document itself.
func Build(in *Input) *Document {
	m := in.Manifest
	d := &Document{System: m.System.Name, Version: m.System.Version, Tool: in.Tool, Purpose: m.System.IntendedPurpose,
		AsOf: in.AsOf.UTC().Format("2006-01-02"), Head: in.Head, Evidence: in.Evidence.State,
		Graph: in.Graph, Signatures: sortedFindings(in.Evidence.Signatures)}
	d.Drift, d.Reused, d.MoreStale = drift(in.Evidence.Sections)
	d.Banner = banner(in)
	d.Gate, d.GatePassed = "no verified run", false
	if b := in.Evidence.Bundle; b != nil {
		g := b.Gate()
		d.GatePassed = g.Passed
		d.Gate = "PASS"
		if !g.Passed {
			d.Gate = "FAIL (" + strings.Join(g.Blocking, ", ") + ")"
		}
		d.Controls = controls(b, in)
	}
	d.Matrix = buildMatrix(in)
	d.Timeline = timeline(in)
	s := sources{in: in}
	d.Annex = annex(in, &s)
	d.Sources = s.list()
	return d
}

// maxListed bounds the lists that grow with the graph (stale sections,
// stage names) so that a report of 100k stages stays readable.
const maxListed = 200

func drift(all []dag.SectionStatus) (stale []dag.SectionStatus, reused, more int) {
	for _, s := range all {
		switch {
		case !s.Stale && (s.Reason == "" || len(all) > maxListed):
			reused++
		case len(stale) < maxListed:
			stale = append(stale, s)
		default:
			more++
		}
	}
	return stale, reused, more
}

// banner says why the evidence does not describe the current tree.
func banner(in *Input) []string {
	ev := in.Evidence
	switch ev.State {
	case "current":
		return nil
	case "none":
		return []string{"No signed run yet: nothing here is backed by evidence. Run `sei run` and commit .sei/ and the lock."}
	case "unverified":
		return []string{"The evidence does not verify (" + ev.Problem + "): its claims are not shown as evidence. See `sei verify`."}
	case "foreign":
		if ev.Bundle == nil {
			return []string{"The evidence is the original engine's and does not verify (" + ev.Problem + "): its claims are not shown as evidence."}
		}
		return []string{"The evidence is the original engine's: its signatures verify, but its digests are not sei's, so whether it describes the current tree is unknown. Run `sei migrate`, then `sei run`."}
	}
	out := []string{"The evidence does not describe the current tree: it was computed before these changes (run `sei run`)."}
	for _, s := range ev.Sections {
		if s.Stale {
			out = append(out, s.String())
		}
	}
	return out
}

func controls(b *attest.Bundle, in *Input) []Control {
	groups := map[string]string{}
	for _, r := range in.Manifest.Risk.Risks {
		for _, t := range r.Treat {
			for _, ms := range t.Measures {
				if ms.Inputs != nil && ms.Inputs.Dimension != "" {
					groups[ms.ID] = ms.Inputs.Dimension
				}
			}
		}
	}
	out := make([]Control, 0, len(b.ControlResults))
	for _, c := range b.ControlResults {
		k := Control{ID: c.ControlID, Risk: c.RiskID, Metric: c.MetricKey, Operator: c.Operator,
			Enforcement: c.EnforcementMode, Threshold: c.Threshold, Value: c.ActualValue,
			Verdict: c.Verdict, Underpowered: c.Underpowered, Reason: c.Reason, Group: groups[c.ControlID]}
		if p := c.Power; p != nil {
			k.Low, k.High, k.Level = p.CILow, p.CIHigh, p.CILevel
		}
		out = append(out, k)
	}
	return out
}

func sortedFindings(fs []attest.Finding) []attest.Finding {
	out := append([]attest.Finding(nil), fs...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].File < out[j].File })
	return out
}

// sources collects what the report cites, so that it can list them once.
type sources struct {
	in   *Input
	seen map[string]Source
}

func (s *sources) add(src Source) *Source {
	if s.seen == nil {
		s.seen = map[string]Source{}
	}
	s.seen[src.Artefact] = Source{Artefact: src.Artefact, Digest: src.Digest, Signed: src.Signed}
	return &src
}

// manifest cites a manifest field. The manifest is vouched for when the
// verified bundle is current: its binding pins every section's digest.
func (s *sources) manifest(field string) *Source {
	return s.add(Source{Artefact: s.in.ManifestFile, Field: field, Digest: s.in.ManifestDigest, Signed: s.in.Evidence.Current()})
}

// bundle cites a field of the verified bundle (nil when none verifies).
func (s *sources) bundle(field string) *Source {
	ev := s.in.Evidence
	if ev.Bundle == nil {
		return nil
	}
	return s.add(Source{Artefact: ev.BundleFile, Field: field, Digest: ev.BundleDigest, Signed: true})
}

// history cites git history at HEAD (nil outside git).
func (s *sources) history(field string) *Source {
	if s.in.History == nil || s.in.Head == "" {
		return nil
	}
	return s.add(Source{Artefact: "git history", Field: field, Digest: "commit " + s.in.Head, Signed: false})
}

func (s *sources) list() []Source {
	out := make([]Source, 0, len(s.seen))
	for _, v := range s.seen {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Artefact < out[j].Artefact })
	return out
}
