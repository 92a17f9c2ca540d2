// Package rules is the risk model: the likelihood × impact matrix, appetite
// and residual evaluation, constraint evaluation against a metrics file, the
// gate, OSCAL compile and read-back, and the advisory reports (assess, impact,
// conformance). It imports only manifest; everything it returns is data with
// a deterministic order, so that reports and evidence are byte-stable.
package rules

import (
	"fmt"

	"seigarrena.dev/sei/manifest"
)

// Scale is a likelihood × impact matrix: each factor has a score, the level is
// the band holding their product. It is data, not code, so that a later scale
// is a new table with a new id ("5x5@2"), never an edit of this one.
type Scale struct {
	ID         string
	Likelihood map[manifest.Likelihood]int
	Impact     map[manifest.Impact]int
	Bands      []Band // ascending, covering 1..25
}

// Band maps scores Min..Max to a level.
type Band struct {
	Level    manifest.Level
	Min, Max int
}

// Scale5x5 reproduces every cell the original engine produced: impact LOW=2
// (not 1) is what makes LIKELY × MEDIUM = 12 = HIGH, and LOW reaching 6 is
// what makes UNLIKELY × MEDIUM = LOW (reference/compliance.md §1.3).
var Scale5x5 = &Scale{
	ID: "5x5",
	Likelihood: map[manifest.Likelihood]int{
		"RARE": 1, "UNLIKELY": 2, "POSSIBLE": 3, "LIKELY": 4, "ALMOST_CERTAIN": 5,
	},
	Impact: map[manifest.Impact]int{
		"NEGLIGIBLE": 1, "LOW": 2, "MEDIUM": 3, "HIGH": 4, "CRITICAL": 5,
	},
	Bands: []Band{
		{"LOW", 1, 6}, {"MEDIUM", 7, 9}, {"HIGH", 10, 19}, {"CRITICAL", 20, 25},
	},
}

// ScaleFor returns the scale named by risk.criteria.scale ("" means 5x5).
func ScaleFor(id string) (*Scale, error) {
	if id == "" || id == Scale5x5.ID {
		return Scale5x5, nil
	}
	return nil, fmt.Errorf("risk scale %q is not implemented", id)
}

// Cell is one rated cell of the matrix.
type Cell struct {
	Likelihood manifest.Likelihood
	Impact     manifest.Impact
	L, I       int
	Score      int
	Level      manifest.Level
}

// String prints the cell the way reports show it: LIKELY(4) × HIGH(4) = 16 → HIGH.
func (c Cell) String() string {
	return fmt.Sprintf("%s(%d) × %s(%d) = %d → %s", c.Likelihood, c.L, c.Impact, c.I, c.Score, c.Level)
}

// Rate places a likelihood and an impact on the scale.
func (s *Scale) Rate(l manifest.Likelihood, i manifest.Impact) Cell {
	c := Cell{Likelihood: l, Impact: i, L: s.Likelihood[l], I: s.Impact[i]}
	c.Score = c.L * c.I
	for _, b := range s.Bands {
		if c.Score >= b.Min && c.Score <= b.Max {
			c.Level = b.Level
		}
	}
	return c
}

// rank orders levels: LOW 0 .. CRITICAL 3, and -1 for none.
func rank(l manifest.Level) int { return manifest.Rank(manifest.Levels, l) }

// Within reports whether level is within appetite (rank(level) ≤ rank(appetite)).
func Within(level, appetite manifest.Level) bool { return rank(level) <= rank(appetite) }

// maxLevel returns the higher of two levels ("" counts as lowest).
func maxLevel(a, b manifest.Level) manifest.Level {
	if rank(b) > rank(a) {
		return b
	}
	return a
}

// evalWord is the evidence's word for a comparison with the appetite.
func evalWord(within bool) string {
	if within {
		return "within"
	}
	return "exceeds"
}
