package rules

import (
	"bytes"
	"embed"
	"fmt"
	"sort"
	"sync"

	"gopkg.in/yaml.v3"
)

//go:embed standards/*.yaml
var standardFiles embed.FS

// Catalogue is one standard's clause catalogue (standards/<slug>.yaml).
type Catalogue struct {
	Standard struct {
		ID        string `yaml:"id"`
		Title     string `yaml:"title"`
		Short     string `yaml:"short"`
		Status    string `yaml:"status"`
		Authority string `yaml:"authority"`
		Mapping   string `yaml:"mapping"` // default clause mapping
	} `yaml:"standard"`
	Clauses []Clause `yaml:"clauses"`
}

// Clause is one clause and the checks that back it.
type Clause struct {
	ID      string `yaml:"id"`
	Title   string `yaml:"title"`
	Summary string `yaml:"summary"`
	Phase   string `yaml:"phase"`
	Scope   string `yaml:"scope"` // "entity" where sei can only record an attestation
	Checks  struct {
		AllOf []string `yaml:"all_of"`
		AnyOf []string `yaml:"any_of"`
	} `yaml:"checks"`
	Advisory bool   `yaml:"advisory"`
	Mapping  string `yaml:"mapping"` // judgement | source | third_party
}

// Phases orders report groups along the risk management cycle.
var Phases = []string{"criteria", "communication", "identification", "analysis", "evaluation", "treatment",
	"testing", "residual", "overall_residual", "data", "transparency", "oversight", "robustness", "monitor",
	"governance", "file"}

var (
	catalogueOnce sync.Once
	catalogues    map[string]*Catalogue
	catalogueErr  error
)

// Catalogues returns every embedded catalogue by standard id. The files are
// parsed strictly once; a broken file is a build defect the tests catch.
func Catalogues() (map[string]*Catalogue, error) {
	catalogueOnce.Do(func() {
		catalogues = map[string]*Catalogue{}
		entries, _ := standardFiles.ReadDir("standards")
		for _, e := range entries {
			c, err := parseCatalogue(e.Name())
			if err != nil {
				catalogueErr = err
				return
			}
			catalogues[c.Standard.ID] = c
		}
	})
	return catalogues, catalogueErr
}

func parseCatalogue(name string) (*Catalogue, error) {
	data, err := standardFiles.ReadFile("standards/" + name)
	if err != nil {
		return nil, err
	}
	var c Catalogue
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("catalogue %s: %w", name, err)
	}
	for i := range c.Clauses {
		cl := &c.Clauses[i]
		if cl.Mapping == "" {
			cl.Mapping = c.Standard.Mapping
		}
		if cl.Mapping == "" {
			cl.Mapping = "judgement"
		}
		if cl.Scope == "" {
			cl.Scope = "system"
		}
	}
	return &c, nil
}

// CatalogueIDs lists the standards that have a catalogue, sorted.
func CatalogueIDs() []string {
	cs, _ := Catalogues()
	ids := make([]string, 0, len(cs))
	for id := range cs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// StandardTitle names a standard for people: the catalogue's short title,
// or the canonical id when there is no catalogue.
func StandardTitle(id string) string {
	cs, _ := Catalogues()
	if c, ok := cs[id]; ok && c.Standard.Short != "" {
		return c.Standard.Short
	}
	return id
}
