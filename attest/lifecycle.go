package attest

import (
	"fmt"
	"strings"
	"time"

	"seigarrena.dev/sei/manifest"
)

// Act is one lifecycle act recorded as a commit trailer.
type Act string

const (
	ActRequest Act = "request"
	ActApprove Act = "approve"
	ActReject  Act = "reject"
	ActReview  Act = "review"
	ActRetire  Act = "retire"
)

// Trailers name each act's trailer; its value is "Name <email>".
var Trailers = map[Act]string{
	ActRequest: "Sei-Approval-Requested-by",
	ActApprove: "Sei-Approved-by",
	ActReject:  "Sei-Rejected-by",
	ActReview:  "Sei-Reviewed-by",
	ActRetire:  "Sei-Retired-by",
}

// AcceptedResidualTrailer records why an approval accepts failing controls.
const AcceptedResidualTrailer = "Sei-Accepted-Residual"

// AcceptedControlsTrailer lists the failing controls an approval accepts.
const AcceptedControlsTrailer = "Sei-Accepted-Controls"

// legacyPrefixes are the original engine's trailer prefixes, read (never
// written) so that its histories replay.
var legacyPrefixes = []string{"Sei-", "Froga-", "Venth-"}

// State is the system's lifecycle state.
//
//	draft ──request──▶ pending ──approve──▶ approved ──(interval passes)──▶ under periodic review
//	  ▲                   │                  │  ▲                                  │
//	  └──────reject───────┘                  │  └──────────────review─────────────┘
//	                                         └──request──▶ pending (re-approval after a change)
//	any state but retired ──retire──▶ retired (final)
type State string

const (
	Draft       State = "draft"
	Pending     State = "pending"
	Approved    State = "approved"
	UnderReview State = "under periodic review"
	Retired     State = "retired"
)

// Event is one act found in the history.
type Event struct {
	Act     Act       `json:"act"`
	By      string    `json:"by"`
	SHA     string    `json:"sha"`
	Date    time.Time `json:"date"`
	Subject string    `json:"subject"`
	// AcceptedResidual is the reason an approval accepted failing controls.
	AcceptedResidual string   `json:"accepted_residual,omitempty"`
	AcceptedControls []string `json:"accepted_controls,omitempty"`
	// Ignored says why an act did not apply in the state it met.
	Ignored string `json:"ignored,omitempty"`
	// Verified is a signed act by an approver; Unverified says why not.
	// Only verified acts change the state, but a request needs no
	// signature (it grants nothing).
	Verified   bool   `json:"verified"`
	Unverified string `json:"unverified,omitempty"`
	KeyID      string `json:"keyid,omitempty"`
	File       string `json:"file,omitempty"`          // the signed act file
	Commit     string `json:"commit,omitempty"`        // the commit the act was taken on
	Bundle     string `json:"bundle_digest,omitempty"` // the evidence it vouches for
	Seq        int    `json:"seq,omitempty"`
	Note       string `json:"note,omitempty"`
	order      int    // position in history, for sorting
}

// Counts reports whether an event may change the state.
func (e Event) Counts() bool {
	return e.Verified || (e.Act == ActRequest && e.Unverified == "") || (e.Act == ActRequest && e.File == "")
}

// Lifecycle is the state the history leads to at a given time.
type Lifecycle struct {
	State State `json:"state"`
	// Since is when the current state began (the act's commit, or the day
	// the review fell due).
	Since *time.Time `json:"since,omitempty"`
	// ReviewDue is when the last approval or review stops being current.
	ReviewDue *time.Time `json:"review_due,omitempty"`
	// Approval is the approval (or review) the state rests on, if any.
	Approval *Event `json:"approval"`
	// Pending is the request a pending system waits on.
	Pending *Event  `json:"pending,omitempty"`
	Events  []Event `json:"events,omitempty"`
}

