package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/urfave/cli/v2"

	"seigarrena.dev/sei/attest"
	"seigarrena.dev/sei/manifest"
	"seigarrena.dev/sei/rules"
)

func reconstructCommand() *cli.Command {
	return &cli.Command{
		Name:  "reconstruct",
		Usage: "replay the git history: per measured risk, identification, analysis, treatment arcs, residual and cycle status; and the lifecycle",
		Flags: append([]cli.Flag{repoFlag, jsonFlag,
			&cli.BoolFlag{Name: "out", Usage: "also write the signed .sei/reconstruct.json"},
		}, trustFlags...),
		Action: runReconstruct,
	}
}

func runReconstruct(c *cli.Context) error {
	m, r, err := manifestAndRepo(c)
	if err != nil {
		return err
	}
	root, err := absRepo(c)
	if err != nil {
		return err
	}
	tc, err := resolveTrust(c, root, repoLayout(c).Dir)
	if err != nil {
		return err
	}
	rec, err := reconstructWith(c, m, r, tc)
	if err != nil {
		return err
	}
	if c.Bool("out") {
		sg, err := newSigner(c, repoDir(c))
		if err != nil {
			return err
		}
		data, err := attest.MarshalPretty(artifact{SchemaVersion: 1, Kind: "reconstruct", System: m.System.Name, Payload: rec})
		if err != nil {
			return err
		}
		if _, err := sg.Write(attest.ReconstructFile, data, nil); err != nil {
			return err
		}
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, "reconstruct", rec)
	}
	writeReconstruction(c.App.Writer, rec)
	return nil
}

// reconstructWith replays HEAD's history trusting tc's keys and approvers.
func reconstructWith(c *cli.Context, m *manifest.Manifest, r *git.Repository, tc *trustContext) (*attest.Reconstruction, error) {
	t, err := now()
	if err != nil {
		return nil, err
	}
	l := repoLayout(c)
	rel, err := attest.RepoPath(r, filepath.Join(repoDir(c), l.Dir, attest.BundleFile))
	if err != nil {
		return nil, err
	}
	root, err := absRepo(c)
	if err != nil {
		return nil, err
	}
	keys := attest.Endorsed(root, l.Dir, tc.trust.Keys)
	tc.gov.ProgramUID = rules.ProgramUID(m.System.Name)
	return attest.Reconstruct(r, attest.ReconstructOptions{Manifest: m, Bundle: rel, Aliases: bundleAliases(rel, l), Now: t, Keys: keys, Gov: tc.gov})
}

func writeReconstruction(w io.Writer, rec *attest.Reconstruction) {
	fmt.Fprintf(w, "%s: %d run(s) of record\n", rec.SystemName, len(rec.Snapshots))
	for _, d := range rec.Deleted {
		fmt.Fprintf(w, "  evidence deleted at %s %s %s: the runs before it are not HEAD's\n", d.SHA[:12], d.Date, d.Subject)
	}
	for _, s := range rec.Snapshots {
		signer := "signed by " + short(s.SignedBy)
		if s.SignedBy == "" {
			signer = "UNVERIFIED: " + s.Unverified
		}
		fmt.Fprintf(w, "  %s %s %s (%s)\n", s.SHA[:12], s.Date, s.Subject, signer)
	}
	for _, s := range rec.Risks {
		fmt.Fprintf(w, "%s: %s", s.RiskID, s.Cycle.Status)
		if s.Cycle.Reason != "" {
			fmt.Fprintf(w, " (%s)", s.Cycle.Reason)
		}
		fmt.Fprintln(w)
		if s.IdentifiedSHA != "" {
			fmt.Fprintf(w, "  identified  %s %s\n", s.IdentifiedSHA[:12], s.IdentifiedDate)
		}
		fmt.Fprintf(w, "  analysis    inherent %s, residual %s, requires treatment: %v\n",
			s.Assessment.InherentOverall, s.Residual, s.Assessment.RequiresTreatment)
		for _, a := range s.Arcs {
			fmt.Fprintf(w, "  %-11s %s %s -> %s (%s -> %s)\n", strings.ToLower(a.Kind), a.ControlID,
				a.FromVerdict, a.ToVerdict, short(a.FromRunCommit), short(a.ToRunCommit))
		}
	}
	lc := rec.Lifecycle
	fmt.Fprintf(w, "lifecycle: %s", lc.State)
	if lc.Since != nil {
		fmt.Fprintf(w, " since %s", lc.Since.UTC().Format("2006-01-02"))
	}
	if lc.ReviewDue != nil {
		fmt.Fprintf(w, "; review due %s", lc.ReviewDue.UTC().Format("2006-01-02"))
	}
	fmt.Fprintln(w)
	for _, e := range lc.Events {
		mark := "verified, signed by " + short(e.KeyID)
		switch {
		case e.Ignored != "":
			mark = e.Ignored
		case !e.Verified:
			mark = "unsigned trailer (a request needs no signature)"
		}
		fmt.Fprintf(w, "  %-8s %s %s by %s: %s\n", e.Act, e.Date.UTC().Format("2006-01-02"), short(e.SHA), e.By, mark)
		if e.Note != "" {
			fmt.Fprintf(w, "           note: %s\n", e.Note)
		}
	}
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

// bundleAliases are where the bundle at rel (layout l's) lived under the
// other layouts' names, so that history from before `sei migrate` replays.
func bundleAliases(rel string, l manifest.Layout) []string {
	prefix := strings.TrimSuffix(rel, l.Dir+"/"+attest.BundleFile)
	var out []string
	for _, o := range manifest.Layouts {
		if o.Dir != l.Dir {
			out = append(out, prefix+o.Dir+"/"+attest.BundleFile)
		}
	}
	return out
}
