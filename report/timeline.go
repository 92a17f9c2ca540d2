package report

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"seigarrena.dev/sei/attest"
)

// TimelineRow is one lane of the treatment history: the runs of record,
// each risk, or the lifecycle acts.
type TimelineRow struct {
	Label  string
	Events []TimelineEvent
}

// TimelineEvent is one dated point of a lane. OK colours it: a passing
// run, a treatment, a verified act; Due marks a review not yet held.
type TimelineEvent struct {
	At   string // RFC 3339 in UTC: orders the points
	Date string // YYYY-MM-DD
	Kind string // run, identified, treatment, regression, an act, review-due
	Text string
	SHA  string
	OK   bool
	Due  bool
}

// timeline lays out the history: the runs, each measured risk (identified,
// then its verdict changes) and the acts, then the review due.
func timeline(in *Input) []TimelineRow {
	h := in.History
	if h == nil {
		return nil
	}
	dates := map[string]string{}
	runs := TimelineRow{Label: "runs of record"}
	for _, s := range h.Snapshots {
		dates[s.SHA] = s.Date
		text := "gate " + string(s.Gate)
		if len(s.Blocking) > 0 {
			text += " (" + strings.Join(s.Blocking, ", ") + ")"
		}
		if s.SignedBy == "" {
			text += "; UNVERIFIED"
		}
		runs.Events = append(runs.Events, TimelineEvent{At: utc(s.Date), Date: day(s.Date), Kind: "run", Text: text + ": " + s.Subject, SHA: s.SHA, OK: s.Gate == "PASS" && s.SignedBy != ""})
	}
	rows := []TimelineRow{runs}
	for _, r := range h.Risks {
		row := TimelineRow{Label: r.RiskID}
		if r.IdentifiedSHA != "" {
			row.Events = append(row.Events, TimelineEvent{At: utc(r.IdentifiedDate), Date: day(r.IdentifiedDate), Kind: "identified", Text: "identified", SHA: r.IdentifiedSHA, OK: true})
		}
		for _, a := range r.Arcs {
			row.Events = append(row.Events, TimelineEvent{At: utc(dates[a.ToSHA]), Date: day(dates[a.ToSHA]), Kind: strings.ToLower(a.Kind),
				Text: fmt.Sprintf("%s %s: %s → %s", strings.ToLower(a.Kind), a.ControlID, a.FromVerdict, a.ToVerdict), SHA: a.ToSHA, OK: a.ToVerdict == "PASS"})
		}
		rows = append(rows, row)
	}
	return append(rows, acts(h.Lifecycle))
}

func acts(lc attest.Lifecycle) TimelineRow {
	row := TimelineRow{Label: "lifecycle"}
	for _, e := range lc.Events {
		text := fmt.Sprintf("%s by %s", e.Act, e.By)
		switch {
		case e.Ignored != "":
			text += " (ignored: " + e.Ignored + ")"
		case !e.Verified && e.Unverified != "":
			text += " (UNVERIFIED: " + e.Unverified + ")"
		case e.Verified:
			text += " (signed " + short(e.KeyID) + ")"
		}
		row.Events = append(row.Events, TimelineEvent{At: e.Date.UTC().Format(time.RFC3339), Date: e.Date.UTC().Format("2006-01-02"), Kind: string(e.Act), Text: text, SHA: e.SHA, OK: e.Verified && e.Ignored == ""})
	}
	if lc.ReviewDue != nil {
		row.Events = append(row.Events, TimelineEvent{At: lc.ReviewDue.UTC().Format(time.RFC3339), Date: lc.ReviewDue.UTC().Format("2006-01-02"), Kind: "review-due", Text: "periodic review due", Due: true})
	}
	return row
}

// utc is an RFC 3339 time in UTC, so that strings sort as times.
func utc(s string) string {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC().Format(time.RFC3339)
	}
	return s
}

// day is an RFC 3339 time's date, or the string itself when it is not one.
func day(s string) string {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC().Format("2006-01-02")
	}
	return s
}

// Timeline geometry.
const (
	tlLeft  = 190
	tlRow   = 40
	tlStep  = 70
	tlTop   = 30
	tlRight = 40
)

// column is one point in time of the axis: a commit, or a time with no
// commit (a review due). Events of the same commit share it across lanes.
type column struct{ at, key, date, sha string }

func columns(rows []TimelineRow) (map[string]int, []column) {
	var cols []column
	seen := map[string]bool{}
	for _, r := range rows {
		for _, e := range r.Events {
			if k := colKey(e); !seen[k] {
				seen[k] = true
				cols = append(cols, column{at: e.At, key: k, date: e.Date, sha: e.SHA})
			}
		}
	}
	sort.SliceStable(cols, func(i, j int) bool {
		if cols[i].at != cols[j].at {
			return cols[i].at < cols[j].at
		}
		return cols[i].key < cols[j].key
	})
	index := make(map[string]int, len(cols))
	for i, c := range cols {
		index[c.key] = i
	}
	return index, cols
}

func colKey(e TimelineEvent) string {
	if e.SHA != "" {
		return e.SHA
	}
	return "at:" + e.At
}

// TimelineSVG draws the lanes on one axis: a column per commit or time,
// in time order, evenly spaced so that a day with many runs stays readable.
func TimelineSVG(rows []TimelineRow) string {
	index, cols := columns(rows)
	w, h := tlLeft+tlStep*max(len(cols), 1)+tlRight, tlTop+tlRow*len(rows)+10
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" id="timeline" role="img" viewBox="0 0 %d %d" width="%d" height="%d" font-family="sans-serif" font-size="11">`, w, h, w, h)
	b.WriteString(`<title>Treatment history: runs of record, each risk's verdict changes, the lifecycle acts</title>`)
	for i, c := range cols {
		x := tlLeft + i*tlStep + tlStep/2
		fmt.Fprintf(&b, `<text class="date" x="%d" y="%d" text-anchor="middle">%s</text>`, x, tlTop-16, text(c.date))
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="8" fill="#666">%s</text>`, x, tlTop-6, text(shortest(c.sha)))
	}
	for i, r := range rows {
		y := tlTop + i*tlRow + tlRow/2
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`, tlLeft-10, y+4, text(clip(r.Label, 30)))
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#bbb"/>`, tlLeft, y, w-tlRight/2, y)
		for _, e := range r.Events {
			point(&b, e, tlLeft+index[colKey(e)]*tlStep+tlStep/2, y)
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}

func shortest(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

func point(b *strings.Builder, e TimelineEvent, x, y int) {
	fill := "#b2182b"
	switch {
	case e.Due:
		fill = "#fff"
	case e.OK:
		fill = "#1b7837"
	}
	fmt.Fprintf(b, `<circle class="event %s" cx="%d" cy="%d" r="6" fill="%s" stroke="#333"><title>%s %s %s</title></circle>`,
		attr(e.Kind), x, y, fill, text(e.Date), text(e.Text), text(short(e.SHA)))
}
