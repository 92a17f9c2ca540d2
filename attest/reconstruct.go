package attest

import (
	"bytes"
	"crypto/ecdsa"
	"path"
	"sort"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"

	"seigarrena.dev/sei/manifest"
	"seigarrena.dev/sei/rules"
)

// ReconstructFile is the reconstruct report's path relative to .sei.
const ReconstructFile = "reconstruct.json"

// Snapshot is a commit that changed the bundle: one run of record.
type Snapshot struct {
	SHA     string `json:"sha"`
	Date    string `json:"date"`
	Subject string `json:"subject"`
	// SignedBy is the keyid of the trusted key that signed the run's
	// bundle at that commit; "" when no trusted key did (Unverified says why).
	SignedBy   string `json:"signed_by,omitempty"`
	Unverified string `json:"unverified,omitempty"`
	// Gate is the run's gate verdict, PASS or FAIL, with the blocking
	// controls that failed (as the bundle says: trust it as far as
	// SignedBy does).
	Gate     rules.Verdict `json:"gate"`
	Blocking []string      `json:"blocking,omitempty"`
}

// Arc is a blocking control changing verdict between two snapshots: a
// Treatment (FAIL to PASS) or a Regression (PASS to FAIL). FromSHA and ToSHA
// are the snapshot commits; the run commits are the bundles' triple.code.
type Arc struct {
	ControlID     string        `json:"control_id"`
	Kind          string        `json:"kind"`
	FromSHA       string        `json:"from_sha"`
	ToSHA         string        `json:"to_sha"`
	FromRunCommit string        `json:"from_run_commit"`
	ToRunCommit   string        `json:"to_run_commit"`
	FromValue     *float64      `json:"from_value"`
	ToValue       *float64      `json:"to_value"`
	FromVerdict   rules.Verdict `json:"from_verdict"`
	ToVerdict     rules.Verdict `json:"to_verdict"`
}

// RiskStory is one measured risk's ISO/IEC 23894 cycle replayed from git:
// identification (the commit that introduced its id), analysis and
// evaluation (the last bundle's assessment), treatment (arcs), residual and
// cycle status.
type RiskStory struct {
	RiskID         string     `json:"risk_id"`
	IdentifiedSHA  string     `json:"identified_sha"`
	IdentifiedDate string     `json:"identified_date"`
	Provenance     string     `json:"provenance"`
	Assessment     RiskRecord `json:"assessment"`
	Arcs           []Arc      `json:"arcs"`
	Residual       string     `json:"residual"`
	Cycle          StoryCycle `json:"cycle"`
}

// StoryCycle is the cycle status and, when it is not the bundle's own,
// why reconstruct changed it.
type StoryCycle struct {
	Status rules.Cycle `json:"status"`
	Reason string      `json:"reason,omitempty"`
}

// Reconstruction is the reconstruct payload.
type Reconstruction struct {
	SystemName string      `json:"system_name"`
	Snapshots  []Snapshot  `json:"snapshots"`
	Risks      []RiskStory `json:"risks"`
	Approval   *Event      `json:"approval"`
	Lifecycle  Lifecycle   `json:"lifecycle"`
	// Deleted are the commits that deleted the evidence: the runs before
	// such a commit are no longer HEAD's, so they are not replayed.
	Deleted []Snapshot `json:"evidence_deleted,omitempty"`
}

// ReconstructOptions say where the files are and what time it is.
type ReconstructOptions struct {
	Manifest *manifest.Manifest // the work tree's manifest: names and constraints
	Bundle   string             // repository-relative, e.g. ".sei/bundle.json"
	// Aliases are where the bundle was before a rename (`sei migrate`
	// from the original engine's .froga/ or .venth/): a commit that only
	// moves it is not a new run.
	Aliases []string
	Now     time.Time          // for the review interval; injected for tests
	Keys    []*ecdsa.PublicKey // trusted for runs: who signed each snapshot
	Gov     *Governance        // who may approve; nil: no act verifies
}

