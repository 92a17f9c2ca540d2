package main

import (
	"bytes"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"seigarrena.dev/sei/adapters"
	"seigarrena.dev/sei/attest"
	"seigarrena.dev/sei/journal"
)

// statusRecord is `sei status`'s record (journal.StatusFile), as the null
// build has one: the last status's output and verdict with every path it
// depended on. While all of them stat the same, the same binary with the
// same arguments and environment would print the same, until the horizon:
// the next periodic review falling due is the only way the clock changes a
// verdict (attest.Replay). A status costs the manifest, the lowering, the
// stat of every source, the decode of the lock and the bundle, and the
// history's replay; a replay costs one lstat per path.
//
// What the paths are: the manifest, the dataset descriptor, the metrics
// file, every file source and stage output (as the null build's), the
// evidence directory less .sei/cache (whole: lock, bundle, keys, acts), and
// git's refs (HEAD, refs/, packed-refs, and shallow, config, grafts and
// alternates where they exist: the history is objects named by them,
// which never change; one of the last four appearing goes unseen).
// Not recorded, by design: pinned keys (--pub, --approver-pub,
// SEI_TRUSTED_KEYS, SEI_TRUSTED_APPROVERS name files anywhere), a .git
// that is a file or above the repository, Dagster pipelines (their stages
// come from a memo keyed by Dagster's version, outside the repository),
// lakehouse tables, and the original engine's lock. DVC and MLflow
// pipelines are: their adapters list their files (adapters.Described), and
// no status verdict depends on a tool's version.
type statusRecord struct {
	repo           string // absolute
	key            []byte
	context        [32]byte
	stdout, stderr bytes.Buffer
	probe          *journal.Recorder
}

// newStatusRecord is nil when the command does not qualify.
func newStatusRecord(c *cli.Context) *statusRecord {
	if len(c.StringSlice("pub")) > 0 || len(c.StringSlice("approver-pub")) > 0 ||
		os.Getenv(attest.EnvTrustedKeys) != "" || os.Getenv(attest.EnvTrustedApprovers) != "" {
		return nil
	}
	key, build := manifestCacheKey(), buildID()
	repo, err := filepath.Abs(repoDir(c))
	if key == nil || build == "" || err != nil {
		return nil
	}
	return &statusRecord{repo: repo, key: key, context: commandContext(c, "sei-status-v1", build, repo)}
}

// replay prints the record and returns its verdict when it still holds.
func (sr *statusRecord) replay(c *cli.Context) (code int, msg string, ok bool) {
	j, err := journal.ReadFile(sr.repo, journal.StatusFile, sr.key)
	if err != nil || j.Context != sr.context {
		return 0, "", false
	}
	if j.UntilNs != 0 {
		if t, err := now(); err != nil || !t.Before(time.Unix(0, j.UntilNs)) {
			return 0, "", false
		}
	}
	if journal.Check(sr.repo, j.Entries) != nil {
		return 0, "", false
	}
	c.App.ErrWriter.Write(j.Stderr)
	c.App.Writer.Write(j.Stdout)
	return int(j.Exit), j.Message, true
}

// capture makes the command's output also go to the record, and makes the
// probe before status reads anything.
func (sr *statusRecord) capture(c *cli.Context) {
	c.App.Writer = io.MultiWriter(c.App.Writer, &sr.stdout)
	c.App.ErrWriter = io.MultiWriter(c.App.ErrWriter, &sr.stderr)
	sr.probe, _ = journal.BeginFile(sr.repo, journal.StatusFile)
}

// drop removes the probe unless finish renamed it into the record: every
// way out of the command calls it.
func (sr *statusRecord) drop() {
	if sr.probe != nil {
		sr.probe.Abort()
	}
}

// finish writes the record of a status that printed st, when the engine's
// graph and the repository's git qualify.
func (sr *statusRecord) finish(e *engine, st *statusReport) {
	if sr == nil || sr.probe == nil {
		return
	}
	if e.store.Healed != "" {
		return
	}
	if fi, err := os.Lstat(filepath.Join(e.repo, ".git")); err != nil || !fi.IsDir() {
		return
	}
	deep, shallow, ok := e.statusDependencies()
	if !ok {
		return
	}
	j := &journal.Journal{Context: sr.context, Exit: int32(st.ExitCode), Message: st.Message,
		Stdout: bytes.Clone(sr.stdout.Bytes()), Stderr: bytes.Clone(sr.stderr.Bytes())}
	if lc := st.Lifecycle; lc != nil && lc.State == attest.Approved && lc.ReviewDue != nil {
		j.UntilNs = lc.ReviewDue.UnixNano()
	}
	sr.probe.Watch(deep, shallow)
	sr.probe.Finish(sr.key, j)
}

// statusDependencies are the paths a status depends on, walked (deep) or
// stat'ed alone (shallow); false when the evidence directory is outside the
// repository or unreadable.
func (e *engine) statusDependencies() (deep, shallow []string, ok bool) {
	for _, n := range e.g.Nodes {
		if n.Table != nil || len(n.Writes) > 0 {
			return nil, nil, false // tables live outside the work tree
		}
	}
	deep = append(e.dependencies(), filepath.ToSlash(e.layout.Lock))
	// A tool's stages: command stages are in sei.yaml; DVC's and MLflow's
	// come from files it names; Dagster's from its definitions loaded by
	// Dagster, whose version (outside the repository) keys the memo.
	if p := e.m.Pipeline; p != nil && p.Tool != "command" {
		d, isFiles := e.adapter.(adapters.Described)
		if !isFiles {
			return nil, nil, false
		}
		files, err := d.PipelineFiles()
		if err != nil {
			return nil, nil, false
		}
		deep = append(deep, files...)
	}
	// Git's files that exist: listing an absent one would list .git
	// itself, whose mtime every `git status` moves (index.lock).
	for _, p := range []string{"HEAD", "refs", "packed-refs", "shallow", "config", "info/grafts", "objects/info/alternates"} {
		if _, err := os.Lstat(filepath.Join(e.repo, ".git", filepath.FromSlash(p))); err == nil {
			deep = append(deep, ".git/"+p)
		}
	}
	ev := path.Clean(filepath.ToSlash(e.evDir()))
	if path.IsAbs(ev) || ev == ".." || strings.HasPrefix(ev, "../") {
		return nil, nil, false
	}
	names, err := os.ReadDir(filepath.Join(e.repo, filepath.FromSlash(ev)))
	if err != nil && !os.IsNotExist(err) {
		return nil, nil, false
	}
	// The evidence directory itself: a file added or removed moves its
	// mtime. Its cache is sei's own, rewritten by every command.
	shallow = append(shallow, ev)
	for _, n := range names {
		if p := path.Join(ev, n.Name()); p != ".sei/cache" {
			deep = append(deep, p)
		}
	}
	return deep, shallow, true
}
