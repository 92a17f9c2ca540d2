package manifest

import (
	"fmt"
	"seigarrena.dev/sei/confine"

	"gopkg.in/yaml.v3"
)

// decodeNode reads a dep written as a plain path or as {path, class}.
func (d *Dep) decodeNode(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		s, err := scalarString(n)
		d.Path = s
		return err
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("want a path or {path, class}, got %s", describe(n))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		var err error
		switch k {
		case "path":
			d.Path, err = scalarString(v)
		case "class":
			err = d.Class.decodeNode(v)
		default:
			err = fmt.Errorf("unknown key %q in a dep (known keys: class, path)", k)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	if d.Path == "" {
		return fmt.Errorf("a dep needs a path")
	}
	return nil
}

// checkStages validates a command pipeline's stages: unique names, paths
// inside the repository, and no output written by two stages. Cycles are
// reported by the graph, which can name the whole cycle.
func (m *Manifest) checkStages(errs *ErrorList) {
	p := m.Pipeline
	if p == nil {
		return
	}
	if !p.Tool.HasStages() {
		if len(p.Stages) > 0 {
			m.errAt(errs, "pipeline.stages", "stages are declared only for tool: command or lakehouse; %s reads its own pipeline file", p.Tool)
		}
		return
	}
	if len(p.Stages) == 0 {
		m.errAt(errs, "pipeline", "tool: %s needs at least one stage in pipeline.stages", p.Tool)
	}
	names := map[string]string{}
	outs := map[string]string{}
	writers := map[string]string{} // table name -> the stage writing it
	for i, st := range p.Stages {
		sp := fmt.Sprintf("pipeline.stages[%d]", i)
		m.checkID(errs, sp+".name", st.Name, names)
		if st.Cmd == "" {
			m.errAt(errs, sp+".cmd", "the command may not be empty")
		}
		for j, d := range st.Deps {
			if err := checkRelPath(d.Path); err != nil {
				m.errAt(errs, fmt.Sprintf("%s.deps[%d]", sp, j), "%v", err)
			}
		}
		for j, r := range st.Reads {
			if !m.hasTable(r) {
				m.errAt(errs, fmt.Sprintf("%s.reads[%d]", sp, j), "no table %q in dataset.tables", r)
			}
		}
		m.checkWrites(errs, sp, st, writers)
		for j, o := range st.Outs {
			op := fmt.Sprintf("%s.outs[%d]", sp, j)
			if err := confine.Writable(o, m.PlanPath()); err != nil {
				m.errAt(errs, op, "%v", err)
			} else if first, dup := outs[o]; dup {
				m.errAt(errs, op, "%q is already written by stage %s", o, first)
			}
			outs[o] = st.Name
		}
	}
}

// checkWrites validates a stage's writes: declared tables, each written by
// one stage only (two writers would race for its next snapshot), and
// never also read by the same stage (its key would depend on its output).
func (m *Manifest) checkWrites(errs *ErrorList, sp string, st Stage, writers map[string]string) {
	reads := map[string]bool{}
	for _, r := range st.Reads {
		reads[r] = true
	}
	for j, w := range st.Writes {
		at := fmt.Sprintf("%s.writes[%d]", sp, j)
		switch first, dup := writers[w]; {
		case !m.hasTable(w):
			m.errAt(errs, at, "no table %q in dataset.tables", w)
		case dup:
			m.errAt(errs, at, "table %q is already written by stage %s", w, first)
		case reads[w]:
			m.errAt(errs, at, "stage %s both reads and writes table %q: its key would depend on its own output", st.Name, w)
		}
		writers[w] = st.Name
	}
}

func (m *Manifest) hasTable(name string) bool {
	if m.Dataset == nil {
		return false
	}
	for _, t := range m.Dataset.Tables {
		if t.Name == name {
			return true
		}
	}
	return false
}
