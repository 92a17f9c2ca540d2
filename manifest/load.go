package manifest

import (
	"fmt"
	"gopkg.in/yaml.v3"
	"reflect"

	"seigarrena.dev/sei/confine"
)

// FileName is the manifest's name at the repository root.
const FileName = "sei.yaml"

// Load reads and validates the manifest at path. The name used in messages is
// name (usually "sei.yaml"), so that errors read the same on every machine.
func Load(path, name string) (*Manifest, error) {
	data, err := readRegular(path)
	if err != nil {
		return nil, fmt.Errorf("reading manifest: %w", err)
	}
	return Parse(name, data)
}

// maxManifest bounds a manifest's size: the largest real one is a few
// hundred lines; 64 MiB holds a 100k-stage pipeline.
const maxManifest = 64 << 20

// readRegular reads sei.yaml as confine.ReadRegular does: a FIFO or a
// device is an error, never a hang.
func readRegular(path string) ([]byte, error) { return confine.ReadRegular(path, maxManifest) }

// Parse decodes and validates a manifest. On failure the error is an
// ErrorList with every finding, in file order.
func Parse(file string, data []byte) (*Manifest, error) {
	doc, err := parseDocument(file, data)
	if err != nil {
		return nil, err
	}
	// One position per value and per key: sized up front, the map never
	// grows (its growth was a quarter of decoding 10k stages).
	m := &Manifest{File: file, pos: make(positions, countNodes(doc))}
	d := &decoder{file: file, pos: m.pos}
	d.value(doc.Content[0], reflect.ValueOf(m).Elem(), "")
	if len(d.errs) > 0 {
		d.errs.sort()
		return nil, d.errs
	}
	if errs := m.validate(); len(errs) > 0 {
		errs.sort()
		return nil, errs
	}
	m.Warnings.sort()
	return m, nil
}

// countNodes is the number of nodes under n, n included.
func countNodes(n *yaml.Node) int {
	c := 1
	for _, k := range n.Content {
		c += countNodes(k)
	}
	return c
}

// PlanPath is where the compiled assessment plan lives.
func (m *Manifest) PlanPath() string {
	if m.OSCAL != nil {
		return m.OSCAL.AssessmentPlan
	}
	return DefaultPlanPath
}

// Dimension names one impact dimension.
type Dimension string

// Dimensions in the order every report uses.
var Dimensions = []Dimension{"individual", "society", "organization"}

// Get returns the impact on d, or "" when d does not apply.
func (i Impacts) Get(d Dimension) Impact {
	switch d {
	case "individual":
		return i.Individual
	case "society":
		return i.Society
	case "organization":
		return i.Organization
	}
	return ""
}

// Get returns the appetite for d, or "" when none is declared.
func (a Appetite) Get(d Dimension) Level {
	switch d {
	case "individual":
		return a.Individual
	case "society":
		return a.Society
	case "organization":
		return a.Organization
	}
	return ""
}

// Measures lists every measure of the programme in declaration order, with
// the risk it belongs to.
func (m *Manifest) Measures() []RiskMeasure {
	var out []RiskMeasure
	for ri := range m.Risk.Risks {
		r := &m.Risk.Risks[ri]
		for ti := range r.Treat {
			for mi := range r.Treat[ti].Measures {
				out = append(out, RiskMeasure{Risk: r, Treatment: &r.Treat[ti], Measure: &r.Treat[ti].Measures[mi],
					Path: fmt.Sprintf("risk.risks[%d].treat[%d].measures[%d]", ri, ti, mi)})
			}
		}
	}
	return out
}

// RiskMeasure is a measure with its place in the programme.
type RiskMeasure struct {
	Risk      *RiskEntry
	Treatment *Treatment
	Measure   *Measure
	Path      string
}

// Automated reports whether the measure is computed from the metrics file.
func (ms *Measure) Automated() bool { return ms.Evaluation != "manual" }

// ExAnte reports whether the measure belongs in the pre-market assessment
// plan: automated, not post-market only (monitor enforcement or the
// monitoring/production lifecycle), as the original engine selects them.
func (ms *Measure) ExAnte() bool {
	if !ms.Automated() || ms.Enforcement == "monitor" {
		return false
	}
	for _, l := range ms.Lifecycle {
		if l == "monitoring" || l == "production" {
			return false
		}
	}
	return true
}
