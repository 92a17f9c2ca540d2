package main

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"seigarrena.dev/sei/attest"
	"seigarrena.dev/sei/dag"
	"seigarrena.dev/sei/evidence"
)

const (
	exitStale    = exitOutdated // 4: a section is stale, or the evidence is out of date
	exitGateFail = 5            // the verified bundle's gate had a failed blocking control
)

func statusCommand() *cli.Command {
	return &cli.Command{
		Name:   "status",
		Usage:  "per section: Reused, or Stale with its drift class (A, B, C) and why, against the last signed run; the verified gate; the lifecycle. Runs nothing",
		Flags:  append([]cli.Flag{repoFlag, jsonFlag}, trustFlags...),
		Action: runStatus,
	}
}

// statusReport is sei status --json.
type statusReport struct {
	// ExitCode and Message are the command's verdict, as its exit status
	// and last line say it: 0 current and passing, 4 stale or review overdue,
	// 5 the gate failed, 6 unverified.
	ExitCode  int                 `json:"exit_code"`
	Message   string              `json:"message,omitempty"`
	Sections  []dag.SectionStatus `json:"sections"`
	Evidence  string              `json:"evidence"` // current, out of date, none, unverified
	Problem   string              `json:"problem,omitempty"`
	Gate      *gateStatus         `json:"gate,omitempty"`
	Lifecycle *attest.Lifecycle   `json:"lifecycle,omitempty"`
	// ApprovedCurrent says whether the approval the state rests on vouches
	// for the current evidence (nil when there is no approval).
	ApprovedCurrent *bool `json:"approved_evidence_current,omitempty"`
}

type gateStatus struct {
	Passed   bool     `json:"passed"`
	Blocking []string `json:"blocking,omitempty"`
}

// runStatus compares the work tree with the last signed run, never with the
// unsigned lock alone: the drift is against the verified bundle's binding,
// and the gate verdict is the verified bundle's. With no verified bundle,
// the drift is shown against the lock, and status fails.
func runStatus(c *cli.Context) error {
	if err := noArgs(c); err != nil {
		return err
	}
	sr := newStatusRecord(c)
	if sr != nil {
		if code, msg, ok := sr.replay(c); ok {
			return verdict(code, msg)
		}
		sr.capture(c)
		defer sr.drop()
	}
	e, err := openEngine(c)
	if err != nil {
		return err
	}
	defer e.close()
	lock, err := attest.ReadLock(e.lockPath())
	if err != nil {
		return withCode(exitInvalid, err)
	}
	if lock != nil && lock.Foreign() {
		return foreignStatus(c, e, lock)
	}
	e.lock, e.lockRead = lock, true
	st, _, err := assessStatus(c, e)
	if err != nil {
		return err
	}
	code, msg := st.ExitCode, st.Message
	if err := printStatus(c, &st); err != nil {
		return err
	}
	sr.finish(e, &st)
	return verdict(code, msg)
}

// statusEvidence is what status verified, for the commands that build on
// it (sei report): the verification report and whom it trusted.
type statusEvidence struct {
	rep *evidence.Report
	tc  *trustContext
}

// assessStatus is sei status without printing: the drift of every section
// against the last signed run, the evidence state, the verified gate and
// the lifecycle, with the exit code and message status would give. e.lock
// must have been read (e.lockRead).
func assessStatus(c *cli.Context, e *engine) (statusReport, statusEvidence, error) {
	st := statusReport{Evidence: "none"}
	rep, tc, err := verifyRepo(c, e)
	if err != nil && !errors.Is(err, attest.ErrNoEvidence) {
		return st, statusEvidence{}, err
	}
	switch {
	case rep == nil:
		st.Sections = e.statusAgainst(nil)
	case rep.Sections != nil:
		st.Sections = rep.Sections // compared with the signed run by Verify
	case rep.Bundle != nil && rep.Bundle.ComputedFrom != nil:
		st.Sections = e.statusAgainst(rep.Bundle.ComputedFrom.Lock())
	default:
		st.Sections = e.statusAgainst(rep.Lock)
	}
	code, msg := judge(rep, &st)
	if lc, err := statusLifecycle(e, tc); err != nil {
		return st, statusEvidence{}, err
	} else if lc != nil {
		st.Lifecycle = lc
		if a := lc.Approval; a != nil && a.Bundle != "" && rep != nil && rep.Envelope != nil {
			same := a.Bundle == attest.SHA256Digest(rep.Envelope)
			st.ApprovedCurrent = &same
		}
		if code == 0 && lc.State == attest.UnderReview {
			code, msg = exitStale, fmt.Sprintf("periodic review overdue since %s (review_interval %s); run `sei review`",
				lc.Since.UTC().Format("2006-01-02"), e.m.Risk.ReviewInterval)
		}
	}
	st.ExitCode, st.Message = code, msg
	return st, statusEvidence{rep: rep, tc: tc}, nil
}

// verdict is status's exit: 0, or code with its message.
func verdict(code int, msg string) error {
	if code != 0 {
		return withCode(code, errors.New(msg))
	}
	return nil
}

