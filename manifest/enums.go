package manifest

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Each enum is a string type with a closed list of values. The decoder calls
// decodeNode, so an unknown value is reported at its own line and column with
// the list of values that would have been accepted.

// Level is a risk level, an appetite or a criterion.
type Level string

// Levels in increasing order; rules.Rank relies on this order.
var Levels = []Level{"LOW", "MEDIUM", "HIGH", "CRITICAL"}

// Impact is the consequence of a risk on one dimension.
type Impact string

// Impacts in increasing order. NEGLIGIBLE is admitted for completeness of the
// 5×5 scale; the original engine's manifests never use it.
var ImpactValues = []Impact{"NEGLIGIBLE", "LOW", "MEDIUM", "HIGH", "CRITICAL"}

// Likelihood of a risk, in increasing order.
type Likelihood string

// Likelihoods in increasing order.
var Likelihoods = []Likelihood{"RARE", "UNLIKELY", "POSSIBLE", "LIKELY", "ALMOST_CERTAIN"}

// Method is an ISO/IEC 23894 treatment option.
type Method string

// Methods: AVOID, REDUCE, SHARE (alias TRANSFER) and ACCEPT (retain).
var Methods = []Method{"AVOID", "REDUCE", "SHARE", "TRANSFER", "ACCEPT"}

// Enforcement says what a failing measure does.
type Enforcement string

// Enforcement modes: gate blocks sei run, audit warns, monitor is post-market only.
var Enforcements = []Enforcement{"gate", "audit", "monitor"}

// Severity of a measure.
type Severity string

// Severities in decreasing order.
var Severities = []Severity{"critical", "high", "medium", "low"}

// Evaluation says whether a measure is computed (automated) or declared (manual).
type Evaluation string

// Evaluations; empty means automated.
var Evaluations = []Evaluation{"automated", "manual"}

// Lifecycle is the phase a measure applies to.
type Lifecycle string

// Lifecycle phases.
var Lifecycles = []Lifecycle{"data_preparation", "training", "validation", "monitoring", "production"}

// ControlTier places a treatment in the control hierarchy (AI Act Art. 9(5)).
type ControlTier string

// Control tiers: by design, by protection, by information.
var ControlTiers = []ControlTier{"inherent", "protective", "information"}

// Tool selects the Reproducer adapter.
type Tool string

// Tools known to v1alpha1.
var Tools = []Tool{"dvc", "mlflow", "dagster", "command", "lakehouse"}

// HasStages reports whether the tool's stages are declared in sei.yaml
// (pipeline.stages) rather than read from the tool's own pipeline file.
func (t Tool) HasStages() bool { return t == "command" || t == "lakehouse" }

// Modality is the input data modality.
type Modality string

// Modalities.
var Modalities = []Modality{"tabular", "image", "text", "audio", "video", "time-series", "multimodal"}

// TaskType is the kind of task.
type TaskType string

// TaskTypes.
var TaskTypes = []TaskType{"classification", "regression", "segmentation", "detection", "ranking", "generation", "clustering"}

// Domain groups risks for reporting and for sei assess.
type Domain string

// Domains.
var Domains = []Domain{"fairness", "data", "transparency", "safety", "governance", "privacy", "security", "robustness", "accuracy"}

// Provenance says where a risk came from.
type Provenance string

// Provenances.
var Provenances = []Provenance{"declared", "proposed_by_kag", "derived_from_gap"}

// Tier is the AI Act risk classification.
type Tier string

// Tiers.
var Tiers = []Tier{"prohibited", "high", "limited", "minimal"}

// RoleName is an operator role under the AI Act (Art. 3).
type RoleName string

// RoleNames.
var RoleNames = []RoleName{"provider", "deployer", "importer", "distributor", "authorised_representative", "product_manufacturer"}

// SandboxMode says how the pipeline's stages run (sei's --sandbox): auto
// (strict for command, relaxed for the Python tools), strict, relaxed, or
// none (unsandboxed, for machines without user namespaces).
type SandboxMode string

// SandboxModes.
var SandboxModes = []SandboxMode{"auto", "strict", "relaxed", "none"}

// MarketPhase is where the system stands on the market.
type MarketPhase string

// MarketPhases.
var MarketPhases = []MarketPhase{"development", "placed_on_market", "put_into_service", "withdrawn"}

func (v *Level) decodeNode(n *yaml.Node) error       { return decodeEnum(n, v, Levels) }
func (v *Impact) decodeNode(n *yaml.Node) error      { return decodeEnum(n, v, ImpactValues) }
func (v *Likelihood) decodeNode(n *yaml.Node) error  { return decodeEnum(n, v, Likelihoods) }
func (v *Method) decodeNode(n *yaml.Node) error      { return decodeEnum(n, v, Methods) }
func (v *Enforcement) decodeNode(n *yaml.Node) error { return decodeEnum(n, v, Enforcements) }
func (v *Severity) decodeNode(n *yaml.Node) error    { return decodeEnum(n, v, Severities) }
func (v *Evaluation) decodeNode(n *yaml.Node) error  { return decodeEnum(n, v, Evaluations) }
func (v *Lifecycle) decodeNode(n *yaml.Node) error   { return decodeEnum(n, v, Lifecycles) }
func (v *ControlTier) decodeNode(n *yaml.Node) error { return decodeEnum(n, v, ControlTiers) }
func (v *Tool) decodeNode(n *yaml.Node) error        { return decodeEnum(n, v, Tools) }
func (v *Modality) decodeNode(n *yaml.Node) error    { return decodeEnum(n, v, Modalities) }
func (v *TaskType) decodeNode(n *yaml.Node) error    { return decodeEnum(n, v, TaskTypes) }
func (v *Domain) decodeNode(n *yaml.Node) error      { return decodeEnum(n, v, Domains) }
func (v *Provenance) decodeNode(n *yaml.Node) error  { return decodeEnum(n, v, Provenances) }
func (v *Tier) decodeNode(n *yaml.Node) error        { return decodeEnum(n, v, Tiers) }
func (v *RoleName) decodeNode(n *yaml.Node) error    { return decodeEnum(n, v, RoleNames) }
func (v *DepClass) decodeNode(n *yaml.Node) error    { return decodeEnum(n, v, DepClasses) }
func (v *MarketPhase) decodeNode(n *yaml.Node) error { return decodeEnum(n, v, MarketPhases) }
func (v *SandboxMode) decodeNode(n *yaml.Node) error { return decodeEnum(n, v, SandboxModes) }

// decodeEnum accepts a string scalar that is one of allowed, compared exactly:
// "high" for a Level is an error, because the manifests and the evidence use
// one spelling and a silent fold would hide a typo in a hand-edited file.
func decodeEnum[T ~string](n *yaml.Node, dst *T, allowed []T) error {
	s, err := scalarString(n)
	if err != nil {
		return err
	}
	for _, a := range allowed {
		if string(a) == s {
			*dst = a
			return nil
		}
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	hint := ""
	for _, a := range names {
		if strings.EqualFold(a, s) {
			hint = fmt.Sprintf(" (did you mean %s?)", a)
		}
	}
	return fmt.Errorf("unknown value %q%s; want one of %s", s, hint, strings.Join(names, ", "))
}

// Rank is the position of v in list, or -1.
func Rank[T comparable](list []T, v T) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return -1
}
