package evidence

import (
	"seigarrena.dev/sei/atomicfile"
	"seigarrena.dev/sei/attest"
)

// WriteRun writes a finished build's evidence: the bundle, bound to what
// it was computed from (lock's sections and inputs, the commit, the
// pipeline lock digest), its signature with the verdicts in the predicate,
// and then the lock that anchors the signature; each by rename, so a crash
// leaves the old anchor or the new one. lockPath is sei.lock's absolute
// path. It returns the envelope.
func WriteRun(s *Signer, lockPath string, lock *attest.Lock, in attest.BundleInput) ([]byte, error) {
	b := attest.Assemble(in)
	b.ComputedFrom = attest.BindingOf(lock, in.PipelineLockDigest)
	data, err := b.Marshal()
	if err != nil {
		return nil, err
	}
	env, err := s.Write(attest.BundleFile, data, attest.BundlePredicate(b))
	if err != nil {
		return nil, err
	}
	lock.SignedBundleDigest = attest.SHA256Digest(env)
	ld, err := lock.Marshal()
	if err != nil {
		return nil, err
	}
	return env, atomicfile.Write(lockPath, ld, 0o644)
}

// Previous is the bundle a new run compares with for treatment events:
// the last run's, only if it is genuine (it verifies and is anchored; that
// it describes an older tree is the point). warn says why there is none.
func Previous(v Verifier) (b *attest.Bundle, warn string) {
	v.Drift = nil
	rep, err := Verify(v)
	switch {
	case err != nil:
		return nil, "" // no evidence yet: the first run
	case !rep.Genuine():
		return nil, "previous evidence does not verify, treatment events start afresh: " + rep.FirstProblem()
	}
	return rep.Bundle, ""
}
