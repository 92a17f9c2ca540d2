package report

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// text and attr escape a string for SVG and HTML text and attributes.
func text(s string) string { return html.EscapeString(s) }
func attr(s string) string { return html.EscapeString(s) }

// Bar geometry.
const (
	barW = 180
	barH = 30
	barP = 12
)

// BarSVG draws a control's value and confidence interval against its
// threshold: the interval as a bar, the value as a dot, the threshold as a
// red line. With no interval only the dot and the line are drawn; with no
// value, nothing but the line and the word MISSING.
func (c Control) BarSVG() string {
	lo, hi := c.Threshold, c.Threshold
	for _, v := range []*float64{c.Value, c.Low, c.High} {
		if v != nil && !math.IsNaN(*v) && !math.IsInf(*v, 0) {
			lo, hi = math.Min(lo, *v), math.Max(hi, *v)
		}
	}
	span := hi - lo
	if span == 0 {
		span = math.Max(math.Abs(hi), 1) * 0.1
	}
	lo, hi = lo-span*0.15, hi+span*0.15
	if math.IsInf(hi-lo, 0) || math.IsNaN(hi-lo) {
		return c.barText() // values near the float limits: no scale holds them
	}
	x := func(v float64) int { return barP + int(math.Round((v-lo)/(hi-lo)*float64(barW-2*barP))) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="ci-bar" data-control="%s" viewBox="0 0 %d %d" width="%d" height="%d" font-family="sans-serif" font-size="9">`, attr(c.ID), barW, barH, barW, barH)
	fmt.Fprintf(&b, `<line x1="%d" y1="12" x2="%d" y2="12" stroke="#ccc"/>`, barP, barW-barP)
	if c.Low != nil && c.High != nil {
		fmt.Fprintf(&b, `<rect class="interval" x="%d" y="7" width="%d" height="10" fill="#9ecae1" stroke="#3182bd"/>`, x(*c.Low), max(x(*c.High)-x(*c.Low), 1))
	}
	fmt.Fprintf(&b, `<line class="threshold" x1="%d" y1="2" x2="%d" y2="22" stroke="#c0392b" stroke-width="2"/>`, x(c.Threshold), x(c.Threshold))
	fmt.Fprintf(&b, `<text x="%d" y="29" text-anchor="middle" fill="#c0392b">%s %s</text>`, x(c.Threshold), text(c.Op()), fmtNum(c.Threshold))
	if c.Value != nil {
		fmt.Fprintf(&b, `<circle class="value" cx="%d" cy="12" r="4" fill="#08306b"/>`, x(*c.Value))
	} else {
		fmt.Fprintf(&b, `<text x="%d" y="15">MISSING</text>`, barP)
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// opSymbols print the evidence's operator names as a reader writes them.
var opSymbols = map[string]string{"lt": "<", "lte": "≤", "gt": ">", "gte": "≥", "eq": "=", "ne": "≠"}

// Op is the control's operator as a symbol (the name itself when unknown).
func (c Control) Op() string { return opSymbol(c.Operator) }

func opSymbol(op string) string {
	if s, ok := opSymbols[op]; ok {
		return s
	}
	return op
}

// barText is the bar's place when no scale can hold the values.
func (c Control) barText() string {
	return fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" class="ci-bar" data-control="%s" viewBox="0 0 %d %d" width="%d" height="%d" font-family="sans-serif" font-size="9"><text x="%d" y="15">%s %s %s</text></svg>`,
		attr(c.ID), barW, barH, barW, barH, barP, text(c.ValueText()), text(c.Op()), fmtNum(c.Threshold))
}

// fmtNum prints a number with four significant digits, the same on every
// machine (strconv's shortest form would show float noise).
func fmtNum(v float64) string { return fmt.Sprintf("%.4g", v) }

// Interval is the control's interval as text ("" when none).
func (c Control) Interval() string {
	if c.Low == nil || c.High == nil {
		return ""
	}
	s := "[" + fmtNum(*c.Low) + ", " + fmtNum(*c.High) + "]"
	if c.Level != nil {
		lv := *c.Level
		if lv <= 1 { // a fraction (0.95) or a percentage (95): metrics files write both
			lv *= 100
		}
		s = fmt.Sprintf("%s at %.4g%%", s, lv)
	}
	return s
}

// ValueText is the measured value, or MISSING.
func (c Control) ValueText() string { return num(c.Value) }

// VerdictText adds UNDERPOWERED when the interval straddles the threshold.
func (c Control) VerdictText() string {
	v := string(c.Verdict)
	if c.Underpowered {
		v += " UNDERPOWERED"
	}
	return v
}
