package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"seigarrena.dev/sei/attest"
	"seigarrena.dev/sei/dag"
	"seigarrena.dev/sei/report"
	"seigarrena.dev/sei/rules"
)

func reportCmd() *cli.Command {
	return &cli.Command{
		Name:  "report",
		Usage: "the technical documentation (Annex IV) with the risk matrix, controls, treatment history, drift and graph, each claim citing its signed source: HTML, Markdown or PDF",
		Flags: append([]cli.Flag{repoFlag,
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "html", Usage: "`FORMAT`: html (one self-contained file), md or pdf (through headless Chromium)"},
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "write to `FILE` (default: standard output; pdf needs it)"},
			&cli.BoolFlag{Name: "check", Usage: "exit 4 when a mandatory Annex IV item has no source, naming each; writes the report only with --out"},
		}, trustFlags...),
		Action: runReport,
	}
}

func runReport(c *cli.Context) error {
	if err := noArgs(c); err != nil {
		return err
	}
	format, out := c.String("format"), c.String("out")
	switch format {
	case "html", "md":
	case "pdf":
		if out == "" {
			return withCode(exitUsage, errors.New("--format pdf needs --out FILE"))
		}
	default:
		return withCode(exitUsage, fmt.Errorf("--format %q: want html, md or pdf", format))
	}
	in, err := reportInput(c)
	if err != nil {
		return err
	}
	doc := report.Build(in)
	if out != "" || !c.Bool("check") {
		if err := writeReport(c, doc, format, out); err != nil {
			return err
		}
	}
	if c.Bool("check") {
		return checkReport(c, doc)
	}
	return nil
}

// checkReport is --check: every mandatory item without a source on
// stderr, and exit 4.
func checkReport(c *cli.Context, doc *report.Document) error {
	mand, _, _ := doc.Gaps()
	if len(mand) == 0 {
		fmt.Fprintln(c.App.ErrWriter, "sei: report: every mandatory Annex IV item has a source")
		return nil
	}
	for _, g := range mand {
		fmt.Fprintf(c.App.ErrWriter, "sei: report: Annex IV §%d %s: no source: %s\n", g.Section, g.Label, g.Missing)
	}
	return withCode(exitOutdated, fmt.Errorf("%d mandatory Annex IV item(s) have no source", len(mand)))
}

func writeReport(c *cli.Context, doc *report.Document, format, out string) error {
	var buf bytes.Buffer
	var err error
	if format == "md" {
		err = doc.WriteMarkdown(&buf)
	} else {
		err = doc.WriteHTML(&buf)
	}
	if err != nil {
		return err
	}
	switch {
	case format == "pdf":
		browser, err := report.FindBrowser(os.Getenv("SEI_CHROMIUM"))
		if err != nil {
			return withCode(exitUsage, err)
		}
		ctx, cancel := context.WithTimeout(c.Context, 3*time.Minute)
		defer cancel()
		return report.PrintPDF(ctx, browser, buf.Bytes(), out, doc.AsOf)
	case out != "":
		return writeFileAtomic(out, buf.Bytes(), 0o644)
	}
	_, err = c.App.Writer.Write(buf.Bytes())
	return err
}

// reportInput gathers what the report renders: status's verdict on the
// evidence and the tree, the history replayed with the same trust, the
// conformance of each applicable standard, and the graph.
func reportInput(c *cli.Context) (*report.Input, error) {
	e, err := openEngine(c)
	if err != nil {
		return nil, err
	}
	defer e.close()
	lock, lockDigest, err := lockWithDigest(e)
	if err != nil {
		return nil, withCode(exitInvalid, err)
	}
	var st statusReport
	var sv statusEvidence
	if lock != nil && lock.Foreign() {
		st, sv = assessForeign(c, e, lock) // the original engine's: verified, freshness unknown
	} else {
		e.lock, e.lockRead = lock, true
		if st, sv, err = assessStatus(c, e); err != nil {
			return nil, err
		}
	}
	t, err := now()
	if err != nil {
		return nil, err
	}
	in := &report.Input{Manifest: e.m, Lock: lock, LockFile: e.layout.Lock, LockDigest: lockDigest, AsOf: t, Tool: seiVersion(),
		Graph: e.g.QueryData(allNodes(e)), Evidence: reportEvidence(e, st, sv), ManifestFile: e.layout.Manifest}
	raw, err := attest.ReadRegular(filepath.Join(e.repo, e.layout.Manifest))
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	in.ManifestDigest = attest.SHA256Digest(raw)
	if err := addHistory(c, e, sv, in); err != nil {
		return nil, err
	}
	return in, addConformance(c, e, st, sv, in)
}

// allNodes is every node of the graph, for the picture.
func allNodes(e *engine) dag.NodeSet {
	s := make(dag.NodeSet, len(e.g.Nodes))
	for i := range e.g.Nodes {
		s[dag.NodeID(i)] = true
	}
	return s
}

func reportEvidence(e *engine, st statusReport, sv statusEvidence) report.Evidence {
	ev := report.Evidence{State: st.Evidence, Problem: st.Problem, Sections: st.Sections,
		BundleFile: filepath.ToSlash(filepath.Join(e.evDir(), attest.BundleFile))}
	if rep := sv.rep; rep != nil {
		ev.Signatures = rep.Findings
		if rep.Bundle != nil && rep.Genuine() {
			ev.Bundle, ev.BundleDigest = rep.Bundle, attest.SHA256Digest(rep.Envelope)
		}
	}
	return ev
}

// lockWithDigest reads the lock once: parsed, and the SHA-256 of the bytes
// parsed (a second read could see another lock). Absent: nil, "".
func lockWithDigest(e *engine) (*attest.Lock, string, error) {
	data, err := attest.ReadRegular(e.lockPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	l, err := attest.ParseLock(e.layout.Lock, data)
	if err != nil {
		return nil, "", err
	}
	return l, attest.SHA256Digest(data), nil
}

func addHistory(c *cli.Context, e *engine, sv statusEvidence, in *report.Input) error {
	r, err := attest.OpenRepo(e.repo)
	if err != nil || sv.tc == nil {
		return nil // outside git: no history to replay
	}
	h, err := r.Head()
	if err != nil {
		return nil // before the first commit
	}
	in.Head = h.Hash().String()
	rec, err := reconstructWith(c, e.m, r, sv.tc)
	if err != nil {
		return err
	}
	in.History = rec
	return nil
}

func addConformance(c *cli.Context, e *engine, st statusReport, sv statusEvidence, in *report.Input) error {
	ids, missing, err := conformanceStandards(c, e.m)
	if err != nil {
		return err
	}
	in.NoCatalogue = missing
	ev := rules.Evidence{ReadFile: repoReader(e.repo)}
	if in.Evidence.Bundle != nil {
		ev.Run = runEvidenceOf(sv.rep, st.Lifecycle, in.History)
	}
	for _, id := range ids {
		r, err := rules.Conformance(e.m, id, ev)
		if err != nil {
			return err
		}
		in.Conformance = append(in.Conformance, r)
	}
	return nil
}
