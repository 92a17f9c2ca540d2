package main

import (
	"io"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

func TestNormalize(t *testing.T) {
	app := newApp(io.Discard, io.Discard)
	for in, want := range map[string]string{
		"sei build stage:x -n":                   "sei build -n stage:x",
		"sei build stage:x -j 3 y":               "sei build -j 3 stage:x y",
		"sei build -- -n":                        "sei build -- -n",
		"sei build a -- -n -j":                   "sei build -- a -n -j",
		"sei query deps(x) -o dot":               "sei query -o dot deps(x)",
		"sei query --output=dot deps(x)":         "sei query --output=dot deps(x)",
		"sei -C dir status --json":               "sei status --repo dir --json",
		"sei --repo=dir status":                  "sei status --repo=dir",
		"sei status -q":                          "sei -q status",
		"sei cache trim --max-age 1h -v":         "sei -v cache trim --max-age 1h",
		"sei build -- -q":                        "sei build -- -q",
		"sei nosuch -x y":                        "sei nosuch -x y",
		"sei approver add --name A --email e x":  "sei approver add --name A --email e x",
		"sei endorse-key k.pub --reason rotated": "sei endorse-key --reason rotated k.pub",
	} {
		if got := strings.Join(normalize(app, strings.Fields(in)), " "); got != want {
			t.Errorf("%s\n got %s\nwant %s", in, got, want)
		}
	}
}

func TestClosest(t *testing.T) {
	names := []string{"init", "status", "build", "run", "reconstruct", "review", "retire"}
	for in, want := range map[string]string{"inti": "init", "stauts": "status", "biuld": "build",
		"recon": "reconstruct", "xyz": "", "re": ""} {
		if got := closest(in, names); got != want {
			t.Errorf("closest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestVersionFrom(t *testing.T) {
	vcs := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	for _, c := range []struct {
		info debug.BuildInfo
		want string
	}{
		{debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("vcs.revision", "0123456789abcdef0123", "vcs.modified", "true")}, "devel+0123456789ab-dirty"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("vcs.revision", "0123456789abcdef0123", "vcs.modified", "false")}, "devel+0123456789ab"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "devel"},
	} {
		if got := versionFrom(&c.info); got != c.want {
			t.Errorf("versionFrom = %q, want %q", got, c.want)
		}
	}
}

// Every command and subcommand has a description with an example.
func TestEveryCommandHasAnExample(t *testing.T) {
	var walk func(prefix string, cmds []*cli.Command)
	walk = func(prefix string, cmds []*cli.Command) {
		for _, c := range cmds {
			name := strings.TrimSpace(prefix + " " + c.Name)
			if !strings.Contains(c.Description, "Example") {
				t.Errorf("sei %s: no example in its help", name)
			}
			walk(name, c.Subcommands)
		}
	}
	walk("", newApp(io.Discard, io.Discard).Commands)
}
