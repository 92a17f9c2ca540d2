package attest

import (
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// ActTrailer names, in an act's commit message, the signed act file the
// commit adds, so that the trailer and the signature can be matched.
const ActTrailer = "Sei-Act"

// ActRecord is .sei/acts/NNNN-<act>.json: one lifecycle act, signed by
// the actor. It names what it vouches for (the bundle's envelope digest
// and the commit it was taken on) and chains to the act before it, so
// acts cannot be reordered or one dropped from the middle unnoticed. The
// file lives in the tree, so it survives a squash merge or a rebase; the
// commit it names may not, and replay says so.
type ActRecord struct {
	Seq              int      `json:"seq"`
	ProgramUID       string   `json:"program_uid"`
	Act              Act      `json:"act"`
	Actor            string   `json:"actor"` // "Name <email>"
	Date             string   `json:"date"`  // RFC 3339, UTC
	Commit           string   `json:"commit"`
	BundleDigest     string   `json:"bundle_digest"`
	Previous         string   `json:"previous"` // sha256 of the previous act file; "" for the first
	Subject          string   `json:"subject"`
	AcceptedControls []string `json:"accepted_controls,omitempty"`
	AcceptedResidual string   `json:"accepted_residual,omitempty"`
}

// ActFileName is the act file's path relative to the artefact directory.
func ActFileName(seq int, a Act) string { return fmt.Sprintf("%s/%04d-%s.json", ActsDir, seq, a) }

// actFile is one act file read from a commit's tree.
type actFile struct {
	rel  string // relative to the artefact directory
	data []byte
	env  []byte
	rec  ActRecord
	err  error
}

// readActs lists the act files of commit c, sorted by name (= by seq).
func readActs(c *object.Commit, dir string) ([]actFile, error) {
	t, err := c.Tree()
	if err != nil {
		return nil, err
	}
	sub, err := t.Tree(path.Join(dir, ActsDir))
	if err != nil {
		return nil, nil
	}
	var out []actFile
	for _, e := range sub.Entries {
		if !strings.HasSuffix(e.Name, ".json") || e.Mode != filemode.Regular {
			continue
		}
		a := actFile{rel: path.Join(ActsDir, e.Name)}
		full := path.Join(dir, a.rel)
		a.data, _, _, a.err = FileAt(c, full)
		if a.err == nil {
			a.env, _, _, a.err = FileAt(c, full+".sig")
		}
		if a.err == nil {
			a.err = json.Unmarshal(a.data, &a.rec)
		}
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].rel < out[j].rel })
	return out, nil
}

// judge verifies one act file against the approvers in force when it
// appeared: a valid signature by the key of the approver it names. A
// request needs none (it grants nothing), but its file must be intact.
func (a *actFile) judge(dir string, signers []Approver, requesters []*ecdsa.PublicKey) (keyid, problem string) {
	if a.err != nil {
		return "", a.err.Error()
	}
	if err := ValidIdentityString(a.rec.Actor); err != nil {
		return "", err.Error()
	}
	if a.rec.Act == ActRequest {
		v, err := VerifyEnvelope(a.env, a.data, path.Join(dir, a.rel), a.rel, append(approverKeys(signers), requesters...))
		if err != nil {
			return "", fmt.Sprintf("signature: %v", err)
		}
		return KeyID(v.Key), ""
	}
	for _, ap := range signers {
		if ap.Identity() != a.rec.Actor {
			continue
		}
		v, err := VerifyEnvelope(a.env, a.data, path.Join(dir, a.rel), a.rel, approverKeys([]Approver{ap}))
		if err != nil {
			return "", fmt.Sprintf("signature: %v", err)
		}
		return KeyID(v.Key), ""
	}
	return "", fmt.Sprintf("%s is not an approver (%s/%s)", a.rec.Actor, dir, ApproversFile)
}

// ValidIdentityString checks "Name <email>".
func ValidIdentityString(s string) error {
	name, rest, ok := strings.Cut(s, " <")
	if !ok || !strings.HasSuffix(rest, ">") {
		return fmt.Errorf("%w: %q is not \"Name <email>\"", ErrIdentity, s)
	}
	return ValidIdentity(name, strings.TrimSuffix(rest, ">"))
}

func sha256Hex(b []byte) string { return strings.TrimPrefix(SHA256Digest(b), "sha256:") }

