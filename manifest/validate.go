package manifest

import (
	"fmt"
	"path"
	"regexp"
	"seigarrena.dev/sei/confine"
	"strings"
	"time"
)

// validate runs the cross-checks that the decoder cannot: formats, ids,
// references between sections and paths. Every finding carries the position
// of the value it is about.
func (m *Manifest) validate() ErrorList {
	var errs ErrorList
	m.checkHeader(&errs)
	m.checkSystem(&errs)
	m.checkContext(&errs)
	m.checkPaths(&errs)
	m.checkStages(&errs)
	m.checkRiskProgramme(&errs)
	m.checkMeasures(&errs)
	m.checkApplicability(&errs)
	return errs
}

func (m *Manifest) checkHeader(errs *ErrorList) {
	switch m.APIVersion {
	case APIVersion:
	case LegacyAPIVersion:
		m.warnAt("apiVersion", "%s is the original engine's earlier name; read as %s (rename it to silence this warning)", LegacyAPIVersion, APIVersion)
	default:
		m.errAt(errs, "apiVersion", "unsupported apiVersion %q; want %s", m.APIVersion, APIVersion)
	}
	if m.Kind != Kind {
		m.errAt(errs, "kind", "unsupported kind %q; want %s", m.Kind, Kind)
	}
}

func (m *Manifest) checkSystem(errs *ErrorList) {
	s := &m.System
	if !nameRE.MatchString(s.Name) {
		m.errAt(errs, "system.name", "%q is not a system name: use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit", s.Name)
	}
	if strings.TrimSpace(s.IntendedPurpose) == "" {
		m.errAt(errs, "system.intended_purpose", "the intended purpose may not be empty (AI Act Art. 13(3)(b))")
	}
	m.checkList(errs, "system.decisions", s.Decisions)
	m.checkList(errs, "system.affected_persons", s.AffectedPersons)
	risks := map[string]bool{}
	for _, r := range m.Risk.Risks {
		risks[r.ID] = true
	}
	seen := map[string]string{}
	for i, mu := range s.PotentialMisuses {
		p := fmt.Sprintf("system.potential_misuses[%d]", i)
		m.checkID(errs, p+".id", mu.ID, seen)
		if strings.TrimSpace(mu.Description) == "" {
			m.errAt(errs, p+".description", "the description may not be empty")
		}
		for j, rid := range mu.AddressedBy {
			if !risks[rid] {
				// A warning, not an error: the specification's own example
				// manifest names a risk it does not declare. sei impact and
				// sei conformance report it as a GAP.
				m.warnAt(fmt.Sprintf("%s.addressed_by[%d]", p, j), "no risk %q in risk.risks%s; the misuse counts as unaddressed", rid, suggest(rid, m.riskIDs()))
			}
		}
	}
	for i, r := range m.Roles {
		if r.Since != "" {
			if _, err := time.Parse("2006-01-02", r.Since); err != nil {
				m.errAt(errs, fmt.Sprintf("roles[%d].since", i), "%q is not a date (want YYYY-MM-DD)", r.Since)
			}
		}
	}
}

func (m *Manifest) riskIDs() []string {
	ids := make([]string, len(m.Risk.Risks))
	for i, r := range m.Risk.Risks {
		ids[i] = r.ID
	}
	return ids
}

// checkList rejects blank and repeated entries of a list of names.
func (m *Manifest) checkList(errs *ErrorList, path string, list []string) {
	seen := map[string]bool{}
	for i, v := range list {
		p := fmt.Sprintf("%s[%d]", path, i)
		switch {
		case strings.TrimSpace(v) == "":
			m.errAt(errs, p, "empty entry")
		case seen[v]:
			m.errAt(errs, p, "%q is listed twice", v)
		}
		seen[v] = true
	}
}

// checkID checks an id's form and uniqueness within seen (id → path of first use).
func (m *Manifest) checkID(errs *ErrorList, path, id string, seen map[string]string) {
	if !idRE.MatchString(id) {
		m.errAt(errs, path, "%q is not an id: use letters, digits, '.', '_' and '-', starting with a letter or digit", id)
		return
	}
	if first, dup := seen[id]; dup {
		m.errAt(errs, path, "id %q is already used at %s (line %d)", id, first, m.At(first).Line)
		return
	}
	seen[id] = path
}

