package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"seigarrena.dev/sei/adapters"
	"seigarrena.dev/sei/attest"
	"seigarrena.dev/sei/dag"
)

func queryCommand() *cli.Command {
	return &cli.Command{
		Name:      "query",
		Usage:     "query the build graph: deps, rdeps, somepath, allpaths, kind, drift, + - ^",
		ArgsUsage: "EXPR",
		Flags: []cli.Flag{repoFlag,
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "text", Usage: "`FORMAT`: text, json, dot or mermaid"},
			&cli.StringFlag{Name: "explain", Usage: "print the key preimage and class digests of `NODE` instead"},
		},
		Action: runQuery,
	}
}

func runQuery(c *cli.Context) error {
	e, err := openEngine(c)
	if err != nil {
		return err
	}
	defer e.close()
	if n := c.String("explain"); n != "" {
		return e.explain(c, n)
	}
	if c.NArg() != 1 {
		return withCode(exitUsage, fmt.Errorf("query takes one expression, e.g. sei query 'rdeps(file:train.py)'"))
	}
	drift, err := e.drift()
	if err != nil {
		return err
	}
	set, path, err := e.g.QueryPath(c.Args().First(), drift)
	if err != nil {
		return withCode(exitUsage, err)
	}
	var names []string
	for _, id := range path {
		names = append(names, e.g.Nodes[id].Name)
	}
	switch c.String("output") {
	case "json":
		data := e.g.QueryData(set)
		data.Path = names
		return printJSON(c.App.Writer, "query", data)
	case "text", "":
		if path != nil { // a path reads in its order, not sorted
			for _, n := range names {
				fmt.Fprintln(c.App.Writer, n)
			}
			return nil
		}
	}
	if err := e.g.WriteQuery(c.App.Writer, set, c.String("output")); err != nil {
		return withCode(exitUsage, err)
	}
	return nil
}

// drift lists the stale sections (for the drift keyword).
func (e *engine) drift() ([]dag.NodeID, error) {
	lock, err := attest.ReadLock(e.lockPath())
	if err != nil {
		return nil, err
	}
	h, err := e.store.NewHasher()
	if err != nil {
		return nil, err
	}
	var ids []dag.NodeID
	for _, s := range e.g.Status(e.repo, h, lock) {
		if id, ok := e.g.Lookup(s.Name); ok && s.Stale {
			ids = append(ids, id)
		}
	}
	return ids, h.Flush()
}

func (e *engine) explain(c *cli.Context, name string) error {
	ids, err := e.targets([]string{name})
	if err != nil {
		return err
	}
	n := e.g.Nodes[ids[0]]
	h, err := e.store.NewHasher()
	if err != nil {
		return err
	}
	src, classes, _ := e.g.Fingerprint(e.repo, h)
	x := explainReport{Node: n.Name, Kind: n.Kind, ClassDigests: map[string]string{}, Preimage: e.store.Preimage(n.Name)}
	if n.Kind == dag.Source {
		x.Class, x.Digest = string(n.Class), src[n.ID].String()
	}
	for _, cl := range adapters.Classes {
		x.ClassDigests[string(cl)] = classes[n.ID].Get(cl).String()
	}
	x.Built = x.Preimage != ""
	switch c.String("output") {
	case "json":
		return printJSON(c.App.Writer, "explain", x)
	case "text", "":
	default:
		return withCode(exitUsage, fmt.Errorf("--explain prints text or json, not %q", c.String("output")))
	}
	w := c.App.Writer
	fmt.Fprintf(w, "node %s\nkind %s\n", n.Name, n.Kind)
	if n.Kind == dag.Source {
		fmt.Fprintf(w, "class %s\ndigest %s\n", x.Class, x.Digest)
	}
	for _, cl := range adapters.Classes {
		fmt.Fprintf(w, "class-digest %s %s\n", cl, x.ClassDigests[string(cl)])
	}
	if x.Built {
		fmt.Fprintf(w, "--- preimage of the last build's key ---\n%s", x.Preimage)
	} else if n.Kind == dag.Stage {
		fmt.Fprintln(w, "--- never built in this cache ---")
	}
	return nil
}

// explainReport is sei query --explain NODE -o json.
type explainReport struct {
	Node         string            `json:"node"`
	Kind         dag.Kind          `json:"kind"`
	Class        string            `json:"class,omitempty"`
	Digest       string            `json:"digest,omitempty"`
	ClassDigests map[string]string `json:"class_digests"`
	Built        bool              `json:"built"`
	Preimage     string            `json:"preimage,omitempty"`
}
