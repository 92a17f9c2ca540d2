package attest

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Binding is what a run's evidence was computed from: the system (program
// uid), the commit, every section's input digests and every source's
// digest, and the pipeline lock digest. The lock carries the same values,
// unsigned; the bundle's are signed, so the verifier can tell foreign
// evidence (another system), stale evidence (the tree moved on) and a lock
// that was edited or detached.
type Binding struct {
	ProgramUID         string               `json:"program_uid"`
	Commit             string               `json:"commit"`
	Sections           map[string]LockEntry `json:"sections"`
	Inputs             map[string]string    `json:"inputs"`
	PipelineLockDigest string               `json:"pipeline_lock_digest"`
}

// BindingOf is the binding a lock records (the lock of the same run).
func BindingOf(l *Lock, pipelineLockDigest string) *Binding {
	return &Binding{ProgramUID: l.ProgramUID, Commit: l.Triple.Code, Sections: l.Sections,
		Inputs: l.Inputs, PipelineLockDigest: pipelineLockDigest}
}

// Lock is the lock the binding describes (without its anchor), the form
// drift status compares a work tree with.
func (b *Binding) Lock() *Lock {
	return &Lock{SchemaVersion: LockSchema, ProgramUID: b.ProgramUID, Triple: Triple{Code: b.Commit},
		Sections: b.Sections, Inputs: b.Inputs}
}

// Disagreement lists where a lock differs from the bundle it anchors
// (sorted, at most a few), or "" when it agrees.
func (b *Binding) Disagreement(l *Lock) string {
	var diffs []string
	if l.ProgramUID != b.ProgramUID {
		diffs = append(diffs, "program_uid")
	}
	if l.Triple.Code != b.Commit {
		diffs = append(diffs, "triple.code")
	}
	for _, name := range unionKeys(l.Sections, b.Sections) {
		le, lok := l.Sections[name]
		be, bok := b.Sections[name]
		if lok != bok || le.Status != be.Status || le.InputHash != be.InputHash || le.EdgeType != be.EdgeType || !sameMap(le.Classes, be.Classes) {
			diffs = append(diffs, "sections."+name)
		}
	}
	for _, name := range unionKeys(l.Inputs, b.Inputs) {
		if l.Inputs[name] != b.Inputs[name] {
			diffs = append(diffs, "inputs."+name)
		}
	}
	if len(diffs) > 4 {
		diffs = append(diffs[:4], fmt.Sprintf("and %d more", len(diffs)-4))
	}
	return strings.Join(diffs, ", ")
}

func unionKeys[V any](a, b map[string]V) []string {
	seen := map[string]bool{}
	for k := range a {
		seen[k] = true
	}
	for k := range b {
		seen[k] = true
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// BundlePredicate is what the bundle's signature says beyond the file's
// digest, so that a policy engine can read the verdict from the verified
// statement alone: the result (PASSED or FAILED, in-toto's test-result
// vocabulary), each control, and what the run measured. Numbers are
// decimal strings, which survive any JSON reader unrounded.
func BundlePredicate(b *Bundle) map[string]any {
	result := "PASSED"
	if !b.Gate().Passed {
		result = "FAILED"
	}
	controls := []map[string]any{}
	for _, c := range b.ControlResults {
		ctl := map[string]any{"id": c.ControlID, "metric": c.MetricKey, "comparator": c.Operator,
			"threshold": decimal(c.Threshold), "verdict": string(c.Verdict), "enforcement": c.EnforcementMode,
			"underpowered": c.Underpowered}
		if c.ActualValue != nil {
			ctl["value"] = decimal(*c.ActualValue)
		}
		controls = append(controls, ctl)
	}
	p := map[string]any{"system": b.SystemName, "result": result, "controls": controls}
	if f := b.ComputedFrom; f != nil {
		sections := map[string]string{}
		for name, e := range f.Sections {
			sections[name] = e.InputHash
		}
		p["program_uid"], p["commit"], p["sections"] = f.ProgramUID, f.Commit, sections
		p["pipeline_lock_digest"] = f.PipelineLockDigest
	}
	return p
}

func decimal(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// PredicateAgrees checks a verified bundle statement against the bundle's
// bytes: the same verdicts and digests, or an error naming the first
// difference. Both were signed, so a difference means a broken signer.
func PredicateAgrees(v *Verified, b *Bundle) error {
	if v.Legacy() {
		return nil
	}
	want := basePredicate()
	for k, x := range BundlePredicate(b) {
		want[k] = x
	}
	w, err := Canonical(want)
	if err != nil {
		return err
	}
	if !bytes.Equal(w, v.Statement.Predicate) {
		return fmt.Errorf("the signed predicate disagrees with bundle.json (verdicts or digests differ)")
	}
	return nil
}
