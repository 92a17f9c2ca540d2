package attest

import (
	"encoding/json"
	"strings"
)

// DataGovernance summarises the dataset's Croissant descriptor (AI Act
// Art. 10): its digest pins the exact descriptor, the rest is what an
// auditor reads first. Fields the descriptor lacks are empty.
type DataGovernance struct {
	CroissantDigest string `json:"croissant_digest"`
	Name            string `json:"name"`
	RecordSetCount  int    `json:"record_set_count"`
	Description     string `json:"description"`
	License         string `json:"license"`
	CiteAs          string `json:"cite_as"`
	URL             string `json:"url"`
	Version         string `json:"version"`
	DatePublished   string `json:"date_published"`
	SensitiveData   string `json:"sensitive_data"`
	DataBiases      string `json:"data_biases"`
	// Error is set when the descriptor is not a JSON object; the digest
	// still pins what was there.
	Error string `json:"error,omitempty"`
}

func summarizeCroissant(data []byte) *DataGovernance {
	dg := &DataGovernance{CroissantDigest: SHA256Digest(data)}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		dg.Error = "not a JSON object: " + err.Error()
		return dg
	}
	get := func(keys ...string) string {
		for _, k := range keys {
			if v, ok := doc[k]; ok {
				return text(v)
			}
		}
		return ""
	}
	dg.Name, dg.Description = get("name"), get("description")
	dg.License, dg.CiteAs, dg.URL = get("license"), get("citeAs", "cite_as"), get("url")
	dg.Version, dg.DatePublished = get("version"), get("datePublished")
	dg.SensitiveData = get("rai:personalSensitiveInformation")
	dg.DataBiases = get("rai:dataBiases")
	if rs, ok := doc["recordSet"].([]any); ok {
		dg.RecordSetCount = len(rs)
	}
	return dg
}

// text flattens a JSON-LD value: a string, a list of values (joined with
// "; "), an object with @value, @id or name, or a number.
func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64, bool:
		b, _ := json.Marshal(x)
		return string(b)
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			if s := text(e); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, "; ")
	case map[string]any:
		for _, k := range []string{"@value", "@id", "name", "url"} {
			if s, ok := x[k]; ok {
				return text(s)
			}
		}
	}
	return ""
}
