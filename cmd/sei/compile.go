package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"seigarrena.dev/sei/atomicfile"

	"seigarrena.dev/sei/manifest"
	"seigarrena.dev/sei/rules"
)

func compileCommand() *cli.Command {
	return &cli.Command{
		Name:  "compile",
		Usage: "compile the risk section of sei.yaml into the OSCAL 1.2.3 assessment plan at oscal.assessment_plan",
		Flags: []cli.Flag{repoFlag, jsonFlag,
			&cli.BoolFlag{Name: "check", Usage: "write nothing; exit 4 when the plan on disk is out of date"},
			&cli.StringFlag{Name: "schema", EnvVars: []string{"SEI_OSCAL_SCHEMA"},
				Usage: "also validate the plan against this OSCAL assessment-plan JSON schema `FILE`"},
		},
		Action: runCompile,
	}
}

func runCompile(c *cli.Context) error {
	if err := noArgs(c); err != nil {
		return err
	}
	m, err := loadManifest(c)
	if err != nil {
		return err
	}
	repo, _ := repoPaths(c)
	when, err := planTime(repo, func(s string) { fmt.Fprintln(c.App.ErrWriter, "sei: note:", s) })
	if err != nil {
		return withCode(exitUsage, err)
	}
	plan, err := rules.Compile(m, rules.CompileOptions{LastModified: when})
	if err != nil {
		return err
	}
	if err := selfCheck(m, plan, c.String("schema")); err != nil {
		return err
	}
	dst := filepath.Join(repo, filepath.FromSlash(m.PlanPath()))
	old, readErr := os.ReadFile(dst)
	if c.Bool("check") {
		current := readErr == nil && bytes.Equal(old, plan)
		if c.Bool("json") {
			printJSON(c.App.Writer, "compile", compileReport{Plan: m.PlanPath(), UpToDate: current, Risks: len(m.Risk.Risks), Controls: len(rules.ControlsOf(m))})
		}
		if !current {
			return withCode(exitOutdated, fmt.Errorf("%s is out of date with sei.yaml; run `sei compile`", dst))
		}
		if !c.Bool("json") {
			fmt.Fprintf(c.App.Writer, "%s is up to date\n", dst)
		}
		return nil
	}
	// The plan is written before sei.yaml learns its path, so a failure
	// never leaves the manifest pointing at a plan that is not there.
	unchanged := readErr == nil && bytes.Equal(old, plan)
	if !unchanged {
		if err := atomicfile.WriteIn(repo, m.PlanPath(), plan, 0o644); err != nil {
			return err
		}
	}
	if m.OSCAL == nil {
		if err := recordPlanPath(repo); err != nil {
			return err
		}
		if !c.Bool("json") {
			fmt.Fprintf(c.App.Writer, "recorded oscal.assessment_plan: %s in sei.yaml\n", manifest.DefaultPlanPath)
		}
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, "compile", compileReport{Plan: m.PlanPath(), Written: !unchanged, UpToDate: true,
			RecordedInManifest: m.OSCAL == nil, Risks: len(m.Risk.Risks), Controls: len(rules.ControlsOf(m))})
	}
	if unchanged {
		fmt.Fprintf(c.App.Writer, "%s unchanged (%d risks, %d controls)\n", dst, len(m.Risk.Risks), len(rules.ControlsOf(m)))
		return nil
	}
	fmt.Fprintf(c.App.Writer, "wrote %s (%d risks, %d controls)\n", dst, len(m.Risk.Risks), len(rules.ControlsOf(m)))
	return nil
}

// selfCheck reads the plan back as the gate will, and optionally validates it
// against the OSCAL schema, before anything is written.
func selfCheck(m *manifest.Manifest, plan []byte, schemaPath string) error {
	ctls, err := rules.ReadPlan("plan", plan)
	if err != nil {
		return fmt.Errorf("internal error: the compiled plan does not read back: %w", err)
	}
	if len(ctls) != len(rules.ControlsOf(m)) {
		return fmt.Errorf("internal error: the compiled plan reads back %d controls, want %d", len(ctls), len(rules.ControlsOf(m)))
	}
	if schemaPath == "" {
		return nil
	}
	schema, err := os.ReadFile(schemaPath)
	if err != nil {
		return withCode(exitUsage, fmt.Errorf("reading OSCAL schema: %w", err))
	}
	return rules.ValidatePlanSchema(plan, schema)
}

// recordPlanPath fills oscal.assessment_plan in a manifest that has no oscal
// section, as the specification says compile does. It appends one line rather
// than re-encoding the file, so the author's comments and layout survive.
func recordPlanPath(repo string) error {
	path := filepath.Join(repo, manifest.FileName)
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		data = append(data, '\n')
	}
	data = append(data, []byte("oscal: { assessment_plan: "+manifest.DefaultPlanPath+" }   # added by sei compile\n")...)
	if _, err := manifest.Parse(path, data); err != nil {
		return fmt.Errorf("internal error: recording oscal.assessment_plan would break %s: %w", path, err)
	}
	return writeFileAtomic(path, data, 0o644)
}

// compileReport is sei compile --json.
type compileReport struct {
	Plan               string `json:"plan"`
	Written            bool   `json:"written"`
	UpToDate           bool   `json:"up_to_date"`
	RecordedInManifest bool   `json:"recorded_in_manifest"`
	Risks              int    `json:"risks"`
	Controls           int    `json:"controls"`
}
