package adapters

import (
	"fmt"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// DeclPaths reads a declared list of files, dvc.yaml's vocabulary that the
// MLflow adapter reuses in MLproject: items are "path" or {path: {options}}.
func DeclPaths(n *yaml.Node) ([]string, error) {
	if n == nil {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("line %d: not a list", n.Line)
	}
	var out []string
	for _, it := range n.Content {
		switch it.Kind {
		case yaml.ScalarNode:
			out = append(out, filepath.ToSlash(filepath.Clean(it.Value)))
		case yaml.MappingNode:
			for i := 0; i < len(it.Content); i += 2 {
				out = append(out, filepath.ToSlash(filepath.Clean(it.Content[i].Value)))
			}
		default:
			return nil, fmt.Errorf("line %d: an item is neither a path nor a mapping", it.Line)
		}
	}
	return out, nil
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
