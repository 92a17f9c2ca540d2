package dag

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"seigarrena.dev/sei/adapters"
	"seigarrena.dev/sei/cache"
	"seigarrena.dev/sei/confine"
)

// RemoteCache shares action results between machines (cache/remote). It
// is consulted after a local miss and told about every result that ran
// here; its failures never fail a build, so it returns no errors.
type RemoteCache interface {
	// Fetch stores a verified remote result for id in s; false on a miss.
	Fetch(ctx context.Context, id cache.ActionID, s *cache.Store) bool
	// Put uploads a result that ran here (when uploads are allowed).
	Put(ctx context.Context, id cache.ActionID, r *cache.Result, s *cache.Store)
}

// execStage looks the stage up in the action cache; on a hit it puts any
// missing or changed output back from the CAS, on a miss it runs the
// command through the adapter and records the result, blobs first.
func (b *Builder) execStage(ctx context.Context, n *Node) NodeResult {
	pre := b.G.Preimage(n.ID, b.toolVersion, b.st.out)
	key := Key(pre)
	// Null-build path: same key as last time and outputs unchanged on disk
	// (stat cache): nothing to look up, nothing to run.
	// A stage writing tables is not on it: its tables must be checked.
	if m, ok := b.memos[n.Name]; ok && m.Key == key && len(n.Writes) == 0 {
		if out, ok := b.outputsNow(n); ok && out == m.Out {
			return NodeResult{State: UpToDate, out: out}
		}
	}
	res, ok := b.Store.Get(key)
	// A stage writing tables is not shared: its output is a commit to a
	// table on this machine, which no other machine's result can name.
	if !ok && b.Remote != nil && !b.DryRun && len(n.Writes) == 0 && b.Remote.Fetch(ctx, key, b.Store) {
		res, ok = b.Store.Get(key) // fetched, verified and stored locally
	}
	rejected := ""
	if ok {
		if err := b.admissible(n, res); err != nil {
			if !b.DryRun {
				b.Store.Forget(key) // never again: the entry is hostile or broken
			}
			rejected, ok = err.Error(), false
		}
	}
	reason := ""
	if ok && len(n.Writes) > 0 {
		err := b.tablesKept(n, res)
		if err != nil && !errors.Is(err, ErrTableMoved) {
			// Unreadable, not moved on: a run would commit on top of a
			// corrupt table, and its failure would not name it.
			return NodeResult{State: Failed, Err: fmt.Errorf("%w (repair the table, or remove it and the stage writes it anew)", err)}
		}
		if err != nil {
			reason, ok = err.Error(), false // not hostile: the table moved on
		}
	}
	if ok {
		if st, ok := b.restore(n, res); ok {
			out := outputsDigest(res.Outputs, res.Tables)
			if !b.DryRun {
				b.Store.SetMemo(n.Name, cache.NodeMemo{Key: key, Out: out, DurationNs: res.DurationNs}, pre)
			}
			return NodeResult{State: st, out: out, wrote: res.Tables}
		}
	}
	if reason == "" {
		reason = b.explain(n.Name, pre)
	}
	if b.DryRun {
		return NodeResult{State: WouldRun, Reason: reason, Rejected: rejected}
	}
	if err := b.tablesWritable(n); err != nil {
		return NodeResult{State: Failed, Reason: reason, Err: err, Rejected: rejected}
	}
	if err := b.outputDirs(n); err != nil {
		return NodeResult{State: Failed, Reason: reason, Err: err, Rejected: rejected}
	}
	if bt := b.batchable(n); bt != nil {
		if members := b.ask(n.ID); len(members) > 0 {
			return b.runBatch(ctx, bt, n, key, pre, members, NodeResult{Reason: reason, Rejected: rejected})
		}
	}
	sctx := adapters.WithSandbox(ctx, b.Sandbox.For(b.Adapter.Tool(), *n.Stage))
	run, err := b.Adapter.RunStage(sctx, b.Repo, b.stageEnv(n))
	r := NodeResult{Reason: reason, Stdout: run.Stdout, Stderr: run.Stderr, Duration: run.Duration, Rejected: rejected}
	switch {
	case err != nil:
		r.State, r.Err = Failed, err
		return r
	case ctx.Err() != nil:
		r.State, r.Err = Failed, fmt.Errorf("%s: interrupted", n.Name)
		return r
	case run.ExitCode != 0:
		r.State, r.Err = Failed, fmt.Errorf("%s: command exited with status %d", n.Name, run.ExitCode)
		return r
	}
	if r.out, r.wrote, err = b.record(ctx, n, key, pre, run); err != nil {
		r.State, r.Err = Failed, err
		return r
	}
	r.State = Ran
	return r
}

// record stores a stage's run in the cache, blobs first, and returns its
// output digest and the table versions it wrote.
func (b *Builder) record(ctx context.Context, n *Node, key cache.ActionID, pre string, run adapters.Run) (cache.Digest, []cache.TableVersion, error) {
	var none cache.Digest
	outs, err := b.collectOutputs(n)
	if err != nil {
		return none, nil, err
	}
	tables, err := b.wroteTables(n)
	if err != nil {
		return none, nil, err
	}
	res := &cache.Result{Outputs: outs, DurationNs: int64(run.Duration), Tables: tables}
	// Empty output is the zero digest: no blob, no write.
	if len(run.Stdout) > 0 {
		if res.Stdout, err = b.Store.PutBytes(run.Stdout); err != nil {
			return none, nil, err
		}
	}
	if len(run.Stderr) > 0 {
		if res.Stderr, err = b.Store.PutBytes(run.Stderr); err != nil {
			return none, nil, err
		}
	}
	if err := b.Store.Put(key, res); err != nil {
		return none, nil, err
	}
	if b.Remote != nil && len(n.Writes) == 0 {
		b.Remote.Put(ctx, key, res, b.Store)
	}
	out := outputsDigest(outs, tables)
	return out, tables, b.Store.SetMemo(n.Name, cache.NodeMemo{Key: key, Out: out, DurationNs: int64(run.Duration)}, pre)
}

