package manifest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse: the decoder never panics on any input, and every error it
// reports is positioned (file:line:col) inside the input.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("../testdata/bad/*.txtar")
	seeds = append(seeds, "../testdata/good/credit.yaml", "../testdata/loan/sei.yaml")
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		if i := strings.Index(string(data), "-- sei.yaml --\n"); i >= 0 {
			data = data[i+len("-- sei.yaml --\n"):]
			if j := strings.Index(string(data), "-- want --"); j >= 0 {
				data = data[:j]
			}
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse("sei.yaml", data)
		if err == nil {
			if m.System.Name == "" {
				t.Fatal("valid manifest without a system name")
			}
			return
		}
		list, ok := err.(ErrorList)
		if !ok || len(list) == 0 {
			t.Fatalf("error %T %v is not a non-empty ErrorList", err, err)
		}
		lines := strings.Count(string(data), "\n") + 1
		for _, e := range list {
			if e.Pos.Line < 1 || e.Pos.Line > lines || e.Pos.Col < 1 {
				t.Fatalf("error outside the input (%d lines): %v", lines, e)
			}
		}
	})
}
