package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"seigarrena.dev/sei/adapters"
	"seigarrena.dev/sei/attest"
	"seigarrena.dev/sei/dag"
	"seigarrena.dev/sei/evidence"
	"seigarrena.dev/sei/rules"
)

func runCommand() *cli.Command {
	return &cli.Command{
		Name:   "run",
		Usage:  "build everything stale, apply the gate, write the signed .sei/bundle.json and anchor it in sei.lock",
		Flags:  append([]cli.Flag{repoFlag, jobsFlag, explainFlag, keepGoingFlag, sandboxFlag, jsonFlag, tablesFlag}, remoteFlags...),
		Action: runRun,
	}
}

// runRun is sei run. The evidence is written even when the gate fails (a
// red run is evidence too); only a build that could not finish writes
// nothing. Order: bundle, its signature, then the lock that anchors the
// signature, each by rename, so a crash leaves the old anchor or the new
// one, and sei verify reports the mismatch of a half-finished run.
func runRun(c *cli.Context) error {
	if err := noArgs(c); err != nil {
		return err
	}
	if err := ownLayout(c); err != nil {
		return err // before the build: a run exists to write evidence
	}
	e, err := openEngine(c)
	if err != nil {
		return err
	}
	defer e.close()
	ctx, done, err := e.exclusive(c)
	if err != nil {
		return err
	}
	defer done()
	rep, rs, err := e.build(ctx, c, nil)
	if err != nil {
		return err
	}
	js := newBuildReport(rep, false, rs)
	if c.Bool("json") {
		printFailures(c.App.ErrWriter, rep)
	} else {
		printReport(c.App.Writer, c.App.ErrWriter, rep, false, rs)
	}
	if !rep.OK() {
		if c.Bool("json") {
			printJSON(c.App.Writer, "run", js)
		}
		return fmt.Errorf("build failed: %d failed; no evidence written", rep.Failed)
	}
	if rep.Gate == nil {
		return fmt.Errorf("%s: the gate was not evaluated (no pipeline?); no evidence written", e.m.File)
	}
	keyid, err := e.writeEvidence(ctx, c, rep)
	if err != nil {
		return err
	}
	js.Evidence = &evidenceWritten{Bundle: ".sei/" + attest.BundleFile, Lock: attest.LockFile, SignedBy: keyid}
	if c.Bool("json") {
		if err := printJSON(c.App.Writer, "run", js); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(c.App.Writer, "evidence: .sei/bundle.json signed by %s, anchored in %s\n", keyid, attest.LockFile)
	}
	if !rep.Gate.Passed {
		return withCode(exitGateFail, fmt.Errorf("gate failed: blocking control(s) %s", strings.Join(rep.Gate.Blocking, ", ")))
	}
	return nil
}

// writeEvidence assembles, signs and anchors the bundle of a finished
// build; it returns the signing key's id.
func (e *engine) writeEvidence(ctx context.Context, c *cli.Context, rep *dag.Report) (string, error) {
	sg, err := newSigner(c, e.repo)
	if err != nil {
		return "", err
	}
	triple := evidence.TripleOf(e.repo, e.m)
	tables := tableRecords(rep.Tables)
	if len(tables) > 0 {
		triple.Dataset = attest.TablesDigest(tables) // the rows measured are the snapshots read
	}
	lock := evidence.LockOf(e.g, rep, e.m, triple)
	in, err := e.bundleInput(ctx, c, rep, lock)
	if err != nil {
		return "", err
	}
	if _, err := evidence.WriteRun(sg, e.lockPath(), lock, in); err != nil {
		return "", err
	}
	return sg.KeyID(), nil
}

func (e *engine) bundleInput(ctx context.Context, c *cli.Context, rep *dag.Report, lock *attest.Lock) (attest.BundleInput, error) {
	a, err := rules.Analyze(e.m)
	if err != nil {
		return attest.BundleInput{}, err
	}
	in := attest.BundleInput{M: e.m, Analysis: a, Gate: rep.Gate, Triple: lock.Triple, Sections: map[string]string{},
		Tables: tableRecords(rep.Tables)}
	for name, s := range lock.Sections {
		in.Sections[name] = strings.ToUpper(s.Status[:1]) + s.Status[1:]
	}
	if r, err := attest.OpenRepo(e.repo); err == nil {
		in.Assessor.Name, in.Assessor.Email = attest.Identity(r)
	}
	if d := e.m.Dataset; d != nil {
		if in.Croissant, err = os.ReadFile(filepath.Join(e.repo, filepath.FromSlash(d.Croissant))); err != nil {
			return in, fmt.Errorf("dataset.croissant: %w", err)
		}
	}
	if _, ok := e.adapter.(adapters.TableLocker); ok {
		in.PipelineLockDigest = attest.TablesLockDigest(in.Tables)
	} else if e.adapter != nil {
		if in.PipelineLockDigest, err = e.adapter.LockDigest(ctx, e.repo); err != nil {
			return in, fmt.Errorf("%s: %w", e.adapter.Tool(), err)
		}
	}
	// Treatment events compare with the previous run: only evidence that
	// is genuine (verifies with a trusted key, anchored) may be that baseline.
	tc, err := resolveTrust(c, e.repo, ".sei")
	if err != nil {
		fmt.Fprintf(c.App.ErrWriter, "sei: warning: no trusted key for the previous evidence, treatment events start afresh: %v\n", err)
		return in, nil
	}
	var warn string
	in.Previous, warn = evidence.Previous(tc.verifier(e.repo, ".sei", attest.LockFile, e))
	if warn != "" {
		fmt.Fprintln(c.App.ErrWriter, "sei: warning:", warn)
	}
	return in, nil
}

// tableRecords are the tables a build read, as the bundle names them.
func tableRecords(ts []dag.TableRead) []attest.TableRecord {
	var out []attest.TableRecord
	for _, t := range ts {
		out = append(out, attest.TableRecord{Name: t.Name, Format: string(t.State.Ref.Format), Identifier: t.State.Ref.Identifier(),
			UUID: t.State.UUID, Snapshot: t.State.Snapshot, MetadataSHA256: t.State.MetadataSHA256, ReadBy: t.ReadBy, WrittenBy: t.WrittenBy})
	}
	return out
}
