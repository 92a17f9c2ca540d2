package dag

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"seigarrena.dev/sei/adapters"
	"seigarrena.dev/sei/manifest"
)

var update = flag.Bool("update", false, "rewrite golden files")

func chain(t *testing.T, names ...string) *Graph {
	t.Helper()
	g := New()
	var prev NodeID = -1
	for _, n := range names {
		id, err := g.Add(&Node{Name: n, Kind: Rule})
		if err != nil {
			t.Fatal(err)
		}
		if prev >= 0 {
			g.Connect(prev, id, adapters.Impl)
		}
		prev = id
	}
	return g
}

func TestTopoOrder(t *testing.T) {
	g := chain(t, "c", "b", "a")
	order, err := g.Topo()
	if err != nil || len(order) != 3 || g.Nodes[order[0]].Name != "c" || g.Nodes[order[2]].Name != "a" {
		t.Fatalf("order %v, %v", order, err)
	}
}

func TestCycleNamesItsPath(t *testing.T) {
	g := chain(t, "x", "a", "b", "c")
	a, _ := g.Lookup("a")
	c, _ := g.Lookup("c")
	g.Connect(c, a, adapters.Data)
	_, err := g.Topo()
	var ce *CycleError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want a cycle", err)
	}
	if got := ce.Error(); got != "dependency cycle: a -> b -> c -> a" && got != "dependency cycle: b -> c -> a -> b" && got != "dependency cycle: c -> a -> b -> c" {
		t.Errorf("cycle = %q", got)
	}
}

func TestEdgesCarrySeveralClasses(t *testing.T) {
	g := chain(t, "a", "b")
	a, _ := g.Lookup("a")
	b, _ := g.Lookup("b")
	g.Connect(a, b, adapters.Data)
	if es := g.Out(a); len(es) != 1 || es[0].Classes.String() != "impl+data" || g.In(b)[0].Classes != es[0].Classes {
		t.Fatalf("edges %+v", es)
	}
}

func TestLowerLoanGolden(t *testing.T) {
	m, err := manifest.Load("../testdata/loan/sei.yaml", "sei.yaml")
	if err != nil {
		t.Fatal(err)
	}
	stages := []adapters.Stage{
		{Name: "featurize", Command: []string{"python", "featurize.py"}, Outputs: []string{"data/features.parquet"},
			Inputs: []adapters.Input{{Path: "featurize.py"}, {Path: "data/german_credit.csv"}, {Path: "data/german_credit.croissant.json"}}},
		{Name: "evaluate", Command: []string{"python", "evaluate.py"}, Outputs: []string{"model.pkl", "metrics.json"},
			Inputs: []adapters.Input{{Path: "evaluate.py"}, {Path: "train.py"}, {Path: "data/features.parquet"}}},
	}
	g, err := Lower(m, stages)
	if err != nil {
		t.Fatal(err)
	}
	got := []byte(g.String())
	path := "../testdata/golden/graph-loan.txt"
	if *update {
		os.WriteFile(path, got, 0o644)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil || string(want) != string(got) {
		t.Errorf("graph differs from %s (go test ./dag -update)\n%s", path, got)
	}
}

// TestLowerConfinesStagePaths: a tool's pipeline file that names an input
// outside the repository or an output sei may not write is refused.
func TestLowerConfinesStagePaths(t *testing.T) {
	m := &manifest.Manifest{Pipeline: &manifest.Pipeline{Tool: "dvc", Metrics: "metrics.json"}}
	for name, st := range map[string]adapters.Stage{
		"input outside":   {Name: "a", Inputs: []adapters.Input{{Path: "/etc/shadow"}}, Outputs: []string{"x"}},
		"input climbs":    {Name: "a", Inputs: []adapters.Input{{Path: "../x"}}, Outputs: []string{"x"}},
		"output climbs":   {Name: "a", Outputs: []string{"../pwned.txt"}},
		"output in .git":  {Name: "a", Outputs: []string{".git/hooks/post-commit"}},
		"output is .git":  {Name: "a", Outputs: []string{".git"}},
		"output manifest": {Name: "a", Outputs: []string{"sei.yaml"}},
		"output plan":     {Name: "a", Outputs: []string{manifest.DefaultPlanPath}},
		"output newline":  {Name: "a", Outputs: []string{"a\nout b"}},
	} {
		_, err := Lower(m, []adapters.Stage{st})
		var pe *PathError
		if !errors.As(err, &pe) {
			t.Errorf("%s: %v", name, err)
		}
	}
	nested := []adapters.Stage{{Name: "a", Outputs: []string{"models"}}, {Name: "b", Outputs: []string{"models/m.pkl"}}}
	if _, err := Lower(m, nested); err == nil || !strings.Contains(err.Error(), "overlaps") {
		t.Errorf("nested outputs: %v", err)
	}
}

// Every node of every cycle is named, component by component and sorted,
// while a node that only waits on a cycle is not on one.
func TestCycleNamesEveryCycle(t *testing.T) {
	g := chain(t, "p", "q", "r", "after")
	x, _ := g.Add(&Node{Name: "x", Kind: Rule})
	y, _ := g.Add(&Node{Name: "y", Kind: Rule})
	id := func(n string) NodeID { i, _ := g.Lookup(n); return i }
	g.Connect(id("r"), id("p"), adapters.Impl) // p -> q -> r -> p
	g.Connect(x, y, adapters.Impl)
	g.Connect(y, x, adapters.Impl) // x <-> y
	g.Connect(y, id("after"), adapters.Impl)
	_, err := g.Topo()
	var ce *CycleError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v", err)
	}
	want := [][]string{{"p", "q", "r"}, {"x", "y"}}
	if fmt.Sprint(ce.Components) != fmt.Sprint(want) {
		t.Fatalf("components %v, want %v", ce.Components, want)
	}
	if !strings.Contains(ce.Error(), "; every node on a cycle: {p, q, r} {x, y}") {
		t.Errorf("message %q", ce.Error())
	}
}