func (m *Manifest) checkContext(errs *ErrorList) {
	seen := map[string]bool{}
	for i, s := range m.Context.ApplicableStandards {
		p := fmt.Sprintf("context.applicable_standards[%d]", i)
		if _, err := ParseStandardID(s); err != nil {
			m.errAt(errs, p, "%v", err)
		} else if seen[s] {
			m.errAt(errs, p, "%q is listed twice", s)
		}
		seen[s] = true
	}
}

func (m *Manifest) checkPaths(errs *ErrorList) {
	check := func(path, value string) {
		if err := checkRelPath(value); err != nil {
			m.errAt(errs, path, "%v", err)
		}
	}
	if m.Dataset != nil {
		check("dataset.croissant", m.Dataset.Croissant)
		m.checkTables(errs)
		for i, p := range m.Dataset.Paths {
			at := fmt.Sprintf("dataset.paths[%d]", i)
			if err := checkRelPath(strings.TrimSuffix(p, "/**")); err != nil {
				m.errAt(errs, at, "%v", err)
			} else if _, err := path.Match(p, ""); err != nil {
				m.errAt(errs, at, "%q is not a valid glob: %v", p, err)
			}
		}
	}
	if m.Eval != nil {
		check("eval.script", m.Eval.Script)
	}
	if p := m.Pipeline; p != nil {
		check("pipeline.metrics", p.Metrics)
		if p.Params != "" {
			check("pipeline.params", p.Params)
		}
	}
	if m.OSCAL != nil {
		if err := confine.Writable(m.OSCAL.AssessmentPlan); err != nil {
			m.errAt(errs, "oscal.assessment_plan", "%v", err)
		}
	}
	if a := m.Artifacts; a != nil && a.Model != nil && a.Model.Seed != nil && *a.Model.Seed < 0 {
		m.errAt(errs, "artifacts.model.seed", "the seed may not be negative")
	}
}

func (m *Manifest) checkRiskProgramme(errs *ErrorList) {
	r := &m.Risk
	if r.Criteria.Scale != "" && r.Criteria.Scale != "5x5" {
		m.errAt(errs, "risk.criteria.scale", "scale %q is not implemented; v1alpha1 knows only \"5x5\"", r.Criteria.Scale)
	}
	if r.ReviewInterval != "" {
		if _, err := ParsePeriod(r.ReviewInterval); err != nil {
			m.errAt(errs, "risk.review_interval", "%v", err)
		}
	}
	seen := map[string]string{}
	for i := range r.Risks {
		m.checkRisk(errs, i, seen)
	}
}

func (m *Manifest) checkRisk(errs *ErrorList, i int, seen map[string]string) {
	r := &m.Risk.Risks[i]
	p := fmt.Sprintf("risk.risks[%d]", i)
	m.checkID(errs, p+".id", r.ID, seen)
	if strings.TrimSpace(r.Title) == "" {
		m.errAt(errs, p+".title", "the title may not be empty")
	}
	used := 0
	for _, d := range Dimensions {
		if r.Impact.Get(d) == "" {
			continue
		}
		used++
		if m.Risk.Appetite.Get(d) == "" {
			m.errAt(errs, fmt.Sprintf("%s.impact.%s", p, d), "dimension %s has an impact but risk.appetite.%s is not declared", d, d)
		}
	}
	if used == 0 {
		m.errAt(errs, p+".impact", "give the impact on at least one dimension (individual, society, organization)")
	}
	for j := range r.Treat {
		m.checkTreatment(errs, r, fmt.Sprintf("%s.treat[%d]", p, j), &r.Treat[j])
	}
}

