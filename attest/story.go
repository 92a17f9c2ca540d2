package attest

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing/object"

	"seigarrena.dev/sei/manifest"
	"seigarrena.dev/sei/rules"
)

// maxScanBlob bounds the blobs searched for risk ids: datasets and models
// are large and never where a risk is named. 8 MiB keeps a replay of a long
// history in seconds.
const maxScanBlob = 8 << 20

// blobPair is one changed file: its bytes before and after the commit.
type blobPair struct{ before, after []byte }

// changedBlobs lists the files c changed against parent (every file of c
// when parent is nil).
func changedBlobs(parent, c *object.Commit) ([]blobPair, error) {
	to, err := c.Tree()
	if err != nil {
		return nil, err
	}
	var from *object.Tree
	if parent != nil {
		if from, err = parent.Tree(); err != nil {
			return nil, err
		}
	}
	changes, err := object.DiffTree(from, to)
	if err != nil {
		return nil, fmt.Errorf("diff of %s: %w", c.Hash, err)
	}
	var out []blobPair
	for _, ch := range changes {
		if ch.To.Name == "" { // deletion: adds nothing
			continue
		}
		var p blobPair
		if p.after, err = entryBytes(ch.To); err != nil {
			return nil, err
		}
		if ch.From.Name != "" {
			if p.before, err = entryBytes(ch.From); err != nil {
				return nil, err
			}
		}
		out = append(out, p)
	}
	return out, nil
}

func entryBytes(e object.ChangeEntry) ([]byte, error) {
	if !e.TreeEntry.Mode.IsFile() {
		return nil, nil
	}
	f, err := e.Tree.TreeEntryFile(&e.TreeEntry)
	if err != nil {
		return nil, err
	}
	if f.Size > maxScanBlob {
		return nil, nil
	}
	rd, err := f.Reader()
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	return io.ReadAll(rd)
}

// addsString reports whether some change has more occurrences of s after
// than before.
func addsString(changes []blobPair, s string) bool {
	for _, p := range changes {
		if bytes.Count(p.after, []byte(s)) > bytes.Count(p.before, []byte(s)) {
			return true
		}
	}
	return false
}

// story tells one risk's cycle from its identifying commit and the bundles.
func story(id string, idc *object.Commit, bundles []*Bundle, rec *Reconstruction, m *manifest.Manifest) RiskStory {
	last := bundles[len(bundles)-1]
	s := RiskStory{RiskID: id, Arcs: arcs(id, bundles, rec.Snapshots)}
	for _, ra := range last.RiskAnalysis {
		if ra.RiskID == id {
			s.Assessment = ra
		}
	}
	fillCells(&s.Assessment)
	s.Provenance = s.Assessment.Provenance
	s.Residual = s.Assessment.ResidualOverall
	if s.Residual == "" {
		s.Residual = s.Assessment.InherentOverall
	}
	if idc != nil {
		s.IdentifiedSHA = idc.Hash.String()
		s.IdentifiedDate = idc.Committer.When.UTC().Format(time.RFC3339)
	}
	s.Cycle = StoryCycle{Status: s.Assessment.Cycle.Status}
	if why := discrepancy(id, last, m); why != "" {
		s.Cycle = StoryCycle{Status: rules.CycleDiscrepancy, Reason: why}
	} else if s.Cycle.Status == rules.CycleOpen {
		if why := accepted(id, last, rec.Lifecycle); why != "" {
			s.Cycle = StoryCycle{Status: rules.CycleAccepted, Reason: why}
		}
	}
	if s.IdentifiedSHA == "" && s.Cycle.Reason == "" {
		s.Cycle.Reason = "no commit of the first-parent history adds this risk id"
	}
	return s
}

