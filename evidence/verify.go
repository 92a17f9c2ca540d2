// Package evidence is what sei's evidence means for a repository: whether
// it verifies with the keys the verifier trusts, whether it belongs to this
// system and describes the current tree, whether the lock anchors it, what
// a run writes, and what an act may rest on. attest holds the formats and
// the cryptography; this package puts them together with the graph.
package evidence

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"seigarrena.dev/sei/attest"
	"seigarrena.dev/sei/dag"
	"seigarrena.dev/sei/rules"
)

// DriftFunc compares the work tree with a lock, section by section; it is
// the engine's status (dag.Graph.Status over the stat cache), injected so
// that tests can give a fixed tree.
type DriftFunc func(l *attest.Lock) []dag.SectionStatus

// Verifier says what to verify and against what.
type Verifier struct {
	Root      string        // the repository, absolute
	Dir       string        // the artefact directory relative to Root, ".sei"
	LockFile  string        // relative to Root, "sei.lock"; "" for none
	Trust     *attest.Trust // keys for runs and reports
	Approvers []*ecdsa.PublicKey
	// ProgramUID is this manifest's; "" when there is no sei.yaml (the
	// original engine's repositories), and then foreign evidence is not told.
	ProgramUID string
	Drift      DriftFunc // nil: the tree is not compared
	// TablesRecord says the pipeline's record is its tables (tool:
	// lakehouse): pipeline_lock_digest must then be the digest of the
	// tables the bundle lists, recomputed here.
	TablesRecord bool
	// Lock, when LockLoaded, is LockFile as the caller already read it
	// (nil: absent): sei status reads the lock first, and at 10k stages a
	// second parse of it cost 70 ms.
	Lock       *attest.Lock
	LockLoaded bool
}

// Report is the verdict on a repository's evidence.
type Report struct {
	Findings []attest.Finding
	Bundle   *attest.Bundle // the verified bundle; nil when none verified
	Envelope []byte         // its envelope's verified bytes
	Verified *attest.Verified
	Lock     *attest.Lock
	Sections []dag.SectionStatus // every section against the run, when the tree was compared
	Keys     []*ecdsa.PublicKey  // the trusted keys after endorsements
}

// OK is true when every finding is.
func (r *Report) OK() bool { return r.Worst() == "" }

// Genuine is true when the evidence verifies and is anchored, though it may
// describe an older tree: what may serve as a previous run.
func (r *Report) Genuine() bool {
	for _, f := range r.Findings {
		if !f.OK && f.Kind != attest.KindStale {
			return false
		}
	}
	return true
}

// Worst is the kind of the first failed finding that is not stale, else
// stale when any is, else "".
func (r *Report) Worst() string {
	worst := ""
	for _, f := range r.Findings {
		switch {
		case f.OK:
		case f.Kind != attest.KindStale:
			return f.Kind
		default:
			worst = f.Kind
		}
	}
	return worst
}

// FirstProblem is the first failed finding, as "file: message".
func (r *Report) FirstProblem() string {
	for _, f := range r.Findings {
		if !f.OK && f.Kind != attest.KindStale {
			return f.File + ": " + f.Err
		}
	}
	for _, f := range r.Findings {
		if !f.OK {
			return f.File + ": " + f.Err
		}
	}
	return ""
}

func (r *Report) fail(file, kind, format string, args ...any) {
	r.Findings = append(r.Findings, attest.Finding{File: file, Kind: kind, Err: fmt.Sprintf(format, args...)})
}

// isAct reports whether rel (relative to the artefact directory) is signed
// by approvers rather than by the evidence key.
func isAct(rel string) bool {
	return strings.HasPrefix(rel, attest.ActsDir+"/") || rel == attest.ApproversFile
}

// isRequest reports an act file of a request: the engineer who ran the
// evidence asks, so its signature is checked against the evidence keys as
// well as the approvers'.
func isRequest(rel string) bool {
	return strings.HasPrefix(rel, attest.ActsDir+"/") && strings.HasSuffix(rel, "-"+string(attest.ActRequest)+".json")
}

// Verify checks the evidence: every signature (each binding its own file),
// the bundle's predicate, the key in PUBKEY.txt, the binding to this system
// and to the current tree, and the lock's anchor. A directory with no
// evidence at all is ErrNoEvidence unless the lock claims some.
func Verify(v Verifier) (*Report, error) {
	rep := &Report{Keys: attest.Endorsed(v.Root, v.Dir, v.Trust.Keys)}
	if v.LockFile != "" && v.LockLoaded {
		rep.Lock = v.Lock
	} else if v.LockFile != "" {
		l, err := attest.ReadLock(filepath.Join(v.Root, filepath.FromSlash(v.LockFile)))
		if err != nil {
			rep.fail(path.Base(v.LockFile), attest.KindAnchor, "%v", err)
		}
		rep.Lock = l
	}
	res, err := attest.VerifyDir(attest.DirOptions{Root: v.Root, Dir: v.Dir, Keys: func(rel string) []*ecdsa.PublicKey {
		switch {
		case isRequest(rel):
			return append(append([]*ecdsa.PublicKey(nil), rep.Keys...), v.Approvers...)
		case isAct(rel):
			return v.Approvers
		}
		return rep.Keys
	}})
	if errors.Is(err, attest.ErrNoEvidence) || errors.Is(err, os.ErrNotExist) {
		if rep.Lock != nil && (rep.Lock.SignedBundleDigest != "" || len(rep.Lock.Sections) > 0) {
			rep.fail(path.Base(v.LockFile), attest.KindAnchor, "records a run, but %s holds no evidence (deleted?)", v.Dir)
			return rep, nil
		}
		return rep, fmt.Errorf("%s %w", v.Dir, attest.ErrNoEvidence)
	}
	if err != nil {
		rep.fail(v.Dir, attest.KindSignature, "%v", err) // a symlinked or unreadable evidence directory
		return rep, nil
	}
	rep.Findings = append(rep.Findings, res.Findings...)
	if f, ok := attest.CheckPubkey(v.Root, v.Dir, rep.Keys); ok {
		rep.Findings = append(rep.Findings, f)
	}
	rep.checkBundle(v, res)
	rep.checkLock(v, res)
	return rep, nil
}

