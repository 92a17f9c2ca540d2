package rules

import (
	"fmt"
	"strings"

	"seigarrena.dev/sei/manifest"
)

// Decision is a clause's conformance decision, in the original engine's words.
type Decision string

const (
	Covered         Decision = "covered"          // every required item passes
	CoveredAttested Decision = "covered_attested" // every item passes or is attested by a declared measure
	Partial         Decision = "partial"          // some items pass
	Gap             Decision = "gap"              // nothing passes
	NotApplicable   Decision = "not_applicable"   // excluded in risk.applicability, with a reason
)

// CheckResult is one check of a clause. Fields are in alphabetical order so
// that the JSON payload has sorted keys, as the original engine's has.
type CheckResult struct {
	Detail string      `json:"detail,omitempty"`
	ID     string      `json:"id"`
	Status CheckStatus `json:"status"`
}

// ClauseResult is one clause's decision with its basis.
type ClauseResult struct {
	Advisory   bool          `json:"advisory"`
	Basis      string        `json:"basis"`
	Checks     []CheckResult `json:"checks"`
	ClauseID   string        `json:"clause_id"`
	CyclePhase string        `json:"cycle_phase"`
	Decision   Decision      `json:"decision"`
	Mapping    string        `json:"mapping"`
	Measures   []string      `json:"measures"`
	Scope      string        `json:"scope"`
	Title      string        `json:"title"`
}

// Summary counts decisions.
type Summary struct {
	Covered         int `json:"covered"`
	CoveredAttested int `json:"covered_attested"`
	Gap             int `json:"gap"`
	NotApplicable   int `json:"not_applicable"`
	Partial         int `json:"partial"`
}

// ConformanceReport is the payload of .sei/conformance/<slug>.json.
type ConformanceReport struct {
	Clauses  []ClauseResult `json:"clauses"`
	Standard string         `json:"standard"`
	Status   string         `json:"status"`
	Summary  Summary        `json:"summary"`
	Title    string         `json:"title"`
}

// Conformance projects the manifest and the evidence onto one standard's
// catalogue, clause by clause, in catalogue order.
func Conformance(m *manifest.Manifest, standard string, ev Evidence) (*ConformanceReport, error) {
	cs, err := Catalogues()
	if err != nil {
		return nil, err
	}
	cat, ok := cs[standard]
	if !ok {
		return nil, fmt.Errorf("no clause catalogue for %q; catalogues exist for %s", standard, strings.Join(CatalogueIDs(), ", "))
	}
	a, err := Analyze(m)
	if err != nil {
		return nil, err
	}
	ctx := &checkCtx{m: m, a: a, ev: ev, standard: standard}
	rep := &ConformanceReport{Standard: standard, Status: cat.Standard.Status, Title: cat.Standard.Title}
	for _, cl := range cat.Clauses {
		r := decideClause(ctx, cl)
		rep.Clauses = append(rep.Clauses, r)
		rep.Summary.add(r.Decision)
	}
	return rep, nil
}

func (s *Summary) add(d Decision) {
	switch d {
	case Covered:
		s.Covered++
	case CoveredAttested:
		s.CoveredAttested++
	case Partial:
		s.Partial++
	case Gap:
		s.Gap++
	case NotApplicable:
		s.NotApplicable++
	}
}

// item is one requirement of a clause: a check, the any_of group, or a
// citing measure.
type item struct {
	name   string
	status CheckStatus
	detail string
}

func decideClause(ctx *checkCtx, cl Clause) ClauseResult {
	r := ClauseResult{Advisory: cl.Advisory, ClauseID: cl.ID, CyclePhase: cl.Phase, Mapping: cl.Mapping,
		Scope: cl.Scope, Title: cl.Title, Checks: []CheckResult{}, Measures: []string{}}
	full := ctx.standard + "#" + cl.ID
	if ap, ok := ctx.m.Risk.Applicability[full]; ok && !ap.Applicable {
		r.Decision, r.Basis = NotApplicable, "excluded in risk.applicability: "+ap.Reason
		return r
	}
	var items []item
	for _, id := range cl.Checks.AllOf {
		s, why := runCheck(ctx, id)
		r.Checks = append(r.Checks, CheckResult{ID: id, Status: s, Detail: why})
		items = append(items, item{id, s, why})
	}
	if len(cl.Checks.AnyOf) > 0 {
		items = append(items, anyOf(ctx, cl.Checks.AnyOf, &r))
	}
	cites := citingItems(ctx, full)
	for _, it := range cites {
		r.Measures = append(r.Measures, it.name)
	}
	items = append(items, cites...)
	r.Decision, r.Basis = decide(items)
	return r
}

func anyOf(ctx *checkCtx, ids []string, r *ClauseResult) item {
	group := item{name: "one of " + strings.Join(ids, ", "), status: CheckFail}
	order := map[CheckStatus]int{CheckFail: 0, CheckPending: 1, CheckAttested: 2, CheckPass: 3}
	for _, id := range ids {
		s, why := runCheck(ctx, id)
		r.Checks = append(r.Checks, CheckResult{ID: id, Status: s, Detail: why})
		if order[s] > order[group.status] || group.detail == "" {
			if order[s] >= order[group.status] {
				group.status, group.detail = s, why
			}
		}
	}
	return group
}

// citingItems turns the measures that cite a clause into items: automated
// ones by their last result (pending before any run), manual ones attested.
func citingItems(ctx *checkCtx, clause string) []item {
	var out []item
	for _, rm := range ctx.m.Measures() {
		if manifest.Rank(rm.Measure.StandardClauses, clause) < 0 {
			continue
		}
		it := item{name: rm.Measure.ID, status: CheckAttested}
		if rm.Measure.Automated() {
			it.status, it.detail = measureStatus(ctx, rm.Measure.ID)
		}
		out = append(out, it)
	}
	return out
}

func measureStatus(ctx *checkCtx, id string) (CheckStatus, string) {
	if ctx.ev.Run == nil {
		return CheckPending, pendingRun
	}
	for _, res := range ctx.ev.Run.Gate.Results {
		if res.Control.MeasureID == id {
			if res.Verdict == Pass {
				return CheckPass, ""
			}
			return CheckFail, string(res.Verdict)
		}
	}
	return CheckPending, "not evaluated by the last run"
}

// decide applies the decision rule and writes the basis sentence.
func decide(items []item) (Decision, string) {
	if len(items) == 0 {
		return Gap, "no check and no citing measure backs this clause"
	}
	var pass, attested int
	var open []string
	for _, it := range items {
		switch it.status {
		case CheckPass:
			pass++
		case CheckAttested:
			attested++
		default:
			open = append(open, fmt.Sprintf("%s %s (%s)", it.name, it.status, it.detail))
		}
	}
	n := len(items)
	switch {
	case pass == n:
		return Covered, fmt.Sprintf("%d of %d requirements pass", pass, n)
	case pass+attested == n:
		return CoveredAttested, fmt.Sprintf("%d pass, %d attested by declared measures only", pass, attested)
	case pass+attested > 0:
		return Partial, fmt.Sprintf("%d of %d requirements pass; open: %s", pass+attested, n, strings.Join(open, "; "))
	}
	return Gap, "0 of " + fmt.Sprint(n) + " requirements pass; open: " + strings.Join(open, "; ")
}
