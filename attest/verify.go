package attest

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"seigarrena.dev/sei/confine"
)

// Finding is the verdict on one artefact or check.
type Finding struct {
	File  string `json:"file"`
	OK    bool   `json:"ok"`
	Kind  string `json:"kind,omitempty"` // what failed: see the Kind constants
	Err   string `json:"error,omitempty"`
	KeyID string `json:"keyid,omitempty"` // the trusted key that signed it
}

// What a finding is about. Only KindStale means "true, but old": the
// evidence is genuine and describes an earlier tree; every other kind
// means the evidence cannot be believed.
const (
	KindSignature = "signature" // a signature, subject, or unsigned or irregular file
	KindAnchor    = "anchor"    // the lock does not anchor the bundle, or disagrees with it
	KindForeign   = "foreign"   // evidence of another system
	KindStale     = "stale"     // genuine evidence of a tree that has since changed
	KindTrust     = "trust"     // a key or approver list no trusted key vouches for
)

// DirOptions says where the evidence is and whom to trust for what.
type DirOptions struct {
	Root string // the repository; subjects are named relative to it
	Dir  string // the artefact directory, relative to Root (".sei")
	// Keys is the set of keys trusted for the artefact rel (a path relative
	// to Dir): evidence keys for runs and reports, approver keys for acts.
	Keys func(rel string) []*ecdsa.PublicKey
}

// DirResult is a verified directory: a finding per artefact, and the
// bytes and statement of each artefact whose signature verified, so that
// callers use exactly the bytes that were checked.
type DirResult struct {
	Findings []Finding
	Verified map[string]*Verified // by path relative to Dir
	Data     map[string][]byte
}

// OK is true when every finding is.
func (r *DirResult) OK() bool {
	for _, f := range r.Findings {
		if !f.OK {
			return false
		}
	}
	return true
}

// ErrNoEvidence is a directory with no signed artefact.
var ErrNoEvidence = errors.New("holds no signed artefact (*.sig)")

// VerifyDir verifies every artefact under the directory (its cache
// excepted): each X.sig must sign X and nothing else, each JSON file (any
// case of the extension) must have its X.sig, and anything that is not a
// regular file or directory is an error, never followed or opened.
func VerifyDir(o DirOptions) (*DirResult, error) {
	abs := filepath.Join(o.Root, filepath.FromSlash(o.Dir))
	if fi, err := os.Lstat(abs); err != nil {
		return nil, err
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("%s: %w (%s)", o.Dir, ErrNotRegular, confine.Kind(fi.Mode()))
	}
	res := &DirResult{Verified: map[string]*Verified{}, Data: map[string][]byte{}}
	var sigs, jsons []string
	err := filepath.WalkDir(abs, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(abs, p)
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir() && rel == "cache":
			return filepath.SkipDir
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			res.Findings = append(res.Findings, Finding{File: rel, Kind: KindSignature, Err: fmt.Sprintf("%v (%s): evidence holds plain files only", ErrNotRegular, confine.Kind(d.Type()))})
		case strings.HasSuffix(rel, ".sig"):
			sigs = append(sigs, rel)
		case strings.EqualFold(path.Ext(rel), ".json"):
			jsons = append(jsons, rel)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(sigs) == 0 && len(jsons) == 0 {
		return nil, fmt.Errorf("%s %w", o.Dir, ErrNoEvidence)
	}
	for _, s := range sigs {
		res.Findings = append(res.Findings, res.verifyOne(o, s))
	}
	for _, j := range jsons {
		if !contains(sigs, j+".sig") {
			res.Findings = append(res.Findings, Finding{File: j, Kind: KindSignature, Err: "not signed: " + j + ".sig is missing"})
		}
	}
	sort.SliceStable(res.Findings, func(i, j int) bool { return res.Findings[i].File < res.Findings[j].File })
	return res, nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// verifyOne checks rel (an X.sig) against X's bytes.
func (res *DirResult) verifyOne(o DirOptions, rel string) Finding {
	target := strings.TrimSuffix(rel, ".sig")
	abs := filepath.Join(o.Root, filepath.FromSlash(o.Dir))
	env, err := ReadRegular(filepath.Join(abs, filepath.FromSlash(rel)))
	if err != nil {
		return Finding{File: rel, Kind: KindSignature, Err: err.Error()}
	}
	data, err := ReadRegular(filepath.Join(abs, filepath.FromSlash(target)))
	if errors.Is(err, fs.ErrNotExist) {
		return Finding{File: rel, Kind: KindSignature, Err: target + " is missing"}
	} else if err != nil {
		return Finding{File: rel, Kind: KindSignature, Err: err.Error()}
	}
	v, err := VerifyEnvelope(env, data, path.Join(o.Dir, target), target, o.Keys(target))
	if err != nil {
		return Finding{File: rel, Kind: KindSignature, Err: err.Error()}
	}
	res.Verified[target], res.Data[target] = v, data
	res.Data[rel] = env
	return Finding{File: rel, OK: true, KeyID: KeyID(v.Key)}
}
