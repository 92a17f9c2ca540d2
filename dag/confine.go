package dag

import (
	"fmt"

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
// the adapter's business).
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
			for p, other := range owner {
				if o != p && (confine.Under(o, p) || confine.Under(p, o)) {
					return &PathError{s.Name, tool, fmt.Errorf("output %q overlaps %q, written by stage %s", o, p, other)}
				}
			}
			owner[o] = s.Name
		}
	}
	return nil
}
