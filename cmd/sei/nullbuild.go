package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"seigarrena.dev/sei/adapters"
	"seigarrena.dev/sei/cache"
	"seigarrena.dev/sei/dag"
	"seigarrena.dev/sei/journal"
)

// nullBuild is `sei build`'s null-build record (package journal): replay
// answers a build from it while nothing the last null build saw changed;
// otherwise the full build runs, and a full build that did nothing leaves
// a new record. Targets, --dry-run, --json, --tables pinned and a remote
// cache print or do more than a record holds: those builds take the full
// path. With -v or --explain a replay says so on standard error.
type nullBuild struct {
	repo    string // absolute
	key     []byte
	context [32]byte
	stderr  bytes.Buffer
	// probe is the recorder, made before the build reads anything (the
	// manifest included): nil when it could not be.
	probe *journal.Recorder
}

// newNullBuild is nil when the command does not qualify.
func newNullBuild(c *cli.Context) *nullBuild {
	if c.Args().Len() > 0 || c.Bool("dry-run") || c.Bool("json") ||
		(c.String("tables") != "current" && c.String("tables") != "") || c.String("remote-cache") != "" {
		return nil
	}
	key, build := manifestCacheKey(), buildID()
	repo, err := filepath.Abs(repoDir(c))
	if key == nil || build == "" || err != nil {
		return nil
	}
	return &nullBuild{repo: repo, key: key, context: commandContext(c, "sei-null-build-v1", build, repo)}
}

// commandContext digests what a command's output depends on besides the
// files of its record: the kind of record, the binary, where it runs, its
// arguments and the environment sei reads (its own variables, and those
// that decide the terminal, the sandbox's programs and the key locations).
func commandContext(c *cli.Context, kind, build, repo string) [32]byte {
	h := sha256.New()
	cwd, _ := os.Getwd()
	argv, _ := c.App.Metadata["argv"].([]string)
	if argv == nil {
		argv = os.Args
	}
	for _, s := range append([]string{kind, build, repo, cwd}, argv[1:]...) {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "CI", "TERM", "NO_COLOR", "HOME", "PATH", "XDG_CONFIG_HOME", "XDG_CACHE_HOME":
			env = append(env, kv)
		default:
			if strings.HasPrefix(name, "SEI_") {
				env = append(env, kv)
			}
		}
	}
	sort.Strings(env)
	for _, kv := range env {
		h.Write([]byte(kv))
		h.Write([]byte{0})
	}
	var d [32]byte
	h.Sum(d[:0])
	return d
}

// replay prints the record and reports true when it still holds. It takes
// the repository's lock without waiting: a build in progress is changing
// the files, so the full path waits for it instead.
func (nb *nullBuild) replay(c *cli.Context) bool {
	j, err := journal.Read(nb.repo, nb.key)
	if err != nil || j.Context != nb.context {
		return false // none, forged, or another command line's: the full build replaces it
	}
	unlock, ok, err := cache.TryLock(filepath.Join(nb.repo, ".sei", "cache"))
	if err != nil || !ok {
		return false
	}
	defer unlock()
	if journal.Check(nb.repo, j.Entries) != nil {
		return false
	}
	if j.Sandboxed && adapters.SandboxAvailable() != nil {
		return false // the full path says why
	}
	c.App.ErrWriter.Write(j.Stderr)
	if c.Bool("verbose") || c.Bool("explain") {
		fmt.Fprintf(c.App.ErrWriter, "sei: null build: none of the %d paths of the last one changed (%s); its output replayed\n", len(j.Entries), journal.File)
	}
	c.App.Writer.Write(j.Stdout)
	return true
}

// capture makes the command's standard error also go to the record, and
// makes the recorder's probe, before the build reads anything.
func (nb *nullBuild) capture(c *cli.Context) {
	c.App.ErrWriter = io.MultiWriter(c.App.ErrWriter, &nb.stderr)
	nb.probe, _ = journal.BeginFile(nb.repo, journal.File)
}

// drop removes the probe unless finish renamed it into the record (then
// there is nothing left to remove): every way out of the build calls it.
func (nb *nullBuild) drop() {
	if nb != nil && nb.probe != nil {
		nb.probe.Abort()
	}
}

// begin is the recorder once the graph is known, nil (the probe dropped)
// when the graph's outcome does not depend on files alone.
func (nb *nullBuild) begin(e *engine) *journal.Recorder {
	if nb == nil || nb.probe == nil {
		return nil
	}
	if !e.nullable() {
		nb.probe.Abort()
		return nil
	}
	nb.probe.Watch(e.dependencies(), nil)
	return nb.probe
}

// finish writes the record when the build did nothing at all.
// A build that waited for another's lock printed a message a replay must
// not repeat; a healed cache's warning is said once.
func (nb *nullBuild) finish(r *journal.Recorder, e *engine, rep *dag.Report, stdout []byte) {
	if r == nil {
		return
	}
	if e.waited || e.store.Healed != "" || !isNull(rep) {
		r.Abort()
		return
	}
	r.Finish(nb.key, &journal.Journal{Context: nb.context, Sandboxed: e.sandboxed,
		Stdout: stdout, Stderr: bytes.Clone(nb.stderr.Bytes())})
}

// isNull: every stage was up to date and nothing else happened.
func isNull(rep *dag.Report) bool {
	return rep.OK() && rep.Ran == 0 && rep.Cached == 0 && rep.Restore == 0 && rep.Rejected == 0 &&
		rep.WouldRun == 0 && rep.UpToDate == rep.Stages && len(rep.Tables) == 0
}

// nullable: the graph's outcome depends on files alone. Lakehouse tables
// live outside the work tree, and the DVC, MLflow and Dagster adapters
// read their pipeline files and tool versions, which a record does not
// list: those builds always take the full path.
func (e *engine) nullable() bool {
	if p := e.m.Pipeline; p != nil && p.Tool != "command" {
		return false
	}
	for _, n := range e.g.Nodes {
		if n.Table != nil || len(n.Writes) > 0 {
			return false
		}
	}
	return true
}

// dependencies are the paths a command build's outcome depends on: the
// manifest, the dataset descriptor, the metrics file, every file source
// and every stage output (directories whole).
func (e *engine) dependencies() []string {
	paths := []string{filepath.ToSlash(e.layout.Manifest)}
	if d := e.m.Dataset; d != nil {
		paths = append(paths, d.Croissant)
	}
	if p := e.m.Pipeline; p != nil && p.Metrics != "" {
		paths = append(paths, p.Metrics)
	}
	for _, n := range e.g.Nodes {
		switch {
		case n.Kind == dag.Source && n.Path != "":
			paths = append(paths, n.Path)
		case n.Kind == dag.Stage && n.Stage != nil:
			paths = append(paths, n.Stage.Outputs...)
		}
	}
	return paths
}
