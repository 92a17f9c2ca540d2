package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The status record of a tool pipeline lists the files the tool's stages
// come from (adapters.Described): an edit of dvc.yaml or MLproject, of the
// parameters, or a .dvc file appearing beside an input makes it stale,
// since each can change what status says. Run with the real tools: the
// adapters' lists are what is under test.
func TestStatusRecordOfToolPipelines(t *testing.T) {
	cases := map[string]map[string]func(dir string){
		"dvc": {
			"dvc.yaml edited":    func(dir string) { appendTo(t, dir, "dvc.yaml", "# edited\n") },
			"params.yaml edited": func(dir string) { appendTo(t, dir, "params.yaml", "# edited\n") },
			"a .dvc file beside an input": func(dir string) {
				os.WriteFile(filepath.Join(dir, "data", "german_credit.csv.dvc"), []byte("outs: []\n"), 0o644)
			},
			"a .dvc file above an input": func(dir string) {
				os.WriteFile(filepath.Join(dir, "data.dvc"), []byte("outs: []\n"), 0o644)
			},
		},
		"mlflow": {
			"MLproject edited":   func(dir string) { appendTo(t, dir, "MLproject", "# edited\n") },
			"params.yaml edited": func(dir string) { appendTo(t, dir, "params.yaml", "# edited\n") },
		},
	}
	for tool, changes := range cases {
		t.Run(tool, func(t *testing.T) {
			dir := loanRepo(t, tool)
			t.Setenv("XDG_CACHE_HOME", t.TempDir())
			if _, _, code := seiRun(t, "run", "--repo", dir); code != exitGateFail {
				t.Fatalf("V1 run: exit %d, want the red gate %d", code, exitGateFail)
			}
			shell(t, dir, "git add -A && git commit -qm 'run: V1 evidence'")
			for name, change := range changes {
				plant(t, dir, time.Time{})
				if !replayed(t, dir) {
					t.Fatalf("%s: a planted record was not replayed", name)
				}
				change(dir)
				if replayed(t, dir) {
					t.Errorf("%s: the record was replayed", name)
				}
				shell(t, dir, "git checkout -q -- . && git clean -qfd -e .venv -e .sei -e '*.pkl' -e data/features.csv")
			}
		})
	}
}

func appendTo(t *testing.T, dir, name, s string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_APPEND|os.O_WRONLY, 0)
	if err == nil {
		_, err = f.WriteString(s)
		err = errors.Join(err, f.Close())
	}
	if err != nil {
		t.Fatal(err)
	}
}
