package dvc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"seigarrena.dev/sei/adapters"
)

// DefaultParams is the params file DVC reads when a params entry names none.
const DefaultParams = "params.yaml"

// readPipeline reads dvc.yaml into stages in declaration order. It reads
// what sei needs (cmd, deps, outs, metrics, params) and rejects what it
// cannot model faithfully (wdir, foreach, matrix) with the file, line and
// column, instead of guessing.
func readPipeline(repo string) ([]adapters.Stage, error) {
	file := filepath.Join(repo, "dvc.yaml")
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("dvc.yaml: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("dvc.yaml: %w", err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("dvc.yaml: empty")
	}
	stages := adapters.MapGet(doc.Content[0], "stages")
	if stages == nil || stages.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("dvc.yaml:%d:%d: no stages mapping", doc.Content[0].Line, doc.Content[0].Column)
	}
	var out []adapters.Stage
	for i := 0; i+1 < len(stages.Content); i += 2 {
		s, err := readStage(stages.Content[i].Value, stages.Content[i+1])
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func readStage(name string, n *yaml.Node) (adapters.Stage, error) {
	at := func(m *yaml.Node, format string, args ...any) error {
		return fmt.Errorf("dvc.yaml:%d:%d: stage %s: %s", m.Line, m.Column, name, fmt.Sprintf(format, args...))
	}
	s := adapters.Stage{Name: name, Pool: "dvc", PoolDepth: 1}
	if n.Kind != yaml.MappingNode {
		return s, at(n, "not a mapping")
	}
	for _, key := range []string{"wdir", "foreach", "matrix", "do"} {
		if v := adapters.MapGet(n, key); v != nil {
			return s, at(v, "%s is not supported by sei's DVC adapter; write the stages out", key)
		}
	}
	if adapters.MapGet(n, "cmd") == nil {
		return s, at(n, "no cmd")
	}
	deps, err := adapters.DeclPaths(adapters.MapGet(n, "deps"), false)
	if err != nil {
		return s, atErr(name, n, "deps", err)
	}
	for _, d := range deps {
		s.Inputs = append(s.Inputs, adapters.Input{Path: d})
	}
	params, err := paramFiles(adapters.MapGet(n, "params"))
	if err != nil {
		return s, at(n, "params: %v", err)
	}
	for _, p := range params {
		s.Inputs = append(s.Inputs, adapters.Input{Path: p, Class: adapters.Impl})
	}
	for _, key := range []string{"outs", "metrics", "plots"} {
		o, err := adapters.DeclPaths(adapters.MapGet(n, key), true)
		if err != nil {
			return s, atErr(name, n, key, err)
		}
		s.Outputs = append(s.Outputs, o...)
	}
	return s, nil
}

// atErr positions a refused declaration at the path itself when known.
func atErr(stage string, n *yaml.Node, key string, err error) error {
	line, col := adapters.At(err, n)
	var pe *adapters.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("dvc.yaml:%d:%d: stage %s: %s: %v", line, col, stage, key, err)
}

// paramFiles lists the files a params entry reads: plain keys come from
// params.yaml, {file: [keys]} from file. A params file is an input of the
// stage as a whole (class impl): a finer key-level digest is DVC's own job.
func paramFiles(n *yaml.Node) ([]string, error) {
	if n == nil {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("line %d: not a list", n.Line)
	}
	seen := map[string]bool{}
	var out []string
	add := func(f string) {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	for _, it := range n.Content {
		if it.Kind == yaml.MappingNode {
			for i := 0; i < len(it.Content); i += 2 {
				add(filepath.ToSlash(filepath.Clean(it.Content[i].Value)))
			}
			continue
		}
		add(DefaultParams)
	}
	return out, nil
}
