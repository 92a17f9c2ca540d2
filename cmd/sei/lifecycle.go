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

// runAct gathers what an act is decided on (the verified evidence, the
// lifecycle, the key, git's identity), lets evidence.Decide judge it, and
// records it; a refused act writes nothing.
func runAct(c *cli.Context, act attest.Act) error {
	if err := ownLayout(c); err != nil {
		return err
	}
	e, err := openEngine(c)
	if err != nil {
		return err
	}
	defer e.close()
	r, err := attest.OpenRepo(e.repo)
	if err != nil {
		return err
	}
	rep, tc, err := verifyRepo(c, e)
	if err != nil && !errors.Is(err, attest.ErrNoEvidence) {
		return err
	}
	lc, _, err := lifecycleOf(r, tc, e.m)
	if err != nil {
		return err
	}
	key, err := attest.LoadSigningKey(func(s string) { fmt.Fprintln(c.App.ErrWriter, "sei:", s) })
	if err != nil {
		return err
	}
	name, email := attest.Identity(r)
	d, err := evidence.Decide(evidence.ActInput{Act: act, Name: name, Email: email, Key: &key.PublicKey, Lifecycle: lc,
		Gov: tc.gov, Report: rep, Repo: r, Root: e.repo, AcceptResidual: oneLine(c.String("accept-residual"))})
	if err != nil {
		return withCode(refusalCode(err), err)
	}
	if d.Skip != "" {
		fmt.Fprintln(c.App.Writer, d.Skip)
		return nil
	}
	if err := recordAct(c, r, e.programUID(), act, d, name, email, key); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "lifecycle: %s -> %s\n", lc.State, d.Next)
	return nil
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

// recordAct signs the act record and commits it with its trailers.
func recordAct(c *cli.Context, r *git.Repository, programUID string, act attest.Act, d *evidence.Decision, name, email string, key *ecdsa.PrivateKey) error {
	trailers := []attest.Trailer{{Key: attest.Trailers[act], Value: name + " <" + email + ">"}}
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
	rec, err := evidence.NewActRecord(r, ".sei", programUID, act, name+" <"+email+">", subject, ct, d.BundleDigest)
	if err != nil {
		return err
	}
	rec.AcceptedControls, rec.AcceptedResidual = d.AcceptedControls, d.AcceptedResidual
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
	r, err := attest.OpenRepo(repoDir(c))
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
func lifecycleOf(r *git.Repository, tc *trustContext, m *manifest.Manifest) (attest.Lifecycle, []*object.Commit, error) {
	tc.gov.ProgramUID = rules.ProgramUID(m.System.Name)
	t, err := now()
	if err != nil {
		return attest.Lifecycle{}, nil, err
	}
	chain := tc.chain
	if chain == nil {
		if chain, err = attest.Chain(r); err != nil {
			return attest.Lifecycle{}, nil, err
		}
	}
	events, err := attest.LifecycleEvents(chain, tc.dir, tc.gov)
	if err != nil {
		return attest.Lifecycle{}, nil, err
	}
	return attest.Replay(events, m.Risk.ReviewInterval, t), chain, nil
}
