package dag

import (
	"fmt"
	"path"

	"seigarrena.dev/sei/adapters"
	"seigarrena.dev/sei/confine"
)

// PathError is a stage whose pipeline file (sei.yaml, dvc.yaml,
// MLproject, Dagster metadata) names a path that breaks the confinement
// rule: an input outside the repository, or an output sei may not write.
// Tools' own files are checked here whatever the adapter already checked,
// so no stage of any tool can make sei cache or restore outside the
// declared outputs.
type PathError struct {
	Stage, Tool string
	Err         error
}

func (e *PathError) Error() string {
	return fmt.Sprintf("stage %s (%s): %v", e.Stage, e.Tool, e.Err)
}

func (e *PathError) Unwrap() error { return e.Err }

// checkStagePaths applies the rule to every stage: inputs stay inside the
// repository, outputs are writable and not the plan, and no output is
// inside another's (two DVC sink stages both own dvc.lock: equal paths are
// the adapter's business). Nesting is found by looking each output's
// parent directories up, so the cost is outputs × depth, not outputs².
func checkStagePaths(stages []adapters.Stage, tool, plan string) error {
	owner := map[string]string{}
	for _, s := range stages {
		for _, in := range s.Inputs {
			if err := confine.Path(in.Path); err != nil {
				return &PathError{s.Name, tool, fmt.Errorf("input: %w", err)}
			}
		}
		for _, o := range s.Outputs {
			if err := confine.Writable(o, plan); err != nil {
				return &PathError{s.Name, tool, fmt.Errorf("output: %w", err)}
			}
			owner[o] = s.Name
		}
	}
	for _, s := range stages { // in declaration order: the same error every run
		for _, o := range s.Outputs {
			for p := path.Dir(o); p != "."; p = path.Dir(p) {
				if other, ok := owner[p]; ok {
					return &PathError{s.Name, tool, fmt.Errorf("output %q overlaps %q, written by stage %s", o, p, other)}
				}
			}
		}
	}
	return nil
}