func (m *Manifest) checkTreatment(errs *ErrorList, r *RiskEntry, p string, t *Treatment) {
	if t.Method == "ACCEPT" && strings.TrimSpace(t.Rationale) == "" {
		m.errAt(errs, p+".rationale", "an ACCEPT treatment needs a rationale that says why the risk is retained")
	}
	if t.Method != "ACCEPT" && strings.TrimSpace(t.Action) == "" {
		m.errAt(errs, p+".action", "a %s treatment needs an action", t.Method)
	}
	for k, c := range t.Controls {
		if _, err := ParseControlID(c); err != nil {
			m.errAt(errs, fmt.Sprintf("%s.controls[%d]", p, k), "%v", err)
		}
	}
	if t.ResidualLikelihood != "" && Rank(Likelihoods, t.ResidualLikelihood) > Rank(Likelihoods, r.Likelihood) {
		m.warnAt(p+".residual_likelihood", "residual likelihood %s is higher than the inherent %s", t.ResidualLikelihood, r.Likelihood)
	}
	if ri := t.ResidualImpact; ri != nil {
		for _, d := range Dimensions {
			if ri.Get(d) != "" && r.Impact.Get(d) == "" {
				m.errAt(errs, fmt.Sprintf("%s.residual_impact.%s", p, d), "the risk has no inherent impact on %s", d)
			}
		}
	}
}

var articleRE = regexp.MustCompile(`^(?:[0-9]+[a-z]?|ext)$`)

func (m *Manifest) checkMeasures(errs *ErrorList) {
	seen := map[string]string{}
	for _, rm := range m.Measures() {
		ms, p := rm.Measure, rm.Path
		m.checkID(errs, p+".id", ms.ID, seen)
		if strings.TrimSpace(ms.Metric) == "" {
			m.errAt(errs, p+".metric", "the metric may not be empty")
		}
		if _, err := ParseConstraint(ms.Constraint); err != nil {
			m.errAt(errs, p+".constraint", "%v", err)
		}
		if ms.Article != "" && !articleRE.MatchString(ms.Article) {
			m.errAt(errs, p+".article", "%q is not an AI Act article number (e.g. \"15\", \"10\" or \"ext\")", ms.Article)
		}
		for k, c := range ms.Frameworks {
			if _, err := ParseControlID(c); err != nil {
				m.errAt(errs, fmt.Sprintf("%s.frameworks[%d]", p, k), "%v", err)
			}
		}
		for k, c := range ms.StandardClauses {
			if _, err := ParseControlID(c); err != nil {
				m.errAt(errs, fmt.Sprintf("%s.standard_clauses[%d]", p, k), "%v", err)
			}
		}
		if ms.Frequency != "" {
			if _, err := ParsePeriod(ms.Frequency); err != nil {
				m.errAt(errs, p+".frequency", "%v", err)
			}
		}
	}
}

func (m *Manifest) checkApplicability(errs *ErrorList) {
	for id, a := range m.Risk.Applicability {
		p := join("risk.applicability", id)
		if _, err := ParseControlID(id); err != nil {
			m.errAt(errs, p+keySuffix, "%v", err)
			continue
		}
		if !a.Applicable && strings.TrimSpace(a.Reason) == "" {
			m.errAt(errs, p, "an excluded control needs a reason (Statement of Applicability)")
		}
	}
}

// checkTables validates dataset.tables: unique names, a known format and
// the fields it needs, paths inside the repository.
func (m *Manifest) checkTables(errs *ErrorList) {
	names := map[string]string{}
	for i, t := range m.Dataset.Tables {
		at := fmt.Sprintf("dataset.tables[%d]", i)
		m.checkID(errs, at+".name", t.Name, names)
		switch t.Format {
		case "iceberg":
			if t.Catalog == "" {
				m.errAt(errs, at, "an iceberg table needs catalog: the SQL catalog file")
			} else if err := checkRelPath(t.Catalog); err != nil {
				m.errAt(errs, at+".catalog", "%v", err)
			}
			if i := strings.LastIndex(t.Table, "."); i <= 0 || i == len(t.Table)-1 {
				m.errAt(errs, at, "an iceberg table needs table: namespace.name, got %q", t.Table)
			}
			if t.Path != "" {
				m.errAt(errs, at+".path", "path is for delta tables; an iceberg table is found through its catalog")
			}
		case "delta":
			if t.Path == "" {
				m.errAt(errs, at, "a delta table needs path: its directory")
			} else if err := checkRelPath(t.Path); err != nil {
				m.errAt(errs, at+".path", "%v", err)
			}
			if t.Catalog != "" || t.Table != "" {
				m.errAt(errs, at, "catalog and table are for iceberg tables; a delta table is its directory")
			}
		default:
			m.errAt(errs, at+".format", "format %q: want iceberg or delta", t.Format)
		}
	}
}
