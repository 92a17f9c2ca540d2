package rules

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"seigarrena.dev/sei/manifest"
)

// MoCSource is one standard cited by the measures of an article.
type MoCSource struct {
	ID        string   `json:"id"`
	Authority string   `json:"authority,omitempty"`
	Clauses   []string `json:"clauses"`
}

// ArticleConformance is the means of conformance for one AI Act article:
// which measures back it, which standards they cite and how many passed in
// the last run. Presumption of conformity stays false until a harmonised
// standard is cited in the Official Journal, which none is yet.
type ArticleConformance struct {
	Article          string      `json:"article"`
	Status           string      `json:"status"` // covered, partial, gap, declared
	Sources          []MoCSource `json:"sources,omitempty"`
	HighestAuthority string      `json:"highest_authority,omitempty"`
	Presumption      bool        `json:"presumption"`
	ControlCount     int         `json:"control_count"`
	PassedCount      int         `json:"passed_count"`
}

// coreArticles are the high-risk requirements (Chapter III Section 2) and
// post-market monitoring: they are listed even with no measure, as gaps.
var coreArticles = []string{"9", "10", "11", "12", "13", "14", "15", "72"}

// authorities ranks the kinds of source, strongest last.
var authorities = []string{"de_facto", "harmonized_draft", "international"}

// authorityOf classifies a canonical standard id by its publisher. The
// regulation itself is no "means" of conformance, so it has no authority.
func authorityOf(id string) string {
	switch {
	case strings.HasPrefix(id, "iso/"):
		return "international"
	case strings.HasPrefix(id, "eu/pren-"), strings.HasPrefix(id, "cen/"):
		return "harmonized_draft"
	case strings.HasPrefix(id, "eu/"):
		return ""
	}
	return "de_facto"
}

// MeansOfConformance groups the manifest's measures by AI Act article and
// counts the automated ones that passed in g. Status: covered when every
// automated control passed, partial when some did, gap when none did or no
// measure exists, declared when only manual or post-market measures exist.
func MeansOfConformance(m *manifest.Manifest, g *GateResult) []ArticleConformance {
	passed := map[string]bool{}
	if g != nil {
		for _, r := range g.Results {
			passed[r.Control.MeasureID] = r.Verdict == Pass
		}
	}
	byArt := map[string]*ArticleConformance{}
	declared := map[string]bool{}
	srcs := map[string]map[string]*MoCSource{}
	for _, a := range coreArticles {
		byArt[a] = &ArticleConformance{Article: a}
	}
	for _, rm := range m.Measures() {
		ms := rm.Measure
		art := strings.TrimPrefix(strings.ToLower(ms.Article), "art. ")
		if art == "" {
			continue
		}
		ac := byArt[art]
		if ac == nil {
			ac = &ArticleConformance{Article: art}
			byArt[art] = ac
		}
		if ms.ExAnte() {
			ac.ControlCount++
			if passed[ms.ID] {
				ac.PassedCount++
			}
		} else {
			declared[art] = true
		}
		addSources(srcs, art, ms.StandardClauses)
	}
	out := make([]ArticleConformance, 0, len(byArt))
	for art, ac := range byArt {
		ac.Status = mocStatus(ac, declared[art])
		ac.Sources, ac.HighestAuthority = sortedSources(srcs[art])
		out = append(out, *ac)
	}
	sort.Slice(out, func(i, j int) bool { return articleLess(out[i].Article, out[j].Article) })
	return out
}

func mocStatus(ac *ArticleConformance, declared bool) string {
	switch {
	case ac.ControlCount == 0 && declared:
		return "declared"
	case ac.ControlCount == 0, ac.PassedCount == 0:
		return "gap"
	case ac.PassedCount < ac.ControlCount:
		return "partial"
	}
	return "covered"
}

func addSources(srcs map[string]map[string]*MoCSource, art string, clauses []string) {
	for _, cl := range clauses {
		std, _, _ := strings.Cut(cl, "#")
		if srcs[art] == nil {
			srcs[art] = map[string]*MoCSource{}
		}
		s := srcs[art][std]
		if s == nil {
			s = &MoCSource{ID: std, Authority: authorityOf(std)}
			srcs[art][std] = s
		}
		if !slices.Contains(s.Clauses, cl) {
			s.Clauses = append(s.Clauses, cl)
		}
	}
}

func sortedSources(m map[string]*MoCSource) ([]MoCSource, string) {
	out := make([]MoCSource, 0, len(m))
	best := -1
	for _, s := range m {
		out = append(out, *s)
		for i, a := range authorities {
			if a == s.Authority && i > best {
				best = i
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	if best < 0 {
		return out, ""
	}
	return out, authorities[best]
}

// articleLess orders articles numerically, then others ("ext") after.
func articleLess(a, b string) bool {
	na, ea := strconv.Atoi(a)
	nb, eb := strconv.Atoi(b)
	switch {
	case ea == nil && eb == nil:
		return na < nb
	case ea == nil:
		return true
	case eb == nil:
		return false
	}
	return a < b
}
