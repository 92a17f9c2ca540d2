package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"seigarrena.dev/sei/manifest"
)

// version is set by the Makefile through -ldflags.
var version = "dev"

func newApp(stdout, stderr io.Writer) *cli.App {
	return &cli.App{
		Name:      "sei",
		Usage:     "govern one AI system per git repository: manifest, risk programme, evidence",
		Version:   version,
		Writer:    stdout,
		ErrWriter: stderr,
		// Errors are printed once, by run, with the right exit code.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError: func(c *cli.Context, err error, _ bool) error {
			return withCode(exitUsage, err)
		},
		Commands: append([]*cli.Command{initCommand(), compileCommand(), assessCommand(), impactCommand(), conformanceCommand(),
			buildCommand(), runCommand(), statusCommand(), queryCommand(), cacheCommand(), pubkeyCommand(), verifyCommand(), endorseKeyCommand(), approverCommand(), reconstructCommand()},
			lifecycleCommands()...),
	}
}

var repoFlag = &cli.StringFlag{Name: "repo", Value: ".", Usage: "the repository `DIR` holding sei.yaml"}
var jsonFlag = &cli.BoolFlag{Name: "json", Usage: "print the report as JSON"}

// noArgs rejects stray positional arguments, which usually mean a misplaced flag.
func noArgs(c *cli.Context) error {
	if c.NArg() > 0 {
		return withCode(exitUsage, fmt.Errorf("%s takes no arguments (got %q); flags go before arguments", c.Command.Name, c.Args().First()))
	}
	return nil
}

// repoPaths resolves the repository and the manifest name shown in messages:
// "sei.yaml" inside the current directory, else the path as the user can open it.
func repoPaths(c *cli.Context) (repo, manifestPath string) {
	repo = c.String("repo")
	return repo, filepath.Join(repo, manifest.FileName)
}

// loadManifest reads and validates sei.yaml, printing warnings to stderr.
func loadManifest(c *cli.Context) (*manifest.Manifest, error) {
	_, path := repoPaths(c)
	if _, err := os.Stat(path); os.IsNotExist(err) {
		return nil, withCode(exitInvalid, fmt.Errorf("%s: no manifest; run `sei init` to create one", path))
	}
	m, err := manifest.Load(path, path)
	if err != nil {
		return nil, err
	}
	for _, w := range m.Warnings {
		fmt.Fprintln(c.App.ErrWriter, w.Error())
	}
	return m, nil
}

// printJSON writes v as indented JSON with a final newline.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
