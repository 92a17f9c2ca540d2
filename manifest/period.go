package manifest

import (
	"fmt"
	"strconv"
	"time"
)

// Period is an ISO 8601 date period such as P6M, P1Y or P90D. Only the date
// part is admitted: a review cadence of hours makes no sense, and fractions
// would force the fixed-length month that makes a review fall due on the
// wrong day.
type Period struct {
	Years, Months, Days int
}

// ParsePeriod reads P[nY][nM][nW][nD]: non-negative integers, in that order,
// at least one of them non-zero.
func ParsePeriod(s string) (Period, error) {
	bad := func(why string) (Period, error) {
		return Period{}, fmt.Errorf("%q is not an ISO 8601 date period (%s); want e.g. P6M, P1Y, P2W or P90D", s, why)
	}
	if len(s) < 3 || s[0] != 'P' {
		return bad("it must start with P and give at least one amount")
	}
	var p Period
	order := "YMWD"
	next := 0
	for i := 1; i < len(s); {
		if s[i] == 'T' {
			return bad("time parts are not allowed")
		}
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i || j == len(s) {
			return bad("each amount is a whole number followed by Y, M, W or D")
		}
		n, err := strconv.Atoi(s[i:j])
		if err != nil || n > 10000 {
			return bad("amount out of range")
		}
		k := indexByte(order[next:], s[j])
		if k < 0 {
			if s[j] == 'T' || s[j] == 'H' || s[j] == 'S' {
				return bad("time parts are not allowed")
			}
			return bad(fmt.Sprintf("unexpected %q", s[j]))
		}
		switch order[next+k] {
		case 'Y':
			p.Years = n
		case 'M':
			p.Months = n
		case 'W':
			p.Days += 7 * n
		case 'D':
			p.Days += n
		}
		next += k + 1
		i = j + 1
	}
	if p == (Period{}) {
		return bad("zero period")
	}
	return p, nil
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// AddTo returns t + p in UTC. Years and months move the calendar month and
// clamp the day to that month's last day (31 Aug + P6M = 28 Feb), where Go's
// AddDate would overflow into March and make a review fall due late.
func (p Period) AddTo(t time.Time) time.Time {
	t = t.UTC()
	y, m, d := t.Date()
	months := int(m) - 1 + p.Months + 12*p.Years
	y += months / 12
	m = time.Month(months%12 + 1)
	if last := daysIn(y, m); d > last {
		d = last
	}
	base := time.Date(y, m, d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	return base.AddDate(0, 0, p.Days)
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// OSCALFrequency converts p to OSCAL's at-frequency {period, unit}, or ok=false
// when p mixes units that no single unit expresses exactly.
func (p Period) OSCALFrequency() (period int, unit string, ok bool) {
	switch {
	case p.Days == 0 && p.Months == 0:
		return p.Years, "years", true
	case p.Days == 0:
		return p.Months + 12*p.Years, "months", true
	case p.Years == 0 && p.Months == 0:
		return p.Days, "days", true
	}
	return 0, "", false
}
