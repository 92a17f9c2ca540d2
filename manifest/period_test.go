package manifest

import (
	"testing"
	"time"
)

func TestParsePeriod(t *testing.T) {
	for in, want := range map[string]Period{
		"P6M": {Months: 6}, "P1Y": {Years: 1}, "P90D": {Days: 90}, "P2W": {Days: 14}, "P1Y6M": {Years: 1, Months: 6},
		"P1Y2M3W4D": {Years: 1, Months: 2, Days: 25},
	} {
		got, err := ParsePeriod(in)
		if err != nil || got != want {
			t.Errorf("ParsePeriod(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "P", "6M", "P0M", "PT6H", "P1DT2H", "P6X", "P1.5Y", "P-1M", "P6M1Y", "p6m", "P6M ", "P1D1D"} {
		if p, err := ParsePeriod(in); err == nil {
			t.Errorf("ParsePeriod(%q) = %+v, want an error", in, p)
		}
	}
}

func TestPeriodAddToClampsMonthEnd(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		p        string
		from, to time.Time
	}{
		{"P6M", day(2025, 8, 31), day(2026, 2, 28)},
		{"P1Y", day(2024, 2, 29), day(2025, 2, 28)},
		{"P6M", day(2025, 1, 15), day(2025, 7, 15)},
		{"P90D", day(2025, 1, 1), day(2025, 4, 1)},
		{"P2W", day(2025, 12, 25), day(2026, 1, 8)},
		{"P1Y6M", day(2025, 8, 31), day(2027, 2, 28)},
		{"P13M", day(2025, 1, 31), day(2026, 2, 28)},
	} {
		p, err := ParsePeriod(tc.p)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.AddTo(tc.from); !got.Equal(tc.to) {
			t.Errorf("%s + %s = %s, want %s", tc.from.Format(time.DateOnly), tc.p, got.Format(time.DateOnly), tc.to.Format(time.DateOnly))
		}
	}
}

func TestOSCALFrequency(t *testing.T) {
	for in, want := range map[string]struct {
		n    int
		unit string
		ok   bool
	}{"P6M": {6, "months", true}, "P1Y": {1, "years", true}, "P2W": {14, "days", true}, "P1Y6M": {18, "months", true}, "P1M2D": {0, "", false}} {
		p, _ := ParsePeriod(in)
		n, unit, ok := p.OSCALFrequency()
		if n != want.n || unit != want.unit || ok != want.ok {
			t.Errorf("%s → %d %s %v", in, n, unit, ok)
		}
	}
}
