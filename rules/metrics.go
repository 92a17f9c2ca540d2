package rules

import "seigarrena.dev/sei/metrics"

// The metrics file is read by the metrics package (a leaf, so that the
// adapters read it exactly as the gate does); these names keep rules' API.
type (
	Power       = metrics.Power
	MetricValue = metrics.Value
	Metrics     = metrics.File
)

// ReadMetrics parses a metrics file; a syntax error names file, line and column.
func ReadMetrics(file string, data []byte) (Metrics, error) { return metrics.Read(file, data) }
