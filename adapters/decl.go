package adapters

import (
	"errors"
	"fmt"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"seigarrena.dev/sei/confine"
)

// DeclPaths reads a declared list of files, dvc.yaml's vocabulary that the
// MLflow adapter reuses in MLproject: items are "path" or {path: {options}}.
// Every path must obey the confinement rule (confine.Path for what a stage
// reads, confine.Writable for what it writes, when writes is set); a path
// that does not is a *PathError at its own line and column.
func DeclPaths(n *yaml.Node, writes bool) ([]string, error) {
	if n == nil {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, &PathError{n, fmt.Errorf("not a list")}
	}
	var out []string
	add := func(v *yaml.Node) error {
		check := confine.Path
		if writes {
			check = func(p string) error { return confine.Writable(p) }
		}
		if err := check(v.Value); err != nil {
			return &PathError{v, err}
		}
		out = append(out, filepath.ToSlash(filepath.Clean(v.Value)))
		return nil
	}
	for _, it := range n.Content {
		switch it.Kind {
		case yaml.ScalarNode:
			if err := add(it); err != nil {
				return nil, err
			}
		case yaml.MappingNode:
			for i := 0; i < len(it.Content); i += 2 {
				if err := add(it.Content[i]); err != nil {
					return nil, err
				}
			}
		default:
			return nil, &PathError{it, fmt.Errorf("an item is neither a path nor a mapping")}
		}
	}
	return out, nil
}

// PathError is a declared path refused where it stands in its file.
type PathError struct {
	Node *yaml.Node
	Err  error
}

func (e *PathError) Error() string { return fmt.Sprintf("line %d: %v", e.Node.Line, e.Err) }
func (e *PathError) Unwrap() error { return e.Err }

// At is the position of err when it is a *PathError, else of n.
func At(err error, n *yaml.Node) (line, col int) {
	var pe *PathError
	if errors.As(err, &pe) {
		return pe.Node.Line, pe.Node.Column
	}
	return n.Line, n.Column
}

// MapGet is the value of key in a YAML mapping node, or nil.
func MapGet(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
