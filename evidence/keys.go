package evidence

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"

	"seigarrena.dev/sei/atomicfile"
	"seigarrena.dev/sei/attest"
)

// Endorse rotates the evidence key: the signer's (trusted) key signs an
// endorsement of k in keys/<keyid>.json, and PUBKEY.txt becomes k. A
// verifier that trusted the old key trusts k through the endorsement.
func Endorse(s *Signer, k *ecdsa.PublicKey, reason string) (string, error) {
	id := attest.KeyID(k)
	data, err := attest.MarshalPretty(attest.Endorsement{Key: attest.PubkeyHex(k)[:130], EndorsedBy: s.KeyID(), Reason: reason})
	if err != nil {
		return "", err
	}
	if _, err := s.Write(path.Join(attest.KeysDir, id+".json"), data, map[string]any{"endorses": id}); err != nil {
		return "", err
	}
	return id, atomicfile.WriteIn(s.Root, path.Join(s.Dir, attest.PubkeyFile), []byte(attest.PubkeyHex(k)), 0o644)
}

// AddApprover writes a new approver list with a added, signed by me. The
// signer must be an approver of the work tree's list; a first list must
// name the signer (it is trusted on first use, or by a pinned key).
func AddApprover(root, dir string, me *ecdsa.PrivateKey, a attest.Approver) (int, error) {
	p := filepath.Join(root, filepath.FromSlash(dir), attest.ApproversFile)
	list := &attest.ApproverList{}
	data, err := attest.ReadRegular(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return 0, err
	default:
		if list, err = attest.ParseApprovers(data); err != nil {
			return 0, err
		}
	}
	next := &attest.ApproverList{}
	for _, x := range list.Approvers {
		if x.Key != a.Key && x.Identity() != a.Identity() {
			next.Approvers = append(next.Approvers, x)
		}
	}
	next.Approvers = append(next.Approvers, a)
	signerList := list.Approvers
	if len(signerList) == 0 {
		signerList = next.Approvers
	}
	if !listed(signerList, &me.PublicKey) {
		return 0, fmt.Errorf("%w: your key %s may not change %s/%s", ErrNotApprover, attest.KeyID(&me.PublicKey)[:12], dir, attest.ApproversFile)
	}
	out, err := attest.MarshalPretty(next)
	if err != nil {
		return 0, err
	}
	s := &Signer{Root: root, Dir: dir, Key: me}
	_, err = s.Write(attest.ApproversFile, out, nil)
	return len(next.Approvers), err
}

func listed(as []attest.Approver, k *ecdsa.PublicKey) bool {
	for _, a := range as {
		if pk, err := attest.ParsePublicKey([]byte(a.Key)); err == nil && pk.Equal(k) {
			return true
		}
	}
	return false
}