// Reconstruct replays HEAD's first-parent history.
func Reconstruct(r *git.Repository, opt ReconstructOptions) (*Reconstruction, error) {
	chain, err := Chain(r)
	if err != nil {
		return nil, err
	}
	rec := &Reconstruction{SystemName: opt.Manifest.System.Name, Snapshots: []Snapshot{}, Risks: []RiskStory{}}
	bundles, err := snapshots(chain, opt, rec)
	if err != nil {
		return nil, err
	}
	gov := opt.Gov
	if gov == nil {
		gov = &Governance{ActSigners: map[string][]Approver{}}
	}
	events, err := LifecycleEvents(chain, path.Dir(opt.Bundle), gov)
	if err != nil {
		return nil, err
	}
	rec.Lifecycle = Replay(events, opt.Manifest.Risk.ReviewInterval, opt.Now)
	rec.Approval = rec.Lifecycle.Approval
	if len(bundles) == 0 {
		return rec, nil
	}
	last := bundles[len(bundles)-1]
	ids := measuredRisks(last)
	found, err := identify(chain, ids)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		rec.Risks = append(rec.Risks, story(id, found[id], bundles, rec, opt.Manifest))
	}
	return rec, nil
}

// snapshots reads the bundle at every commit that changed it, and which
// trusted key signed it there.
func snapshots(chain []*object.Commit, opt ReconstructOptions, rec *Reconstruction) ([]*Bundle, error) {
	var out []*Bundle
	var prev [20]byte
	for _, c := range chain {
		p, data, h, ok, err := bundleAt(c, opt)
		if err != nil {
			return nil, err
		}
		snap := Snapshot{SHA: c.Hash.String(), Date: c.Committer.When.UTC().Format(time.RFC3339), Subject: subjectOf(c.Message)}
		if !ok {
			if prev != ([20]byte{}) { // deleted here: what came before is not HEAD's evidence
				rec.Deleted = append(rec.Deleted, snap)
				out, rec.Snapshots, prev = nil, []Snapshot{}, [20]byte{}
			}
			continue
		}
		if h == prev {
			continue
		}
		prev = h
		b, err := ParseBundle(p+"@"+c.Hash.String()[:7], data)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
		g := b.Gate()
		snap.Gate, snap.Blocking = rules.Pass, g.Blocking
		if !g.Passed {
			snap.Gate = rules.Fail
		}
		env, _, _, err := FileAt(c, p+".sig")
		if err != nil {
			return nil, err
		}
		if v, err := VerifyEnvelope(env, data, p, path.Base(p), opt.Keys); err != nil {
			snap.Unverified = err.Error()
		} else {
			snap.SignedBy = KeyID(v.Key)
		}
		rec.Snapshots = append(rec.Snapshots, snap)
	}
	return out, nil
}

// bundleAt is the bundle in commit c: at opt.Bundle, else at the first
// alias that holds one.
func bundleAt(c *object.Commit, opt ReconstructOptions) (p string, data []byte, h [20]byte, ok bool, err error) {
	return BundleAt(c, opt.Bundle, opt.Aliases)
}

// BundleAt is the bundle committed in c at path, else at the first of
// aliases (its names before `sei migrate`) that holds one, with the path
// it was found at and its blob hash.
func BundleAt(c *object.Commit, path string, aliases []string) (p string, data []byte, h [20]byte, ok bool, err error) {
	for _, p = range append([]string{path}, aliases...) {
		if data, h, ok, err = FileAt(c, p); err != nil || ok {
			return p, data, h, ok, err
		}
	}
	return "", nil, h, false, nil
}

func subjectOf(msg string) string {
	line, _, _ := bytes.Cut(bytes.TrimSpace([]byte(msg)), []byte("\n"))
	return string(line)
}

// measuredRisks are the risks with at least one control result in b,
// sorted: a risk without measured controls has no cycle to replay.
func measuredRisks(b *Bundle) []string {
	seen := map[string]bool{}
	var ids []string
	for _, c := range b.ControlResults {
		if !seen[c.RiskID] {
			seen[c.RiskID] = true
			ids = append(ids, c.RiskID)
		}
	}
	sort.Strings(ids)
	return ids
}

// identify finds, per id, the oldest commit whose diff adds an occurrence
// of the id in any file (git log -S semantics, restricted to additions).
func identify(chain []*object.Commit, ids []string) (map[string]*object.Commit, error) {
	found := map[string]*object.Commit{}
	for i, c := range chain {
		if len(found) == len(ids) {
			break
		}
		var parent *object.Commit
		if i > 0 {
			parent = chain[i-1]
		}
		changes, err := changedBlobs(parent, c)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if found[id] == nil && addsString(changes, id) {
				found[id] = c
			}
		}
	}
	return found, nil
}
