package manifest

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

var update = flag.Bool("update", false, "rewrite golden files and expected errors")

// TestBadManifests loads every broken manifest of testdata/bad and compares
// the full error text with the archive's "want" section.
func TestBadManifests(t *testing.T) {
	files, _ := filepath.Glob("../testdata/bad/*.txtar")
	if len(files) < 30 {
		t.Fatalf("found %d broken manifests, want at least 30", len(files))
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		t.Run(name, func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			src, want := section(ar, "sei.yaml"), section(ar, "want")
			m, err := Parse("sei.yaml", src)
			if err == nil {
				t.Fatalf("manifest loaded (system %q); want an error", m.System.Name)
			}
			if _, ok := err.(ErrorList); !ok {
				t.Fatalf("error is %T, want ErrorList", err)
			}
			got := err.Error() + "\n"
			if *update {
				setSection(ar, "want", []byte(got))
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got != string(want) {
				t.Errorf("errors differ\n got: %s\nwant: %s", got, want)
			}
			for _, line := range strings.Split(strings.TrimSpace(got), "\n") {
				if !strings.HasPrefix(line, "sei.yaml:") || strings.Count(line, ":") < 3 {
					t.Errorf("error %q does not start with file:line:col", line)
				}
			}
		})
	}
}

func TestGoodManifests(t *testing.T) {
	for _, file := range []string{"../testdata/good/credit.yaml", "../testdata/loan/sei.yaml"} {
		if _, err := Load(file, "sei.yaml"); err != nil {
			t.Errorf("%s: %v", file, err)
		}
	}
}

func section(ar *txtar.Archive, name string) []byte {
	for _, f := range ar.Files {
		if f.Name == name {
			return f.Data
		}
	}
	return nil
}

func setSection(ar *txtar.Archive, name string, data []byte) {
	for i := range ar.Files {
		if ar.Files[i].Name == name {
			ar.Files[i].Data = data
			return
		}
	}
	ar.Files = append(ar.Files, txtar.File{Name: name, Data: data})
}
