package mlflow

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"seigarrena.dev/sei/adapters"
)

// ProjectFile is the MLflow project definition the adapter reads.
const ProjectFile = "MLproject"

// entry is one MLproject entry point as sei sees it.
type entry struct {
	name    string
	command string // the entry's own command, part of the stage key
	deps    []string
	outs    []string
}

// project is what sei reads of MLproject: its name (the experiment) and
// the entry points in declaration order.
type project struct {
	name    string
	entries []entry
}

// readProject reads MLproject. MLflow declares no files, so each entry
// point sei runs lists them in `deps` and `outs` (dvc.yaml's vocabulary),
// keys MLflow ignores. An entry point with neither is MLflow's only: sei
// does not run it. Errors carry MLproject:line:column.
func readProject(repo string) (project, error) {
	var p project
	data, err := os.ReadFile(filepath.Join(repo, ProjectFile))
	if err != nil {
		return p, fmt.Errorf("%s: %w", ProjectFile, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return p, fmt.Errorf("%s: %w", ProjectFile, err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return p, fmt.Errorf("%s: not a mapping", ProjectFile)
	}
	root := doc.Content[0]
	at := func(n *yaml.Node, format string, args ...any) error {
		return fmt.Errorf("%s:%d:%d: %s", ProjectFile, n.Line, n.Column, fmt.Sprintf(format, args...))
	}
	p.name = "sei"
	if n := adapters.MapGet(root, "name"); n != nil {
		p.name = n.Value
	}
	eps := adapters.MapGet(root, "entry_points")
	if eps == nil || eps.Kind != yaml.MappingNode {
		return p, at(root, "no entry_points mapping")
	}
	for i := 0; i+1 < len(eps.Content); i += 2 {
		name, n := eps.Content[i].Value, eps.Content[i+1]
		e := entry{name: name}
		if n.Kind != yaml.MappingNode {
			return p, at(n, "entry point %s: not a mapping", name)
		}
		cmd := adapters.MapGet(n, "command")
		if cmd == nil || cmd.Value == "" {
			return p, at(n, "entry point %s: no command", name)
		}
		e.command = cmd.Value
		if e.deps, err = adapters.DeclPaths(adapters.MapGet(n, "deps"), false); err != nil {
			return p, atDecl(at, n, name, "deps", err)
		}
		if e.outs, err = adapters.DeclPaths(adapters.MapGet(n, "outs"), true); err != nil {
			return p, atDecl(at, n, name, "outs", err)
		}
		if len(e.deps)+len(e.outs) > 0 {
			p.entries = append(p.entries, e)
		}
	}
	if len(p.entries) == 0 {
		return p, at(eps, "no entry point declares deps or outs, so sei has nothing to run")
	}
	return p, nil
}

// atDecl positions a refused declaration at the path itself when known.
func atDecl(at func(*yaml.Node, string, ...any) error, n *yaml.Node, entry, key string, err error) error {
	var pe *adapters.PathError
	if errors.As(err, &pe) {
		return at(pe.Node, "entry point %s: %s: %v", entry, key, pe.Err)
	}
	return at(n, "entry point %s: %s: %v", entry, key, err)
}
