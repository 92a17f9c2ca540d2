package manifest

import (
	"regexp"
	"strings"
)

// Template returns the minimal manifest that sei init writes for a system
// called name (normalised to a valid system name). It is valid as written:
// sei compile turns it into a plan with no risks yet, and the commented risk
// shows the shape of the register's first entry.
func Template(name string) []byte {
	return []byte(strings.ReplaceAll(templateText, "{{name}}", SystemName(name)))
}

var nonName = regexp.MustCompile(`[^a-z0-9._-]+`)

// SystemName turns a directory name into a valid system name.
func SystemName(s string) string {
	n := strings.Trim(nonName.ReplaceAllString(strings.ToLower(s), "-"), "-._")
	if n == "" {
		return "ai-system"
	}
	return n
}

const templateText = `apiVersion: seigarrena.dev/v1alpha1
kind: AISystem

# 1. System identity and intended purpose (AI Act Art. 13(3)(b); Annex IV §1)
system:
  name: {{name}}
  intended_purpose: "Describe what the system is for, who uses it and on whom it decides."
  organization: ""
  version: "0.1.0"
  decisions: []
  affected_persons: []
  potential_misuses: []

# 2. Nature of the task
task: { modality: tabular, type: classification }

# 3. Regulatory context: canonical ids, highest priority first
context:
  applicable_standards: [iso/23894@2023, eu/ai-act@2024]

# 4-5. Data, treatment and pipeline: uncomment and adapt
# dataset: { croissant: data/dataset.croissant.json }
# eval: { script: train.py }
# pipeline: { tool: dvc, metrics: metrics.json }
oscal: { assessment_plan: shared_data/policies/assessment_plan.oscal.yaml }   # written by sei compile

# 6. Risk programme (AI Act Art. 9; ISO/IEC 23894 clause 6)
risk:
  appetite: { individual: MEDIUM, society: MEDIUM, organization: HIGH }
  criteria: { scale: "5x5" }
  overall_residual_criterion: HIGH
  review_interval: P6M
  risks: []
  # risks:
  #   - id: risk.example
  #     title: "What could go wrong, for whom"
  #     impact: { individual: HIGH }
  #     likelihood: POSSIBLE
  #     treat:
  #       - method: REDUCE
  #         action: "What the team does about it"
  #         controls: [eu/ai-act@2024#art-15]
  #         residual_likelihood: UNLIKELY
  #         measures:
  #           - id: example-metric
  #             metric: accuracy
  #             constraint: ">= 0.8"
  #             severity: high
  #             enforcement: gate
  #             lifecycle: [validation]
  applicability: {}
`
