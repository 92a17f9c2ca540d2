package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/urfave/cli/v2"

	"seigarrena.dev/sei/adapters"
	_ "seigarrena.dev/sei/adapters/all" // every tool registers itself
	"seigarrena.dev/sei/attest"
	"seigarrena.dev/sei/cache"
	"seigarrena.dev/sei/confine"
	"seigarrena.dev/sei/croissant"
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
	layout  manifest.Layout // where the manifest, lock and evidence are
	// lock is the lock as a command already read it (lockRead), so that
	// verification does not parse a large one twice.
	lock     *attest.Lock
	lockRead bool
	// waited: another sei held the build lock; sandboxed: the build
	// checked the sandbox (both for the null-build record).
	waited, sandboxed bool
}

func openEngine(c *cli.Context) (*engine, error) {
	m, err := loadManifest(c)
	if err != nil {
		return nil, err
	}
	repo, err := filepath.Abs(repoDir(c))
	if err != nil {
		return nil, err
	}
	e := &engine{m: m, repo: repo, layout: repoLayout(c)}
	if p := m.Pipeline; p != nil {
		opts := adapters.Options{Repo: repo, Metrics: p.Metrics, Memo: adapterMemo(), Sandbox: loadSandbox(c, m, repo)}
		if p.Tool.HasStages() {
			opts.Stages = dag.CommandStages(m)
		}
		if e.adapter, err = adapters.New(string(p.Tool), opts); err != nil {
			return nil, withCode(exitInvalid, fmt.Errorf("%s: %w", m.File, err))
		}
	}
	// The graph's stages come from the adapter (the seam every tool
	// implements), never from the tool's files directly.
	var stages []adapters.Stage
	if e.adapter != nil {
		if stages, err = e.adapter.Stages(); err != nil {
			// The tool's pipeline file is input like sei.yaml: exit 3.
			return nil, withCode(exitInvalid, fmt.Errorf("%s: %w", e.adapter.Tool(), err))
		}
	}
	if e.g, err = dag.LowerWith(m, stages, datasetFiles(c, repo, m)); err != nil {
		var ce *dag.CycleError
		if errors.As(err, &ce) {
			return nil, withCode(exitInvalid, fmt.Errorf("%s: pipeline.stages: %w", m.File, err))
		}
		var pe *dag.PathError
		if errors.As(err, &pe) {
			return nil, withCode(exitInvalid, err)
		}
		return nil, err
	}
	if err := confine.NoLinks(repo, ".sei/cache"); err != nil {
		return nil, withCode(exitInvalid, fmt.Errorf("%w: sei writes only inside the repository", err))
	}
	if e.store, err = cache.Open(filepath.Join(repo, ".sei", "cache")); err != nil {
		if !errors.Is(err, fs.ErrPermission) && !errors.Is(err, syscall.EROFS) {
			return nil, err
		}
		// A read-only checkout: status, query and verify still work.
		if e.store, err = cache.OpenTemp(); err != nil {
			return nil, err
		}
		fmt.Fprintln(c.App.ErrWriter, "sei: note: .sei/cache is not writable; using a temporary cache for this command")
		return e, nil
	}
	if e.store.Healed != "" {
		fmt.Fprintln(c.App.ErrWriter, "sei: warning:", e.store.Healed)
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

func (e *engine) lockPath() string { return filepath.Join(e.repo, e.layout.Lock) }

// evDir is the evidence directory, relative to the repository.
func (e *engine) evDir() string { return e.layout.Dir }

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

// datasetFiles are the files the Croissant descriptor distributes, which
// are data (class C) wherever they live. A descriptor that cannot be read
// is one warning, not a failure: data_governance reports it.
func datasetFiles(c *cli.Context, repo string, m *manifest.Manifest) []string {
	d := m.Dataset
	if d == nil {
		return nil
	}
	b, err := confine.ReadRegular(filepath.Join(repo, filepath.FromSlash(d.Croissant)), 64<<20)
	if err == nil {
		var files []string
		if files, err = croissant.Files(b, d.Croissant); err == nil {
			return files
		}
	}
	if !errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(c.App.ErrWriter, "sei: warning: dataset.croissant: %v; its files are not recognised as data\n", err)
	}
	return nil
}
