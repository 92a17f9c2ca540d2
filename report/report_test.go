package report

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"seigarrena.dev/sei/attest"
	"seigarrena.dev/sei/dag"
	"seigarrena.dev/sei/manifest"
	"seigarrena.dev/sei/rules"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func ptr(v float64) *float64 { return &v }

// loanInput is the loan scenario after a green V2 run, approved, as a
// fixed Input: the manifest from testdata/loan, a bundle, history and
// signatures written out here so that the golden files pin every byte.
func loanInput(t *testing.T) *Input {
	t.Helper()
	m, err := manifest.Load("../testdata/loan/sei.yaml", "sei.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a, err := rules.Analyze(m)
	if err != nil {
		t.Fatal(err)
	}
	b := &attest.Bundle{SystemName: m.System.Name, IntendedPurpose: m.System.IntendedPurpose,
		Assessor:          attest.Assessor{Name: "Ada Auditor", Email: "ada@example.org", Organization: "acme-bank"},
		ForeseeableMisuse: []attest.Misuse{{ID: "mu.proxy-discrimination", Description: "Proxy variables.", AddressedBy: []string{"risk.unfair-credit-exclusion"}}},
		DataGovernance:    &attest.DataGovernance{Name: "german-credit", Version: "1.0.0", License: "CC-BY-4.0", CroissantDigest: "sha256:" + strings.Repeat("c", 64), DataBiases: "310 women against 690 men."},
		ControlResults: []attest.ControlRecord{{ControlID: "unfair-credit-exclusion", MetricKey: "demographic_parity_diff", ActualValue: ptr(0.0106),
			Threshold: 0.03, Operator: "lt", EnforcementMode: "block", Passed: true, Verdict: rules.Pass, Underpowered: true, RiskID: "risk.unfair-credit-exclusion",
			Power: &rules.Power{CILow: ptr(0.001), CIHigh: ptr(0.0688), CILevel: ptr(0.95)}}},
		OverallResidual:    a.Overall,
		PipelineLockDigest: "sha256:" + strings.Repeat("d", 64),
	}
	for _, r := range a.Risks {
		b.RiskAnalysis = append(b.RiskAnalysis, attest.RiskRecord{RiskID: r.RiskID, Likelihood: string(r.Likelihood), ResidualLikelihood: string(r.ResidualLikelihood),
			Dimensions: r.Dimensions, InherentOverall: string(r.InherentOverall), ResidualOverall: string(r.ResidualOverall), Cycle: attest.CycleRecord{Status: "closed"}})
	}
	v1, v2, id := strings.Repeat("1", 40), strings.Repeat("2", 40), strings.Repeat("0", 40)
	approved := time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC)
	due := approved.AddDate(0, 6, 0)
	h := &attest.Reconstruction{SystemName: m.System.Name,
		Snapshots: []attest.Snapshot{{SHA: v1, Date: "2026-01-10T10:00:00Z", Subject: "run: V1", SignedBy: "ab12", Gate: rules.Fail, Blocking: []string{"unfair-credit-exclusion"}},
			{SHA: v2, Date: "2026-01-11T10:00:00Z", Subject: "run: V2", SignedBy: "ab12", Gate: rules.Pass}},
		Risks: []attest.RiskStory{{RiskID: "risk.unfair-credit-exclusion", IdentifiedSHA: id, IdentifiedDate: "2026-01-09T10:00:00Z",
			Arcs:  []attest.Arc{{ControlID: "unfair-credit-exclusion", Kind: "Treatment", FromSHA: v1, ToSHA: v2, FromVerdict: rules.Fail, ToVerdict: rules.Pass}},
			Cycle: attest.StoryCycle{Status: "closed"}}},
		Lifecycle: attest.Lifecycle{State: attest.Approved, ReviewDue: &due,
			Events: []attest.Event{{Act: "approve", By: "Ada Auditor <ada@example.org>", SHA: strings.Repeat("3", 40), Date: approved, Verified: true, KeyID: "ab12"}}},
	}
	return &Input{Manifest: m, ManifestFile: "sei.yaml", ManifestDigest: "sha256:" + strings.Repeat("a", 64),
		LockFile: "sei.lock", LockDigest: "sha256:" + strings.Repeat("e", 64), History: h, Head: strings.Repeat("3", 40),
		AsOf: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), Tool: "v0.0.0-test",
		Graph: dag.QueryResult{Nodes: []dag.QueryNode{{Name: "file:train.py", Kind: dag.Source}, {Name: "stage:evaluate", Kind: dag.Stage}, {Name: "gate", Kind: dag.Rule}},
			Edges: []dag.QueryEdge{{From: "file:train.py", To: "stage:evaluate", Classes: []string{"impl"}}, {From: "stage:evaluate", To: "gate", Classes: []string{"impl"}}}},
		Evidence: Evidence{State: "current", Bundle: b, BundleFile: ".sei/bundle.json", BundleDigest: "sha256:" + strings.Repeat("b", 64),
			Signatures: []attest.Finding{{File: "sei.lock", OK: true}, {File: "bundle.json.sig", OK: true, KeyID: "ab12"}},
			Sections:   []dag.SectionStatus{{Name: "stage:evaluate"}, {Name: "gate"}}},
	}
}

