package main

import (
	"crypto/ecdsa"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/urfave/cli/v2"

	"seigarrena.dev/sei/attest"
	"seigarrena.dev/sei/manifest"
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
	flags := []cli.Flag{repoFlag,
		&cli.StringFlag{Name: "message", Aliases: []string{"m"}, Usage: "commit subject `TEXT` (default: sei's standard subject)"}}
	if act == attest.ActApprove || act == attest.ActReview {
		flags = append(flags, &cli.StringFlag{Name: "accept-residual", Usage: "approve although blocking controls fail, for this `REASON` (recorded in the commit)"})
	}
	return &cli.Command{Name: string(act), Usage: usage, Flags: flags,
		Action: func(c *cli.Context) error { return runAct(c, act) }}
}

func lifecycleCommands() []*cli.Command {
	return []*cli.Command{
		actCommand(attest.ActRequest, "record a request for management approval (an empty commit with a Sei-Approval-Requested-by trailer)"),
		actCommand(attest.ActApprove, "record management approval of the last bundle; refused while a blocking control fails unless --accept-residual"),
		actCommand(attest.ActReject, "record a rejection: the system goes back to draft"),
		actCommand(attest.ActReview, "record the periodic review that review_interval asks for"),
		actCommand(attest.ActRetire, "record the system's retirement (final)"),
	}
}

// runAct checks that the act applies (state machine, committed evidence,
// signatures, gate) and only then records it; a refused act writes nothing.
func runAct(c *cli.Context, act attest.Act) error {
	m, r, err := manifestAndRepo(c)
	if err != nil {
		return err
	}
	name, email := attest.Identity(r)
	if name == "" || email == "" {
		return withCode(exitUsage, fmt.Errorf("who is acting? set git config user.name and user.email"))
	}
	lc, _, err := lifecycleOf(r, m.Risk.ReviewInterval)
	if err != nil {
		return err
	}
	if _, err := attest.Next(lc.State, act); err != nil {
		return withCode(exitUsage, err)
	}
	trailers := []attest.Trailer{{Key: attest.Trailers[act], Value: fmt.Sprintf("%s <%s>", name, email)}}
	if act == attest.ActRequest || act == attest.ActApprove || act == attest.ActReview {
		extra, err := checkEvidence(c, r, act)
		if err != nil {
			return err
		}
		trailers = append(trailers, extra...)
	}
	subject := c.String("message")
	if subject == "" {
		subject = actSubjects[act]
	}
	sha, err := recordAct(r, subject, trailers, name, email)
	if err != nil {
		return err
	}
	next, _ := attest.Next(lc.State, act)
	fmt.Fprintf(c.App.Writer, "%s recorded as %s; lifecycle: %s -> %s\n", act, sha[:12], lc.State, next)
	return nil
}

func recordAct(r *git.Repository, subject string, trailers []attest.Trailer, name, email string) (string, error) {
	when := func(v string) (time.Time, error) {
		t, ok, err := attest.EnvTime(v)
		if !ok && err == nil {
			t = time.Now()
		}
		return t, err
	}
	at, err := when("GIT_AUTHOR_DATE")
	if err != nil {
		return "", withCode(exitUsage, err)
	}
	ct, err := when("GIT_COMMITTER_DATE")
	if err != nil {
		return "", withCode(exitUsage, err)
	}
	cn, ce := os.Getenv("GIT_COMMITTER_NAME"), os.Getenv("GIT_COMMITTER_EMAIL")
	if cn == "" || ce == "" {
		cn, ce = name, email
	}
	return attest.RecordAct(r, subject, trailers,
		attest.Signer(name, email, at), attest.Signer(cn, ce, ct))
}

// evidenceFiles must be committed as they are in the work tree before an
// approval: an approval covers committed, signed evidence only.
var evidenceFiles = []string{attest.LockFile, ".sei/bundle.json", ".sei/bundle.json.sig"}

