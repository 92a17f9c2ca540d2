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
	return nil
}
