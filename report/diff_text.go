package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"seigarrena.dev/sei/attest"
)

// runLine names a run: "8a6262cc8496 2026-01-10 run: V1 (gate FAIL, signed by ab12…)".
func runLine(s attest.Snapshot) string {
	signer := "signed by " + short(s.SignedBy)
	if s.SignedBy == "" {
		signer = "UNVERIFIED: " + s.Unverified
	}
	return fmt.Sprintf("%s %s %s (gate %s, %s)", short(s.SHA), day(s.Date), s.Subject, s.Gate, signer)
}

// measure prints a control's value in one run: "0.0106 [0.001, 0.0688]".
func measure(m *Measured) string {
	if m == nil {
		return "not measured"
	}
	v := num(m.Value)
	if m.CILow != nil && m.CIHigh != nil {
		v += " [" + fmtNum(*m.CILow) + ", " + fmtNum(*m.CIHigh) + "]"
	}
	if m.Underpowered {
		v += " UNDERPOWERED"
	}
	return v
}

func threshold(c ControlChange) string {
	m := c.To
	if m == nil {
		m = c.From
	}
	return opSymbol(m.Operator) + " " + fmtNum(m.Threshold)
}

func verdicts(v VerdictChange) string {
	from, to := orDash(string(v.From)), orDash(string(v.To))
	if !v.Changed {
		return to + " (unchanged)"
	}
	return from + " -> " + to
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func changeText(c Change) string {
	if !c.Changed {
		return orDash(c.To) + " (unchanged)"
	}
	return orDash(c.From) + " -> " + orDash(c.To)
}

func actLine(e attest.Event) string {
	mark := "verified, signed by " + short(e.KeyID)
	switch {
	case e.Ignored != "":
		mark = "ignored: " + e.Ignored
	case !e.Verified:
		mark = "unverified"
	}
	return fmt.Sprintf("%s %s %s by %s (%s)", e.Act, e.Date.UTC().Format("2006-01-02"), short(e.SHA), e.By, mark)
}

// WriteText prints the diff as sei's other reports do: one fact a line.
func (d *RunDiff) WriteText(w io.Writer) {
	b := bufio.NewWriter(w)
	defer b.Flush()
	fmt.Fprintf(b, "from %s\nto   %s\n", runLine(d.From), runLine(d.To))
	fmt.Fprintf(b, "gate: %s\n", verdicts(d.Gate))
	for _, c := range d.Controls {
		kind := ""
		if c.Treatment != "" {
			kind = " (" + strings.ToLower(c.Treatment) + ")"
		}
		fmt.Fprintf(b, "control %s: %s%s; %s -> %s; threshold %s\n", c.ID, verdicts(c.Verdict), kind, measure(c.From), measure(c.To), threshold(c))
	}
	fmt.Fprintf(b, "drift: %d section(s) changed\n", len(d.Drift))
	for _, s := range d.Drift {
		fmt.Fprintf(b, "  %s\n", s)
	}
	fmt.Fprintf(b, "code: %s\ndataset descriptor: %s\noverall residual: %s\n", changeText(d.Code), changeText(d.Data), changeText(d.Residual))
	for _, t := range d.Tables {
		fmt.Fprintf(b, "table %s: %s\n", t.Name, changeText(Change{From: t.From, To: t.To, Changed: t.Changed}))
	}
	fmt.Fprintf(b, "acts between the runs: %d\n", len(d.Acts))
	for _, e := range d.Acts {
		fmt.Fprintf(b, "  %s\n", actLine(e))
	}
}

// WriteMarkdown prints the diff for a pull-request comment or a job summary.
func (d *RunDiff) WriteMarkdown(w io.Writer) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "## sei diff: %s → %s\n\n", code(short(d.From.SHA)), code(short(d.To.SHA)))
	fmt.Fprintf(b, "- from: %s\n- to: %s\n- **gate: %s**\n\n", md(runLine(d.From)), md(runLine(d.To)), md(verdicts(d.Gate)))
	if len(d.Controls) > 0 {
		b.WriteString("| control | verdict | before | after | threshold |\n|---|---|---|---|---|\n")
		for _, c := range d.Controls {
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", md(c.ID), md(verdicts(c.Verdict)), md(measure(c.From)), md(measure(c.To)), md(threshold(c)))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(b, "**Drift:** %d section(s) changed\n\n", len(d.Drift))
	for _, s := range d.Drift {
		fmt.Fprintf(b, "- %s\n", md(s.String()))
	}
	fmt.Fprintf(b, "\n- code: %s\n- dataset descriptor: %s\n- overall residual: %s\n", md(changeText(d.Code)), md(changeText(d.Data)), md(changeText(d.Residual)))
	for _, t := range d.Tables {
		fmt.Fprintf(b, "- table %s: %s\n", md(t.Name), md(changeText(Change{From: t.From, To: t.To, Changed: t.Changed})))
	}
	for _, e := range d.Acts {
		fmt.Fprintf(b, "- act: %s\n", md(actLine(e)))
	}
	return b.Flush()
}
