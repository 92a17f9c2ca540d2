package report

import (
	"bytes"
	"strings"
	"testing"

	"seigarrena.dev/sei/attest"
	"seigarrena.dev/sei/rules"
)

func run(sha string, gate rules.Verdict, controls []attest.ControlRecord, tables ...attest.TableRecord) Run {
	return Run{Snapshot: attest.Snapshot{SHA: sha, Date: "2026-01-10T10:00:00Z", Subject: "run " + sha[:1], SignedBy: "ab12", Gate: gate},
		Bundle: &attest.Bundle{ControlResults: controls, Tables: tables, DataGovernance: &attest.DataGovernance{CroissantDigest: "sha256:aa"}}}
}

func control(id string, v float64, verdict rules.Verdict) attest.ControlRecord {
	return attest.ControlRecord{ControlID: id, RiskID: "risk.r", MetricKey: id, ActualValue: ptr(v), Threshold: 0.03, Operator: "lt", Verdict: verdict}
}

// TestDiffKinds: a treatment, a regression, a control only one run
// measured, an unchanged one, a table's new snapshot and one that appears.
func TestDiffKinds(t *testing.T) {
	a := run(strings.Repeat("1", 40), rules.Fail, []attest.ControlRecord{control("fixed", 0.1, rules.Fail), control("broke", 0.01, rules.Pass),
		control("same", 0.01, rules.Pass), control("gone", 0.01, rules.Pass)}, attest.TableRecord{Name: "apps", Snapshot: "1"})
	b := run(strings.Repeat("2", 40), rules.Fail, []attest.ControlRecord{control("fixed", 0.01, rules.Pass), control("broke", 0.2, rules.Fail),
		control("same", 0.01, rules.Pass), control("new", 0.01, rules.Pass)}, attest.TableRecord{Name: "apps", Snapshot: "7"}, attest.TableRecord{Name: "feats", Snapshot: "3"})
	d := Diff(a, b, nil, nil)
	kinds := map[string]string{}
	for _, c := range d.Controls {
		kinds[c.ID] = c.Treatment
		if c.ID == "same" && c.Changed {
			t.Error("an unchanged control is reported changed")
		}
		if (c.ID == "gone" && c.To != nil) || (c.ID == "new" && c.From != nil) {
			t.Errorf("%s: from %v to %v", c.ID, c.From, c.To)
		}
	}
	if kinds["fixed"] != "Treatment" || kinds["broke"] != "Regression" || kinds["gone"] != "" || kinds["new"] != "" || len(d.Controls) != 5 {
		t.Errorf("kinds %v", kinds)
	}
	if d.Gate.Changed || len(d.Tables) != 2 || !d.Tables[0].Changed || d.Tables[1].From != "" || d.Data.Changed {
		t.Errorf("gate %+v tables %+v data %+v", d.Gate, d.Tables, d.Data)
	}
	var text, md bytes.Buffer
	d.WriteText(&text)
	if err := d.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"control broke: PASS -> FAIL (regression); 0.01 -> 0.2; threshold < 0.03", "control new: - -> PASS; not measured -> 0.01",
		"table apps: 1 -> 7", "table feats: - -> 3", "gate: FAIL (unchanged)"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	if !strings.Contains(md.String(), "| broke | PASS -> FAIL | 0.01 | 0.2 | &lt; 0.03 |") {
		t.Errorf("markdown:\n%s", md.String())
	}
}
