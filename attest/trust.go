package attest

import (
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/object"
)

// EnvTrustedKeys pins the verifier's keys: a list of key files separated
// like PATH, each hex SEC1 (PUBKEY.txt's form) or PEM. An entry that is
// itself 130 hex digits is the key.
const EnvTrustedKeys = "SEI_TRUSTED_KEYS"

// PubkeyFile and KeysDir are the repository's own key and its signed key
// endorsements (rotation), relative to the artefact directory.
const (
	PubkeyFile = "PUBKEY.txt"
	KeysDir    = "keys"
)

// ErrNoTrustedKey: nothing pinned, and the repository has no key.
var ErrNoTrustedKey = errors.New("no trusted key")

// Trust is the set of keys a verifier accepts for runs and reports, and
// how it came to trust them.
type Trust struct {
	Keys   []*ecdsa.PublicKey
	Pinned bool   // the verifier chose them (--pub, SEI_TRUSTED_KEYS)
	Source string // one line saying where the keys come from
}

// LoadKeys reads pinned keys from files and from SEI_TRUSTED_KEYS's value.
func LoadKeys(files []string, env string) ([]*ecdsa.PublicKey, error) {
	for _, e := range filepath.SplitList(env) {
		if e = strings.TrimSpace(e); e != "" {
			files = append(files, e)
		}
	}
	var out []*ecdsa.PublicKey
	for _, f := range files {
		data := []byte(f)
		if !isHexKey(f) {
			b, err := ReadRegular(f)
			if err != nil {
				return nil, fmt.Errorf("trusted key: %w", err)
			}
			data = b
		}
		k, err := ParsePublicKey(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out = append(out, k)
	}
	return out, nil
}

func isHexKey(s string) bool {
	if len(s) != 130 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

// ResolveTrust is the verifier's choice when pinned is non-empty; else
// trust on first use: the artefact directory's PUBKEY.txt as first
// committed on HEAD's first-parent history (a later change of it counts
// only when endorsed, see Endorsed), or the work tree's file when history
// has none. chain is HEAD's first-parent history, oldest first (nil
// outside git).
func ResolveTrust(pinned []*ecdsa.PublicKey, chain []*object.Commit, root, dir string) (*Trust, error) {
	if len(pinned) > 0 {
		return &Trust{Keys: pinned, Pinned: true, Source: fmt.Sprintf("trusting %d pinned key(s)", len(pinned))}, nil
	}
	rel := path.Join(dir, PubkeyFile)
	for _, c := range chain {
		data, _, ok, err := FileAt(c, rel)
		if err != nil || !ok {
			continue
		}
		k, err := ParsePublicKey(data)
		if err != nil {
			return nil, fmt.Errorf("%s at %s: %w", rel, c.Hash.String()[:12], err)
		}
		return &Trust{Keys: []*ecdsa.PublicKey{k}, Source: fmt.Sprintf(
			"trusting %s as first committed (%s, keyid %s): trust on first use; pin keys with --pub or %s",
			rel, c.Hash.String()[:12], short12(KeyID(k)), EnvTrustedKeys)}, nil
	}
	data, err := ReadRegular(filepath.Join(root, filepath.FromSlash(rel)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s is missing; pin a key with --pub or %s", ErrNoTrustedKey, rel, EnvTrustedKeys)
	} else if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrNoTrustedKey, rel, err)
	}
	k, err := ParsePublicKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	return &Trust{Keys: []*ecdsa.PublicKey{k}, Source: fmt.Sprintf(
		"trusting the work tree's %s (keyid %s; not committed yet): trust on first use; pin keys with --pub or %s",
		rel, short12(KeyID(k)), EnvTrustedKeys)}, nil
}

func short12(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// Endorsement is .sei/keys/<keyid>.json: a key that a trusted key vouches
// for, signed by it. It is how a key rotates: the new key is trusted only
// through an endorsement that an already trusted key signed.
type Endorsement struct {
	Key        string `json:"key"` // hex SEC1
	EndorsedBy string `json:"endorsed_by"`
	Reason     string `json:"reason,omitempty"`
}

// Endorsed extends keys with every endorsement under dir/keys signed by a
// key already trusted, until nothing more is added. It returns the new set
// and, per endorsed key, the keyid that vouched for it.
func Endorsed(root, dir string, keys []*ecdsa.PublicKey) []*ecdsa.PublicKey {
	base := filepath.Join(root, filepath.FromSlash(dir), KeysDir)
	entries, err := os.ReadDir(base)
	if err != nil {
		return keys
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".json") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	out := append([]*ecdsa.PublicKey(nil), keys...)
	for added := true; added; {
		added = false
		for _, n := range names {
			k, err := endorsedKey(root, dir, n, out)
			if err == nil && !hasKey(out, k) {
				out, added = append(out, k), true
			}
		}
	}
	return out
}

func endorsedKey(root, dir, name string, trusted []*ecdsa.PublicKey) (*ecdsa.PublicKey, error) {
	p := filepath.Join(root, filepath.FromSlash(dir), KeysDir, name)
	data, err := ReadRegular(p)
	if err != nil {
		return nil, err
	}
	env, err := ReadRegular(p + ".sig")
	if err != nil {
		return nil, err
	}
	rel := path.Join(KeysDir, name)
	if _, err := VerifyEnvelope(env, data, path.Join(dir, rel), rel, trusted); err != nil {
		return nil, err
	}
	var e Endorsement
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, err
	}
	return ParsePublicKey([]byte(e.Key))
}

func hasKey(keys []*ecdsa.PublicKey, k *ecdsa.PublicKey) bool {
	for _, x := range keys {
		if x.Equal(k) {
			return true
		}
	}
	return false
}

// CheckPubkey reports whether the work tree's PUBKEY.txt names a trusted
// key: a changed PUBKEY.txt that no trusted key endorsed is a finding.
func CheckPubkey(root, dir string, keys []*ecdsa.PublicKey) (Finding, bool) {
	data, err := ReadRegular(filepath.Join(root, filepath.FromSlash(dir), PubkeyFile))
	if errors.Is(err, fs.ErrNotExist) {
		return Finding{}, false
	}
	if err != nil {
		return Finding{File: PubkeyFile, Kind: KindTrust, Err: err.Error()}, true
	}
	k, err := ParsePublicKey(data)
	if err != nil {
		return Finding{File: PubkeyFile, Kind: KindTrust, Err: err.Error()}, true
	}
	if !hasKey(keys, k) {
		return Finding{File: PubkeyFile, Kind: KindTrust, Err: fmt.Sprintf("names key %s, which no trusted key endorses (a rotation needs `sei endorse-key`, signed by a trusted key)", short12(KeyID(k)))}, true
	}
	return Finding{File: PubkeyFile, OK: true, KeyID: KeyID(k)}, true
}
