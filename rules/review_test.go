package rules

import (
	"strings"
	"testing"
)

// The periodic-review check speaks of the state the system is in: never
// approved is not overdue.
func TestCheckReviewWordedByState(t *testing.T) {
	for _, c := range []struct {
		run    *RunEvidence
		status CheckStatus
		says   string
	}{
		{nil, CheckPending, "sei run"},
		{&RunEvidence{Lifecycle: "draft"}, CheckPending, "has not been approved (draft)"},
		{&RunEvidence{Lifecycle: "pending"}, CheckPending, "has not been approved (pending)"},
		{&RunEvidence{Lifecycle: "approved", ReviewWithinInterval: true}, CheckPass, ""},
		{&RunEvidence{Lifecycle: "under periodic review"}, CheckFail, "overdue"},
		{&RunEvidence{Lifecycle: "retired"}, CheckPass, "retired"},
	} {
		st, why := checkReview(&checkCtx{ev: Evidence{Run: c.run}})
		if st != c.status || !strings.Contains(why, c.says) {
			t.Errorf("%+v: %s %q, want %s %q", c.run, st, why, c.status, c.says)
		}
	}
}
