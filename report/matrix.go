package report

import (
	"fmt"
	"strings"

	"seigarrena.dev/sei/manifest"
	"seigarrena.dev/sei/rules"
)

// Matrix is the 5×5 likelihood × impact matrix with every risk placed at
// its inherent cell and, when a residual is declared, its residual cell.
// Cells are coloured against the strictest appetite declared; each risk's
// marker against its own driving dimension's appetite.
type Matrix struct {
	Appetite manifest.Level
	Cells    [5][5]manifest.Level // [likelihood][impact], both ascending
	Risks    []Placement
	// Signed: placed from the verified bundle's analysis; else from the
	// manifest (no verified run).
	Signed bool
}

// Placement is one risk on the matrix (indices 0..4, ascending).
type Placement struct {
	Risk                     string
	L, I                     int
	RL                       int // residual likelihood; -1 when none declared
	Within, ResidualWithin   bool
	Level, ResidualLevel     manifest.Level
	DriverAppetite           manifest.Level
	DriverImpact, Likelihood string
}

func buildMatrix(in *Input) Matrix {
	mx := Matrix{Appetite: strictest(in.Manifest.Risk.Appetite)}
	sc := rules.Scale5x5
	for li, l := range manifest.Likelihoods {
		for ii, i := range manifest.ImpactValues {
			mx.Cells[li][ii] = sc.Rate(l, i).Level
		}
	}
	if b := in.Evidence.Bundle; b != nil {
		mx.Signed = true
		for _, r := range b.RiskAnalysis {
			mx.Risks = append(mx.Risks, place(r.RiskID, r.Likelihood, r.ResidualLikelihood, r.Dimensions))
		}
		return mx
	}
	if a, err := rules.Analyze(in.Manifest); err == nil {
		for _, r := range a.Risks {
			mx.Risks = append(mx.Risks, place(r.RiskID, string(r.Likelihood), string(r.ResidualLikelihood), r.Dimensions))
		}
	}
	return mx
}

// strictest is the lowest appetite declared ("" when none is).
func strictest(a manifest.Appetite) manifest.Level {
	var out manifest.Level
	for _, l := range []manifest.Level{a.Individual, a.Society, a.Organization} {
		if l != "" && (out == "" || !rules.Within(out, l)) {
			out = l
		}
	}
	return out
}

// place puts a risk at the cell of its driving dimension: the one with the
// highest inherent score (the first on a tie, in report order).
func place(id, likelihood, residual string, dims []rules.DimensionAnalysis) Placement {
	sc := rules.Scale5x5
	p := Placement{Risk: id, L: index(manifest.Likelihoods, manifest.Likelihood(likelihood)), RL: -1, Likelihood: likelihood}
	best := -1
	for _, d := range dims {
		score := sc.Rate(manifest.Likelihood(likelihood), d.Impact).Score
		if score > best {
			best = score
			p.I = index(manifest.ImpactValues, d.Impact)
			p.Within, p.Level, p.DriverAppetite, p.DriverImpact = d.InherentEval == "within", d.InherentLevel, d.Appetite, string(d.Impact)
			p.ResidualWithin, p.ResidualLevel = d.ResidualEval == "within", d.ResidualLevel
		}
	}
	if residual != "" {
		p.RL = index(manifest.Likelihoods, manifest.Likelihood(residual))
	}
	if p.L < 0 || p.I < 0 {
		p.L, p.I, p.RL = 0, 0, -1 // an unknown value (a foreign bundle): drawn at the origin, said in the legend
	}
	return p
}

func index[T comparable](vs []T, v T) int {
	for i, x := range vs {
		if x == v {
			return i
		}
	}
	return -1
}

// Matrix geometry, in SVG user units.
const (
	cellSize   = 64
	mxLeft     = 118
	mxTop      = 12
	mxBottom   = 70
	markerSize = 11
)

