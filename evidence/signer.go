package evidence

import (
	"crypto/ecdsa"
	"fmt"
	"os"
	"path"
	"path/filepath"

	"seigarrena.dev/sei/atomicfile"
	"seigarrena.dev/sei/attest"
)

// Signer writes signed artefacts into the artefact directory with one key.
type Signer struct {
	Root string // the repository
	Dir  string // the artefact directory relative to Root
	Key  *ecdsa.PrivateKey
}

// NewSigner checks that key may sign for the repository: it is the key of
// .sei/PUBKEY.txt or one that key endorsed (a rotation). With no
// PUBKEY.txt yet, it writes one. Signing with another key is refused, not
// warned about: the evidence would not verify, and a silent key change is
// exactly what an attacker who re-signs everything would make.
func NewSigner(root, dir string, key *ecdsa.PrivateKey) (*Signer, error) {
	s := &Signer{Root: root, Dir: dir, Key: key}
	p := filepath.Join(root, filepath.FromSlash(dir), attest.PubkeyFile)
	data, err := attest.ReadRegular(p)
	if os.IsNotExist(err) {
		return s, atomicfile.WriteIn(root, path.Join(dir, attest.PubkeyFile), []byte(attest.PubkeyHex(&key.PublicKey)), 0o644)
	}
	if err != nil {
		return nil, err
	}
	repoKey, err := attest.ParsePublicKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	for _, k := range attest.Endorsed(root, dir, []*ecdsa.PublicKey{repoKey}) {
		if k.Equal(&key.PublicKey) {
			return s, nil
		}
	}
	return nil, fmt.Errorf("signing key %s is not the repository's key %s (%s/%s): sign with that key, or have it endorse this one with `sei endorse-key`",
		attest.KeyID(&key.PublicKey)[:12], attest.KeyID(repoKey)[:12], dir, attest.PubkeyFile)
}

// Write stores an artefact (rel is relative to the artefact directory) and
// its signature, each through a temporary file and a rename, and returns
// the envelope's bytes. extra joins the signed predicate.
func (s *Signer) Write(rel string, data []byte, extra map[string]any) ([]byte, error) {
	name := path.Join(s.Dir, rel)
	env, err := attest.Sign(s.Key, name, data, extra)
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteIn(s.Root, name, data, 0o644); err != nil {
		return nil, err
	}
	return env, atomicfile.WriteIn(s.Root, name+".sig", env, 0o644)
}

// KeyID is the signing key's id as envelopes carry it.
func (s *Signer) KeyID() string { return attest.KeyID(&s.Key.PublicKey) }
