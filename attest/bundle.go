package attest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sort"

	"seigarrena.dev/sei/manifest"
	"seigarrena.dev/sei/rules"
)

// BundleFile is the bundle's path relative to the artefact directory.
const BundleFile = "bundle.json"

// Bundle is .sei/bundle.json, the evidence of one sei run. Field names and
// order follow the original engine's EvidenceBundle (reference §4.4) so
// that its readers read ours; verdict, underpowered and the verdicts of
// treatment events are ours. The bundle carries no timestamp: the same
// inputs give the same bytes, and the time of a run is its commit's.
type Bundle struct {
	SystemName          string                     `json:"system_name"`
	IntendedPurpose     string                     `json:"intended_purpose"`
	ForeseeableMisuse   []Misuse                   `json:"foreseeable_misuse"`
	Assessor            Assessor                   `json:"assessor"`
	Triple              Triple                     `json:"triple"`
	Classification      *Classification            `json:"classification"`
	Risks               []RiskSummary              `json:"risks"`
	DataGovernance      *DataGovernance            `json:"data_governance"`
	Measurement         *struct{}                  `json:"measurement"`
	ControlResults      []ControlRecord            `json:"control_results"`
	TreatmentEvents     []TreatmentEvent           `json:"treatment_events"`
	RiskAnalysis        []RiskRecord               `json:"risk_analysis"`
	OverallResidual     rules.OverallResidual      `json:"overall_residual"`
	PipelineLockDigest  string                     `json:"pipeline_lock_digest"`
	Sections            map[string]string          `json:"sections"`
	PowerStats          *struct{}                  `json:"power_stats"`
	MeansOfConformance  []rules.ArticleConformance `json:"means_of_conformance"`
	PostMarketMeasures  []PostMarketMeasure        `json:"post_market_measures,omitempty"`
	ApplicableStandards []string                   `json:"applicable_standards"`
	ReviewInterval      string                     `json:"review_interval"`
	Roles               []RoleRecord               `json:"roles,omitempty"`
	// Tables are the lakehouse tables the run read, each at the snapshot
	// it was pinned to: the exact rows measured.
	Tables []TableRecord `json:"tables,omitempty"`
	// ComputedFrom binds the evidence to its system, commit and tree
	// (sei's; absent in the original engine's bundles).
	ComputedFrom *Binding `json:"computed_from,omitempty"`
}

// Misuse is a reasonably foreseeable misuse and the risks that address it.
type Misuse struct {
	ID          string   `json:"id"`
	Description string   `json:"description"`
	AddressedBy []string `json:"addressed_by"`
}

// Assessor is who ran the assessment: git's user and the organisation.
type Assessor struct {
	Name         string `json:"name"`
	Email        string `json:"email"`
	Organization string `json:"organization"`
}

// Classification is the declared AI Act tier.
type Classification struct {
	Tier      string   `json:"tier"`
	Basis     []string `json:"basis"`
	Rationale string   `json:"rationale"`
}

// RiskSummary names one declared risk.
type RiskSummary struct {
	ID        string `json:"id"`
	Domain    string `json:"domain"`
	Title     string `json:"title"`
	Rationale string `json:"rationale"`
}

// ControlRecord is one ex-ante control as the run measured it.
type ControlRecord struct {
	ControlID       string        `json:"control_id"`
	MetricKey       string        `json:"metric_key"`
	ActualValue     *float64      `json:"actual_value"` // null when MISSING
	Threshold       float64       `json:"threshold"`
	Operator        string        `json:"operator"`
	Severity        string        `json:"severity"`
	EnforcementMode string        `json:"enforcement_mode"` // block (gate) or warn (audit)
	Passed          bool          `json:"passed"`
	Verdict         rules.Verdict `json:"verdict"`
	Underpowered    bool          `json:"underpowered"`
	Reason          string        `json:"reason,omitempty"`
	LifecyclePhase  string        `json:"lifecycle_phase"`
	RiskID          string        `json:"risk_id"`
	Article         string        `json:"article"`
	Frameworks      []string      `json:"frameworks,omitempty"`
	Power           *rules.Power  `json:"power,omitempty"`
}

// TreatmentEvent is a control whose verdict changed between two runs: a
// Treatment (FAIL to PASS) or a Regression (PASS to FAIL), with the commit
// of the run before and the commit this run is anchored to. An event is
// carried into later bundles while the verdict it reports still holds.
type TreatmentEvent struct {
	ControlID       string        `json:"control_id"`
	RiskID          string        `json:"risk_id"`
	Kind            string        `json:"kind"`
	PreviousValue   *float64      `json:"previous_value"`
	CurrentValue    *float64      `json:"current_value"`
	PreviousVerdict rules.Verdict `json:"previous_verdict"`
	CurrentVerdict  rules.Verdict `json:"current_verdict"`
	AnchoredCommit  string        `json:"anchored_commit"`
	PreviousCommit  string        `json:"previous_commit"`
}

// RiskRecord is one risk's analysis, evaluation and cycle status.
type RiskRecord struct {
	RiskID             string                    `json:"risk_id"`
	Kind               string                    `json:"kind"`
	Provenance         string                    `json:"provenance"`
	Likelihood         string                    `json:"likelihood"`
	ResidualLikelihood string                    `json:"residual_declared_likelihood,omitempty"`
	Dimensions         []rules.DimensionAnalysis `json:"dimensions"`
	InherentOverall    string                    `json:"inherent_overall"`
	ResidualOverall    string                    `json:"residual_overall,omitempty"`
	RequiresTreatment  bool                      `json:"requires_treatment"`
	ControlConfirmed   bool                      `json:"control_confirmed"`
	Cycle              CycleRecord               `json:"cycle"`
	Priority           int                       `json:"priority"`
}

