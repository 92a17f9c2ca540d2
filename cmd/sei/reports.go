package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"seigarrena.dev/sei/attest"
	"seigarrena.dev/sei/evidence"
	"seigarrena.dev/sei/manifest"
	"seigarrena.dev/sei/rules"
)

// textReport is a report with a text form; its JSON form is the value itself.
type textReport interface{ WriteText(io.Writer) }

// reportCommand builds an advisory report command: load the manifest, build
// the report, print it as text or JSON. It writes nothing.
func reportCommand(name, usage string, build func(*manifest.Manifest) (textReport, error)) *cli.Command {
	return &cli.Command{
		Name:  name,
		Usage: usage,
		Flags: []cli.Flag{repoFlag, jsonFlag},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			m, err := loadManifest(c)
			if err != nil {
				return err
			}
			r, err := build(m)
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return printJSON(c.App.Writer, name, r)
			}
			r.WriteText(c.App.Writer)
			return nil
		},
	}
}

func assessCommand() *cli.Command {
	return reportCommand("assess", "print the risk analysis and propose undeclared risks (advisory: always exits 0 on a valid manifest)",
		func(m *manifest.Manifest) (textReport, error) { return rules.Assess(m) })
}

func impactCommand() *cli.Command {
	return reportCommand("impact", "print decisions, affected persons and foreseeable misuse; unaddressed misuse is a GAP (advisory)",
		func(m *manifest.Manifest) (textReport, error) { return rules.Impact(m), nil })
}

func conformanceCommand() *cli.Command {
	return &cli.Command{
		Name:  "conformance",
		Usage: "project the programme onto clause catalogues; writes .sei/conformance/<slug>.json",
		Flags: append([]cli.Flag{repoFlag, jsonFlag,
			&cli.StringFlag{Name: "standard", Usage: "one canonical standard `ID` (default: every applicable standard with a catalogue)"}}, trustFlags...),
		Action: runConformance,
	}
}

// artifact is the original engine's SeiArtifact envelope.
type artifact struct {
	SchemaVersion int    `json:"schema_version"`
	Kind          string `json:"kind"`
	System        string `json:"system"`
	Payload       any    `json:"payload"`
}

func runConformance(c *cli.Context) error {
	if err := noArgs(c); err != nil {
		return err
	}
	m, err := loadManifest(c)
	if err != nil {
		return err
	}
	ids, missing, err := conformanceStandards(c, m)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return printNoCatalogue(c, missing)
	}
	repo, _ := repoPaths(c)
	ev := rules.Evidence{ReadFile: repoReader(repo)}
	if ev.Run, err = runEvidence(c, m, repo); err != nil {
		return err
	}
	var reports []*rules.ConformanceReport
	for _, id := range ids {
		r, err := rules.Conformance(m, id, ev)
		if err != nil {
			return err
		}
		reports = append(reports, r)
	}
	if repoLayout(c).Legacy() {
		fmt.Fprintln(c.App.ErrWriter, "sei: note: the signed .sei/conformance files are not written here:", errLegacyLayout)
	} else {
		sg, err := newSigner(c, repo)
		if err != nil {
			return err
		}
		for _, r := range reports {
			if err := writeConformance(sg, m, r); err != nil {
				return err
			}
		}
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, "conformance", struct {
			Reports     any      `json:"reports"`
			NoCatalogue []string `json:"no_catalogue"`
		}{reports, missing})
	}
	for i, r := range reports {
		if i > 0 {
			fmt.Fprintln(c.App.Writer)
		}
		r.WriteText(c.App.Writer)
	}
	if len(missing) > 0 {
		fmt.Fprintln(c.App.Writer)
		writeNoCatalogue(c.App.Writer, missing)
	}
	return nil
}

// writeNoCatalogue accounts for every applicable standard sei cannot judge
// clause by clause: silence would read as conformance.
func writeNoCatalogue(w io.Writer, missing []string) {
	for _, id := range missing {
		fmt.Fprintf(w, "=== conformance %s: no catalogue ===\n  applicable, but sei has no clause catalogue for it: not judged (catalogues: %s)\n",
			id, strings.Join(rules.CatalogueIDs(), ", "))
	}
}

func printNoCatalogue(c *cli.Context, missing []string) error {
	if c.Bool("json") {
		return printJSON(c.App.Writer, "conformance", struct {
			Reports     []any    `json:"reports"`
			NoCatalogue []string `json:"no_catalogue"`
		}{[]any{}, missing})
	}
	if len(missing) == 0 {
		fmt.Fprintf(c.App.Writer, "context.applicable_standards names no standard; catalogues exist for %s\n", strings.Join(rules.CatalogueIDs(), ", "))
	}
	writeNoCatalogue(c.App.Writer, missing)
	return nil
}

// conformanceStandards are the standards to judge (--standard, else the
// applicable ones with a catalogue) and the applicable ones without one.
func conformanceStandards(c *cli.Context, m *manifest.Manifest) (ids, missing []string, err error) {
	if s := c.String("standard"); s != "" {
		if _, err := manifest.ParseStandardID(s); err != nil {
			return nil, nil, withCode(exitUsage, err)
		}
		return []string{s}, nil, nil
	}
	cats, err := rules.Catalogues()
	if err != nil {
		return nil, nil, err
	}
	for _, s := range m.Context.ApplicableStandards {
		if _, ok := cats[s]; ok {
			ids = append(ids, s)
		} else {
			missing = append(missing, s)
		}
	}
	return ids, missing, nil
}

func writeConformance(sg *evidence.Signer, m *manifest.Manifest, r *rules.ConformanceReport) error {
	sid, _ := manifest.ParseStandardID(r.Standard)
	data, err := attest.MarshalPretty(artifact{SchemaVersion: 1, Kind: "conformance", System: m.System.Name, Payload: r})
	if err != nil {
		return err
	}
	_, err = sg.Write("conformance/"+sid.Slug()+".json", data, nil)
	return err
}

// repoReader reads a repository file by its manifest path; manifest paths are
// already checked to stay inside the repository.
func repoReader(repo string) func(string) ([]byte, error) {
	return func(p string) ([]byte, error) {
		return os.ReadFile(filepath.Join(repo, filepath.FromSlash(p)))
	}
}
