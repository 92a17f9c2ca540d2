package main

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/urfave/cli/v2"

	"seigarrena.dev/sei/attest"
	"seigarrena.dev/sei/evidence"
	"seigarrena.dev/sei/manifest"
	"seigarrena.dev/sei/rules"
)

// actSubjects are the default commit subjects of the lifecycle acts.
var actSubjects = map[attest.Act]string{
	attest.ActRequest: "sei: request management approval of the treatment plan",
	attest.ActApprove: "sei: management approval of the treatment plan",
	attest.ActReject:  "sei: treatment plan rejected",
	attest.ActReview:  "sei: periodic review",
	attest.ActRetire:  "sei: system retired",
}

func actCommand(act attest.Act, usage string) *cli.Command {
	flags := append([]cli.Flag{repoFlag,
		&cli.StringFlag{Name: "message", Aliases: []string{"m"}, Usage: "commit subject `TEXT` (default: sei's standard subject)"}}, trustFlags...)
	if act == attest.ActApprove || act == attest.ActReview {
		flags = append(flags, &cli.StringFlag{Name: "accept-residual", Usage: "approve although blocking controls fail, for this `REASON` (recorded in the commit)"})
	}
	return &cli.Command{Name: string(act), Usage: usage, Flags: flags,
		Action: func(c *cli.Context) error { return runAct(c, act) }}
}

func lifecycleCommands() []*cli.Command {
	return []*cli.Command{
		actCommand(attest.ActRequest, "record a request for management approval (a commit with a signed act and a Sei-Approval-Requested-by trailer)"),
		actCommand(attest.ActApprove, "record management approval of the last bundle, signed by an approver; refused while a blocking control fails unless --accept-residual"),
		actCommand(attest.ActReject, "record a rejection, signed by an approver: the system goes back to draft"),
		actCommand(attest.ActReview, "record the periodic review that review_interval asks for, signed by an approver"),
		actCommand(attest.ActRetire, "record the system's retirement (final), signed by an approver"),
	}
}

// needsApprover are the acts that count only when an approver signs them.
func needsApprover(a attest.Act) bool { return a != attest.ActRequest }

// restsOnEvidence are the acts that vouch for the current evidence.
func restsOnEvidence(a attest.Act) bool {
	return a == attest.ActRequest || a == attest.ActApprove || a == attest.ActReview
}

// runAct checks that the act applies (identity, state machine, approver,
// clean tree, committed and verifying evidence of HEAD's tree, gate) and
// only then records it; a refused act writes nothing.
func runAct(c *cli.Context, act attest.Act) error {
	e, err := openEngine(c)
	if err != nil {
		return err
	}
	defer e.close()
	r, err := attest.OpenRepo(e.repo)
	if err != nil {
		return err
	}
	name, email := attest.Identity(r)
	if err := attest.ValidIdentity(name, email); err != nil {
		return withCode(exitUsage, fmt.Errorf("who is acting? %w (set git config user.name and user.email)", err))
	}
	rep, tc, err := verifyRepo(c, e)
	if err != nil && !errors.Is(err, attest.ErrNoEvidence) {
		return err
	}
	lc, _, err := lifecycleOf(r, tc, e.m.Risk.ReviewInterval)
	if err != nil {
		return err
	}
	if _, err := attest.Next(lc.State, act); err != nil {
		return withCode(exitUsage, err)
	}
	key, err := attest.LoadSigningKey(func(s string) { fmt.Fprintln(c.App.ErrWriter, "sei:", s) })
	if err != nil {
		return err
	}
	if act == attest.ActRequest && rep != nil && !trusted(append(rep.Keys, tc.approvers...), &key.PublicKey) {
		return withCode(exitUsage, fmt.Errorf("request: your key %s is neither the evidence key nor an approver's; its signature would not verify", attest.KeyID(&key.PublicKey)[:12]))
	}
	if needsApprover(act) {
		a, err := evidence.Approver(tc.gov, &key.PublicKey)
		if err != nil {
			return withCode(exitUsage, err)
		}
		if a.Identity() != name+" <"+email+">" {
			return withCode(exitUsage, fmt.Errorf("%w: your key is %s's, but git says you are %s <%s>", evidence.ErrNotApprover, a.Identity(), name, email))
		}
	}
	var rec attest.ActRecord
	trailers := []attest.Trailer{{Key: attest.Trailers[act], Value: fmt.Sprintf("%s <%s>", name, email)}}
	digest := ""
	if restsOnEvidence(act) {
		if rep == nil {
			return withCode(exitUsage, fmt.Errorf("no evidence: run `sei run` and commit its evidence before `sei %s`", act))
		}
		if err := evidence.CheckRests(evidence.ActContext{Repo: r, Root: e.repo, Dir: ".sei", Report: rep}); err != nil {
			return withCode(refusalCode(err), fmt.Errorf("refusing to %s: %w", act, err))
		}
		digest = attest.SHA256Digest(rep.Envelope)
		if act == attest.ActRequest && lc.State == attest.Pending && lc.Pending != nil && lc.Pending.Bundle == digest {
			fmt.Fprintf(c.App.Writer, "already pending since %s for this evidence; nothing recorded\n", lc.Since.UTC().Format("2006-01-02"))
			return nil
		}
	}
	if act == attest.ActApprove || act == attest.ActReview {
		if rec.AcceptedControls, rec.AcceptedResidual, err = acceptance(c, act, rep.Gate()); err != nil {
			return err
		}
	}
	if err := recordAct(c, r, act, rec, trailers, name, email, digest, key); err != nil {
		return err
	}
	next, _ := attest.Next(lc.State, act)
	fmt.Fprintf(c.App.Writer, "lifecycle: %s -> %s\n", lc.State, next)
	return nil
}

