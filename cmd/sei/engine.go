package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/go-git/go-git/v5"
	"github.com/urfave/cli/v2"

	"seigarrena.dev/sei/adapters"
	"seigarrena.dev/sei/adapters/command"
	"seigarrena.dev/sei/adapters/dagster"
	"seigarrena.dev/sei/adapters/dvc"
	"seigarrena.dev/sei/adapters/mlflow"
	"seigarrena.dev/sei/attest"
	"seigarrena.dev/sei/cache"
	"seigarrena.dev/sei/dag"
	"seigarrena.dev/sei/manifest"
	"seigarrena.dev/sei/rules"
)

// engine is what build, status and query share: the manifest, its graph and
// the repository's cache.
type engine struct {
	m       *manifest.Manifest
	repo    string // absolute
	g       *dag.Graph
	adapter adapters.Reproducer
	store   *cache.Store
}

func openEngine(c *cli.Context) (*engine, error) {
	m, err := loadManifest(c)
	if err != nil {
		return nil, err
	}
	repo, err := filepath.Abs(c.String("repo"))
	if err != nil {
		return nil, err
	}
	e := &engine{m: m, repo: repo}
	if p := m.Pipeline; p != nil {
		switch p.Tool {
		case "command":
			e.adapter = command.New(dag.CommandStages(m), p.Metrics)
		case "dvc":
			e.adapter = dvc.New(repo)
		case "mlflow":
			e.adapter = mlflow.New(repo, p.Metrics)
		case "dagster":
			e.adapter = dagster.New(repo, p.Metrics)
		}
	}
	// The graph's stages come from the adapter (the seam every tool
	// implements), never from the tool's files directly.
	var stages []adapters.Stage
	if e.adapter != nil {
		if stages, err = e.adapter.Stages(); err != nil {
			return nil, fmt.Errorf("%s: %w", e.adapter.Tool(), err)
		}
	}
	if e.g, err = dag.Lower(m, stages); err != nil {
		var ce *dag.CycleError
		if errors.As(err, &ce) {
			return nil, withCode(exitInvalid, fmt.Errorf("%s: pipeline.stages: %w", m.File, err))
		}
		return nil, err
	}
	if e.store, err = cache.Open(filepath.Join(repo, ".sei", "cache")); err != nil {
		return nil, err
	}
	return e, seiGitFiles(filepath.Join(repo, ".sei"))
}

// seiGitFiles keeps the local cache out of git and signed files byte-exact
// (no end-of-line conversion), with files inside .sei so that the
// repository's own .gitignore and .gitattributes are left alone.
func seiGitFiles(dir string) error {
	for name, body := range map[string]string{".gitignore": "cache/\n", ".gitattributes": "* -text\n"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); os.IsNotExist(err) {
			if err := writeFileAtomic(p, []byte(body), 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

func (e *engine) close() { e.store.Close() }

func (e *engine) lockPath() string { return filepath.Join(e.repo, attest.LockFile) }

// lockFor is the lock a complete build earns, without the bundle anchor,
// from the source digests the build itself used (a file edited during the
// build is not mis-anchored). Only `sei run` writes it, together with the
// evidence it anchors: a lock detached from its evidence cannot exist.
func (e *engine) lockFor(rep *dag.Report) *attest.Lock {
	src := make([]cache.Digest, len(e.g.Nodes))
	for _, n := range e.g.Nodes {
		if n.Kind == dag.Source {
			src[n.ID] = rep.Out[n.ID]
		}
	}
	gateFailed := rep.Gate != nil && !rep.Gate.Passed
	sections, inputs := e.g.LockSections(src, e.g.ClassDigestsFrom(src), gateFailed)
	return &attest.Lock{SchemaVersion: attest.LockSchema, ProgramUID: rules.ProgramUID(e.m.System.Name),
		Triple: e.triple(), Sections: sections, Inputs: inputs}
}

// triple: code is HEAD's SHA-1 (empty before the first commit), model the
// declared family and seed, dataset the SHA-256 of the Croissant descriptor.
func (e *engine) triple() attest.Triple {
	var t attest.Triple
	if r, err := git.PlainOpenWithOptions(e.repo, &git.PlainOpenOptions{DetectDotGit: true}); err == nil {
		if h, err := r.Head(); err == nil {
			t.Code = h.Hash().String()
		}
	}
	if a := e.m.Artifacts; a != nil && a.Model != nil {
		t.Model = a.Model.Kind
		if a.Model.Seed != nil {
			t.Model += fmt.Sprintf(":seed=%d", *a.Model.Seed)
		}
	}
	if d := e.m.Dataset; d != nil {
		if b, err := os.ReadFile(filepath.Join(e.repo, filepath.FromSlash(d.Croissant))); err == nil {
			sum := sha256.Sum256(b)
			t.Dataset = "sha256:" + hex.EncodeToString(sum[:])
		}
	}
	return t
}

func (e *engine) programUID() string { return rules.ProgramUID(e.m.System.Name) }

// statusAgainst compares the work tree with a lock through the stat cache.
func (e *engine) statusAgainst(l *attest.Lock) []dag.SectionStatus {
	h, err := e.store.NewHasher()
	if err != nil {
		return []dag.SectionStatus{{Name: "stat cache", Stale: true, Reason: err.Error()}}
	}
	defer h.Flush()
	return e.g.Status(e.repo, h, l)
}
