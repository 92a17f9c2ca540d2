package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"sync"
)

//go:embed report.html.tmpl
var htmlSource string

// htmlTemplate is parsed on first use: a command that renders no report
// pays nothing at start-up.
var htmlTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("report").Funcs(template.FuncMap{
		"inc":   func(i int) int { return i + 1 },
		"short": short,
		"join":  strings.Join,
	}).Parse(htmlSource))
})

// htmlView is the document with its pictures drawn. The SVG strings are
// marked safe because this package wrote them, escaping every string that
// came from the input (text, attr).
type htmlView struct {
	D                            *Document
	Matrix, Timeline, Graph      template.HTML
	GraphNote                    string
	Controls                     []controlView
	Mandatory, Optional, Outside []Gap
}

type controlView struct {
	C         Control
	Threshold string
	Bar       template.HTML
}

// WriteHTML writes the report as one self-contained HTML page: inline CSS
// and SVG, no script, no font, no request to the network.
func (d *Document) WriteHTML(w io.Writer) error {
	v := htmlView{D: d, Matrix: template.HTML(d.Matrix.SVG())}
	if len(d.Timeline) > 0 {
		v.Timeline = template.HTML(TimelineSVG(d.Timeline))
	}
	g, note := GraphSVG(d.Graph)
	v.Graph, v.GraphNote = template.HTML(g), note
	for _, c := range d.Controls {
		v.Controls = append(v.Controls, controlView{C: c, Threshold: fmtNum(c.Threshold), Bar: template.HTML(c.BarSVG())})
	}
	v.Mandatory, v.Optional, v.Outside = d.Gaps()
	if err := htmlTemplate().Execute(w, v); err != nil {
		return fmt.Errorf("report: rendering HTML: %w", err)
	}
	return nil
}