func trusted(keys []*ecdsa.PublicKey, k *ecdsa.PublicKey) bool {
	for _, x := range keys {
		if x.Equal(k) {
			return true
		}
	}
	return false
}

// refusalCode is the exit code of a refused act.
func refusalCode(err error) int {
	switch {
	case errors.Is(err, evidence.ErrUnverified):
		return exitUnverified
	case errors.Is(err, evidence.ErrStale):
		return exitOutdated
	case errors.Is(err, evidence.ErrGate):
		return exitGateFail
	}
	return exitUsage
}

// acceptance is what an approval or review accepts: nothing when the gate
// passes, the failing controls and the reason when --accept-residual.
func acceptance(c *cli.Context, act attest.Act, g *rules.GateResult) ([]string, string, error) {
	reason := oneLine(c.String("accept-residual"))
	switch {
	case g.Passed && reason != "":
		return nil, "", withCode(exitUsage, fmt.Errorf("--accept-residual: every blocking control passes; there is no residual to accept"))
	case g.Passed:
		return nil, "", nil
	case reason == "":
		return nil, "", withCode(exitGateFail, fmt.Errorf("refusing to %s: %w: %s in the last bundle; fix them, or accept the residual with --accept-residual REASON",
			act, evidence.ErrGate, strings.Join(g.Blocking, ", ")))
	}
	return g.Blocking, reason, nil
}

// recordAct signs the act record and commits it with its trailers.
func recordAct(c *cli.Context, r *git.Repository, act attest.Act, acc attest.ActRecord, trailers []attest.Trailer,
	name, email, digest string, key *ecdsa.PrivateKey) error {
	at, err := gitTime("GIT_AUTHOR_DATE")
	if err != nil {
		return err
	}
	ct, err := gitTime("GIT_COMMITTER_DATE")
	if err != nil {
		return err
	}
	cn, ce := os.Getenv("GIT_COMMITTER_NAME"), os.Getenv("GIT_COMMITTER_EMAIL")
	if cn == "" || ce == "" {
		cn, ce = name, email
	}
	if err := attest.ValidIdentity(cn, ce); err != nil {
		return withCode(exitUsage, fmt.Errorf("committer: %w", err))
	}
	subject := oneLine(c.String("message"))
	if subject == "" {
		subject = actSubjects[act]
	}
	rec, err := evidence.NewActRecord(r, ".sei", act, name+" <"+email+">", subject, ct, digest)
	if err != nil {
		return err
	}
	rec.AcceptedControls, rec.AcceptedResidual = acc.AcceptedControls, acc.AcceptedResidual
	if len(rec.AcceptedControls) > 0 {
		trailers = append(trailers, attest.Trailer{Key: attest.AcceptedControlsTrailer, Value: strings.Join(rec.AcceptedControls, ", ")},
			attest.Trailer{Key: attest.AcceptedResidualTrailer, Value: rec.AcceptedResidual})
	}
	files, rel, err := evidence.ActFiles(".sei", key, rec)
	if err != nil {
		return err
	}
	trailers = append(trailers, attest.Trailer{Key: attest.ActTrailer, Value: rel})
	sha, err := attest.RecordAct(r, subject, trailers, attest.Signer(name, email, at), attest.Signer(cn, ce, ct), files)
	if errors.Is(err, attest.ErrIdentity) {
		return withCode(exitUsage, err)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "%s recorded as %s, signed by %s (%s)\n", act, sha[:12], attest.KeyID(&key.PublicKey)[:12], rel)
	return nil
}

// gitTime is a git date variable, or now when unset.
func gitTime(v string) (time.Time, error) {
	t, ok, err := attest.EnvTime(v)
	if err != nil {
		return t, withCode(exitUsage, err)
	}
	if !ok {
		t = time.Now()
	}
	return t, nil
}

// manifestAndRepo is what the history commands start from: no stray
// arguments, a valid manifest, and the git repository holding it.
func manifestAndRepo(c *cli.Context) (*manifest.Manifest, *git.Repository, error) {
	if err := noArgs(c); err != nil {
		return nil, nil, err
	}
	m, err := loadManifest(c)
	if err != nil {
		return nil, nil, err
	}
	r, err := attest.OpenRepo(c.String("repo"))
	return m, r, err
}

// oneLine folds a reason into one trailer line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// now is the time lifecycle rules are judged at: SEI_NOW (RFC 3339 or a
// date) for an audit "as of" a day and for tests, else the clock.
func now() (time.Time, error) {
	v := os.Getenv("SEI_NOW")
	if v == "" {
		return time.Now(), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, withCode(exitUsage, fmt.Errorf("SEI_NOW=%q: want RFC 3339 or YYYY-MM-DD", v))
}

// lifecycleOf replays the lifecycle acts of HEAD at now: the signed act
// files, judged by the approver governance, and the trailer commits.
func lifecycleOf(r *git.Repository, tc *trustContext, interval string) (attest.Lifecycle, []*object.Commit, error) {
	t, err := now()
	if err != nil {
		return attest.Lifecycle{}, nil, err
	}
	chain, err := attest.Chain(r)
	if err != nil {
		return attest.Lifecycle{}, nil, err
	}
	events, err := attest.LifecycleEvents(chain, ".sei", tc.gov)
	if err != nil {
		return attest.Lifecycle{}, nil, err
	}
	return attest.Replay(events, interval, t), chain, nil
}
