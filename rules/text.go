package rules

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// The text forms of the reports. They are deterministic (no time, no map
// order) so that golden files pin them; the JSON forms carry the same data.

// WriteText prints the risk analysis and the proposals.
func (as *Assessment) WriteText(w io.Writer) {
	a := as.Analysis
	fmt.Fprintf(w, "sei assess: %s (%d risks, scale %s)\n", as.System, len(a.Risks), a.Scale)
	for _, r := range a.Risks {
		fmt.Fprintf(w, "\n%s  %s\n", r.RiskID, r.Title)
		res := ""
		if r.ResidualOverall != "" {
			res = fmt.Sprintf(", residual %s (likelihood %s)", r.ResidualOverall, r.ResidualLikelihood)
		}
		fmt.Fprintf(w, "  inherent %s (driven by %s)%s; treatment required: %s; priority %d\n",
			r.InherentOverall, r.Driver, res, yesNo(r.RequiresTreatment), r.Priority)
		for _, d := range r.Dimensions {
			fmt.Fprintf(w, "  %-13s %s appetite %-8s %s", d.Dimension, pad(d.InherentCell, 32), d.Appetite, d.InherentEval)
			if d.ResidualCell != "" {
				fmt.Fprintf(w, "  | residual %s %s", d.ResidualCell, d.ResidualEval)
			}
			fmt.Fprintln(w)
		}
	}
	o := a.Overall
	fmt.Fprintf(w, "\noverall residual: %s against criterion %s: %s (advisory)", orDash(string(o.Level)), orDash(string(o.Criterion)), o.Evaluation)
	if len(o.Contributing) > 0 {
		fmt.Fprintf(w, "; contributing: %s", strings.Join(o.Contributing, ", "))
	}
	fmt.Fprintln(w)
	if o.Accumulation {
		fmt.Fprintf(w, "note: %d or more residuals sit at the criterion; they may add up (advisory)\n", accumulationCount)
	}
	if len(as.Proposals) == 0 {
		fmt.Fprintln(w, "\nproposals: none; the register covers every rule sei assess knows")
		return
	}
	fmt.Fprintf(w, "\nproposals: %d undeclared risk(s) to consider (advisory)\n", len(as.Proposals))
	for _, p := range as.Proposals {
		fmt.Fprintf(w, "  + %s [%s] %s\n      why: %s\n", p.ID, p.Domain, p.Title, p.Reason)
	}
}

// WriteText prints the impact report.
func (r *ImpactReport) WriteText(w io.Writer) {
	fmt.Fprintf(w, "sei impact: %s\n", r.System)
	fmt.Fprintf(w, "intended purpose: %s\n", r.IntendedPurpose)
	fmt.Fprintf(w, "decisions: %s\n", listOrNone(r.Decisions))
	fmt.Fprintf(w, "affected persons: %s\n", listOrNone(r.AffectedPersons))
	fmt.Fprintf(w, "foreseeable misuse: %d, %d gap(s)\n", len(r.Misuses), r.Gaps)
	for _, m := range r.Misuses {
		fmt.Fprintf(w, "  %-9s %s: %s\n", m.Status, m.ID, m.Description)
		switch {
		case len(m.AddressedBy) == 0:
			fmt.Fprintln(w, "            addressed by: nothing (advisory GAP)")
		default:
			fmt.Fprintf(w, "            addressed by: %s\n", strings.Join(m.AddressedBy, ", "))
		}
		if len(m.Unknown) > 0 {
			fmt.Fprintf(w, "            not in the register: %s\n", strings.Join(m.Unknown, ", "))
		}
	}
}

var decisionMark = map[Decision]string{Covered: "COVERED", CoveredAttested: "ATTESTED", Partial: "PARTIAL", Gap: "GAP", NotApplicable: "N/A"}

// WriteText prints one standard's conformance grouped by cycle phase.
func (c *ConformanceReport) WriteText(w io.Writer) {
	s := c.Summary
	fmt.Fprintf(w, "=== conformance %s (%s) ===\n", c.Standard, c.Status)
	fmt.Fprintf(w, "coverage: %d covered, %d attested, %d partial, %d gap, %d n/a\n",
		s.Covered, s.CoveredAttested, s.Partial, s.Gap, s.NotApplicable)
	for _, phase := range Phases {
		first := true
		for _, cl := range c.Clauses {
			if cl.CyclePhase != phase {
				continue
			}
			if first {
				fmt.Fprintf(w, "-- %s\n", phase)
				first = false
			}
			adv := ""
			if cl.Advisory {
				adv = " (advisory)"
			}
			fmt.Fprintf(w, "  %-8s %-10s %s%s\n", decisionMark[cl.Decision], cl.ClauseID, cl.Title, adv)
			fmt.Fprintf(w, "           %s\n", cl.Basis)
		}
	}
}

// pad right-pads s to n runes; fmt's %-Ns counts bytes, and "×" is two.
func pad(s string, n int) string {
	if k := utf8.RuneCountInString(s); k < n {
		return s + strings.Repeat(" ", n-k)
	}
	return s + " "
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "none declared"
	}
	return strings.Join(l, ", ")
}