// ParseTrailers reads the trailers of a commit message's last paragraph.
func ParseTrailers(msg string) map[string][]string {
	paras := strings.Split(strings.TrimSpace(msg), "\n\n")
	out := map[string][]string{}
	if len(paras) < 2 {
		return out
	}
	for _, line := range strings.Split(paras[len(paras)-1], "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.ContainsAny(k, " \t") {
			continue
		}
		out[strings.ToLower(k)] = append(out[strings.ToLower(k)], strings.TrimSpace(v))
	}
	return out
}

// EventOf finds the act a commit records, if any.
func EventOf(sha, msg string, when time.Time) (Event, bool) {
	tr := ParseTrailers(msg)
	subject, _, _ := strings.Cut(strings.TrimSpace(msg), "\n")
	for _, act := range []Act{ActRequest, ActApprove, ActReject, ActReview, ActRetire} {
		suffix := strings.TrimPrefix(Trailers[act], "Sei-")
		for _, p := range legacyPrefixes {
			if v, ok := tr[strings.ToLower(p+suffix)]; ok {
				e := Event{Act: act, By: v[0], SHA: sha, Date: when.UTC(), Subject: subject}
				if r := tr[strings.ToLower(AcceptedResidualTrailer)]; len(r) > 0 {
					e.AcceptedResidual = r[0]
				}
				if c := tr[strings.ToLower(AcceptedControlsTrailer)]; len(c) > 0 {
					for _, id := range strings.Split(c[0], ",") {
						e.AcceptedControls = append(e.AcceptedControls, strings.TrimSpace(id))
					}
				}
				return e, true
			}
		}
	}
	return Event{}, false
}

// Next is the state an act leads to from s, or an error saying why the act
// does not apply. It is the one transition table both the commands (which
// refuse) and the history replay (which records and skips) use.
func Next(s State, a Act) (State, error) {
	switch {
	case s == Retired:
		return s, fmt.Errorf("the system is retired; %s does not apply", a)
	case a == ActRetire:
		return Retired, nil
	case a == ActRequest:
		return Pending, nil
	case a == ActApprove && s == Pending, a == ActReview && (s == Approved || s == UnderReview):
		return Approved, nil
	case a == ActReject && s == Pending:
		return Draft, nil
	}
	return s, fmt.Errorf("%s does not apply to a system in state %q", a, s)
}

// Replay runs events (oldest first) through the state machine and applies
// the review interval at now: an approval or review older than the interval
// puts an approved system under periodic review from the day it fell due.
func Replay(events []Event, interval string, now time.Time) Lifecycle {
	lc := Lifecycle{State: Draft}
	for _, e := range events {
		if !e.Counts() {
			e.Ignored = "unverified: " + e.Unverified
			lc.Events = append(lc.Events, e)
			continue
		}
		next, err := Next(lc.State, e.Act)
		if err != nil {
			e.Ignored = err.Error()
			lc.Events = append(lc.Events, e)
			continue
		}
		lc.Events = append(lc.Events, e)
		lc.State = next
		d := e.Date
		lc.Since = &d
		switch e.Act {
		case ActApprove, ActReview:
			ev := e
			lc.Approval = &ev
		case ActReject, ActRequest:
			lc.Approval = nil
		}
		lc.Pending = nil
		if e.Act == ActRequest {
			ev := e
			lc.Pending = &ev
		}
	}
	if lc.State != Approved || lc.Approval == nil || interval == "" {
		return lc
	}
	p, err := manifest.ParsePeriod(interval)
	if err != nil {
		return lc
	}
	// Calendar arithmetic on the approval's date: the review falls due at
	// the start of that day (UTC), whatever the hour of the approval.
	due := p.AddTo(lc.Approval.Date).Truncate(24 * time.Hour)
	lc.ReviewDue = &due
	if !now.Before(due) {
		lc.State, lc.Since = UnderReview, &due
	}
	return lc
}

// ActsDir and ApproversFile are, relative to the artefact directory, the
// signed lifecycle acts and the signed list of who may approve.
const (
	ActsDir       = "acts"
	ApproversFile = "approvers.json"
)