// checkEvidence refuses an act on evidence that is missing, uncommitted,
// unverified or (for approve and review) red without an accepted residual.
// It returns the trailers that record an accepted residual.
func checkEvidence(c *cli.Context, r *git.Repository, act attest.Act) ([]attest.Trailer, error) {
	repo := c.String("repo")
	head, err := r.Head()
	if err != nil {
		return nil, err
	}
	hc, err := r.CommitObject(head.Hash())
	if err != nil {
		return nil, err
	}
	for _, f := range evidenceFiles {
		if err := committedAsIs(r, hc, filepath.Join(repo, filepath.FromSlash(f))); err != nil {
			return nil, withCode(exitUsage, fmt.Errorf("%w; run `sei run` and commit its evidence before `sei %s`", err, act))
		}
	}
	if err := verifyEvidence(repo); err != nil {
		return nil, withCode(exitUnverified, err)
	}
	if act == attest.ActRequest {
		return nil, nil
	}
	b, err := attest.ReadBundle(filepath.Join(repo, ".sei", attest.BundleFile))
	if err != nil {
		return nil, withCode(exitInvalid, err)
	}
	g := b.Gate()
	reason := strings.TrimSpace(c.String("accept-residual"))
	switch {
	case g.Passed && reason != "":
		return nil, withCode(exitUsage, fmt.Errorf("--accept-residual: every blocking control passes; there is no residual to accept"))
	case g.Passed:
		return nil, nil
	case reason == "":
		return nil, withCode(exitGateFail, fmt.Errorf("refusing to %s: blocking control(s) %s fail in the last bundle; fix them, or accept the residual with --accept-residual REASON",
			act, strings.Join(g.Blocking, ", ")))
	}
	return []attest.Trailer{{Key: attest.AcceptedControlsTrailer, Value: strings.Join(g.Blocking, ", ")},
		{Key: attest.AcceptedResidualTrailer, Value: oneLine(reason)}}, nil
}

// committedAsIs checks that the work tree's file has HEAD's bytes.
func committedAsIs(r *git.Repository, hc *object.Commit, path string) error {
	rel, err := attest.RepoPath(r, path)
	if err != nil {
		return err
	}
	have, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return fmt.Errorf("%s does not exist", rel)
	} else if err != nil {
		return err
	}
	_, h, ok, err := attest.FileAt(hc, rel)
	switch {
	case err != nil:
		return err
	case !ok:
		return fmt.Errorf("%s is not committed", rel)
	case h != plumbing.ComputeHash(plumbing.BlobObject, have):
		return fmt.Errorf("%s differs from HEAD", rel)
	}
	return nil
}

// verifyEvidence runs sei verify's checks against .sei/PUBKEY.txt.
func verifyEvidence(repo string) error {
	dir := filepath.Join(repo, ".sei")
	pub, err := os.ReadFile(filepath.Join(dir, "PUBKEY.txt"))
	if err != nil {
		return fmt.Errorf("trusted key: %w", err)
	}
	k, err := attest.ParsePublicKey(pub)
	if err != nil {
		return err
	}
	fs, err := attest.VerifyDir(dir, []*ecdsa.PublicKey{k}, filepath.Join(repo, attest.LockFile))
	if err != nil {
		return err
	}
	for _, f := range fs {
		if !f.OK {
			return fmt.Errorf("evidence does not verify: %s: %s (see `sei verify`)", f.File, f.Err)
		}
	}
	return nil
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

// lifecycleOf replays the lifecycle acts of HEAD's history at now.
func lifecycleOf(r *git.Repository, interval string) (attest.Lifecycle, []*object.Commit, error) {
	t, err := now()
	if err != nil {
		return attest.Lifecycle{}, nil, err
	}
	chain, err := attest.Chain(r)
	if err != nil {
		return attest.Lifecycle{}, nil, err
	}
	return attest.Replay(attest.Events(chain), interval, t), chain, nil
}
