package main

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/urfave/cli/v2"

	"seigarrena.dev/sei/attest"
	"seigarrena.dev/sei/report"
)

func diffCommand() *cli.Command {
	return &cli.Command{
		Name:      "diff",
		Usage:     "what changed between two runs of record (default: the last two): verdicts, values and intervals, drift classes and causes, data and tables, acts",
		ArgsUsage: "[REV1] [REV2]",
		Flags: append([]cli.Flag{repoFlag, jsonFlag,
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "text", Usage: "`FORMAT`: text or md (for a pull-request comment)"},
		}, trustFlags...),
		Action: runDiff,
	}
}

func runDiff(c *cli.Context) error {
	if c.NArg() > 2 {
		return withCode(exitUsage, fmt.Errorf("sei diff takes at most two revisions, got %d", c.NArg()))
	}
	if f := c.String("format"); f != "text" && f != "md" {
		return withCode(exitUsage, fmt.Errorf("--format %q: want text or md", f))
	}
	e, err := openEngine(c)
	if err != nil {
		return err
	}
	defer e.close()
	r, err := attest.OpenRepo(e.repo)
	if err != nil {
		return withCode(exitInvalid, fmt.Errorf("sei diff reads the runs of record from git: %w", err))
	}
	tc, err := resolveTrust(c, e.repo, e.evDir())
	if errors.Is(err, attest.ErrNoTrustedKey) && !exists(filepath.Join(e.repo, e.evDir(), attest.BundleFile)) {
		err = tooFewRuns(0) // no evidence yet: say so, not that no key is trusted
	}
	if err != nil {
		return err
	}
	rec, err := reconstructWith(c, e.m, r, tc)
	if err != nil {
		return err
	}
	from, to, err := pickRuns(r, tc.chain, rec.Snapshots, c.Args().Slice())
	if err != nil {
		return err
	}
	a, err := runAt(c, e, r, rec.Snapshots[from])
	if err != nil {
		return err
	}
	b, err := runAt(c, e, r, rec.Snapshots[to])
	if err != nil {
		return err
	}
	d := report.Diff(a, b, e.g.Between(a.Lock, b.Lock), actsBetween(tc.chain, rec, from, to))
	switch {
	case c.Bool("json"):
		return printJSON(c.App.Writer, "diff", d)
	case c.String("format") == "md":
		return d.WriteMarkdown(c.App.Writer)
	}
	d.WriteText(c.App.Writer)
	return nil
}

// pickRuns chooses the two snapshots to compare: the runs of record at or
// before each revision on HEAD's first-parent history; by default the last
// two, and with one revision that run and the last.
func pickRuns(r *git.Repository, chain []*object.Commit, snaps []attest.Snapshot, revs []string) (int, int, error) {
	if len(snaps) < 2 && len(revs) < 2 {
		return 0, 0, tooFewRuns(len(snaps))
	}
	from, to := len(snaps)-2, len(snaps)-1
	var err error
	if len(revs) >= 1 {
		if from, err = runOf(r, chain, snaps, revs[0]); err != nil {
			return 0, 0, err
		}
	}
	if len(revs) == 2 {
		if to, err = runOf(r, chain, snaps, revs[1]); err != nil {
			return 0, 0, err
		}
	}
	if from == to {
		return 0, 0, withCode(exitUsage, fmt.Errorf("both revisions name the same run of record, %s", short(snaps[from].SHA)))
	}
	return from, to, nil
}

func tooFewRuns(n int) error {
	return withCode(exitOutdated, fmt.Errorf("sei diff needs two runs of record (commits that changed the bundle); HEAD's history has %d", n))
}

// runOf is the index of the last snapshot at or before rev on the chain.
func runOf(r *git.Repository, chain []*object.Commit, snaps []attest.Snapshot, rev string) (int, error) {
	h, err := r.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return 0, withCode(exitUsage, fmt.Errorf("revision %q: %w", rev, err))
	}
	pos := map[string]int{}
	for i, c := range chain {
		pos[c.Hash.String()] = i
	}
	at, ok := pos[h.String()]
	if !ok {
		return 0, withCode(exitUsage, fmt.Errorf("revision %q (%s) is not on HEAD's first-parent history, where the runs of record are", rev, short(h.String())))
	}
	found := -1
	for i, s := range snaps {
		if pos[s.SHA] <= at {
			found = i
		}
	}
	if found < 0 {
		return 0, withCode(exitUsage, fmt.Errorf("revision %q (%s) is before the first run of record", rev, short(h.String())))
	}
	return found, nil
}

// runAt reads the bundle and the lock committed with a run of record.
func runAt(c *cli.Context, e *engine, r *git.Repository, s attest.Snapshot) (report.Run, error) {
	commit, err := r.CommitObject(plumbing.NewHash(s.SHA))
	if err != nil {
		return report.Run{}, err
	}
	run := report.Run{Snapshot: s}
	bundle, err := attest.RepoPath(r, filepath.Join(e.repo, e.evDir(), attest.BundleFile))
	if err != nil {
		return run, err
	}
	p, data, _, ok, err := attest.BundleAt(commit, bundle, bundleAliases(bundle, repoLayout(c)))
	if err != nil {
		return run, err
	}
	if !ok {
		return run, errors.New("no bundle at " + short(s.SHA))
	}
	if run.Bundle, err = attest.ParseBundle(p+"@"+short(s.SHA), data); err != nil {
		return run, withCode(exitInvalid, err)
	}
	return run, lockAt(r, e, commit, &run)
}

func lockAt(r *git.Repository, e *engine, commit *object.Commit, run *report.Run) error {
	p, err := attest.RepoPath(r, e.lockPath())
	if err != nil {
		return err
	}
	data, _, ok, err := attest.FileAt(commit, p)
	if err != nil || !ok {
		return err // no lock at that run: the drift shows every section new
	}
	l, err := attest.ParseLock(p+"@"+short(commit.Hash.String()), data)
	if err != nil {
		return withCode(exitInvalid, err)
	}
	run.Lock = l
	return nil
}

// actsBetween are the lifecycle acts committed after run from and up to
// run to, on the chain.
func actsBetween(chain []*object.Commit, rec *attest.Reconstruction, from, to int) []attest.Event {
	pos := map[string]int{}
	for i, c := range chain {
		pos[c.Hash.String()] = i
	}
	lo, hi := pos[rec.Snapshots[from].SHA], pos[rec.Snapshots[to].SHA]
	if lo > hi {
		lo, hi = hi, lo
	}
	var out []attest.Event
	for _, ev := range rec.Lifecycle.Events {
		if p, ok := pos[ev.SHA]; ok && p > lo && p <= hi {
			out = append(out, ev)
		}
	}
	return out
}
