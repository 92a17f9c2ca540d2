package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"seigarrena.dev/sei/adapters"
	"seigarrena.dev/sei/attest"
	"seigarrena.dev/sei/manifest"
)

// sandboxFlag picks how stages run (build and run).
var sandboxFlag = &cli.StringFlag{Name: "sandbox", EnvVars: []string{"SEI_SANDBOX"}, Value: "auto",
	Usage: "how stages run: `auto` (strict for command stages, relaxed for dvc/mlflow/dagster), strict, relaxed, or none (unsandboxed); default: pipeline.sandbox in sei.yaml, else auto"}

// sandbox is the build's sandbox, or an error (exit 2) when namespaces are
// unavailable and the user did not ask for none; nil for none.
func (e *engine) sandbox(c *cli.Context) (*adapters.Sandbox, error) {
	choice, from := c.String("sandbox"), "--sandbox or SEI_SANDBOX"
	if p := e.m.Pipeline; !c.IsSet("sandbox") && p != nil && p.Sandbox != "" {
		choice, from = string(p.Sandbox), "pipeline.sandbox in sei.yaml" // unless the flag or SEI_SANDBOX says otherwise
	}
	mode, err := adapters.ParseSandboxMode(choice)
	if err != nil {
		return nil, withCode(exitUsage, err)
	}
	if mode == adapters.None {
		// Said every time: a manifest or CI variable anyone can edit turned
		// off what keeps stages from sei's secrets.
		fmt.Fprintf(c.App.ErrWriter, "sei: warning: stages run unsandboxed (none, from %s): they can read sei's environment and keys\n", from)
		return nil, nil
	}
	if err := adapters.SandboxAvailable(); err != nil {
		return nil, withCode(exitUsage, fmt.Errorf("%w; run with --sandbox=none (or SEI_SANDBOX=none) to run stages unsandboxed", err))
	}
	return newSandbox(mode, e.repo), nil
}

func newSandbox(mode adapters.SandboxMode, repo string) *adapters.Sandbox {
	s := &adapters.Sandbox{Mode: mode, Repo: repo, Toolchain: []string{filepath.Join(repo, ".venv")}}
	// What a stage may never read: sei's signing keys and configuration.
	if p, err := attest.UserKeyPath(); err == nil {
		s.Hide = append(s.Hide, filepath.Dir(p))
	}
	if p := os.Getenv(attest.EnvKeyFile); p != "" {
		if abs, err := filepath.Abs(p); err == nil {
			s.Hide = append(s.Hide, abs)
		}
	}
	return s
}

// loadSandbox is where an adapter runs the team's code to read its
// pipeline (Dagster imports dagster_defs.py to list the assets): every
// command may do that, so it follows the sandbox choice of a build
// (--sandbox where the command has it, SEI_SANDBOX, pipeline.sandbox) with
// the relaxed mounts; nil when that choice is none (the build warns of it).
func loadSandbox(c *cli.Context, m *manifest.Manifest, repo string) *adapters.Sandbox {
	choice := os.Getenv("SEI_SANDBOX")
	if p := m.Pipeline; choice == "" && p != nil && p.Sandbox != "" {
		choice = string(p.Sandbox)
	}
	if c.IsSet("sandbox") {
		choice = c.String("sandbox")
	}
	if mode, err := adapters.ParseSandboxMode(choice); err == nil && mode == adapters.None {
		return nil
	}
	return newSandbox(adapters.Relaxed, repo)
}
