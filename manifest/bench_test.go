package manifest

import (
	"os"
	"testing"

	"gopkg.in/yaml.v3"
)

// BenchmarkParse is the strict decoder with validation on the loan manifest;
// BenchmarkPeerYAMLUnmarshal is plain yaml.v3 into generic maps (no types,
// positions or checks): the floor any YAML manifest reader pays, measured in
// the same run. (yaml.v3 cannot decode into Manifest: it rejects the
// ",required" tag flag our decoder reads.)
func BenchmarkParse(b *testing.B) {
	data := benchData(b)
	for b.Loop() {
		if _, err := Parse("sei.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPeerYAMLUnmarshal(b *testing.B) {
	data := benchData(b)
	for b.Loop() {
		var m map[string]any
		if err := yaml.Unmarshal(data, &m); err != nil {
			b.Fatal(err)
		}
	}
}

func benchData(b *testing.B) []byte {
	data, err := os.ReadFile("../testdata/loan/sei.yaml")
	if err != nil {
		b.Fatal(err)
	}
	return data
}
