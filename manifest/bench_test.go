package manifest

import (
	"fmt"
	"os"
	"strings"
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

// BenchmarkParse10kStages is the decoder on a pipeline of 10k command
// stages (in-process): the manifest half of a 10k-stage null build.
func BenchmarkParse10kStages(b *testing.B) {
	var s strings.Builder
	s.WriteString("apiVersion: seigarrena.dev/v1alpha1\nkind: AISystem\nsystem: { name: s, intended_purpose: p }\n" +
		"pipeline:\n  tool: command\n  metrics: m.json\n  stages:\n")
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&s, "    - { name: s%d, cmd: \"cp src/%d out/%d\", deps: [src/%d], outs: [out/%d] }\n", i, i, i, i, i)
	}
	data := []byte(s.String())
	for b.Loop() {
		if _, err := Parse("sei.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}