// CycleRecord holds a risk's cycle status.
type CycleRecord struct {
	Status rules.Cycle `json:"status"`
}

// RoleRecord is a role the organisation holds under the AI Act.
type RoleRecord struct {
	Role        string `json:"role"`
	Since       string `json:"since,omitempty"`
	MarketPhase string `json:"market_phase,omitempty"`
}

// PostMarketMeasure is a monitoring measure for the Art. 72 plan.
type PostMarketMeasure struct {
	ID              string   `json:"id"`
	Metric          string   `json:"metric"`
	Article         string   `json:"article"`
	StandardClauses []string `json:"standard_clauses"`
}

// MarshalPretty is the canonical bytes of sei's JSON artefacts: two-space
// indent, no HTML escaping, no trailing newline, as the original writes.
func MarshalPretty(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// Marshal is the bundle's canonical bytes.
func (b *Bundle) Marshal() ([]byte, error) { return MarshalPretty(b) }

// ParseBundle reads a bundle's bytes; file names it in errors.
func ParseBundle(file string, data []byte) (*Bundle, error) {
	var b Bundle
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	// The original engine records only "passed"; derive the verdict.
	for i := range b.ControlResults {
		c := &b.ControlResults[i]
		if c.Verdict == "" {
			c.Verdict = rules.Fail
			if c.Passed {
				c.Verdict = rules.Pass
			}
		}
	}
	return &b, nil
}

// ReadBundle reads a bundle file; a missing file is (nil, nil).
func ReadBundle(path string) (*Bundle, error) {
	data, err := ReadRegular(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseBundle(path, data)
}

// Gate rebuilds the gate result the bundle records, for conformance and
// status, which judge the last run without running anything.
func (b *Bundle) Gate() rules.GateResult {
	g := rules.GateResult{Passed: true}
	for _, c := range b.ControlResults {
		enf := manifest.Enforcement("audit")
		if c.EnforcementMode == "block" {
			enf = "gate"
		}
		r := rules.ControlResult{Control: rules.Control{MeasureID: c.ControlID, RiskID: c.RiskID, Enforcement: enf},
			Value: c.ActualValue, Verdict: c.Verdict, Underpowered: c.Underpowered}
		if r.Blocking() {
			g.Passed = false
			g.Blocking = append(g.Blocking, c.ControlID)
		} else if r.Verdict != rules.Pass {
			g.Warnings = append(g.Warnings, c.ControlID)
		}
		g.Results = append(g.Results, r)
	}
	return g
}

// TableRecord is one table a run read or wrote: which table, and which
// version of it.
type TableRecord struct {
	Name           string   `json:"name"`
	Format         string   `json:"format"`
	Identifier     string   `json:"identifier"` // iceberg: catalog#namespace.table; delta: directory
	UUID           string   `json:"uuid"`
	Snapshot       string   `json:"snapshot"` // Iceberg snapshot id, Delta version
	MetadataSHA256 string   `json:"metadata_sha256"`
	ReadBy         []string `json:"read_by"`
	// WrittenBy is the stage that wrote this snapshot; empty for a table
	// the pipeline only reads (data from outside: the dataset).
	WrittenBy string `json:"written_by,omitempty"`
}

// TablesDigest is the SHA-256 of the canonical JSON of the source tables
// read ({name, uuid, snapshot} by name; tables a stage wrote are left
// out, they follow from these and the code): sei.lock's triple.dataset
// when a run read tables, as the Croissant descriptor's digest is for files.
func TablesDigest(ts []TableRecord) string {
	type pin struct {
		Name     string `json:"name"`
		UUID     string `json:"uuid"`
		Snapshot string `json:"snapshot"`
	}
	pins := []pin{}
	for _, t := range ts {
		if t.WrittenBy == "" {
			pins = append(pins, pin{t.Name, t.UUID, t.Snapshot})
		}
	}
	sort.Slice(pins, func(i, j int) bool { return pins[i].Name < pins[j].Name })
	b, _ := json.Marshal(pins)
	return SHA256Digest(b)
}

// TablesLockDigest is the pipeline_lock_digest of a lakehouse pipeline:
// the SHA-256 of the canonical JSON (keys sorted, no spaces, by name) of
// every table read and written, with format, identifier, uuid, snapshot
// and the stages that read and wrote it. A verifier recomputes it from the
// bundle's tables alone.
func TablesLockDigest(ts []TableRecord) string {
	type snap struct {
		Format     string   `json:"format"`
		Identifier string   `json:"identifier"`
		Name       string   `json:"name"`
		ReadBy     []string `json:"read_by"`
		Snapshot   string   `json:"snapshot"`
		UUID       string   `json:"uuid"`
		WrittenBy  string   `json:"written_by"`
	}
	out := make([]snap, 0, len(ts))
	for _, t := range ts {
		rb := append([]string{}, t.ReadBy...)
		sort.Strings(rb)
		out = append(out, snap{t.Format, t.Identifier, t.Name, rb, t.Snapshot, t.UUID, t.WrittenBy})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	b, _ := json.Marshal(out)
	return SHA256Digest(b)
}
