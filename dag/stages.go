package dag

import (
	"path/filepath"

	"seigarrena.dev/sei/adapters"
	"seigarrena.dev/sei/manifest"
)

func joinRepo(repo, p string) string { return filepath.Join(repo, filepath.FromSlash(p)) }

// CommandStages turns a `tool: command` pipeline into adapter stages. The
// command runs through sh -c, so a stage may use pipes and redirections.
func CommandStages(m *manifest.Manifest) []adapters.Stage {
	if m.Pipeline == nil || m.Pipeline.Tool != "command" {
		return nil
	}
	var out []adapters.Stage
	for _, s := range m.Pipeline.Stages {
		st := adapters.Stage{Name: s.Name, Command: []string{"sh", "-c", s.Cmd}, Outputs: s.Outs}
		for _, d := range s.Deps {
			st.Inputs = append(st.Inputs, adapters.Input{Path: d.Path, Class: adapters.EdgeClass(d.Class)})
		}
		out = append(out, st)
	}
	return out
}