// restore makes the work tree hold a cached result's outputs. ok=false means
// a blob was missing or corrupt: the caller runs the stage instead.
func (b *Builder) restore(n *Node, res *cache.Result) (State, bool) {
	st := Cached
	put := b.Store.Restore
	if b.Sandbox.For(b.Adapter.Tool(), *n.Stage).Mode == adapters.Strict {
		put = b.Store.RestoreLink // the stage's next run writes by rename, never in place
	}
	for _, o := range res.Outputs {
		full := b.abs(o.Path)
		if d, _, err := b.Hasher.File(full); err == nil && d == o.Digest {
			continue
		}
		if b.DryRun {
			return Restored, true
		}
		if err := put(o.Digest, full, confine.Mode(os.FileMode(o.Mode))); err != nil {
			return "", false
		}
		st = Restored
	}
	switch extra, err := b.extraOutputs(n, res); {
	case err != nil:
		return "", false
	case len(extra) > 0 && b.DryRun:
		return Restored, true
	case len(extra) > 0:
		for _, p := range extra {
			if err := os.Remove(p); err != nil {
				return "", false
			}
		}
		st = Restored
	}
	return st, true
}

// extraOutputs are the files inside a stage's declared output directories
// that its result does not list (written there behind sei's back): a
// restore removes them, as Bazel clears a tree artifact, so that the
// outputs are the result's and the next null build finds them as recorded.
func (b *Builder) extraOutputs(n *Node, res *cache.Result) ([]string, error) {
	listed := make(map[string]bool, len(res.Outputs))
	for _, o := range res.Outputs {
		listed[b.abs(o.Path)] = true
	}
	var extra []string
	for _, p := range n.Stage.Outputs {
		root := b.abs(p)
		if fi, err := os.Lstat(root); err != nil || !fi.IsDir() {
			continue
		}
		// Removal follows no symlink on the way (admissible checked the
		// result's paths; this is the directory itself, checked again).
		if err := confine.NoLinks(b.Repo, p); err != nil {
			return nil, err
		}
		err := filepath.WalkDir(root, func(full string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && !listed[full] {
				extra = append(extra, full)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return extra, nil
}

// explain says why a stage has no cached result: the preimage lines that
// differ from the last build's, or that it never ran.
func (b *Builder) explain(name, pre string) string {
	if _, ok := b.memos[name]; !ok {
		return "no previous build of this stage"
	}
	old := b.Store.Preimage(name)
	was := map[string]bool{}
	for _, l := range strings.Split(old, "\n") {
		was[l] = true
	}
	var changed []string
	for _, l := range strings.Split(pre, "\n") {
		if !was[l] {
			f := strings.Fields(l)
			if len(f) >= 2 {
				changed = append(changed, f[0]+" "+f[1])
			}
		}
	}
	if len(changed) == 0 {
		return "its cached result is gone (trimmed or corrupt)"
	}
	return "changed: " + strings.Join(changed, ", ")
}

// outputsNow digests a stage's declared outputs as they are on disk, through
// the stat cache; ok=false when one is missing or unreadable.
func (b *Builder) outputsNow(n *Node) (cache.Digest, bool) {
	outs, missing, err := b.walkOutputs(n, b.Hasher.FileInfo)
	if missing != "" || err != nil {
		return cache.Digest{}, false
	}
	return outputsDigest(outs, nil), true
}

// admissible checks a cached result, local or remote, before any of its
// bytes reach the work tree: every output path obeys the confinement rule
// and lies in one of the stage's declared outputs, every declared output is
// there, no path is given twice, a declared file is not also a directory,
// and nothing is reached through a symlink. A result that breaks it is
// refused whole; the stage runs here.
func (b *Builder) admissible(n *Node, res *cache.Result) error {
	declared := n.Stage.Outputs
	seen := map[string]bool{}
	covered := map[string]bool{}
	asFile, asDir := map[string]bool{}, map[string]bool{}
	for _, o := range res.Outputs {
		if err := confine.Writable(o.Path, b.M.PlanPath()); err != nil {
			return err
		}
		if seen[o.Path] {
			return fmt.Errorf("output %q is given twice", o.Path)
		}
		seen[o.Path] = true
		owner := ""
		for _, d := range declared {
			if confine.Under(o.Path, d) {
				owner = d
			}
		}
		if owner == "" {
			return fmt.Errorf("%q is not a declared output of %s", o.Path, n.Name)
		}
		if o.Path == owner {
			asFile[owner] = true
		} else {
			asDir[owner] = true
		}
		if asFile[owner] && asDir[owner] {
			return fmt.Errorf("%q is both a file and a directory", owner)
		}
		covered[owner] = true
		if err := confine.NoLinks(b.Repo, o.Path); err != nil {
			return err
		}
	}
	for _, d := range declared {
		if !covered[d] {
			return fmt.Errorf("the declared output %q is missing from it", d)
		}
	}
	return nil
}

func envName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, s)
}
