package dag

import (
	"strings"
	"testing"

	"seigarrena.dev/sei/adapters"
	"seigarrena.dev/sei/attest"
	"seigarrena.dev/sei/manifest"
)

// TestBetween: two runs' locks differ in a stage's impl digest because its
// script changed; a section only the later lock has, and one the graph no
// longer has, are told apart; equal sections are Reused.
func TestBetween(t *testing.T) {
	m, err := manifest.Parse("sei.yaml", []byte("apiVersion: seigarrena.dev/v1alpha1\nkind: AISystem\nsystem: {name: p, intended_purpose: p}\n"))
	if err != nil {
		t.Fatal(err)
	}
	g, err := Lower(m, []adapters.Stage{{Name: "train", Inputs: []adapters.Input{{Path: "train.sh", Class: adapters.Impl}}, Outputs: []string{"model.bin"}}})
	if err != nil {
		t.Fatal(err)
	}
	entry := func(impl string) attest.LockEntry {
		return attest.LockEntry{Classes: map[string]string{"scope": "s", "impl": impl, "data": "d"}}
	}
	from := &attest.Lock{Sections: map[string]attest.LockEntry{"stage:train": entry("1"), "gate": entry("g"), "old:section": entry("o")},
		Inputs: map[string]string{"file:train.sh": "a"}}
	to := &attest.Lock{Sections: map[string]attest.LockEntry{"stage:train": entry("2"), "gate": entry("g"), "risks": entry("r")},
		Inputs: map[string]string{"file:train.sh": "b"}}
	got := map[string]string{}
	for _, s := range g.Between(from, to) {
		got[s.Name] = s.String()
	}
	want := map[string]string{
		"stage:train": "stage:train: Stale (B): train.sh changed",
		"gate":        "gate: Reused",
		"risks":       "risks: Stale (new in the later run)",
		"old:section": "old:section: Stale (absent from the later run)",
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: %q, want %q (all: %s)", name, got[name], w, strings.Join(keys(got), ", "))
		}
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	return out
}
