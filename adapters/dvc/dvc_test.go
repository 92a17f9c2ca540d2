package dvc

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writeDVC(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dvc.yaml"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestStagesFromLoanPipeline reads the loan scenario's own dvc.yaml.
func TestStagesFromLoanPipeline(t *testing.T) {
	a := New("../../testdata/loan")
	st, err := a.Stages()
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 2 || st[0].Name != "featurize" || st[1].Name != "evaluate" {
		t.Fatalf("stages: %+v", st)
	}
	if want := []string{"data/features.csv"}; !reflect.DeepEqual(st[0].Outputs, want) {
		t.Errorf("featurize outputs %v, want %v (an inner stage must not own dvc.lock)", st[0].Outputs, want)
	}
	if want := []string{"model.pkl", "metrics.json", "dvc.lock"}; !reflect.DeepEqual(st[1].Outputs, want) {
		t.Errorf("evaluate outputs %v, want %v", st[1].Outputs, want)
	}
	var ins []string
	for _, in := range st[1].Inputs {
		ins = append(ins, in.Path+":"+string(in.Class))
	}
	want := "evaluate.py: compliance_eval.py: train.py: data/features.csv: shared_data/policies/assessment_plan.oscal.yaml: params.yaml:impl"
	if got := strings.Join(ins, " "); got != want {
		t.Errorf("evaluate inputs\n got %s\nwant %s", got, want)
	}
	if got := st[1].Command; !reflect.DeepEqual(got, []string{"dvc", "repro", "--single-item", "-q", "evaluate"}) {
		t.Errorf("command %v", got)
	}
	if st[1].Pool != "dvc" || st[1].PoolDepth != 1 {
		t.Errorf("pool %q/%d: DVC locks the repository, one stage at a time", st[1].Pool, st[1].PoolDepth)
	}
}

func TestUnsupportedAndBroken(t *testing.T) {
	cases := map[string]string{
		"stages:\n  a:\n    cmd: x\n    wdir: sub\n":                      "dvc.yaml:4:11: stage a: wdir is not supported",
		"stages:\n  a:\n    foreach: [1, 2]\n    do: {cmd: x}\n":          "dvc.yaml:3:14: stage a: foreach is not supported",
		"stages:\n  a:\n    deps: [x]\n":                                  "dvc.yaml:3:5: stage a: no cmd",
		"stages:\n  a:\n    cmd: x\n    params: [{other.yaml: [k]}, s]\n": "",
		"stages: [1]\n": "dvc.yaml:1:1: no stages mapping",
		// The confinement rule, at the path's own line and column.
		"stages:\n  a:\n    cmd: x\n    outs: [../x]\n":                          `dvc.yaml:4:12: stage a: outs: path "../x" leaves the repository`,
		"stages:\n  a:\n    cmd: x\n    deps: [/etc/shadow]\n":                   `dvc.yaml:4:12: stage a: deps: path "/etc/shadow" is absolute`,
		"stages:\n  a:\n    cmd: x\n    outs:\n      - .git/hooks/pre-commit\n":  `dvc.yaml:5:9: stage a: outs: path ".git/hooks/pre-commit" is reserved`,
		"stages:\n  a:\n    cmd: x\n    metrics: [{sei.yaml: {cache: false}}]\n": `dvc.yaml:4:16: stage a: metrics: path "sei.yaml" is reserved`,
	}
	for body, want := range cases {
		_, err := New(writeDVC(t, body)).Stages()
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v", body, err)
		case want != "" && (err == nil || !strings.HasPrefix(err.Error(), want)):
			t.Errorf("%q: got %v, want %s", body, err, want)
		}
	}
	st, _ := New(writeDVC(t, "stages:\n  a:\n    cmd: x\n    params: [{other.yaml: [k]}, s]\n")).Stages()
	if len(st[0].Inputs) != 2 || st[0].Inputs[0].Path != "other.yaml" || st[0].Inputs[1].Path != "params.yaml" {
		t.Errorf("params files: %+v", st[0].Inputs)
	}
}

func TestMissingDVC(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	a := New(writeDVC(t, "stages:\n  a:\n    cmd: x\n"))
	st, _ := a.Stages()
	_, err := a.RunStage(t.Context(), a.Repo, st[0])
	if err == nil || !strings.Contains(err.Error(), "stage a: dvc not found") {
		t.Errorf("missing dvc: %v", err)
	}
}
