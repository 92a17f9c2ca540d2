package dag

import (
	"path"
	"path/filepath"

	"seigarrena.dev/sei/adapters"
	"seigarrena.dev/sei/manifest"
)

func joinRepo(repo, p string) string { return filepath.Join(repo, filepath.FromSlash(p)) }

// CommandStages turns a `tool: command` or `tool: lakehouse` pipeline into
// adapter stages. The
// command runs through sh -c, so a stage may use pipes and redirections.
func CommandStages(m *manifest.Manifest) []adapters.Stage {
	if m.Pipeline == nil || !m.Pipeline.Tool.HasStages() {
		return nil
	}
	var out []adapters.Stage
	for _, s := range m.Pipeline.Stages {
		st := adapters.Stage{Name: s.Name, Command: []string{"sh", "-c", s.Cmd}, Outputs: s.Outs}
		for _, d := range s.Deps {
			st.Inputs = append(st.Inputs, adapters.Input{Path: d.Path, Class: adapters.EdgeClass(d.Class)})
		}
		for _, t := range s.Reads {
			st.Inputs = append(st.Inputs, adapters.Input{Table: t, Class: adapters.Data, Path: tableFiles(m, t)})
		}
		for _, t := range s.Writes {
			st.Writes = append(st.Writes, adapters.TableWrite{Table: t, Dir: tableFiles(m, t)})
		}
		out = append(out, st)
	}
	return out
}

// tableFiles is what a stage reading table name must see in a strict
// sandbox (read-only): a Delta table's directory, or the directory of an
// Iceberg SQL catalog, where pyiceberg's warehouse lives beside it (the
// catalog file alone when it sits at the repository's top).
func tableFiles(m *manifest.Manifest, name string) string {
	if m.Dataset == nil {
		return ""
	}
	for _, t := range m.Dataset.Tables {
		if t.Name != name {
			continue
		}
		if t.Format == "delta" {
			return t.Path
		}
		if d := path.Dir(t.Catalog); d != "." {
			return d
		}
		return t.Catalog
	}
	return ""
}
