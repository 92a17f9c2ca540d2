package report

import (
	"sort"

	"seigarrena.dev/sei/attest"
	"seigarrena.dev/sei/dag"
	"seigarrena.dev/sei/rules"
)

// Run is one run of record: its snapshot in the history (with who signed
// it) and the bundle and lock committed there.
type Run struct {
	Snapshot attest.Snapshot
	Bundle   *attest.Bundle
	Lock     *attest.Lock
}

// RunDiff is what changed from one run of record to a later one: `sei diff`.
type RunDiff struct {
	From     attest.Snapshot `json:"from"`
	To       attest.Snapshot `json:"to"`
	Gate     VerdictChange   `json:"gate"`
	Controls []ControlChange `json:"controls"`
	// Drift is every section whose digests differ between the two locks,
	// with its classes and the sources that changed.
	Drift    []dag.SectionStatus `json:"drift"`
	Residual Change              `json:"overall_residual"`
	Data     Change              `json:"dataset"` // the Croissant descriptor's (or tables') digest
	Code     Change              `json:"code"`    // the commit each run measured
	Tables   []TableChange       `json:"tables"`
	// Acts are the lifecycle acts committed after From's run up to To's.
	Acts []attest.Event `json:"acts"`
}

// VerdictChange is a verdict before and after.
type VerdictChange struct {
	From    rules.Verdict `json:"from"`
	To      rules.Verdict `json:"to"`
	Changed bool          `json:"changed"`
}

// Change is any other value before and after.
type Change struct {
	From    string `json:"from"`
	To      string `json:"to"`
	Changed bool   `json:"changed"`
}

func change(a, b string) Change { return Change{From: a, To: b, Changed: a != b} }

// ControlChange is one control in either run. A control only one run
// measured has the other's verdict empty.
type ControlChange struct {
	ID        string        `json:"control_id"`
	Risk      string        `json:"risk_id"`
	Verdict   VerdictChange `json:"verdict"`
	From      *Measured     `json:"from,omitempty"`
	To        *Measured     `json:"to,omitempty"`
	Changed   bool          `json:"changed"`        // the verdict, the value or the interval moved
	Treatment string        `json:"kind,omitempty"` // Treatment (FAIL→PASS) or Regression (PASS→FAIL)
}

// Measured is a control's value in one run.
type Measured struct {
	Value        *float64      `json:"value"`
	CILow        *float64      `json:"ci_low,omitempty"`
	CIHigh       *float64      `json:"ci_high,omitempty"`
	Threshold    float64       `json:"threshold"`
	Operator     string        `json:"operator"`
	Verdict      rules.Verdict `json:"verdict"`
	Underpowered bool          `json:"underpowered"`
}

// TableChange is a table's snapshot in each run ("" where absent).
type TableChange struct {
	Name    string `json:"name"`
	From    string `json:"from"`
	To      string `json:"to"`
	Changed bool   `json:"changed"`
}

// Diff compares two runs; drift is the graph's comparison of their locks
// (dag.Graph.Between), acts the lifecycle acts between them.
func Diff(from, to Run, drift []dag.SectionStatus, acts []attest.Event) *RunDiff {
	d := &RunDiff{From: from.Snapshot, To: to.Snapshot, Acts: acts, Controls: []ControlChange{}, Tables: []TableChange{}, Drift: []dag.SectionStatus{}}
	if d.Acts == nil {
		d.Acts = []attest.Event{}
	}
	for _, s := range drift {
		if s.Stale {
			d.Drift = append(d.Drift, s)
		}
	}
	d.Gate = VerdictChange{From: from.Snapshot.Gate, To: to.Snapshot.Gate, Changed: from.Snapshot.Gate != to.Snapshot.Gate}
	d.Controls = controlChanges(from.Bundle, to.Bundle)
	d.Residual = change(string(from.Bundle.OverallResidual.Level), string(to.Bundle.OverallResidual.Level))
	d.Data = change(datasetOf(from), datasetOf(to))
	d.Code = change(codeOf(from), codeOf(to))
	d.Tables = tableChanges(from.Bundle.Tables, to.Bundle.Tables)
	return d
}

func datasetOf(r Run) string {
	if r.Lock != nil && r.Lock.Triple.Dataset != "" {
		return r.Lock.Triple.Dataset
	}
	if g := r.Bundle.DataGovernance; g != nil {
		return g.CroissantDigest
	}
	return ""
}

func codeOf(r Run) string {
	if r.Bundle.ComputedFrom != nil {
		return r.Bundle.ComputedFrom.Commit
	}
	return r.Bundle.Triple.Code
}

func measured(c attest.ControlRecord) *Measured {
	m := &Measured{Value: c.ActualValue, Threshold: c.Threshold, Operator: c.Operator, Verdict: c.Verdict, Underpowered: c.Underpowered}
	if p := c.Power; p != nil {
		m.CILow, m.CIHigh = p.CILow, p.CIHigh
	}
	return m
}

func controlChanges(a, b *attest.Bundle) []ControlChange {
	byID := map[string]*ControlChange{}
	var ids []string
	get := func(c attest.ControlRecord) *ControlChange {
		if x, ok := byID[c.ControlID]; ok {
			return x
		}
		x := &ControlChange{ID: c.ControlID, Risk: c.RiskID}
		byID[c.ControlID], ids = x, append(ids, c.ControlID)
		return x
	}
	for _, c := range a.ControlResults {
		x := get(c)
		x.From, x.Verdict.From = measured(c), c.Verdict
	}
	for _, c := range b.ControlResults {
		x := get(c)
		x.To, x.Verdict.To = measured(c), c.Verdict
	}
	sort.Strings(ids)
	out := make([]ControlChange, 0, len(ids))
	for _, id := range ids {
		x := byID[id]
		x.Verdict.Changed = x.Verdict.From != x.Verdict.To
		x.Changed = x.Verdict.Changed || !sameMeasure(x.From, x.To)
		switch {
		case x.Verdict.From == rules.Pass && x.Verdict.To != rules.Pass && x.Verdict.To != "":
			x.Treatment = "Regression"
		case x.Verdict.From != rules.Pass && x.Verdict.From != "" && x.Verdict.To == rules.Pass:
			x.Treatment = "Treatment"
		}
		out = append(out, *x)
	}
	return out
}

func sameMeasure(a, b *Measured) bool {
	if a == nil || b == nil {
		return a == b
	}
	return eqPtr(a.Value, b.Value) && eqPtr(a.CILow, b.CILow) && eqPtr(a.CIHigh, b.CIHigh) && a.Threshold == b.Threshold && a.Operator == b.Operator
}

func eqPtr(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func tableChanges(a, b []attest.TableRecord) []TableChange {
	snap := map[string]*TableChange{}
	var names []string
	for i, ts := range [][]attest.TableRecord{a, b} {
		for _, t := range ts {
			x, ok := snap[t.Name]
			if !ok {
				x = &TableChange{Name: t.Name}
				snap[t.Name], names = x, append(names, t.Name)
			}
			if i == 0 {
				x.From = t.Snapshot
			} else {
				x.To = t.Snapshot
			}
		}
	}
	sort.Strings(names)
	out := make([]TableChange, 0, len(names))
	for _, n := range names {
		x := snap[n]
		x.Changed = x.From != x.To
		out = append(out, *x)
	}
	return out
}
