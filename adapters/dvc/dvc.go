// Package dvc is the Reproducer for pipeline.tool: dvc. It reads dvc.yaml
// to declare the stages, runs exactly the stages sei found stale with
// `dvc repro --single-item` (DVC holds a repository lock, so one at a time),
// offline and quiet, and anchors dvc.lock in the bundle.
package dvc

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"

	"seigarrena.dev/sei/adapters"
)

// Adapter drives the dvc CLI of one repository.
type Adapter struct {
	*adapters.PythonTool
}

// New finds dvc (adapters.FindPythonTool) with analytics off and DVC's
// machine-wide state kept inside the repository.

func init() {
	adapters.Register("dvc", func(o adapters.Options) adapters.Reproducer { return New(o.Repo) })
}

func New(repo string) *Adapter {
	tmp := filepath.Join(repo, ".dvc", "tmp")
	return &Adapter{adapters.FindPythonTool(repo, "dvc",
		"DVC_NO_ANALYTICS=1", // no telemetry
		"DVC_SITE_CACHE_DIR="+filepath.Join(tmp, "site-cache"),    // no machine-wide state shared between checkouts
		"DVC_GLOBAL_CONFIG_DIR="+filepath.Join(tmp, "global-cfg"), // the user's and the system's DVC config
		"DVC_SYSTEM_CONFIG_DIR="+filepath.Join(tmp, "system-cfg"), // cannot change a result
	)}
}

func (a *Adapter) Tool() string { return "dvc" }

// Stages are dvc.yaml's. dvc.lock is an output of every sink stage (one
// whose outputs no stage reads), so that restoring a sink from sei's cache
// restores the lock DVC wrote with it; an inner stage must not own the lock,
// or each run's lock would change its output digest and defeat early cutoff.
func (a *Adapter) Stages() ([]adapters.Stage, error) {
	stages, err := readPipeline(a.Repo)
	if err != nil {
		return nil, err
	}
	read := map[string]bool{}
	for _, s := range stages {
		for i, in := range s.Inputs {
			read[in.Path] = true
			if in.Class == "" && dvcTracked(a.Repo, in.Path) {
				s.Inputs[i].Class = adapters.Data // what DVC versions as data is the dataset
			}
		}
	}
	for i := range stages {
		s := &stages[i]
		s.Command = []string{"dvc", "repro", "--single-item", "-q", s.Name}
		sink := true
		for _, o := range s.Outputs {
			sink = sink && !read[o]
		}
		if sink {
			s.Outputs = append(s.Outputs, "dvc.lock")
		}
	}
	return stages, nil
}

// PipelineFiles are dvc.yaml and, for every input, each .dvc file that
// would make it data (adapters.Described).
func (a *Adapter) PipelineFiles() ([]string, error) {
	stages, err := readPipeline(a.Repo)
	if err != nil {
		return nil, err
	}
	files := []string{"dvc.yaml"}
	for _, s := range stages {
		for _, in := range s.Inputs {
			for q := in.Path; q != "." && q != "/" && q != ""; q = path.Dir(q) {
				files = append(files, q+".dvc")
			}
		}
	}
	return files, nil
}

// RunStage runs one stage and only that one: sei has already decided that
// it is stale and that its dependencies are current.
func (a *Adapter) RunStage(ctx context.Context, repo string, s adapters.Stage) (adapters.Run, error) {
	if _, err := os.Stat(filepath.Join(repo, ".dvc")); a.Bin != "" && err != nil {
		return adapters.Run{}, fmt.Errorf("stage %s: %s is not a DVC repository; run `dvc init` there first", s.Name, repo)
	}
	return a.PythonTool.RunStage(ctx, repo, s)
}

// LockDigest is "sha256:" of dvc.lock, as the specification defines
// pipeline_lock_digest for DVC.
func (a *Adapter) LockDigest(_ context.Context, repo string) (string, error) {
	return adapters.FileDigest(repo, "dvc.lock")
}

// dvcTracked reports whether p, or a directory holding it, is tracked by
// `dvc add` (a p.dvc file beside it): the seed's "dataset" in a DVC
// repository, so class C however the stage lists it.
func dvcTracked(repo, p string) bool {
	for q := p; q != "." && q != "/" && q != ""; q = path.Dir(q) {
		if fi, err := os.Lstat(filepath.Join(repo, filepath.FromSlash(q)+".dvc")); err == nil && fi.Mode().IsRegular() {
			return true
		}
	}
	return false
}
