package rules

import (
	"testing"

	"seigarrena.dev/sei/manifest"
)

func loadTemplate(t *testing.T) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Parse("sei.yaml", manifest.Template("My Project"))
	if err != nil {
		t.Fatalf("the sei init template is invalid: %v", err)
	}
	if m.System.Name != "my-project" {
		t.Errorf("name %q", m.System.Name)
	}
	return m
}