// arcs lists the verdict changes of the risk's blocking controls between
// consecutive snapshots.
func arcs(id string, bundles []*Bundle, snaps []Snapshot) []Arc {
	out := []Arc{}
	type seen struct {
		rec ControlRecord
		at  int
	}
	prev := map[string]seen{}
	for i, b := range bundles {
		for _, c := range b.ControlResults {
			if c.RiskID != id || c.EnforcementMode != "block" {
				continue
			}
			if p, ok := prev[c.ControlID]; ok && p.rec.Passed != c.Passed {
				kind := "Treatment"
				if !c.Passed {
					kind = "Regression"
				}
				out = append(out, Arc{ControlID: c.ControlID, Kind: kind, FromSHA: snaps[p.at].SHA, ToSHA: snaps[i].SHA,
					FromRunCommit: bundles[p.at].Triple.Code, ToRunCommit: b.Triple.Code,
					FromValue: p.rec.ActualValue, ToValue: c.ActualValue, FromVerdict: p.rec.Verdict, ToVerdict: c.Verdict})
			}
			prev[c.ControlID] = seen{c, i}
		}
	}
	return out
}

// discrepancy compares the last bundle's controls of a risk with sei.yaml:
// a recorded verdict the manifest's constraint contradicts, a control the
// manifest no longer has, or a manifest control the run never measured.
// It is "" when they agree.
func discrepancy(id string, last *Bundle, m *manifest.Manifest) string {
	declared := map[string]rules.Control{}
	for _, c := range rules.ControlsOf(m) {
		if c.RiskID == id {
			declared[c.MeasureID] = c
		}
	}
	var bad []string
	recorded := map[string]bool{}
	for _, c := range last.ControlResults {
		if c.RiskID != id {
			continue
		}
		recorded[c.ControlID] = true
		d, ok := declared[c.ControlID]
		switch {
		case !ok:
			bad = append(bad, fmt.Sprintf("control %s of the last bundle is not in sei.yaml", c.ControlID))
		case c.ActualValue != nil && d.Constraint.Holds(*c.ActualValue) != c.Passed:
			bad = append(bad, fmt.Sprintf("control %s: the bundle records %s for %v, but sei.yaml's constraint %s%s says otherwise",
				c.ControlID, c.Verdict, *c.ActualValue, d.Constraint.Op, d.Constraint.Decimal))
		}
	}
	for mid := range declared {
		if !recorded[mid] {
			bad = append(bad, fmt.Sprintf("control %s of sei.yaml was not measured by the last bundle", mid))
		}
	}
	slices.Sort(bad)
	return strings.Join(bad, "; ")
}

// accepted says why an open risk counts as accepted: the approval the
// lifecycle rests on accepted every failing blocking control of the risk.
func accepted(id string, last *Bundle, lc Lifecycle) string {
	a := lc.Approval
	if a == nil || a.AcceptedResidual == "" || (lc.State != Approved && lc.State != UnderReview) {
		return ""
	}
	for _, c := range last.ControlResults {
		if c.RiskID == id && c.EnforcementMode == "block" && !c.Passed && !slices.Contains(a.AcceptedControls, c.ControlID) {
			return ""
		}
	}
	return fmt.Sprintf("residual accepted by %s at %s: %s", a.By, a.SHA[:12], a.AcceptedResidual)
}

// fillCells rates the matrix cells a bundle left out (the original engine's
// bundles have no inherent_cell or residual_cell): an empty string would
// read as "no cell", though likelihood and impact say which it is.
func fillCells(r *RiskRecord) {
	sc := rules.Scale5x5
	for i := range r.Dimensions {
		d := &r.Dimensions[i]
		if _, ok := sc.Impact[d.Impact]; !ok {
			continue
		}
		if l := manifest.Likelihood(r.Likelihood); d.InherentCell == "" && sc.Likelihood[l] > 0 {
			d.InherentCell = sc.Rate(l, d.Impact).String()
		}
		if l := manifest.Likelihood(r.ResidualLikelihood); d.ResidualCell == "" && sc.Likelihood[l] > 0 {
			d.ResidualCell = sc.Rate(l, d.Impact).String()
		}
	}
}
