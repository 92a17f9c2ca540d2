package attest

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Finding is the verdict on one artefact.
type Finding struct {
	File string `json:"file"`
	OK   bool   `json:"ok"`
	Err  string `json:"error,omitempty"`
}

// VerifyDir verifies every signed artefact under dir (the cache directory
// excluded): each X.sig against the trusted keys and its subjects, each
// JSON artefact has its signature, and, when lockPath names a lock whose
// signed_bundle_digest is set, that it anchors bundle.json.sig.
func VerifyDir(dir string, trusted []*ecdsa.PublicKey, lockPath string) ([]Finding, error) {
	var sigs, jsons []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir() && rel == "cache":
			return filepath.SkipDir
		case strings.HasSuffix(rel, ".sig"):
			sigs = append(sigs, rel)
		case strings.HasSuffix(rel, ".json"):
			jsons = append(jsons, rel)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(sigs) == 0 {
		return nil, fmt.Errorf("%s holds no signed artefact (*.sig)", dir)
	}
	var out []Finding
	for _, s := range sigs {
		out = append(out, verifyOne(dir, s, trusted))
	}
	for _, j := range jsons {
		if _, err := os.Stat(filepath.Join(dir, j+".sig")); err != nil {
			out = append(out, Finding{File: j, Err: "not signed: " + j + ".sig is missing"})
		}
	}
	if f, ok := checkLock(dir, lockPath); ok {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].File < out[j].File })
	return out, nil
}

func verifyOne(dir, sig string, trusted []*ecdsa.PublicKey) Finding {
	env, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(sig)))
	if err != nil {
		return Finding{File: sig, Err: err.Error()}
	}
	// Subjects are relative to the artefact directory (the original names
	// conformance signatures "conformance/<slug>.json").
	if _, err := VerifyEnvelope(env, dir, trusted); err != nil {
		return Finding{File: sig, Err: err.Error()}
	}
	return Finding{File: sig, OK: true}
}

// checkLock compares the lock's signed_bundle_digest with bundle.json.sig:
// "sha256:<hex>" of the envelope's bytes (sei), or the envelope itself (the
// original engine stored the compact envelope).
func checkLock(dir, lockPath string) (Finding, bool) {
	if lockPath == "" {
		return Finding{}, false
	}
	l, err := ReadLock(lockPath)
	name := filepath.Base(lockPath)
	switch {
	case err != nil:
		return Finding{File: name, Err: err.Error()}, true
	case l == nil || l.SignedBundleDigest == "":
		return Finding{}, false
	}
	env, err := os.ReadFile(filepath.Join(dir, "bundle.json.sig"))
	if err != nil {
		return Finding{File: name, Err: "signed_bundle_digest is set but bundle.json.sig is missing"}, true
	}
	sum := sha256.Sum256(env)
	if l.SignedBundleDigest == "sha256:"+hex.EncodeToString(sum[:]) || l.SignedBundleDigest == string(env) {
		return Finding{File: name, OK: true}, true
	}
	return Finding{File: name, Err: "signed_bundle_digest does not anchor bundle.json.sig"}, true
}