// judge decides status's verdict from the verified evidence.
func judge(rep *evidence.Report, st *statusReport) (int, string) {
	stale := 0
	for _, s := range st.Sections {
		if s.Stale {
			stale++
		}
	}
	switch {
	case rep == nil || (rep.Bundle == nil && rep.Genuine()):
		return exitStale, "no evidence: run `sei run`"
	case !rep.Genuine():
		st.Evidence, st.Problem = "unverified", rep.FirstProblem()
		return exitUnverified, "the evidence does not verify: " + rep.FirstProblem() + " (see `sei verify`)"
	}
	g := rep.Bundle.Gate()
	st.Gate = &gateStatus{Passed: g.Passed, Blocking: g.Blocking}
	if stale > 0 {
		st.Evidence = "out of date"
		return exitStale, fmt.Sprintf("evidence out of date: %d section(s) changed since the last signed run; run `sei run`", stale)
	}
	st.Evidence = "current"
	if !g.Passed {
		return exitGateFail, fmt.Sprintf("evidence current, but blocking control(s) %s failed in the last signed run", strings.Join(g.Blocking, ", "))
	}
	return 0, ""
}

func printStatus(c *cli.Context, st *statusReport) error {
	if c.Bool("json") {
		return printJSON(c.App.Writer, "status", st)
	}
	for _, s := range st.Sections {
		fmt.Fprintln(c.App.Writer, s)
	}
	line := "evidence: " + st.Evidence
	switch {
	case st.Gate == nil:
	case st.Gate.Passed:
		line += "; gate: PASS"
	default:
		line += "; gate: FAIL (" + strings.Join(st.Gate.Blocking, ", ") + ")"
	}
	fmt.Fprintln(c.App.Writer, line)
	if st.Lifecycle != nil {
		fmt.Fprintln(c.App.Writer, lifecycleLine(st.Lifecycle))
	}
	if st.ApprovedCurrent != nil && !*st.ApprovedCurrent {
		fmt.Fprintln(c.App.Writer, "note: the approval vouches for earlier evidence, not the current bundle; `sei request` a new approval")
	}
	return nil
}

// statusLifecycle is the lifecycle at HEAD, or nil outside git or before
// the first commit (a new repository is simply a draft).
func statusLifecycle(e *engine, tc *trustContext) (*attest.Lifecycle, error) {
	r, err := attest.OpenRepo(e.repo)
	if err != nil || tc == nil {
		return nil, nil
	}
	if _, err := r.Head(); err != nil {
		return nil, nil
	}
	lc, _, err := lifecycleOf(r, tc, e.m)
	if err != nil {
		return nil, err
	}
	return &lc, nil
}

func lifecycleLine(lc *attest.Lifecycle) string {
	s := "lifecycle: " + string(lc.State)
	if lc.Since != nil {
		s += " since " + lc.Since.UTC().Format("2006-01-02")
	}
	if lc.ReviewDue != nil && lc.State == attest.Approved {
		s += "; next review due " + lc.ReviewDue.UTC().Format("2006-01-02")
	}
	for _, ev := range lc.Events {
		if ev.Ignored != "" {
			s += fmt.Sprintf("\n  %s %s by %s: %s", ev.Act, short(ev.SHA), ev.By, ev.Ignored)
		}
	}
	return s
}

// foreignStatus is sei status on a lock the original engine wrote: its
// digests are that engine's, so nothing is compared with the tree (that
// was false drift); the sections are shown as it recorded them, the
// signatures are verified, and the verdict says what to do: exit 4.
func foreignStatus(c *cli.Context, e *engine, lock *attest.Lock) error {
	st, _ := assessForeign(c, e, lock)
	if err := printStatus(c, &st); err != nil {
		return err
	}
	return withCode(exitStale, errors.New(st.Message))
}

// assessForeign is status of a repository whose lock is the original
// engine's: its sections as that engine recorded them, its evidence
// verified (signatures and anchor), its freshness unknown.
func assessForeign(c *cli.Context, e *engine, lock *attest.Lock) (statusReport, statusEvidence) {
	st := statusReport{Evidence: "foreign", ExitCode: exitStale}
	names := make([]string, 0, len(lock.Sections))
	for n := range lock.Sections {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := lock.Sections[n]
		st.Sections = append(st.Sections, dag.SectionStatus{Name: n, Stale: s.Status != "valid",
			Reason: s.Status + ", as the original engine recorded it (not recomputed)"})
	}
	tc, err := resolveTrust(c, e.repo, e.evDir())
	var rep *evidence.Report
	if err == nil {
		rep, err = evidence.Verify(tc.verifier(e.repo, e.evDir(), e.layout.Lock, nil))
	}
	switch {
	case err != nil:
		st.Problem = err.Error()
	case rep.Genuine() && rep.Bundle != nil:
		g := rep.Bundle.Gate()
		st.Gate = &gateStatus{Passed: g.Passed, Blocking: g.Blocking}
	default:
		st.Problem = rep.FirstProblem()
	}
	st.Message = fmt.Sprintf("%s is the original engine's lock (schema_version %s): its digests are not sei's, so freshness is unknown; "+
		"run `sei migrate`, then `sei run`, for evidence sei can keep current", e.layout.Lock, lock.SchemaVersion)
	return st, statusEvidence{rep: rep, tc: tc}
}
