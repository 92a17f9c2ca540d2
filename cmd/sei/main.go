// Command sei governs one AI system per git repository: it reads sei.yaml,
// compiles the risk programme to OSCAL and reports on it. See README.md for
// the command reference and the exit codes.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strings"

	"seigarrena.dev/sei/manifest"
)

// Exit codes; README.md documents them.
const (
	exitOK       = 0
	exitError    = 1 // I/O or internal failure
	exitUsage    = 2 // bad flags or arguments
	exitInvalid  = 3 // invalid manifest or other bad input file
	exitOutdated = 4 // sei compile --check: the plan on disk is out of date
)

// exitErr carries an exit code with its error.
type exitErr struct {
	code int
	err  error
}

func (e *exitErr) Error() string { return e.err.Error() }
func (e *exitErr) Unwrap() error { return e.err }

func withCode(code int, err error) error { return &exitErr{code, err} }

func main() {
	// No GC tuning: Go's default (GOGC=100, no memory limit) keeps the
	// peak near twice the live heap at every graph size. The fixed 128 MiB
	// soft limit this replaced sat below a 100k-node build's live heap, so
	// the collector ran back to back (108 cycles, half the CPU); GOGC=400
	// bought 10k-node null builds nothing measurable (0.26-0.36 s either
	// way here) for a higher peak. GOGC and GOMEMLIMIT still apply.
	stop := profile(os.Getenv("SEI_CPUPROFILE"))
	code := run(os.Args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// profile writes a CPU profile of the whole command to path (SEI_CPUPROFILE,
// for `go tool pprof`), so a slow case is profiled as a user runs it, in its
// own process. Empty: nothing.
func profile(path string) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sei: SEI_CPUPROFILE:", err)
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

// run is main without os.Exit, so script tests can call it in-process.
func run(args []string, stdout, stderr io.Writer) int {
	app := newApp(stdout, stderr)
	args = normalize(app, args)
	// The command line as given: the records' context (commandContext).
	app.Metadata = map[string]any{"argv": args}
	err := checkCommand(app, args)
	if err == nil && onlyGlobals(args) {
		app.Run([]string{args[0], "help"})
		err = withCode(exitUsage, errNoCommand)
	}
	if err == nil {
		err = app.Run(args)
	}
	if err == nil {
		return exitOK
	}
	var list manifest.ErrorList
	if errors.As(err, &list) {
		// Each finding is already "file:line:col: path: message".
		fmt.Fprintln(stderr, list.Error())
		fmt.Fprintf(stderr, "sei: %d error(s); nothing was written\n", len(list))
	} else {
		fmt.Fprintln(stderr, "sei:", err)
	}
	var ee *exitErr
	switch {
	case errors.As(err, &ee):
		return ee.code
	case len(list) > 0:
		return exitInvalid
	}
	return exitError
}

// onlyGlobals: no command, only app switches such as -q (--help and
// --version are answers of their own).
func onlyGlobals(args []string) bool {
	for _, a := range args[1:] {
		if !isFlag(a) || !globalSwitches[strings.TrimLeft(a, "-")] {
			return false
		}
	}
	return true
}
