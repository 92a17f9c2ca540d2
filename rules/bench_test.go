package rules

import "testing"

func BenchmarkCompileLoan(b *testing.B) {
	m := load(b, "../testdata/loan/sei.yaml")
	for b.Loop() {
		if _, err := Compile(m, fixedTime); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkConformanceCompat(b *testing.B) {
	m := load(b, compatDir+"froga.yaml")
	for b.Loop() {
		for _, std := range CatalogueIDs() {
			if _, err := Conformance(m, std, Evidence{}); err != nil {
				b.Fatal(err)
			}
		}
	}
}
