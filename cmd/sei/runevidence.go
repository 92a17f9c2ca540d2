package main

import (
	"fmt"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"seigarrena.dev/sei/attest"
	"seigarrena.dev/sei/manifest"
	"seigarrena.dev/sei/rules"
)

// runEvidence is what conformance knows of the last sei run: its bundle
// (nil before any run), whether the bundle verifies, whether the history
// replays, and the lifecycle state.
func runEvidence(c *cli.Context, m *manifest.Manifest, repo string) (*rules.RunEvidence, error) {
	b, err := attest.ReadBundle(filepath.Join(repo, ".sei", attest.BundleFile))
	if err != nil {
		return nil, withCode(exitInvalid, err)
	}
	if b == nil {
		return nil, nil
	}
	ev := &rules.RunEvidence{Gate: b.Gate(), BundleSigned: verifyEvidence(repo) == nil}
	r, err := attest.OpenRepo(repo)
	if err != nil {
		fmt.Fprintf(c.App.ErrWriter, "sei: note: %v: no history, no approval\n", err)
		return ev, nil
	}
	lc, _, err := lifecycleOf(r, m.Risk.ReviewInterval)
	if err != nil {
		return nil, err
	}
	ev.ApprovalRecorded = lc.State == attest.Approved || lc.State == attest.UnderReview
	ev.ReviewWithinInterval = lc.State == attest.Approved
	t, _ := now()
	rel, err := attest.RepoPath(r, filepath.Join(repo, ".sei", attest.BundleFile))
	if err != nil {
		return ev, nil
	}
	if rec, err := attest.Reconstruct(r, attest.ReconstructOptions{Manifest: m, Bundle: rel, Now: t}); err == nil {
		ev.HistoryReconstructable = len(rec.Snapshots) > 0
		for _, s := range rec.Risks {
			ev.HistoryReconstructable = ev.HistoryReconstructable && s.IdentifiedSHA != ""
		}
	}
	return ev, nil
}