func render(t *testing.T, in *Input) (html, md []byte) {
	t.Helper()
	d := Build(in)
	var h, m bytes.Buffer
	if err := d.WriteHTML(&h); err != nil {
		t.Fatal(err)
	}
	if err := d.WriteMarkdown(&m); err != nil {
		t.Fatal(err)
	}
	return h.Bytes(), m.Bytes()
}

// TestGolden pins both forms byte for byte, and shows that building again
// (maps iterate in a new order each time) gives the same bytes.
func TestGolden(t *testing.T) {
	html, md := render(t, loanInput(t))
	for i := 0; i < 20; i++ {
		h2, m2 := render(t, loanInput(t))
		if !bytes.Equal(html, h2) || !bytes.Equal(md, m2) {
			t.Fatalf("build %d gave other bytes", i)
		}
	}
	for name, got := range map[string][]byte{"loan.html": html, "loan.md": md} {
		p := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(p, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%v (go test ./report -update writes it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the golden file (go test ./report -update, then review the diff)", name)
		}
	}
}

// TestHostileText: what a manifest or a bundle says is text, in every
// form: no tag, attribute or table cell of the page comes from the input.
func TestHostileText(t *testing.T) {
	in := loanInput(t)
	evil := "x<script>alert(1)</script>\"' onload=alert(2) | cell\n# heading"
	in.Manifest.System.IntendedPurpose = evil
	in.Manifest.System.Name = evil
	in.Evidence.Bundle.RiskAnalysis[0].RiskID = evil
	in.Evidence.Bundle.ControlResults[0].ControlID = evil
	in.History.Snapshots[0].Subject = evil
	html, md := render(t, in)
	for _, bad := range []string{"<script>", "\" onload", "' onload"} {
		if bytes.Contains(html, []byte(bad)) {
			t.Errorf("HTML holds %q from the input", bad)
		}
	}
	if !bytes.Contains(html, []byte("x&lt;script&gt;alert(1)&lt;/script&gt;")) {
		t.Error("HTML lost the escaped text")
	}
	for i, line := range strings.Split(string(md), "\n") {
		if strings.HasPrefix(line, "# heading") || strings.Contains(line, "<script") {
			t.Errorf("Markdown line %d carries the input as syntax: %q", i+1, line)
		}
		if strings.Contains(line, "cell") && !strings.Contains(line, `\| cell`) {
			t.Errorf("Markdown line %d: an unescaped | from the input: %q", i+1, line)
		}
	}
}

// TestGaps: a manifest that declares only what it must has every
// evidence-backed item missing, each named, and outside items apart.
func TestGaps(t *testing.T) {
	m, err := manifest.Parse("sei.yaml", []byte("apiVersion: seigarrena.dev/v1alpha1\nkind: AISystem\nsystem: {name: bare, intended_purpose: \"Nothing yet.\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	d := Build(&Input{Manifest: m, ManifestFile: "sei.yaml", ManifestDigest: "sha256:00", Evidence: Evidence{State: "none"}})
	mand, _, outside := d.Gaps()
	var got []string
	for _, g := range mand {
		got = append(got, g.Label)
	}
	for _, want := range []string{"Provider", "Version", "Pipeline tool and its recorded state", "Development method: the pipeline and its stages",
		"Validation and testing against thresholds fixed in advance", "Human oversight measures (Article 14)", "Cybersecurity measures",
		"Performance metrics", "Risk criteria", "Runs of record", "Standards declared applicable", "Post-market monitoring measures (Article 72)"} {
		if !contains(got, want) {
			t.Errorf("mandatory gaps %q lack %q", got, want)
		}
	}
	if contains(got, "System name") || contains(got, "Intended purpose") {
		t.Errorf("declared facts reported missing: %q", got)
	}
	if len(outside) != 7 {
		t.Errorf("%d items outside sei, want 7: %+v", len(outside), outside)
	}
	if len(d.Banner) != 1 || !strings.Contains(d.Banner[0], "No signed run yet") {
		t.Errorf("banner %q", d.Banner)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// TestMatrixPlacement: the loan's fairness risk sits at LIKELY × HIGH with
// its arrow to UNLIKELY × HIGH; cells are judged against the strictest
// appetite (MEDIUM of individual and society, not organization's HIGH).
func TestMatrixPlacement(t *testing.T) {
	mx := Build(loanInput(t)).Matrix
	p := mx.Risks[0]
	if p.Risk != "risk.unfair-credit-exclusion" || p.L != 3 || p.I != 3 || p.RL != 1 || p.Within || !p.ResidualWithin {
		t.Errorf("placement %+v", p)
	}
	if mx.Appetite != "MEDIUM" || mx.Cells[3][3] != "HIGH" || mx.Cells[0][0] != "LOW" || mx.Cells[4][4] != "CRITICAL" {
		t.Errorf("appetite %s, cells %v", mx.Appetite, mx.Cells)
	}
	if svg := mx.SVG(); strings.Count(svg, `class="cell"`) != 25 || strings.Count(svg, `class="treatment"`) != 2 {
		t.Errorf("matrix SVG: %d cells, %d arrows", strings.Count(svg, `class="cell"`), strings.Count(svg, `class="treatment"`))
	}
}

// TestGraphLimits: a graph too large to read is not drawn, and says how to
// draw it; a middling one loses its sources first.
func TestGraphLimits(t *testing.T) {
	var q dag.QueryResult
	for i := 0; i < 100; i++ {
		q.Nodes = append(q.Nodes, dag.QueryNode{Name: "file:" + string(rune('a'+i%26)) + strings.Repeat("x", i), Kind: dag.Source})
	}
	q.Nodes = append(q.Nodes, dag.QueryNode{Name: "stage:s", Kind: dag.Stage}, dag.QueryNode{Name: "gate", Kind: dag.Rule})
	q.Nodes = append(q.Nodes, q.Nodes[:30]...)
	svg, note := GraphSVG(q)
	if note != "" || strings.Contains(svg, `class="node source"`) || !strings.Contains(svg, `class="node stage"`) {
		t.Errorf("middling graph: note %q, sources drawn %v", note, strings.Contains(svg, "node source"))
	}
	var big dag.QueryResult
	for i := 0; i <= maxDrawn; i++ {
		big.Nodes = append(big.Nodes, dag.QueryNode{Name: "stage:" + strings.Repeat("s", i+1), Kind: dag.Stage})
	}
	if svg, note := GraphSVG(big); svg != "" || !strings.Contains(note, "sei query") {
		t.Errorf("large graph drawn (%d bytes), note %q", len(svg), note)
	}
}

// TestBarWithoutValue: a MISSING value draws the threshold and the word,
// never a coordinate from nothing.
func TestBarWithoutValue(t *testing.T) {
	c := Control{ID: "c", Operator: "gte", Threshold: 0.8}
	svg := c.BarSVG()
	if !strings.Contains(svg, "MISSING") || strings.Contains(svg, "NaN") || strings.Contains(svg, `class="value"`) || !strings.Contains(svg, "≥ 0.8") {
		t.Errorf("bar %s", svg)
	}
	if c.VerdictText() != "" || c.Interval() != "" || c.ValueText() != "MISSING" {
		t.Errorf("texts %q %q %q", c.VerdictText(), c.Interval(), c.ValueText())
	}
}

// TestBarAtFloatLimits: values near the float limits (a hostile metrics
// file) draw no coordinate from an infinite scale.
func TestBarAtFloatLimits(t *testing.T) {
	c := Control{ID: "c", Operator: "lt", Threshold: 0.03, Value: ptr(1e308), Low: ptr(-1.7e308), High: ptr(1.7e308)}
	svg := c.BarSVG()
	for _, bad := range []string{"NaN", "Inf", "-9223372036854775808"} {
		if strings.Contains(svg, bad) {
			t.Errorf("bar holds %s: %s", bad, svg)
		}
	}
	if !strings.Contains(svg, "1e+308 &lt; 0.03") {
		t.Errorf("bar %s", svg)
	}
}

// TestLargeGraphStaysReadable: at 10k stages the lists that grow with the
// graph are cut, so the Markdown fits a CI job summary (1 MiB).
func TestLargeGraphStaysReadable(t *testing.T) {
	in := loanInput(t)
	in.Evidence.Sections = nil
	in.Graph = dag.QueryResult{}
	for i := 0; i < 10000; i++ {
		name := "stage:s" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + fmt.Sprint(i)
		in.Graph.Nodes = append(in.Graph.Nodes, dag.QueryNode{Name: name, Kind: dag.Stage})
		in.Evidence.Sections = append(in.Evidence.Sections, dag.SectionStatus{Name: name, Stale: i < 300, Reason: "train.py changed"})
	}
	d := Build(in)
	if len(d.Drift) != maxListed || d.MoreStale != 100 || d.Reused != 9700 {
		t.Errorf("drift: %d listed, %d more stale, %d reused", len(d.Drift), d.MoreStale, d.Reused)
	}
	html, md := render(t, in)
	if len(md) > 200<<10 || len(html) > 400<<10 {
		t.Errorf("Markdown %d bytes, HTML %d bytes: the lists were not cut", len(md), len(html))
	}
	if !bytes.Contains(md, []byte("and 100 more stale section(s)")) || !bytes.Contains(md, []byte(", and 9800 more")) {
		t.Error("the cut lists do not say how much they left out")
	}
}

// TestStampDates: the PDF's clock times become the report's day, with the
// file's length (and so its cross-reference offsets) unchanged.
func TestStampDates(t *testing.T) {
	in := []byte("<</Producer (Skia/PDF m156)\n/CreationDate (D:20261204021100+00'00')\n/ModDate (D:20261204021159+00'00')>>")
	out := stampDates(in, "2026-02-01")
	want := "<</Producer (Skia/PDF m156)\n/CreationDate (D:20260201000000+00'00')\n/ModDate (D:20260201000000+00'00')>>"
	if string(out) != want || len(out) != len(in) {
		t.Errorf("stamped %q", out)
	}
}
