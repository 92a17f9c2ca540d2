package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
)

func completionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script: bash, zsh or fish",
		ArgsUsage: "bash|zsh|fish",
		Description: "Completes commands, subcommands and each command's flags.\n\nExamples:\n" +
			"   source <(sei completion bash)\n   sei completion zsh > \"${fpath[1]}/_sei\"\n   sei completion fish > ~/.config/fish/completions/sei.fish",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return withCode(exitUsage, fmt.Errorf("completion takes one shell: bash, zsh or fish"))
			}
			words := completionWords(c.App)
			switch c.Args().First() {
			case "bash":
				fmt.Fprint(c.App.Writer, bashCompletion(words))
			case "zsh":
				fmt.Fprint(c.App.Writer, "#compdef sei\nautoload -U +X bashcompinit && bashcompinit\n"+bashCompletion(words))
			case "fish":
				fmt.Fprint(c.App.Writer, fishCompletion(c.App, words))
			default:
				return withCode(exitUsage, fmt.Errorf("completion: unknown shell %q; want bash, zsh or fish", c.Args().First()))
			}
			return nil
		},
	}
}

// completionWords maps a command path ("", "cache", "cache trim") to the
// words that may follow it: subcommands and flags, sorted.
func completionWords(app *cli.App) map[string][]string {
	words := map[string][]string{}
	var top []string
	for _, f := range app.Flags {
		top = append(top, flagWords(f)...)
	}
	var walk func(prefix string, cmds []*cli.Command) []string
	walk = func(prefix string, cmds []*cli.Command) []string {
		var names []string
		for _, c := range cmds {
			if c.Hidden {
				continue
			}
			path := strings.TrimSpace(prefix + " " + c.Name)
			names = append(names, c.Name)
			w := walk(path, c.Subcommands)
			for _, f := range c.Flags {
				w = append(w, flagWords(f)...)
			}
			sort.Strings(w)
			words[path] = w
		}
		return names
	}
	top = append(top, walk("", app.Commands)...)
	sort.Strings(top)
	words[""] = top
	return words
}

func flagWords(f cli.Flag) []string {
	var w []string
	for _, n := range f.Names() {
		w = append(w, dashed(n))
	}
	return w
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// bashCompletion completes the longest known command path typed so far.
func bashCompletion(words map[string][]string) string {
	var b strings.Builder
	b.WriteString("# sei completion for bash (and zsh through bashcompinit)\n_sei() {\n")
	b.WriteString("  local cur=${COMP_WORDS[COMP_CWORD]} path=\"\" w\n")
	b.WriteString("  for w in \"${COMP_WORDS[@]:1:COMP_CWORD-1}\"; do\n    case \"$w\" in -*) ;; *) case \" $(_sei_words \"${path:+$path }$w\" 1) \" in *\" ok \"*) path=\"${path:+$path }$w\";; esac;; esac\n  done\n")
	b.WriteString("  COMPREPLY=($(compgen -W \"$(_sei_words \"$path\")\" -- \"$cur\"))\n}\n")
	b.WriteString("_sei_words() {\n  case \"$1\" in\n")
	for _, k := range sortedKeys(words) {
		fmt.Fprintf(&b, "    %q) [ -n \"$2\" ] && echo ok || echo %q;;\n", k, strings.Join(words[k], " "))
	}
	b.WriteString("  esac\n}\ncomplete -F _sei sei\n")
	return b.String()
}

func fishCompletion(app *cli.App, words map[string][]string) string {
	var b strings.Builder
	b.WriteString("# sei completion for fish\ncomplete -c sei -f\n")
	for _, c := range app.Commands {
		if c.Hidden {
			continue
		}
		fmt.Fprintf(&b, "complete -c sei -n __fish_use_subcommand -a %s -d %q\n", c.Name, firstSentence(c.Usage))
		for _, s := range c.Subcommands {
			fmt.Fprintf(&b, "complete -c sei -n '__fish_seen_subcommand_from %s' -a %s -d %q\n", c.Name, s.Name, firstSentence(s.Usage))
		}
		for _, w := range words[c.Name] {
			if l, ok := strings.CutPrefix(w, "--"); ok {
				fmt.Fprintf(&b, "complete -c sei -n '__fish_seen_subcommand_from %s' -l %s\n", c.Name, l)
			} else if s, ok := strings.CutPrefix(w, "-"); ok {
				fmt.Fprintf(&b, "complete -c sei -n '__fish_seen_subcommand_from %s' -s %s\n", c.Name, s)
			}
		}
	}
	return b.String()
}

func firstSentence(s string) string {
	if i := strings.IndexAny(s, ";:."); i > 0 {
		s = s[:i]
	}
	return s
}
