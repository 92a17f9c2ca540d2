package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"

	"github.com/urfave/cli/v2"

	"seigarrena.dev/sei/cache"
	"seigarrena.dev/sei/dag"
)

// The scheduling flags build and run share.
var (
	jobsFlag      = &cli.IntFlag{Name: "jobs", Aliases: []string{"j"}, Value: runtime.NumCPU(), Usage: "run `N` actions at once"}
	explainFlag   = &cli.BoolFlag{Name: "explain", Usage: "say why each stage runs"}
	keepGoingFlag = &cli.BoolFlag{Name: "keep-going", Aliases: []string{"k"}, Usage: "after a failure, go on with what does not depend on it"}
)

func buildCommand() *cli.Command {
	return &cli.Command{
		Name:      "build",
		Usage:     "recompute the stale part of the graph, in parallel; sei.lock and the evidence are written by `sei run` only",
		ArgsUsage: "[TARGET...]",
		Flags: append([]cli.Flag{repoFlag, jobsFlag,
			&cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "say what would run and why; run and write nothing"},
			explainFlag, keepGoingFlag, sandboxFlag,
		}, remoteFlags...),
		Action: runBuild,
	}
}

func runBuild(c *cli.Context) error {
	e, err := openEngine(c)
	if err != nil {
		return err
	}
	defer e.close()
	targets, err := e.targets(c.Args().Slice())
	if err != nil {
		return err
	}
	ctx, done, err := e.exclusive(c)
	if err != nil {
		return err
	}
	defer done()
	rep, err := e.build(ctx, c, targets)
	if err != nil {
		return err
	}
	printReport(c.App.Writer, c.App.ErrWriter, rep, c.Bool("dry-run"))
	if !rep.OK() {
		return fmt.Errorf("build failed: %d failed", rep.Failed)
	}
	return nil
}

func (e *engine) build(ctx context.Context, c *cli.Context, targets []dag.NodeID) (*dag.Report, error) {
	b := &dag.Builder{G: e.g, M: e.m, Repo: e.repo, Store: e.store, Adapter: e.adapter,
		Jobs: c.Int("jobs"), KeepGoing: c.Bool("keep-going"), DryRun: c.Bool("dry-run")}
	b.OnDone = progress(c.App.Writer, c.Bool("explain") || c.Bool("dry-run"), isTerminal(c.App.Writer))
	if !c.Bool("dry-run") {
		sb, err := e.sandbox(c)
		if err != nil {
			return nil, err
		}
		b.Sandbox = sb
	}
	rc, err := remoteClient(c)
	if err != nil {
		return nil, err
	}
	if rc != nil {
		b.Remote = rc
		defer func() { fmt.Fprintln(c.App.Writer, rc.Stats()) }()
	}
	return b.Build(ctx, targets)
}

// exclusive takes the repository's build lock (waiting, with a message,
// while another sei holds it) and a context that Ctrl-C and SIGTERM cancel.
// done releases both.
func (e *engine) exclusive(c *cli.Context) (context.Context, func(), error) {
	unlock, err := cache.Lock(filepath.Join(e.repo, ".sei", "cache"), func() {
		fmt.Fprintln(c.App.ErrWriter, "sei: another sei is building this repository; waiting for it")
	})
	if err != nil {
		return nil, nil, err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	return ctx, func() { stop(); unlock() }, nil
}

// targets resolves node names given on the command line.
func (e *engine) targets(names []string) ([]dag.NodeID, error) {
	var ids []dag.NodeID
	for _, n := range names {
		id, ok := e.g.Lookup(n)
		if !ok {
			id, ok = e.g.Lookup("stage:" + n)
		}
		if !ok {
			return nil, withCode(exitUsage, fmt.Errorf("no node %q (see `sei query '*'`)", n))
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// progress prints one plain line per stage that ran, was restored, failed or
// would run; a null build prints only the summary. On a terminal it also
// keeps a live "[done/total] node" line, rewritten in place.
func progress(w io.Writer, explain, tty bool) func(dag.NodeResult, int, int) {
	return func(r dag.NodeResult, done, total int) {
		if tty {
			fmt.Fprintf(w, "\r\033[K[%d/%d] %s", done, total, r.Name)
		}
		switch r.State {
		case dag.Ran, dag.Restored, dag.Failed, dag.WouldRun:
		default:
			if tty && done == total {
				fmt.Fprint(w, "\r\033[K")
			}
			return
		}
		line := fmt.Sprintf("[%d/%d] %s %s", done, total, r.State, r.Name)
		if r.State == dag.Ran {
			line += fmt.Sprintf(" (%.1fs)", r.Duration.Seconds())
		}
		if explain && r.Reason != "" {
			line += ": " + r.Reason
		}
		if tty {
			line = "\r\033[K" + line
		}
		fmt.Fprintln(w, line)
	}
}

// isTerminal reports whether w is an interactive terminal (and not CI).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("CI") == "true" || os.Getenv("TERM") == "dumb" {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func printReport(w, ew io.Writer, rep *dag.Report, dry bool) {
	for _, r := range rep.Results {
		if r.State != dag.Failed {
			continue
		}
		fmt.Fprintf(ew, "sei: %v\n", r.Err)
		if len(r.Stdout) > 0 {
			fmt.Fprintf(ew, "--- stdout of %s ---\n%s", r.Name, r.Stdout)
		}
		if len(r.Stderr) > 0 {
			fmt.Fprintf(ew, "--- stderr of %s ---\n%s", r.Name, r.Stderr)
		}
	}
	for _, r := range rep.Results {
		if r.Rejected != "" {
			fmt.Fprintf(ew, "sei: warning: %s: cached result rejected: %s; running it here\n", r.Name, r.Rejected)
		}
	}
	verb := "built"
	if dry {
		verb = "dry run"
	}
	fmt.Fprintf(w, "%s: %d nodes, %d stages ran, %d cached, %d restored, %d failed\n",
		verb, len(rep.Results), rep.Ran, rep.Cached, rep.Restore, rep.Failed)
	if rep.Rejected > 0 {
		fmt.Fprintf(w, "cache: %d cached result(s) rejected by the confinement rule and run here\n", rep.Rejected)
	}
	if g := rep.Gate; g != nil {
		if g.Passed {
			fmt.Fprintln(w, "gate: PASS")
		} else {
			fmt.Fprintf(w, "gate: FAIL (%v)\n", g.Blocking)
		}
	}
}
