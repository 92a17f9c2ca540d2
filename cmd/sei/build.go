package main

import (
	"bytes"
	"context"
	"fmt"
	"golang.org/x/sys/unix"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"seigarrena.dev/sei/attest"
	"seigarrena.dev/sei/cache"
	"seigarrena.dev/sei/cache/remote"
	"seigarrena.dev/sei/dag"
	"seigarrena.dev/sei/journal"
)

// The scheduling flags build and run share.
var (
	jobsFlag      = &cli.IntFlag{Name: "jobs", Aliases: []string{"j"}, Value: runtime.NumCPU(), Usage: "run `N` actions at once"}
	explainFlag   = &cli.BoolFlag{Name: "explain", Usage: "say why each stage runs"}
	keepGoingFlag = &cli.BoolFlag{Name: "keep-going", Aliases: []string{"k"}, Usage: "after a failure, go on with what does not depend on it"}
	tablesFlag    = &cli.StringFlag{Name: "tables", Value: "current", Usage: "`WHICH` snapshot of each dataset table to measure: current, or pinned (sei.lock's, by time travel: a replay)"}
)

func buildCommand() *cli.Command {
	return &cli.Command{
		Name:      "build",
		Usage:     "recompute the stale part of the graph, in parallel; sei.lock and the evidence are written by `sei run` only",
		ArgsUsage: "[TARGET...]",
		Flags: append([]cli.Flag{repoFlag, jobsFlag,
			&cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "say what would run and why; run and write nothing"},
			explainFlag, keepGoingFlag, sandboxFlag, jsonFlag, tablesFlag,
		}, remoteFlags...),
		Action: runBuild,
	}
}

func runBuild(c *cli.Context) error {
	nb := newNullBuild(c)
	if nb != nil {
		if nb.replay(c) {
			return nil
		}
		nb.capture(c)
		defer nb.drop()
	}
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
	rec := nb.begin(e)
	rep, rs, err := e.build(ctx, c, targets)
	if err != nil {
		if rec != nil {
			rec.Abort()
		}
		return err
	}
	if c.Bool("json") {
		printFailures(c.App.ErrWriter, rep)
		if err := printJSON(c.App.Writer, "build", newBuildReport(rep, c.Bool("dry-run"), rs)); err != nil {
			return err
		}
	} else {
		var out bytes.Buffer
		printReport(io.MultiWriter(c.App.Writer, &out), c.App.ErrWriter, rep, c.Bool("dry-run"), rs)
		if nb != nil {
			nb.finish(rec, e, rep, out.Bytes())
		}
	}
	if !rep.OK() {
		return fmt.Errorf("build failed: %d failed", rep.Failed)
	}
	return nil
}

// build runs the builder with the command's flags. Progress goes to
// standard output, or to standard error when --json keeps stdout for the
// report. The remote cache's figures come back (nil without a remote).
func (e *engine) build(ctx context.Context, c *cli.Context, targets []dag.NodeID) (*dag.Report, *remote.Stats, error) {
	// Any build may change what a null build prints: the record goes
	// first (runBuild's recorder, if any, writes the next one).
	if err := journal.Remove(e.repo); err != nil {
		return nil, nil, err
	}
	b := &dag.Builder{G: e.g, M: e.m, Repo: e.repo, Store: e.store, Adapter: e.adapter,
		Jobs: c.Int("jobs"), KeepGoing: c.Bool("keep-going"), DryRun: c.Bool("dry-run")}
	pw := c.App.Writer
	if c.Bool("json") {
		pw = c.App.ErrWriter
	}
	ui := newProgress(pw, c.Bool("explain") || c.Bool("dry-run") || c.Bool("verbose"), isTerminal(pw) && !c.Bool("quiet"))
	defer ui.stop()
	b.OnStart, b.OnDone = ui.start, ui.done
	pins, err := e.pins(c.String("tables"))
	if err != nil {
		return nil, nil, err
	}
	b.Pins = pins
	if !c.Bool("dry-run") {
		sb, err := e.sandbox(c)
		if err != nil {
			return nil, nil, err
		}
		b.Sandbox = sb
		e.sandboxed = sb != nil
	}
	rc, err := remoteClient(c)
	if err != nil {
		return nil, nil, err
	}
	if rc != nil {
		b.Remote = rc
	}
	rep, err := b.Build(ctx, targets)
	if err != nil || rc == nil {
		return rep, nil, err
	}
	st := rc.Stats()
	return rep, &st, nil
}

// exclusive takes the repository's build lock (waiting, with a message,
// while another sei holds it) and a context that Ctrl-C and SIGTERM cancel.
// done releases both.
func (e *engine) exclusive(c *cli.Context) (context.Context, func(), error) {
	unlock, err := cache.Lock(filepath.Join(e.repo, ".sei", "cache"), func() {
		e.waited = true
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

// isTerminal reports whether w is an interactive terminal (and not CI).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("CI") == "true" || os.Getenv("TERM") == "dumb" {
		return false
	}
	// A terminal answers the termios ioctl; /dev/null, also a character
	// device, does not (a mode test drew the live line into it).
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// printReport prints a build's failures (with their output) and warnings
// on ew, then the summary, the remote figures and the gate on w.
func printReport(w, ew io.Writer, rep *dag.Report, dry bool, rs *remote.Stats) {
	printFailures(ew, rep)
	verb := "built"
	if dry {
		verb = "dry run of"
	}
	fmt.Fprintln(w, summaryLine(verb, rep))
	if rep.Rejected > 0 {
		fmt.Fprintf(w, "cache: %d cached result(s) rejected by the confinement rule and run here\n", rep.Rejected)
	}
	if rs != nil {
		fmt.Fprintln(w, rs)
	}
	if g := rep.Gate; g != nil {
		if g.Passed {
			fmt.Fprintln(w, "gate: PASS")
		} else {
			fmt.Fprintf(w, "gate: FAIL (%s)\n", strings.Join(g.Blocking, ", "))
		}
	}
}

func printFailures(ew io.Writer, rep *dag.Report) {
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
}

// pins are sei.lock's table snapshots for --tables pinned (nil for
// current): a replay measures each table where the last run did.
func (e *engine) pins(which string) (map[string]dag.Pin, error) {
	switch which {
	case "current", "":
		return nil, nil
	case "pinned":
	default:
		return nil, withCode(exitUsage, fmt.Errorf("--tables %q: want current or pinned", which))
	}
	lock, err := attest.ReadLock(e.lockPath())
	if err != nil {
		return nil, withCode(exitInvalid, err)
	}
	if lock == nil || lock.Foreign() || len(lock.Tables) == 0 {
		return nil, withCode(exitUsage, fmt.Errorf("--tables pinned: %s pins no table; `sei run` pins the tables it reads", e.layout.Lock))
	}
	pins := map[string]dag.Pin{}
	for name, p := range lock.Tables {
		pins[name] = dag.Pin{UUID: p.UUID, Snapshot: p.Snapshot, MetadataSHA256: p.MetadataSHA256}
	}
	return pins, nil
}
