package main

import (
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const module = "seigarrena.dev/sei/"

// leaves are the small shared packages any package may use: they import
// nothing internal but each other (BUILD.md, "Layout").
var leaves = []string{"confine", "atomicfile", "metrics", "croissant", "table"}

// layout is DESIGN.md's table of who may import whom (internal packages
// only), with the leaves above and the packages BUILD.md adds (evidence,
// adapters/all, cache/remote, journal). A package missing here fails the test: the
// table must learn of it first.
var layout = map[string][]string{
	"manifest":           {},
	"rules":              {"manifest"},
	"cache":              {},
	"cache/remote":       {"cache"},
	"adapters":           {},
	"adapters/command":   {"adapters"},
	"adapters/dvc":       {"adapters"},
	"adapters/mlflow":    {"adapters"},
	"adapters/dagster":   {"adapters"},
	"adapters/lakehouse": {"adapters", "adapters/command"},
	"adapters/all":       {"adapters/command", "adapters/dvc", "adapters/mlflow", "adapters/dagster", "adapters/lakehouse"},
	"dag":                {"manifest", "rules", "cache", "adapters", "attest"},
	"attest":             {"manifest", "rules"},
	"evidence":           {"attest", "cache", "dag", "manifest", "rules"},
	"confine":            {},
	"atomicfile":         {"confine"},
	"metrics":            {},
	"croissant":          {},
	"table":              {"confine"},
	"journal":            {},
	"report":             {"attest", "dag", "manifest", "rules"},
}

// TestLayout reads `go list` and fails on any internal import the layout
// does not allow (cmd/sei may import everything).
func TestLayout(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var bad []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg, ok := strings.CutPrefix(f[0], module)
		if !ok || pkg == "cmd/sei" {
			continue
		}
		allowed, known := layout[pkg]
		if !known {
			bad = append(bad, pkg+": not in the layout table (cmd/sei/layout_test.go, BUILD.md)")
			continue
		}
		for _, imp := range f[1:] {
			dep, internal := strings.CutPrefix(imp, module)
			if internal && !contains(allowed, dep) && !(contains(leaves, dep) && !contains(leaves, pkg)) && !leafToLeaf(pkg, dep) {
				bad = append(bad, pkg+" imports "+dep)
			}
		}
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Error(b)
	}
}

// leafToLeaf: a leaf may import another leaf only where the table says so.
func leafToLeaf(pkg, dep string) bool { return contains(layout[pkg], dep) }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
