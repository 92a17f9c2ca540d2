package attest

import (
	"strings"
	"testing"
	"time"

	"seigarrena.dev/sei/rules"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// ev is a signed, verified act.
func ev(a Act, date string) Event {
	return Event{Act: a, By: "A <a@x>", SHA: strings.Repeat("a", 40), Date: day(date), Verified: true}
}

// plain is a trailer commit with no signed act file.
func plain(a Act, date string) Event {
	e := ev(a, date)
	e.Verified, e.Unverified = false, "a trailer with no signed act file"
	return e
}

// TestReplay walks the state machine, including the review interval with
// month-end clamping (31 August + P6M = 28 February).
func TestReplay(t *testing.T) {
	cases := []struct {
		name     string
		events   []Event
		interval string
		now      string
		want     State
		due      string
		ignored  int
	}{
		{"nothing", nil, "P6M", "2026-01-01", Draft, "", 0},
		{"request", []Event{ev(ActRequest, "2026-01-01")}, "P6M", "2026-01-02", Pending, "", 0},
		{"approve without request is ignored", []Event{ev(ActApprove, "2026-01-01")}, "P6M", "2026-01-02", Draft, "", 1},
		{"approved", []Event{ev(ActRequest, "2026-01-01"), ev(ActApprove, "2026-01-05")}, "P6M", "2026-07-04", Approved, "2026-07-05", 0},
		{"review falls due on the day", []Event{ev(ActRequest, "2026-01-01"), ev(ActApprove, "2026-01-05")}, "P6M", "2026-07-05", UnderReview, "2026-07-05", 0},
		{"month end clamps", []Event{ev(ActRequest, "2026-08-01"), ev(ActApprove, "2026-08-31")}, "P6M", "2027-02-27", Approved, "2027-02-28", 0},
		{"review restarts the clock", []Event{ev(ActRequest, "2026-01-01"), ev(ActApprove, "2026-01-05"), ev(ActReview, "2026-08-01")}, "P6M", "2026-12-01", Approved, "2027-02-01", 0},
		{"no interval, no review", []Event{ev(ActRequest, "2026-01-01"), ev(ActApprove, "2026-01-05")}, "", "2030-01-01", Approved, "", 0},
		{"reject goes back to draft", []Event{ev(ActRequest, "2026-01-01"), ev(ActReject, "2026-01-02")}, "P6M", "2026-01-03", Draft, "", 0},
		{"retired is final", []Event{ev(ActRetire, "2026-01-01"), ev(ActRequest, "2026-01-02")}, "P6M", "2026-01-03", Retired, "", 1},
		{"review needs an approval", []Event{ev(ActReview, "2026-01-01")}, "P6M", "2026-01-03", Draft, "", 1},
		// Anyone can type an approval trailer: unsigned, it changes nothing.
		{"unsigned approval", []Event{ev(ActRequest, "2026-01-01"), plain(ActApprove, "2026-01-02")}, "P6M", "2026-01-03", Pending, "", 1},
		{"unsigned retirement", []Event{plain(ActRetire, "2026-01-01")}, "P6M", "2026-01-03", Draft, "", 1},
		// A request grants nothing and needs no signature (the original
		// engine's requests are plain trailers).
		{"unsigned request", []Event{plain(ActRequest, "2026-01-01")}, "P6M", "2026-01-03", Pending, "", 0},
	}
	for _, c := range cases {
		lc := Replay(c.events, c.interval, day(c.now))
		if lc.State != c.want {
			t.Errorf("%s: state %q, want %q", c.name, lc.State, c.want)
		}
		gotDue := ""
		if lc.ReviewDue != nil {
			gotDue = lc.ReviewDue.Format("2006-01-02")
		}
		if gotDue != c.due {
			t.Errorf("%s: review due %q, want %q", c.name, gotDue, c.due)
		}
		n := 0
		for _, e := range lc.Events {
			if e.Ignored != "" {
				n++
			}
		}
		if n != c.ignored {
			t.Errorf("%s: %d ignored acts, want %d", c.name, n, c.ignored)
		}
	}
}

func TestEventOfTrailers(t *testing.T) {
	msg := "sei: approval\n\nbody text\n\nSei-Approved-by: Ada <ada@x.org>\nSei-Accepted-Controls: dp, eo\nSei-Accepted-Residual: pilot only\n"
	e, ok := EventOf("abc", msg, day("2026-01-01"))
	if !ok || e.Act != ActApprove || e.By != "Ada <ada@x.org>" || e.AcceptedResidual != "pilot only" ||
		strings.Join(e.AcceptedControls, "|") != "dp|eo" || e.Subject != "sei: approval" {
		t.Fatalf("got %+v %v", e, ok)
	}
	// The original engine's prefix is read too.
	if e, ok := EventOf("abc", "x\n\nFroga-Approval-Requested-by: M <m@x>\n", day("2026-01-01")); !ok || e.Act != ActRequest {
		t.Errorf("legacy trailer: %+v %v", e, ok)
	}
	// A trailer-like line in the subject is no trailer.
	if _, ok := EventOf("abc", "Sei-Approved-by: someone", day("2026-01-01")); ok {
		t.Error("subject read as a trailer")
	}
}

func TestTreatmentEvents(t *testing.T) {
	v := func(f float64) *float64 { return &f }
	rec := func(pass bool, val float64) ControlRecord {
		verdict := "FAIL"
		if pass {
			verdict = "PASS"
		}
		return ControlRecord{ControlID: "dp", RiskID: "risk.a", Passed: pass, Verdict: rules.Verdict(verdict), ActualValue: v(val), EnforcementMode: "block"}
	}
	v1 := &Bundle{Triple: Triple{Code: "c1"}, ControlResults: []ControlRecord{rec(false, 0.11)}, TreatmentEvents: []TreatmentEvent{}}
	evs := treatmentEvents(v1, []ControlRecord{rec(true, 0.01)}, "c2")
	if len(evs) != 1 || evs[0].Kind != "Treatment" || evs[0].PreviousCommit != "c1" || evs[0].AnchoredCommit != "c2" || *evs[0].PreviousValue != 0.11 {
		t.Fatalf("fail to pass: %+v", evs)
	}
	v2 := &Bundle{Triple: Triple{Code: "c2"}, ControlResults: []ControlRecord{rec(true, 0.01)}, TreatmentEvents: evs}
	if again := treatmentEvents(v2, []ControlRecord{rec(true, 0.012)}, "c3"); len(again) != 1 || again[0].AnchoredCommit != "c2" {
		t.Errorf("a later pass must carry the treatment forward: %+v", again)
	}
	if back := treatmentEvents(v2, []ControlRecord{rec(false, 0.11)}, "c3"); len(back) != 1 || back[0].Kind != "Regression" {
		t.Errorf("pass to fail: %+v", back)
	}
	if none := treatmentEvents(v1, []ControlRecord{rec(false, 0.2)}, "c2"); len(none) != 0 {
		t.Errorf("an unchanged failing control emits nothing: %+v", none)
	}
}