// checkBundle reads the verified bundle and checks what it is bound to.
func (rep *Report) checkBundle(v Verifier, res *attest.DirResult) {
	vb, ok := res.Verified[attest.BundleFile]
	if !ok {
		return
	}
	b, err := attest.ParseBundle(attest.BundleFile, res.Data[attest.BundleFile])
	if err != nil {
		rep.fail(attest.BundleFile, attest.KindSignature, "%v", err)
		return
	}
	if err := attest.PredicateAgrees(vb, b); err != nil {
		rep.fail(attest.BundleFile, attest.KindSignature, "%v", err)
		return
	}
	rep.Bundle, rep.Verified, rep.Envelope = b, vb, res.Data[attest.BundleFile+".sig"]
	if vb.Legacy() {
		return // the original engine's bundles carry no binding
	}
	f := b.ComputedFrom
	if f == nil {
		rep.fail(attest.BundleFile, attest.KindSignature, "carries no binding to a tree (computed_from)")
		return
	}
	if err := checkTables(v, b); err != nil {
		rep.fail(attest.BundleFile, attest.KindSignature, "%v", err)
		return
	}
	if v.ProgramUID != "" && f.ProgramUID != v.ProgramUID {
		rep.fail(attest.BundleFile, attest.KindForeign, "evidence from another system: program_uid %s, this sei.yaml's is %s", f.ProgramUID, v.ProgramUID)
		return
	}
	if v.Drift == nil {
		return
	}
	rep.Sections = v.Drift(f.Lock())
	if stale := rep.Stale(); len(stale) > 0 {
		var lines []string
		for _, s := range stale {
			lines = append(lines, s.String())
		}
		rep.fail(attest.BundleFile, attest.KindStale, "evidence does not describe the current tree (run `sei run`): %s", strings.Join(lines, "; "))
	}
}

// checkLock: the lock must anchor the bundle's envelope and agree with the
// binding the bundle signs.
func (rep *Report) checkLock(v Verifier, res *attest.DirResult) {
	name := path.Base(v.LockFile)
	env, haveBundle := res.Data[attest.BundleFile+".sig"]
	switch {
	case v.LockFile == "":
		return
	case rep.Lock == nil && haveBundle:
		rep.fail(name, attest.KindAnchor, "missing: the evidence has no anchor")
		return
	case rep.Lock == nil:
		return
	case !haveBundle:
		if rep.Lock.SignedBundleDigest != "" || len(rep.Lock.Sections) > 0 {
			rep.fail(name, attest.KindAnchor, "records a run, but %s/bundle.json.sig is missing or does not verify", v.Dir)
		}
		return
	}
	if err := attest.CheckAnchor(rep.Lock, env); err != nil {
		rep.fail(name, attest.KindAnchor, "%v", err)
		return
	}
	if rep.Bundle != nil && rep.Bundle.ComputedFrom != nil {
		if d := rep.Bundle.ComputedFrom.Disagreement(rep.Lock); d != "" {
			rep.fail(name, attest.KindAnchor, "disagrees with the bundle it anchors: %s", d)
			return
		}
	}
	if err := datasetOfTables(rep.Lock, rep.Bundle); err != nil {
		rep.fail(name, attest.KindAnchor, "%v", err)
		return
	}
	rep.Findings = append(rep.Findings, attest.Finding{File: name, OK: true})
}

// Stale are the sections changed since the run (none when the tree was
// not compared).
func (r *Report) Stale() []dag.SectionStatus {
	var out []dag.SectionStatus
	for _, s := range r.Sections {
		if s.Stale {
			out = append(out, s)
		}
	}
	return out
}

// Gate is the verdict of the verified bundle, or nil when none verified.
func (r *Report) Gate() *rules.GateResult {
	if r.Bundle == nil {
		return nil
	}
	g := r.Bundle.Gate()
	return &g
}

// checkTables recomputes a lakehouse pipeline's pipeline_lock_digest
// from the tables the bundle lists: a signer that lists one snapshot and
// records another is caught here, not only by an auditor's own script.
func checkTables(v Verifier, b *attest.Bundle) error {
	if !v.TablesRecord {
		return nil
	}
	if d := attest.TablesLockDigest(b.Tables); b.ComputedFrom.PipelineLockDigest != d || b.PipelineLockDigest != d {
		return fmt.Errorf("pipeline_lock_digest %s is not the digest %s of the tables the bundle lists", b.PipelineLockDigest, d)
	}
	return nil
}

// datasetOfTables: a lock anchoring a bundle that lists source tables
// names their digest as triple.dataset (the rows measured).
func datasetOfTables(l *attest.Lock, b *attest.Bundle) error {
	if b == nil || len(b.Tables) == 0 {
		return nil
	}
	if d := attest.TablesDigest(b.Tables); l.Triple.Dataset != d {
		return fmt.Errorf("triple.dataset %s is not the digest %s of the source tables the bundle lists", l.Triple.Dataset, d)
	}
	return nil
}
