package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"seigarrena.dev/sei/attest"
	"seigarrena.dev/sei/evidence"
	"seigarrena.dev/sei/manifest"
	"seigarrena.dev/sei/rules"
)

// runEvidence is what conformance knows of the last sei run: its verified
// bundle (nil before any run, or when the evidence does not verify),
// whether the history replays, and the lifecycle state.
func runEvidence(c *cli.Context, m *manifest.Manifest, repo string) (*rules.RunEvidence, error) {
	root, err := filepath.Abs(repo)
	if err != nil {
		return nil, err
	}
	l := repoLayout(c)
	if _, err := os.Stat(filepath.Join(root, l.Dir, attest.BundleFile)); err != nil {
		return nil, nil
	}
	tc, err := resolveTrust(c, root, l.Dir)
	if err != nil {
		return nil, err
	}
	v := tc.verifier(root, l.Dir, l.Lock, nil)
	v.ProgramUID = rules.ProgramUID(m.System.Name)
	rep, err := evidence.Verify(v)
	if err != nil {
		return nil, withCode(exitUnverified, err)
	}
	if rep.Bundle == nil || !rep.Genuine() {
		fmt.Fprintf(c.App.ErrWriter, "sei: warning: the evidence does not verify (%s); conformance is judged as before any run\n", rep.FirstProblem())
		return nil, nil
	}
	r, err := attest.OpenRepo(repo)
	if err != nil {
		fmt.Fprintf(c.App.ErrWriter, "sei: note: %v: no history, no approval\n", err)
		return runEvidenceOf(rep, nil, nil), nil
	}
	lc, _, err := lifecycleOf(r, tc, m)
	if err != nil {
		return nil, err
	}
	t, _ := now()
	var rec *attest.Reconstruction
	if rel, err := attest.RepoPath(r, filepath.Join(repo, l.Dir, attest.BundleFile)); err == nil {
		rec, _ = attest.Reconstruct(r, attest.ReconstructOptions{Manifest: m, Bundle: rel, Aliases: bundleAliases(rel, l), Now: t})
	}
	return runEvidenceOf(rep, &lc, rec), nil
}

// runEvidenceOf is what conformance knows of a verified run: its gate, the
// lifecycle (nil: no history) and whether the history replays (rec nil:
// it does not).
func runEvidenceOf(rep *evidence.Report, lc *attest.Lifecycle, rec *attest.Reconstruction) *rules.RunEvidence {
	ev := &rules.RunEvidence{Gate: rep.Bundle.Gate(), BundleSigned: true}
	if lc == nil {
		return ev
	}
	ev.ApprovalRecorded = lc.State == attest.Approved || lc.State == attest.UnderReview
	ev.ReviewWithinInterval = lc.State == attest.Approved
	ev.Lifecycle = string(lc.State)
	if rec != nil {
		ev.HistoryReconstructable = len(rec.Snapshots) > 0
		for _, s := range rec.Risks {
			ev.HistoryReconstructable = ev.HistoryReconstructable && s.IdentifiedSHA != ""
		}
	}
	return ev
}
