package main

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
)

// Global switches, accepted anywhere on the line (normalize lifts them).
var (
	quietFlag   = &cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only errors and warnings (and what was asked for: JSON, a query, a key)"}
	verboseFlag = &cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "say where the repository was found and why each stage runs"}
)

// quietExempt are the commands whose standard output is the answer, not
// a report about work done: --quiet leaves them alone.
var quietExempt = map[string]bool{"query": true, "pubkey": true, "completion": true, "version": true, "help": true}

// conventions gives every command the same habits: a usage error exits 2
// with the closest flag suggested and no page of help; --quiet silences
// reports. It walks the tree once, after the commands are built.
func conventions(app *cli.App) {
	var walk func(prefix string, cmds []*cli.Command)
	walk = func(prefix string, cmds []*cli.Command) {
		for _, c := range cmds {
			c.OnUsageError = func(ctx *cli.Context, err error, _ bool) error {
				return withCode(exitUsage, suggestFlag(ctx.Command, err))
			}
			if c.Description == "" {
				c.Description = descriptions[strings.TrimSpace(prefix+" "+c.Name)]
			}
			// Only a leaf knows its own --json: a parent's Before runs first.
			if !quietExempt[c.Name] && len(c.Subcommands) == 0 {
				c.Before = chain(c.Before, silence)
			}
			walk(c.Name, c.Subcommands)
		}
	}
	walk("", app.Commands)
}

func chain(a, b cli.BeforeFunc) cli.BeforeFunc {
	if a == nil {
		return b
	}
	return func(c *cli.Context) error {
		if err := a(c); err != nil {
			return err
		}
		return b(c)
	}
}

// silence drops a report's standard output under --quiet, unless JSON was
// asked for.
func silence(c *cli.Context) error {
	if c.Bool("quiet") && !c.Bool("json") {
		c.App.Writer = io.Discard
	}
	return nil
}

// suggestFlag adds "did you mean" to an unknown flag's error.
func suggestFlag(cmd *cli.Command, err error) error {
	const prefix = "flag provided but not defined: -"
	msg := err.Error()
	name, ok := strings.CutPrefix(msg, prefix)
	if !ok {
		return err
	}
	name = strings.TrimLeft(name, "-")
	var names []string
	if cmd != nil {
		for _, f := range cmd.Flags {
			names = append(names, f.Names()...)
		}
	}
	names = append(names, "quiet", "verbose", "help")
	if best := closest(name, names); best != "" {
		return fmt.Errorf("%s: unknown flag --%s; did you mean %s? (see `sei help %s`)", cmdName(cmd), name, dashed(best), cmdName(cmd))
	}
	return fmt.Errorf("%s: unknown flag --%s (see `sei help %s`)", cmdName(cmd), name, cmdName(cmd))
}

func cmdName(c *cli.Command) string {
	if c == nil {
		return "sei"
	}
	return c.FullName()
}

func dashed(n string) string {
	if len(n) == 1 {
		return "-" + n
	}
	return "--" + n
}

// checkCommand refuses an unknown command before urfave/cli sees it (it
// would print "No help topic" and exit 1), suggesting the closest one.
func checkCommand(app *cli.App, args []string) error {
	i := 1
	for i < len(args) && isFlag(args[i]) {
		i++
	}
	if i >= len(args) {
		return nil
	}
	name := args[i]
	if name == "help" || name == "h" {
		if i+1 >= len(args) || isFlag(args[i+1]) {
			return nil
		}
		name = args[i+1]
	}
	if findCommand(app.Commands, name) != nil || name == "help" || name == "h" {
		return nil
	}
	var names []string
	for _, c := range app.Commands {
		if !c.Hidden {
			names = append(names, c.Name)
		}
	}
	if best := closest(name, names); best != "" {
		return withCode(exitUsage, fmt.Errorf("unknown command %q; did you mean `sei %s`? (`sei help` lists the commands)", name, best))
	}
	return withCode(exitUsage, fmt.Errorf("unknown command %q (`sei help` lists the commands)", name))
}

// closest is the candidate nearest to s: a unique prefix, else the least
// edit distance if it is at most a third of the word (at least 1); "" if
// none is close.
func closest(s string, candidates []string) string {
	sort.Strings(candidates)
	var prefixed []string
	for _, c := range candidates {
		if len(s) >= 2 && strings.HasPrefix(c, s) {
			prefixed = append(prefixed, c)
		}
	}
	if len(prefixed) == 1 {
		return prefixed[0]
	}
	best, bestD := "", max(1, len(s)/3)+1
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Damerau–Levenshtein distance (optimal string
// alignment): a swap of two neighbours, as in "inti", costs one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// errNoCommand: `sei` alone prints the help and exits 2, as go does.
var errNoCommand = errors.New("no command given (`sei help` lists them)")
