package evidence

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"seigarrena.dev/sei/attest"
)

// Why an act is refused. The CLI maps each to its exit code.
var (
	ErrDirty         = errors.New("the work tree has changes")
	ErrUncommitted   = errors.New("evidence is not committed as written")
	ErrUnverified    = errors.New("the evidence does not verify")
	ErrStale         = errors.New("the evidence does not describe HEAD's tree")
	ErrGate          = errors.New("a blocking control fails")
	ErrNotApprover   = errors.New("not an approver")
	ErrNotApplicable = errors.New("the act does not apply")
	ErrNoEvidence    = errors.New("no evidence")
	ErrResidual      = errors.New("nothing to accept")
)

// ActContext is what an act is judged on.
type ActContext struct {
	Repo   *git.Repository
	Root   string
	Report *Report // the work tree's evidence, verified with drift
}

// EvidenceFiles must be committed as they are in the work tree before an
// act that rests on the evidence.
var EvidenceFiles = []string{attest.LockFile, ".sei/bundle.json", ".sei/bundle.json.sig", ".sei/PUBKEY.txt"}

// CheckRests refuses an act on what sei cannot vouch for: a dirty work
// tree, evidence not committed as written, evidence that does not verify
// with a trusted key or is not anchored, and evidence that does not
// describe HEAD's tree (which, on a clean tree, is the work tree).
func CheckRests(ac ActContext) error {
	if err := clean(ac.Repo); err != nil {
		return err
	}
	head, err := ac.Repo.Head()
	if err != nil {
		return err
	}
	hc, err := ac.Repo.CommitObject(head.Hash())
	if err != nil {
		return err
	}
	for _, f := range EvidenceFiles {
		if err := committedAsIs(hc, ac.Root, f); err != nil {
			return fmt.Errorf("%w: %v", ErrUncommitted, err)
		}
	}
	rep := ac.Report
	if rep.Bundle == nil || !rep.Genuine() {
		return fmt.Errorf("%w: %s (see `sei verify`)", ErrUnverified, firstOr(rep.FirstProblem(), "no verified bundle"))
	}
	if stale := rep.Stale(); len(stale) > 0 {
		return fmt.Errorf("%w: %s; run `sei run` and commit its evidence", ErrStale, stale[0].String())
	}
	return nil
}

func firstOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// clean refuses staged, modified, deleted and untracked (not ignored) files.
func clean(r *git.Repository) error {
	wt, err := r.Worktree()
	if err != nil {
		return err
	}
	st, err := wt.Status()
	if err != nil {
		return err
	}
	var dirty []string
	for p, s := range st {
		if s.Staging != git.Unmodified || s.Worktree != git.Unmodified {
			dirty = append(dirty, p)
		}
	}
	if len(dirty) == 0 {
		return nil
	}
	sort.Strings(dirty)
	if len(dirty) > 3 {
		dirty = append(dirty[:3], fmt.Sprintf("and %d more", len(dirty)-3))
	}
	return fmt.Errorf("%w (%s): commit or stash them; an act vouches for committed code only", ErrDirty, strings.Join(dirty, ", "))
}

// committedAsIs checks that the work tree's file (repository-relative) has
// HEAD's bytes.
func committedAsIs(hc *object.Commit, root, rel string) error {
	have, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
	if os.IsNotExist(err) {
		return fmt.Errorf("%s does not exist", rel)
	} else if err != nil {
		return err
	}
	_, h, ok, err := attest.FileAt(hc, rel)
	switch {
	case err != nil:
		return err
	case !ok:
		return fmt.Errorf("%s is not committed", rel)
	case h != plumbing.ComputeHash(plumbing.BlobObject, have):
		return fmt.Errorf("%s differs from HEAD", rel)
	}
	return nil
}

// Approver finds the approver whose key is k in the list in force.
func Approver(gov *attest.Governance, k *ecdsa.PublicKey) (attest.Approver, error) {
	for _, a := range gov.Current {
		if pk, err := attest.ParsePublicKey([]byte(a.Key)); err == nil && pk.Equal(k) {
			return a, nil
		}
	}
	return attest.Approver{}, fmt.Errorf("%w: key %s is not in %s; an approver adds you with `sei approver add`",
		ErrNotApprover, attest.KeyID(k)[:12], attest.ApproversFile)
}

// ActFiles signs rec with the actor's key and returns the act file and its
// signature, by repository-relative path, for attest.RecordAct.
func ActFiles(dir string, key *ecdsa.PrivateKey, rec attest.ActRecord) (map[string][]byte, string, error) {
	data, err := attest.MarshalPretty(rec)
	if err != nil {
		return nil, "", err
	}
	rel := path.Join(dir, attest.ActFileName(rec.Seq, rec.Act))
	env, err := attest.Sign(key, rel, data, map[string]any{"act": string(rec.Act), "actor": rec.Actor,
		"bundle_digest": rec.BundleDigest, "commit": rec.Commit})
	if err != nil {
		return nil, "", err
	}
	return map[string][]byte{rel: data, rel + ".sig": env}, rel, nil
}

// NewActRecord fills the record of an act taken now on HEAD.
func NewActRecord(r *git.Repository, dir, programUID string, act attest.Act, actor, subject string, when time.Time, bundleDigest string) (attest.ActRecord, error) {
	head, err := r.Head()
	if err != nil {
		return attest.ActRecord{}, err
	}
	hc, err := r.CommitObject(head.Hash())
	if err != nil {
		return attest.ActRecord{}, err
	}
	seq, prev, err := attest.NextAct(hc, dir)
	if err != nil {
		return attest.ActRecord{}, err
	}
	return attest.ActRecord{Seq: seq, ProgramUID: programUID, Act: act, Actor: actor, Date: when.UTC().Format(time.RFC3339),
		Commit: head.Hash().String(), BundleDigest: bundleDigest, Previous: prev, Subject: subject}, nil
}
