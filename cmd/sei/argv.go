package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// normalize rewrites a command line into the order urfave/cli parses:
// git and DVC accept flags after arguments (`sei build stage:x -n`) and a
// repository before the command (`sei -C dir status`), urfave/cli only
// flags first. So the command path is found, `-C DIR`/`--repo DIR` given
// before it is moved after it, and the leaf command's flags (with their
// values) are moved ahead of its arguments. `--` ends the flags: what
// follows stays an argument, however it is spelled.
func normalize(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	out := []string{args[0]}
	var lifted []string
	i := 1
	for ; i < len(args) && isFlag(args[i]); i++ {
		name, _, inline := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		switch {
		case name != "C" && name != "repo":
			out = append(out, args[i])
		case inline:
			lifted = append(lifted, args[i])
		case i+1 < len(args):
			lifted = append(lifted, "--repo", args[i+1])
			i++
		default:
			out = append(out, args[i])
		}
	}
	cmds := app.Commands
	var leaf *cli.Command
	for i < len(args) {
		c := findCommand(cmds, args[i])
		if c == nil {
			break
		}
		out, leaf, cmds = append(out, args[i]), c, c.Subcommands
		i++
		if len(cmds) == 0 {
			break
		}
	}
	rest := args[i:]
	if leaf != nil {
		rest = permute(leaf, rest)
	}
	globals, rest := liftGlobals(rest)
	head := append([]string{out[0]}, globals...)
	return append(append(append(head, out[1:]...), lifted...), rest...)
}

// globalSwitches are the app's own flags that may appear anywhere.
var globalSwitches = map[string]bool{"q": true, "quiet": true, "v": true, "verbose": true}

// liftGlobals takes --quiet and --verbose out of a command's arguments
// (before any `--`), to be given to the app.
func liftGlobals(args []string) (globals, rest []string) {
	for i, a := range args {
		if a == "--" {
			return globals, append(rest, args[i:]...)
		}
		if isFlag(a) && globalSwitches[strings.TrimLeft(a, "-")] {
			globals = append(globals, a)
			continue
		}
		rest = append(rest, a)
	}
	return globals, rest
}

// permute puts a command's flags (and the value of each flag that takes
// one) before its positional arguments, keeping both orders.
func permute(cmd *cli.Command, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i:]...)
			break
		}
		if !isFlag(a) {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name, _, inline := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !inline && takesValue(cmd, name) && i+1 < len(args) {
			flags = append(flags, args[i+1])
			i++
		}
	}
	if hasDash(pos) {
		// Arguments from both sides of `--` go after it, so that none of
		// them reads as a flag.
		return append(append(flags, "--"), withoutDash(pos)...)
	}
	return append(flags, pos...)
}

func isFlag(a string) bool { return len(a) > 1 && a[0] == '-' }

func hasDash(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return true
		}
	}
	return false
}

// withoutDash drops the first `--`.
func withoutDash(args []string) []string {
	for i, a := range args {
		if a == "--" {
			return append(append([]string{}, args[:i]...), args[i+1:]...)
		}
	}
	return args
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

// takesValue reports whether the command's flag called name reads the
// next argument as its value (every flag but a boolean one).
func takesValue(cmd *cli.Command, name string) bool {
	for _, f := range cmd.Flags {
		for _, n := range f.Names() {
			if n == name {
				v, ok := f.(cli.DocGenerationFlag)
				return ok && v.TakesValue()
			}
		}
	}
	return false
}
