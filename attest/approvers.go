package attest

import (
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"path"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// EnvTrustedApprovers pins the approver keys a verifier accepts as the
// root of the approver list, like SEI_TRUSTED_KEYS for evidence.
const EnvTrustedApprovers = "SEI_TRUSTED_APPROVERS"

// Approver is one person who may approve, reject, review or retire.
type Approver struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Key   string `json:"key"` // hex SEC1, as PUBKEY.txt
}

// Identity is "Name <email>", as the act's trailer and record name it.
func (a Approver) Identity() string { return a.Name + " <" + a.Email + ">" }

// ApproverList is .sei/approvers.json, signed by an approver of the list
// it replaces (the first one by one of its own, or by a pinned key).
type ApproverList struct {
	Approvers []Approver `json:"approvers"`
}

// ParseApprovers reads an approver list; every key must parse.
func ParseApprovers(data []byte) (*ApproverList, error) {
	var l ApproverList
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, fmt.Errorf("%s: %w", ApproversFile, err)
	}
	for i, a := range l.Approvers {
		if _, err := ParsePublicKey([]byte(a.Key)); err != nil {
			return nil, fmt.Errorf("%s: approvers[%d] (%s): %w", ApproversFile, i, a.Identity(), err)
		}
		if err := ValidIdentity(a.Name, a.Email); err != nil {
			return nil, fmt.Errorf("%s: approvers[%d]: %w", ApproversFile, i, err)
		}
	}
	return &l, nil
}

func approverKeys(as []Approver) []*ecdsa.PublicKey {
	var out []*ecdsa.PublicKey
	for _, a := range as {
		if k, err := ParsePublicKey([]byte(a.Key)); err == nil {
			out = append(out, k)
		}
	}
	return out
}

// Governance is who may approve, replayed from HEAD's first-parent
// history: each version of the approver list counts only when an approver
// of the version before signed it, and each act is judged by the list in
// force on the commit that first carried it.
type Governance struct {
	Current    []Approver            // the list in force at HEAD
	ListKeys   []*ecdsa.PublicKey    // the keys that validated the current version
	ActSigners map[string][]Approver // act file (relative to the artefact dir) -> list in force when it appeared
	ActSince   map[string]int        // act file -> index in the chain of the first commit that carried it
	Notes      []string              // changes of the list that did not count, and why
	// Requesters may sign a request besides the approvers: the evidence
	// keys, set by the caller from its trust.
	Requesters []*ecdsa.PublicKey
	// ProgramUID is the system whose acts count (set by the caller from
	// sei.yaml): an act copied from another system's repository does not.
	ProgramUID string
	// Held is the set of bundle envelope digests ever committed on the
	// chain: what an approval may vouch for.
	Held map[string]bool
}

// Keys are the current approvers' keys.
func (g *Governance) Keys() []*ecdsa.PublicKey { return approverKeys(g.Current) }

// SignersOf is the approver list an act file is judged by.
func (g *Governance) SignersOf(rel string) []Approver {
	if as, ok := g.ActSigners[rel]; ok {
		return as
	}
	return g.Current
}

// GovernanceOf replays the approver list along chain (oldest first). With
// pinned keys, the first list must be signed by one of them; without, the
// first committed list is trusted on first use (signed by one of its own).
//
// It reads one tree per commit and skips every commit whose artefact
// directory is the same tree as its parent's: a long history of code
// commits costs a root-tree lookup each.
func GovernanceOf(chain []*object.Commit, dir string, pinned []*ecdsa.PublicKey) (*Governance, error) {
	g := &Governance{ActSigners: map[string][]Approver{}, ActSince: map[string]int{}}
	if len(chain) == 0 || !governed(chain[len(chain)-1], dir) {
		return g, nil // no approver list and no act at HEAD: nothing to judge
	}
	g.Held = map[string]bool{}
	listPath := path.Join(dir, ApproversFile)
	var prev, prevDir, prevBundle plumbing.Hash
	for i, c := range chain {
		t, err := c.Tree()
		if err != nil {
			return nil, err
		}
		e, err := t.FindEntry(dir)
		if err != nil || e.Hash == prevDir {
			continue // no artefact directory, or unchanged
		}
		prevDir = e.Hash
		if err := g.noteActs(c, i, dir); err != nil {
			return nil, err
		}
		if env, h, ok, err := FileAt(c, path.Join(dir, BundleFile+".sig")); err == nil && ok && h != prevBundle {
			prevBundle, g.Held[SHA256Digest(env)] = h, true
		}
		data, h, ok, err := FileAt(c, listPath)
		if err != nil || !ok || h == prev {
			continue
		}
		prev = h
		env, _, _, err := FileAt(c, listPath+".sig")
		if err != nil {
			return nil, err
		}
		g.consider(c, data, env, listPath, pinned)
	}
	return g, nil
}

// governed reports whether commit c has an approver list or acts.
func governed(c *object.Commit, dir string) bool {
	t, err := c.Tree()
	if err != nil {
		return true // let the walk report it
	}
	_, errList := t.FindEntry(path.Join(dir, ApproversFile))
	_, errActs := t.FindEntry(path.Join(dir, ActsDir))
	return errList == nil || errActs == nil
}

// consider applies one committed version of the approver list.
func (g *Governance) consider(c *object.Commit, data, env []byte, listPath string, pinned []*ecdsa.PublicKey) {
	at := c.Hash.String()[:12]
	l, err := ParseApprovers(data)
	if err != nil {
		g.Notes = append(g.Notes, fmt.Sprintf("%s at %s ignored: %v", listPath, at, err))
		return
	}
	signers := approverKeys(g.Current)
	switch {
	case len(g.Current) == 0 && len(pinned) > 0:
		signers = pinned
	case len(g.Current) == 0:
		signers = approverKeys(l.Approvers) // trust on first use
	}
	if _, err := VerifyEnvelope(env, data, listPath, ApproversFile, signers); err != nil {
		g.Notes = append(g.Notes, fmt.Sprintf("%s changed at %s without an existing approver's signature; ignored (%v)", listPath, at, err))
		return
	}
	g.Current, g.ListKeys = l.Approvers, signers
}

// noteActs records the approver list in force for act files that appear
// in c for the first time.
func (g *Governance) noteActs(c *object.Commit, at int, dir string) error {
	t, err := c.Tree()
	if err != nil {
		return err
	}
	sub, err := t.Tree(path.Join(dir, ActsDir))
	if err != nil {
		return nil // no acts in this commit
	}
	var names []string
	for _, e := range sub.Entries {
		names = append(names, path.Join(ActsDir, e.Name))
	}
	sort.Strings(names)
	for _, n := range names {
		if _, seen := g.ActSigners[n]; !seen {
			g.ActSigners[n], g.ActSince[n] = g.Current, at
		}
	}
	return nil
}