// cellColour colours a cell's level against the appetite: greens within,
// oranges to red beyond.
func cellColour(level, appetite manifest.Level) string {
	if appetite == "" || rules.Within(level, appetite) {
		return map[manifest.Level]string{"LOW": "#dcefd5", "MEDIUM": "#b9e0ab", "HIGH": "#95cf85", "CRITICAL": "#72bd62"}[level]
	}
	return map[manifest.Level]string{"MEDIUM": "#fde0b8", "HIGH": "#f9a86a", "CRITICAL": "#e2543c"}[level]
}

// SVG draws the matrix. Markers are numbered in the order of Risks.
func (mx Matrix) SVG() string {
	var b strings.Builder
	w, h := mxLeft+5*cellSize+10, mxTop+5*cellSize+mxBottom
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" id="risk-matrix" role="img" viewBox="0 0 %d %d" width="%d" height="%d" font-family="sans-serif" font-size="11">`, w, h, w, h)
	b.WriteString(`<title>5×5 risk matrix: each risk at its inherent cell, an arrow to its residual cell</title>`)
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#222"/></marker></defs>`)
	for li := 0; li < 5; li++ {
		y := mxTop + (4-li)*cellSize
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`, mxLeft-6, y+cellSize/2+4, manifest.Likelihoods[li])
		for ii := 0; ii < 5; ii++ {
			lv := mx.Cells[li][ii]
			fmt.Fprintf(&b, `<rect class="cell" data-level="%s" x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="#fff" stroke-width="2"/>`,
				lv, mxLeft+ii*cellSize, y, cellSize, cellSize, cellColour(lv, mx.Appetite))
		}
	}
	for ii, imp := range manifest.ImpactValues {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">%s</text>`, mxLeft+ii*cellSize+cellSize/2, mxTop+5*cellSize+16, imp)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-weight="bold">impact (driving dimension)</text>`, mxLeft+5*cellSize/2, mxTop+5*cellSize+36)
	mx.drawRisks(&b)
	b.WriteString(`</svg>`)
	return b.String()
}

// drawRisks draws each risk's arrow, then its markers, spreading risks
// that share a cell over four slots.
func (mx Matrix) drawRisks(b *strings.Builder) {
	slots := map[[2]int]int{}
	pos := func(l, i int) (int, int) {
		k := [2]int{l, i}
		s := slots[k]
		slots[k]++
		dx, dy := (s%2)*26-13, (s/2%2)*26-13
		return mxLeft + i*cellSize + cellSize/2 + dx, mxTop + (4-l)*cellSize + cellSize/2 + dy
	}
	for n, p := range mx.Risks {
		x, y := pos(p.L, p.I)
		if p.RL >= 0 && p.RL != p.L {
			rx, ry := pos(p.RL, p.I)
			fmt.Fprintf(b, `<line class="treatment" x1="%d" y1="%d" x2="%d" y2="%d" stroke="#222" stroke-width="1.5" marker-end="url(#arrow)"/>`, x, y, rx, ry+sign(y-ry)*markerSize)
			marker(b, "residual", n+1, rx, ry, p.Risk, p.ResidualWithin)
		}
		marker(b, "inherent", n+1, x, y, p.Risk, p.Within)
	}
}

func sign(v int) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

func marker(b *strings.Builder, kind string, n, x, y int, risk string, within bool) {
	fill := "#b2182b"
	if within {
		fill = "#1b7837"
	}
	dash := ""
	if kind == "residual" {
		dash = ` stroke-dasharray="3 2"`
	}
	fmt.Fprintf(b, `<g class="risk %s" data-risk="%s"><circle cx="%d" cy="%d" r="%d" fill="%s" stroke="#fff" stroke-width="1.5"%s/><text x="%d" y="%d" text-anchor="middle" fill="#fff" font-weight="bold">%d</text></g>`,
		kind, attr(risk), x, y, markerSize, fill, dash, x, y+4, n)
}
