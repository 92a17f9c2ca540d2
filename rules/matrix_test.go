package rules

import (
	"testing"

	"seigarrena.dev/sei/manifest"
)

// TestScale5x5Grid pins every cell of the grid in reference/compliance.md §1.3.
func TestScale5x5Grid(t *testing.T) {
	want := map[manifest.Likelihood][5]string{
		"RARE":           {"LOW", "LOW", "LOW", "LOW", "LOW"},
		"UNLIKELY":       {"LOW", "LOW", "LOW", "MEDIUM", "HIGH"},
		"POSSIBLE":       {"LOW", "LOW", "MEDIUM", "HIGH", "HIGH"},
		"LIKELY":         {"LOW", "MEDIUM", "HIGH", "HIGH", "CRITICAL"},
		"ALMOST_CERTAIN": {"LOW", "HIGH", "HIGH", "CRITICAL", "CRITICAL"},
	}
	for l, row := range want {
		for i, imp := range manifest.ImpactValues {
			c := Scale5x5.Rate(l, imp)
			if string(c.Level) != row[i] {
				t.Errorf("%s × %s = %d → %s, want %s", l, imp, c.Score, c.Level, row[i])
			}
		}
	}
	if got := Scale5x5.Rate("LIKELY", "HIGH").String(); got != "LIKELY(4) × HIGH(4) = 16 → HIGH" {
		t.Errorf("cell string = %q", got)
	}
}

func TestWithin(t *testing.T) {
	for _, tc := range []struct {
		level, appetite manifest.Level
		want            bool
	}{{"LOW", "MEDIUM", true}, {"MEDIUM", "MEDIUM", true}, {"HIGH", "MEDIUM", false}, {"CRITICAL", "HIGH", false}, {"HIGH", "CRITICAL", true}} {
		if got := Within(tc.level, tc.appetite); got != tc.want {
			t.Errorf("Within(%s, %s) = %v", tc.level, tc.appetite, got)
		}
	}
}
