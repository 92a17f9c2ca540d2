package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"seigarrena.dev/sei/confine"
	"seigarrena.dev/sei/manifest"
)

func newApp(stdout, stderr io.Writer) *cli.App {
	cli.VersionFlag = &cli.BoolFlag{Name: "version", Usage: "print the version"}
	cli.VersionPrinter = func(c *cli.Context) { fmt.Fprintf(c.App.Writer, "sei %s\n", c.App.Version) }
	app := &cli.App{
		Name:      "sei",
		Usage:     "govern one AI system per git repository: manifest, risk programme, evidence",
		Version:   seiVersion(),
		Writer:    stdout,
		ErrWriter: stderr,
		Flags:     []cli.Flag{quietFlag, verboseFlag},
		// Errors are printed once, by run, with the right exit code.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError: func(c *cli.Context, err error, _ bool) error {
			return withCode(exitUsage, suggestFlag(nil, err))
		},
		Commands: append([]*cli.Command{initCommand(), compileCommand(), assessCommand(), impactCommand(), conformanceCommand(),
			buildCommand(), runCommand(), statusCommand(), queryCommand(), cacheCommand(), pubkeyCommand(), verifyCommand(), endorseKeyCommand(), approverCommand(), reconstructCommand(), reportCmd(), diffCommand()},
			append(lifecycleCommands(), migrateCommand(), versionCommand(), completionCommand())...),
	}
	conventions(app)
	return app
}

var repoFlag = &cli.StringFlag{Name: "repo", Aliases: []string{"C"}, Usage: "the repository `DIR` (default: found upward from the working directory, as git does)"}
var jsonFlag = &cli.BoolFlag{Name: "json", Usage: "print the report as JSON"}

// noArgs rejects stray positional arguments, which usually mean a misplaced flag.
func noArgs(c *cli.Context) error {
	if c.NArg() > 0 {
		return withCode(exitUsage, fmt.Errorf("%s takes no arguments (got %q)", c.Command.Name, c.Args().First()))
	}
	return nil
}

// repoDir is the repository: --repo/-C if given, else the nearest
// directory at or above the working directory with a manifest, up to the
// top of the git work tree (manifest.FindRoot). It is shown as the user
// can open it: relative to the working directory.
func repoDir(c *cli.Context) string {
	r, _ := repoAndLayout(c)
	return r
}

// repoLayout is the names the repository's manifest, lock and evidence go
// by: sei's, or the original engine's earlier ones (said once, on stderr).
func repoLayout(c *cli.Context) manifest.Layout {
	_, l := repoAndLayout(c)
	return l
}

type foundRepo struct {
	dir    string
	layout manifest.Layout
}

func repoAndLayout(c *cli.Context) (string, manifest.Layout) {
	if f, ok := c.App.Metadata["repo"].(foundRepo); ok {
		return f.dir, f.layout
	}
	f := findRepo(c)
	if c.App.Metadata == nil {
		c.App.Metadata = map[string]any{}
	}
	c.App.Metadata["repo"] = f
	if f.layout.Legacy() {
		fmt.Fprintf(c.App.ErrWriter, "sei: note: %s uses the original engine's names (%s): read as they are; `sei migrate` renames them to sei's\n",
			f.dir, f.layout)
	}
	return f.dir, f.layout
}

func findRepo(c *cli.Context) foundRepo {
	if r := c.String("repo"); r != "" {
		l, _ := manifest.LayoutOf(r)
		return foundRepo{r, l}
	}
	root, l, found, err := manifest.FindRoot(".")
	if err != nil {
		return foundRepo{".", l}
	}
	cwd, _ := filepath.Abs(".")
	rel, err := filepath.Rel(cwd, root)
	if err != nil {
		rel = root
	}
	if rel != "." && found && c.Bool("verbose") {
		fmt.Fprintf(c.App.ErrWriter, "sei: repository %s (its %s is above the working directory)\n", rel, l.Manifest)
	}
	return foundRepo{rel, l}
}

// repoPaths resolves the repository and the manifest name shown in messages:
// "sei.yaml" inside the current directory, else the path as the user can open it.
func repoPaths(c *cli.Context) (repo, manifestPath string) {
	repo, l := repoAndLayout(c)
	return repo, filepath.Join(repo, l.Manifest)
}

// loadManifest reads and validates sei.yaml, printing warnings to stderr.
func loadManifest(c *cli.Context) (*manifest.Manifest, error) {
	repo, path := repoPaths(c)
	if _, err := os.Stat(path); os.IsNotExist(err) {
		return nil, withCode(exitInvalid, fmt.Errorf("%s: no manifest; run `sei init` to create one", path))
	}
	load := manifest.Load
	if mc := manifestCache(repo); mc != nil && confine.NoLinks(repo, ".sei") == nil {
		load = mc.Load
	}
	m, err := load(path, path)
	if err != nil {
		return nil, err
	}
	for _, w := range m.Warnings {
		fmt.Fprintln(c.App.ErrWriter, w.Error())
	}
	return m, nil
}

// schemaBase prefixes every JSON report's schema id; schemas/<kind>.v1.json
// in the repository is the JSON Schema with that $id.
const schemaBase = "https://seigarrena.dev/sei/schemas/"

// printJSON writes report kind as indented JSON with a final newline: an
// object whose first field, "schema", names its JSON Schema and version,
// so readers can tell versions apart and fields can be added. A value that
// is not an object is put under key.
func printJSON(w io.Writer, kind string, v any) error {
	raw, err := marshal(v)
	if err != nil {
		return err
	}
	id, _ := marshal(schemaBase + kind + ".v1.json")
	var out bytes.Buffer
	out.WriteString(`{"schema":`)
	out.Write(id)
	switch {
	case string(raw) == "{}":
		out.WriteString("}")
	case len(raw) > 0 && raw[0] == '{':
		out.WriteString(",")
		out.Write(raw[1:])
	default:
		out.WriteString(`,"` + kind + `":`)
		out.Write(raw)
		out.WriteString("}")
	}
	var ind bytes.Buffer
	if err := json.Indent(&ind, out.Bytes(), "", "  "); err != nil {
		return err
	}
	ind.WriteByte('\n')
	_, err = w.Write(ind.Bytes())
	return err
}

// marshal is json.Marshal without HTML escaping (reports hold < and >).
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}
