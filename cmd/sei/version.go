package main

import (
	"fmt"
	"runtime/debug"

	"github.com/urfave/cli/v2"
)

// version is set by the Makefile through -ldflags; otherwise it comes from
// the module's build information (versionFrom).
var version = ""

// seiVersion is what `sei version` and `sei --version` print.
func seiVersion() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	return versionFrom(info)
}

// versionFrom: `go install seigarrena.dev/sei/cmd/sei@v1.2.3` records the
// module version; a build inside a git checkout (`go install ./cmd/sei`)
// records "(devel)" and the commit, which is the more useful answer.
func versionFrom(info *debug.BuildInfo) string {
	v := info.Main.Version
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if v != "" && v != "(devel)" {
		return v
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified == "true" {
		rev += "-dirty"
	}
	return "devel+" + rev
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:        "version",
		Usage:       "print sei's version",
		Description: "The version is the release tag when sei was built by `make` or installed from a tagged\nmodule, else devel+<commit> from the build information.\n\nExample:\n   sei version",
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			fmt.Fprintf(c.App.Writer, "sei %s\n", seiVersion())
			return nil
		},
	}
}
