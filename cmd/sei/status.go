package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"seigarrena.dev/sei/attest"
	"seigarrena.dev/sei/dag"
)

const (
	exitStale    = exitOutdated // 4: a section is stale
	exitGateFail = 5            // the last build's gate had a failed blocking control
)

func statusCommand() *cli.Command {
	return &cli.Command{
		Name:   "status",
		Usage:  "per section: Reused, or Stale with its drift class (A, B, C) and why; runs nothing",
		Flags:  []cli.Flag{repoFlag, jsonFlag},
		Action: runStatus,
	}
}

func runStatus(c *cli.Context) error {
	if err := noArgs(c); err != nil {
		return err
	}
	e, err := openEngine(c)
	if err != nil {
		return err
	}
	defer e.close()
	lock, err := attest.ReadLock(e.lockPath())
	if err != nil {
		return withCode(exitInvalid, err)
	}
	h, err := e.store.NewHasher()
	if err != nil {
		return err
	}
	st := e.g.Status(e.repo, h, lock)
	if err := h.Flush(); err != nil {
		return err
	}
	if c.Bool("json") {
		if err := printJSON(c.App.Writer, st); err != nil {
			return err
		}
	} else {
		for _, s := range st {
			fmt.Fprintln(c.App.Writer, s)
		}
	}
	lc, err := statusLifecycle(e)
	if err != nil {
		return err
	}
	if lc != nil && !c.Bool("json") {
		fmt.Fprintln(c.App.Writer, lifecycleLine(lc))
	}
	stale := 0
	for _, s := range st {
		if s.Stale {
			stale++
		}
	}
	if stale > 0 {
		return withCode(exitStale, fmt.Errorf("%d section(s) stale; run `sei build`", stale))
	}
	if entry, ok := dag.LockEntryOf(lock, dag.Gate); ok && entry.Status == "failed" {
		return withCode(exitGateFail, fmt.Errorf("fresh, but a blocking control failed in the last build"))
	}
	if lc != nil && lc.State == attest.UnderReview {
		return withCode(exitStale, fmt.Errorf("periodic review overdue since %s (review_interval %s); run `sei review`",
			lc.Since.UTC().Format("2006-01-02"), e.m.Risk.ReviewInterval))
	}
	return nil
}

// statusLifecycle is the lifecycle at HEAD, or nil outside git or before
// the first commit (a new repository is simply a draft).
func statusLifecycle(e *engine) (*attest.Lifecycle, error) {
	r, err := attest.OpenRepo(e.repo)
	if err != nil {
		return nil, nil
	}
	if _, err := r.Head(); err != nil {
		return nil, nil
	}
	lc, _, err := lifecycleOf(r, e.m.Risk.ReviewInterval)
	if err != nil {
		return nil, err
	}
	return &lc, nil
}

func lifecycleLine(lc *attest.Lifecycle) string {
	s := "lifecycle: " + string(lc.State)
	if lc.Since != nil {
		s += " since " + lc.Since.UTC().Format("2006-01-02")
	}
	if lc.ReviewDue != nil && lc.State == attest.Approved {
		s += "; next review due " + lc.ReviewDue.UTC().Format("2006-01-02")
	}
	return s
}