// LifecycleEvents are the acts of HEAD (the last commit of chain): the
// signed act files in its tree, each verified against the approver list
// in force when it appeared and checked against the chain of acts; and
// the trailer commits of the history that have no act file, which are
// unverified (an approval trailer anyone can type) or, for a request,
// count unsigned. Events are in history's order.
func LifecycleEvents(chain []*object.Commit, dir string, gov *Governance) ([]Event, error) {
	if len(chain) == 0 {
		return nil, nil
	}
	files, err := readActs(chain[len(chain)-1], dir)
	if err != nil {
		return nil, err
	}
	held := gov.Held
	if held == nil && len(files) > 0 {
		if held, err = bundlesHeld(chain, dir); err != nil {
			return nil, err
		}
	}
	recorded := map[string]string{} // act file -> commit whose trailer names it
	var out []Event
	for i, c := range chain {
		e, ok := EventOf(c.Hash.String(), c.Message, c.Committer.When)
		if !ok {
			continue
		}
		file := ParseTrailers(c.Message)[strings.ToLower(ActTrailer)]
		if len(file) > 0 && hasActFile(files, dir, file[0]) {
			recorded[strings.TrimPrefix(file[0], dir+"/")] = c.Hash.String()
			continue
		}
		e.Unverified = "a trailer with no signed act file"
		if len(file) > 0 {
			e.Unverified = "its act file " + file[0] + " is not in HEAD's tree"
		}
		e.order = i
		out = append(out, e)
	}
	out = append(out, actEvents(files, dir, gov, recorded, held)...)
	// History orders the acts: the commit that first carried each (a
	// squash merge carries several at once: then their sequence).
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].order != out[j].order {
			return out[i].order < out[j].order
		}
		return out[i].Seq < out[j].Seq
	})
	return out, nil
}

func hasActFile(files []actFile, dir, name string) bool {
	for _, f := range files {
		if path.Join(dir, f.rel) == name {
			return true
		}
	}
	return false
}

// actEvents turns verified act files into events, in sequence; a file
// out of sequence, or whose previous digest breaks the chain, and every
// act after it, is unverified.
func actEvents(files []actFile, dir string, gov *Governance, recorded map[string]string, held map[string]bool) []Event {
	var out []Event
	prev, broken := "", ""
	for i, f := range files {
		e := Event{Act: f.rec.Act, By: f.rec.Actor, SHA: recorded[f.rel], Subject: f.rec.Subject, File: path.Join(dir, f.rel),
			Commit: f.rec.Commit, Bundle: f.rec.BundleDigest, AcceptedControls: f.rec.AcceptedControls,
			AcceptedResidual: f.rec.AcceptedResidual, Seq: f.rec.Seq}
		if t, err := time.Parse(time.RFC3339, f.rec.Date); err == nil {
			e.Date = t.UTC()
		}
		keyid, problem := f.judge(dir, gov.SignersOf(f.rel), gov.Requesters)
		e.order = gov.ActSince[f.rel]
		switch {
		case problem != "":
		case gov.ProgramUID != "" && f.rec.ProgramUID != gov.ProgramUID:
			problem = fmt.Sprintf("an act of another system (program_uid %q)", f.rec.ProgramUID)
		case (f.rec.Act == ActApprove || f.rec.Act == ActReview) && !held[f.rec.BundleDigest]:
			problem = "it vouches for evidence (" + f.rec.BundleDigest + ") this history never held"
		}
		switch {
		case broken != "":
			problem = broken
		case problem == "" && (f.rec.Seq != i+1 || f.rec.Previous != prev || f.rel != ActFileName(f.rec.Seq, f.rec.Act)):
			problem = fmt.Sprintf("out of the chain of acts at seq %d (an act was removed, reordered or renamed)", i+1)
			broken = problem
		}
		prev = sha256Hex(f.data)
		e.KeyID, e.Unverified = keyid, problem
		e.Verified = problem == ""
		if e.SHA == "" {
			e.Note = "its commit is not on HEAD's first-parent history (squash or rebase); the signed act stands"
		}
		out = append(out, e)
	}
	return out
}

// bundlesHeld is the set of "sha256:<hex>" digests of every bundle
// envelope committed on chain: what an approval may vouch for.
func bundlesHeld(chain []*object.Commit, dir string) (map[string]bool, error) {
	held := map[string]bool{}
	seen := map[[20]byte]bool{}
	for _, c := range chain {
		data, h, ok, err := FileAt(c, path.Join(dir, BundleFile+".sig"))
		if err != nil {
			return nil, err
		}
		if ok && !seen[h] {
			seen[h] = true
			held[SHA256Digest(data)] = true
		}
	}
	return held, nil
}

// NextAct is the record the next act takes: its sequence number and the
// digest of the act before it, from the act files of commit c.
func NextAct(c *object.Commit, dir string) (seq int, previous string, err error) {
	files, err := readActs(c, dir)
	if err != nil || len(files) == 0 {
		return 1, "", err
	}
	last := files[len(files)-1]
	return len(files) + 1, sha256Hex(last.data), nil
}
