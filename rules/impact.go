package rules

import "seigarrena.dev/sei/manifest"

// MisuseStatus is one foreseeable misuse and whether the register addresses it.
type MisuseStatus struct {
	ID          string   `json:"id"`
	Description string   `json:"description"`
	AddressedBy []string `json:"addressed_by"`
	// Unknown lists addressed_by ids that name no declared risk.
	Unknown []string `json:"unknown"`
	Status  string   `json:"status"` // ADDRESSED or GAP
}

// ImpactReport is the report of sei impact (ISO/IEC 42001 6.1.4).
type ImpactReport struct {
	System          string         `json:"system"`
	IntendedPurpose string         `json:"intended_purpose"`
	Decisions       []string       `json:"decisions"`
	AffectedPersons []string       `json:"affected_persons"`
	Misuses         []MisuseStatus `json:"misuses"`
	Gaps            int            `json:"gaps"`
}

// Impact reports decisions, affected persons and foreseeable misuse. A misuse
// is a GAP when nothing addresses it or when it names a risk that does not
// exist. Advisory: it never fails a command.
func Impact(m *manifest.Manifest) *ImpactReport {
	r := &ImpactReport{System: m.System.Name, IntendedPurpose: m.System.IntendedPurpose,
		Decisions: nonNil(m.System.Decisions), AffectedPersons: nonNil(m.System.AffectedPersons), Misuses: []MisuseStatus{}}
	for _, mu := range m.System.PotentialMisuses {
		ms := MisuseStatus{ID: mu.ID, Description: mu.Description, AddressedBy: nonNil(mu.AddressedBy), Unknown: []string{}, Status: "ADDRESSED"}
		known := existingRisks(m, mu.AddressedBy)
		for _, id := range mu.AddressedBy {
			if manifest.Rank(known, id) < 0 {
				ms.Unknown = append(ms.Unknown, id)
			}
		}
		if len(mu.AddressedBy) == 0 || len(ms.Unknown) > 0 {
			ms.Status = "GAP"
			r.Gaps++
		}
		r.Misuses = append(r.Misuses, ms)
	}
	return r
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
