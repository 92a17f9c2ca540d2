package rules

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

const schemaPath = "../../shared/oscal/schema/1.2.3/oscal_assessment-plan_schema.json"

var fixedTime = CompileOptions{LastModified: time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)}

var planCases = map[string]string{
	"loan":   "../testdata/loan/sei.yaml",
	"credit": "../testdata/good/credit.yaml",
	"compat": compatDir + "froga.yaml",
}

func compile(t *testing.T, path string) []byte {
	t.Helper()
	plan, err := Compile(load(t, path), fixedTime)
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

func TestCompileGolden(t *testing.T) {
	for name, path := range planCases {
		t.Run(name, func(t *testing.T) {
			plan := compile(t, path)
			if again := compile(t, path); !bytes.Equal(plan, again) {
				t.Fatal("two compiles of one manifest differ")
			}
			golden(t, "plan-"+name+".oscal.yaml", plan)
		})
	}
}

func TestCompileSchemaValid(t *testing.T) {
	schema, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatalf("OSCAL schema missing (it lives in ../shared beside the project): %v", err)
	}
	cases := map[string][]byte{"empty": mustTemplatePlan(t)}
	for name, path := range planCases {
		cases[name] = compile(t, path)
	}
	for name, plan := range cases {
		if err := ValidatePlanSchema(plan, schema); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if err := tekuriValidate(plan, schema); err != nil {
			t.Errorf("%s (second validator): %v", name, err)
		}
	}
	// Both validators must be able to fail: a plan with a bad control token.
	bad := bytes.Replace(cases["loan"], []byte("control-id: eu_ai-act_2024_art-15"), []byte("control-id: eu/ai-act@2024#art-15"), 1)
	if err := ValidatePlanSchema(bad, schema); err == nil || !strings.Contains(err.Error(), "control-id") {
		t.Errorf("a control-id with '/' passed the schema, or the error does not name it: %v", err)
	}
	if err := tekuriValidate(bad, schema); err == nil {
		t.Error("a control-id with '/' passed the second validator")
	}
	if err := ValidatePlanSchema([]byte("a: [1"), schema); err == nil {
		t.Error("a plan that is not YAML validated")
	}
	if err := ValidatePlanSchema(cases["loan"], []byte("{")); err == nil {
		t.Error("a schema that is not JSON compiled")
	}
}

// tekuriValidate validates with santhosh-tekuri/jsonschema, a second
// implementation (test-only: its package init is too slow for sei itself).
func tekuriValidate(plan, schema []byte) error {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		return err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("oscal_assessment-plan_schema.json", doc); err != nil {
		return err
	}
	sch, err := c.Compile("oscal_assessment-plan_schema.json")
	if err != nil {
		return err
	}
	raw, err := yamlToJSON(plan)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

// TestCompileTrestle validates the plans with compliance-trestle, an
// independent validator from PyPI. In CI it must run; elsewhere it is
// skipped with the command that installs it.
func TestCompileTrestle(t *testing.T) {
	trestle := filepath.Join(os.Getenv("SEI_VENV"), "bin", "trestle")
	if _, err := os.Stat(trestle); os.Getenv("SEI_VENV") == "" || err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("trestle not found at %s; CI must run `make venv` first", trestle)
		}
		t.Skip("compliance-trestle not installed; run `make venv` and set SEI_VENV=.venv (make test does both)")
	}
	dir := t.TempDir()
	for name, path := range planCases {
		file := filepath.Join(dir, name+".oscal.yaml")
		if err := os.WriteFile(file, compile(t, path), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(trestle, "partial-object-validate", "-f", file, "-e", "assessment-plan").CombinedOutput()
		if err != nil || !bytes.Contains(out, []byte("VALID")) {
			t.Errorf("%s: trestle rejected the plan: %v\n%s", name, err, out)
		}
	}
}

func mustTemplatePlan(t *testing.T) []byte {
	t.Helper()
	m := loadTemplate(t)
	plan, err := Compile(m, fixedTime)
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// TestReadPlanRoundTrip reads each compiled plan back into the controls the
// gate evaluates and compares them with the manifest's.
func TestReadPlanRoundTrip(t *testing.T) {
	for name, path := range planCases {
		m := load(t, path)
		got, err := ReadPlan(name, compile(t, path))
		if err != nil {
			t.Fatal(err)
		}
		want := ControlsOf(m)
		if len(want) == 0 {
			t.Fatalf("%s: no controls", name)
		}
		for i := range want {
			if want[i].ControlTier == "" {
				want[i].ControlTier = "protective"
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: read back\n%+v\nwant\n%+v", name, got, want)
		}
	}
}

func TestReadPlanRejectsDanglingReference(t *testing.T) {
	plan := compile(t, planCases["loan"])
	if _, err := ReadPlan("plan", plan); err != nil {
		t.Fatal(err)
	}
	bad := regexp.MustCompile(`activity-uuid: \S+`).ReplaceAll(plan, []byte("activity-uuid: 00000000-0000-5000-8000-000000000000"))
	if _, err := ReadPlan("plan", bad); err == nil {
		t.Error("a dangling activity-uuid was accepted")
	}
}

// TestUUID5 pins the namespace against the value Python's uuid.uuid5 gives
// (reference/oscal.md §2).
func TestUUID5(t *testing.T) {
	if got := formatUUID(namespaceUUID); got != "54d0d160-4dcb-5d2c-8108-517119684f9e" {
		t.Errorf("namespace = %s", got)
	}
}

func TestProgramUIDMatchesOriginalLock(t *testing.T) {
	if got := ProgramUID("pilot-talent-screening"); got != "5ed24519-7b64-5947-b7b9-5693f9fbdc0e" {
		t.Errorf("ProgramUID = %s", got)
	}
}

func TestControlToken(t *testing.T) {
	for in, want := range map[string]string{
		"eu/ai-act@2024#art-15":    "eu_ai-act_2024_art-15",
		"iso/23894@2023#6.5":       "iso_23894_2023_6.5",
		"eu/pren-18229-1@2026#a b": "eu_pren-18229-1_2026_a-b",
		"9x/odd@2020#1":            "_9x_odd_2020_1",
	} {
		if got := ControlToken(in); got != want {
			t.Errorf("ControlToken(%q) = %q, want %q", in, got, want)
		}
	}
}
