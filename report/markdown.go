package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"seigarrena.dev/sei/manifest"
)

// WriteMarkdown writes the report as GitHub-flavoured Markdown: what a CI
// job summary or a pull-request comment shows. Pictures become tables.
func (d *Document) WriteMarkdown(w io.Writer) error {
	b := bufio.NewWriter(w)
	title := d.System
	if d.Version != "" {
		title += " " + d.Version
	}
	fmt.Fprintf(b, "# Technical documentation: %s\n\n", md(title))
	fmt.Fprintf(b, "Annex IV of Regulation (EU) 2024/1689, assembled by sei %s as of %s", md(d.Tool), d.AsOf)
	if d.Head != "" {
		fmt.Fprintf(b, ", at commit `%s`", d.Head)
	}
	fmt.Fprintf(b, ".\n\n**Evidence: %s. Gate: %s.**\n\n", md(d.Evidence), md(d.Gate))
	for _, l := range d.Banner {
		fmt.Fprintf(b, "> **Warning:** %s\n", md(l))
	}
	if len(d.Banner) > 0 {
		b.WriteString("\n")
	}
	fmt.Fprintf(b, "**Intended purpose:** %s\n\n", md(d.Purpose))
	d.mdMatrix(b)
	d.mdControls(b)
	d.mdTimeline(b)
	d.mdAnnex(b)
	d.mdSignatures(b)
	return b.Flush()
}

// md escapes what Markdown tables and emphasis would read as syntax, and
// "<", which would open an HTML tag (">" alone opens nothing mid-line).
func md(s string) string {
	r := strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ", "<", "&lt;", "*", `\*`, "_", `\_`, "`", "'")
	return r.Replace(s)
}

func (d *Document) mdMatrix(b *bufio.Writer) {
	b.WriteString("## Risks on the 5×5 matrix\n\n| likelihood \\ impact |")
	for _, i := range manifest.ImpactValues {
		fmt.Fprintf(b, " %s |", i)
	}
	b.WriteString("\n|---|---|---|---|---|---|\n")
	for li := 4; li >= 0; li-- {
		fmt.Fprintf(b, "| %s |", manifest.Likelihoods[li])
		for ii := 0; ii < 5; ii++ {
			fmt.Fprintf(b, " %s%s |", d.Matrix.Cells[li][ii], d.cellMarks(li, ii))
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	for n, r := range d.Matrix.Risks {
		res := "no residual declared"
		if r.RL >= 0 {
			res = fmt.Sprintf("residual %s (%s)", r.ResidualLevel, evalWord(r.ResidualWithin))
		}
		fmt.Fprintf(b, "%d. %s: inherent %s (%s), %s; appetite %s\n", n+1, md(r.Risk), r.Level, evalWord(r.Within), res, r.DriverAppetite)
	}
	b.WriteString("\n")
}

func evalWord(within bool) string {
	if within {
		return "within"
	}
	return "exceeds"
}

// cellMarks names the risks in a cell: "1" inherent, "→1" residual.
func (d *Document) cellMarks(li, ii int) string {
	var marks []string
	for n, r := range d.Matrix.Risks {
		if r.L == li && r.I == ii {
			marks = append(marks, fmt.Sprint(n+1))
		}
		if r.RL == li && r.I == ii && r.RL != r.L {
			marks = append(marks, fmt.Sprintf("→%d", n+1))
		}
	}
	if len(marks) == 0 {
		return ""
	}
	return " **" + strings.Join(marks, " ") + "**"
}

func (d *Document) mdControls(b *bufio.Writer) {
	b.WriteString("## Controls\n\n")
	if len(d.Controls) == 0 {
		b.WriteString("No verified run: no control has been measured.\n\n")
		return
	}
	b.WriteString("| control | risk | metric | threshold | value | interval | verdict |\n|---|---|---|---|---|---|---|\n")
	for _, c := range d.Controls {
		fmt.Fprintf(b, "| %s | %s | %s | %s %s | %s | %s | %s |\n", md(c.ID), md(c.Risk), md(c.Metric), md(c.Op()), fmtNum(c.Threshold),
			c.ValueText(), c.Interval(), c.VerdictText())
	}
	b.WriteString("\n")
}

func (d *Document) mdTimeline(b *bufio.Writer) {
	b.WriteString("## Treatment history\n\n")
	if len(d.Timeline) == 0 {
		b.WriteString("No git history: nothing to replay.\n\n")
		return
	}
	b.WriteString("| lane | date | what | commit |\n|---|---|---|---|\n")
	for _, r := range d.Timeline {
		for _, e := range r.Events {
			fmt.Fprintf(b, "| %s | %s | %s | %s |\n", md(r.Label), e.Date, md(e.Text), code(short(e.SHA)))
		}
	}
	b.WriteString("\n## Drift now\n\n")
	for _, s := range d.Drift {
		fmt.Fprintf(b, "- %s\n", md(s.String()))
	}
	if d.MoreStale > 0 {
		fmt.Fprintf(b, "- and %d more stale section(s) (`sei status` lists them)\n", d.MoreStale)
	}
	if d.Reused > 0 {
		fmt.Fprintf(b, "- %d section(s) Reused\n", d.Reused)
	}
	b.WriteString("\n")
}

func (d *Document) mdAnnex(b *bufio.Writer) {
	b.WriteString("## Annex IV\n\n")
	for _, s := range d.Annex {
		fmt.Fprintf(b, "### %d. %s\n\n| point | item | value | source |\n|---|---|---|---|\n", s.Number, s.Title)
		for _, it := range s.Items {
			switch {
			case it.Value != "":
				fmt.Fprintf(b, "| %s | %s | %s | %s |\n", it.Point, md(it.Label), md(it.Value), md(it.Source.String()))
			case it.Outside:
				fmt.Fprintf(b, "| %s | %s | not sei's to say: %s | |\n", it.Point, md(it.Label), md(it.Missing))
			default:
				fmt.Fprintf(b, "| %s | %s | **MISSING%s**: %s | |\n", it.Point, md(it.Label), mandatoryWord(it.Mandatory), md(it.Missing))
			}
		}
		b.WriteString("\n")
	}
	mand, _, _ := d.Gaps()
	if len(mand) == 0 {
		b.WriteString("Every mandatory item has a source.\n\n")
		return
	}
	fmt.Fprintf(b, "**%d mandatory item(s) with no source** (`sei report --check` fails):\n\n", len(mand))
	for _, g := range mand {
		fmt.Fprintf(b, "- §%d %s: %s\n", g.Section, md(g.Label), md(g.Missing))
	}
	b.WriteString("\n")
}

// code is s as a code span, or nothing for "" (an empty span shows as two
// backquotes).
func code(s string) string {
	if s == "" {
		return ""
	}
	return "`" + s + "`"
}

func mandatoryWord(m bool) string {
	if m {
		return " (mandatory)"
	}
	return ""
}

func (d *Document) mdSignatures(b *bufio.Writer) {
	b.WriteString("## Signatures\n\n")
	if len(d.Signatures) == 0 {
		b.WriteString("No evidence to verify.\n")
		return
	}
	b.WriteString("| file | verified | key | problem |\n|---|---|---|---|\n")
	for _, f := range d.Signatures {
		ok := "yes"
		if !f.OK {
			ok = "**NO**"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", md(f.File), ok, short(f.KeyID), md(f.Err))
	}
}
