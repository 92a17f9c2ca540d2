package evidence

import (
	"crypto/ecdsa"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5"

	"seigarrena.dev/sei/attest"
	"seigarrena.dev/sei/rules"
)

// ActInput is everything an act is decided on; the caller gathers it
// (git, keys, the clock, the verified evidence) so deciding is pure.
type ActInput struct {
	Act            attest.Act
	Name, Email    string // who acts, as git records them
	Key            *ecdsa.PublicKey
	Lifecycle      attest.Lifecycle
	Gov            *attest.Governance
	Report         *Report // nil when there is no evidence
	Repo           *git.Repository
	Root           string
	AcceptResidual string // --accept-residual, folded to one line
}

// Decision is an act that may be recorded: what its record accepts and
// the evidence it vouches for; Skip says why nothing needs recording.
type Decision struct {
	Next             attest.State
	BundleDigest     string
	AcceptedControls []string
	AcceptedResidual string
	Skip             string
}

// Decide checks, in order: the identity, the state machine, the actor's
// key (an approver for every act but a request, whose key must be one the
// evidence verifies with), and for request, approve and review that the
// act rests on evidence sei can vouch for (clean tree, committed,
// verifying, describing HEAD's tree) and on a passing gate or an accepted
// residual. A refused act is an error wrapping one of the Err values.
func Decide(in ActInput) (*Decision, error) {
	if err := attest.ValidIdentity(in.Name, in.Email); err != nil {
		return nil, fmt.Errorf("who is acting? %w (set git config user.name and user.email)", err)
	}
	next, err := attest.Next(in.Lifecycle.State, in.Act)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotApplicable, err)
	}
	if err := in.checkActor(); err != nil {
		return nil, err
	}
	d := &Decision{Next: next}
	if in.Act != attest.ActRequest && in.Act != attest.ActApprove && in.Act != attest.ActReview {
		return d, nil
	}
	if in.Report == nil {
		return nil, fmt.Errorf("%w: run `sei run` and commit its evidence before `sei %s`", ErrNoEvidence, in.Act)
	}
	if err := CheckRests(ActContext{Repo: in.Repo, Root: in.Root, Report: in.Report}); err != nil {
		return nil, fmt.Errorf("refusing to %s: %w", in.Act, err)
	}
	d.BundleDigest = attest.SHA256Digest(in.Report.Envelope)
	if p := in.Lifecycle.Pending; in.Act == attest.ActRequest && in.Lifecycle.State == attest.Pending && p != nil && p.Bundle == d.BundleDigest {
		d.Skip = fmt.Sprintf("already pending since %s for this evidence; nothing recorded", in.Lifecycle.Since.UTC().Format("2006-01-02"))
		return d, nil
	}
	if in.Act != attest.ActRequest {
		d.AcceptedControls, d.AcceptedResidual, err = acceptance(in.Act, in.Report.Gate(), in.AcceptResidual)
	}
	return d, err
}

// checkActor: a request is signed by a key the evidence verifies with (or
// an approver's); every other act by the approver whose identity git gives.
func (in ActInput) checkActor() error {
	if in.Act == attest.ActRequest {
		if in.Report == nil {
			return nil
		}
		keys := append(append([]*ecdsa.PublicKey(nil), in.Report.Keys...), approverKeysOf(in.Gov.Current)...)
		for _, k := range keys {
			if k.Equal(in.Key) {
				return nil
			}
		}
		return fmt.Errorf("%w: your key %s is neither the evidence key nor an approver's; a request it signs would not verify",
			ErrNotApprover, attest.KeyID(in.Key)[:12])
	}
	a, err := Approver(in.Gov, in.Key)
	if err != nil {
		return err
	}
	if a.Identity() != in.Name+" <"+in.Email+">" {
		return fmt.Errorf("%w: your key is %s's, but git says you are %s <%s>", ErrNotApprover, a.Identity(), in.Name, in.Email)
	}
	return nil
}

func approverKeysOf(as []attest.Approver) []*ecdsa.PublicKey {
	var out []*ecdsa.PublicKey
	for _, a := range as {
		if k, err := attest.ParsePublicKey([]byte(a.Key)); err == nil {
			out = append(out, k)
		}
	}
	return out
}

// acceptance is what an approval or review accepts: nothing when the gate
// passes; the failing controls and the reason with --accept-residual.
func acceptance(act attest.Act, g *rules.GateResult, reason string) ([]string, string, error) {
	switch {
	case g.Passed && reason != "":
		return nil, "", fmt.Errorf("%w: --accept-residual: every blocking control passes; there is no residual to accept", ErrResidual)
	case g.Passed:
		return nil, "", nil
	case reason == "":
		return nil, "", fmt.Errorf("refusing to %s: %w: %s in the last bundle; fix them, or accept the residual with --accept-residual REASON",
			act, ErrGate, strings.Join(g.Blocking, ", "))
	}
	return g.Blocking, reason, nil
}
