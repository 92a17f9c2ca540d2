package rules

import (
	"crypto/sha1"
	"fmt"
	"regexp"
	"strings"
)

// The OSCAL 1.2.3 assessment-plan model, as far as sei emits it. Field order
// is the order YAML output takes; every list is omitempty because the schema
// gives every array minItems 1.

// OSCALVersion is the schema version the plan declares and is tested against.
const OSCALVersion = "1.2.3"

// SEINamespace is the namespace of every custom prop. OSCAL's own namespace
// admits only the names OSCAL defines, so a prop without ns would be invalid.
const SEINamespace = "https://seigarrena.dev/ns/oscal"

// PlanDoc is the root object of a plan file.
type PlanDoc struct {
	AssessmentPlan AssessmentPlan `yaml:"assessment-plan"`
}

type AssessmentPlan struct {
	UUID               string              `yaml:"uuid"`
	Metadata           Metadata            `yaml:"metadata"`
	ImportSSP          ImportSSP           `yaml:"import-ssp"`
	LocalDefinitions   *LocalDefinitions   `yaml:"local-definitions,omitempty"`
	TermsAndConditions *TermsAndConditions `yaml:"terms-and-conditions,omitempty"`
	ReviewedControls   ReviewedControls    `yaml:"reviewed-controls"`
	AssessmentSubjects []Subject           `yaml:"assessment-subjects,omitempty"`
	Tasks              []Task              `yaml:"tasks,omitempty"`
	BackMatter         *BackMatter         `yaml:"back-matter,omitempty"`
}

type Metadata struct {
	Title        string `yaml:"title"`
	LastModified string `yaml:"last-modified"`
	Version      string `yaml:"version"`
	OSCALVersion string `yaml:"oscal-version"`
	Props        []Prop `yaml:"props,omitempty"`
	Remarks      string `yaml:"remarks,omitempty"`
}

type ImportSSP struct {
	Href    string `yaml:"href"`
	Remarks string `yaml:"remarks,omitempty"`
}

type Prop struct {
	Name  string `yaml:"name"`
	NS    string `yaml:"ns,omitempty"`
	Class string `yaml:"class,omitempty"`
	Value string `yaml:"value"`
}

type Link struct {
	Href string `yaml:"href"`
	Rel  string `yaml:"rel,omitempty"`
	Text string `yaml:"text,omitempty"`
}

type LocalDefinitions struct {
	Activities []Activity `yaml:"activities,omitempty"`
}

type Activity struct {
	UUID            string            `yaml:"uuid"`
	Title           string            `yaml:"title,omitempty"`
	Description     string            `yaml:"description"`
	Props           []Prop            `yaml:"props,omitempty"`
	Links           []Link            `yaml:"links,omitempty"`
	Steps           []Step            `yaml:"steps,omitempty"`
	RelatedControls *ReviewedControls `yaml:"related-controls,omitempty"`
}

type Step struct {
	UUID        string `yaml:"uuid"`
	Title       string `yaml:"title,omitempty"`
	Description string `yaml:"description"`
}

type ReviewedControls struct {
	Description       string             `yaml:"description,omitempty"`
	ControlSelections []ControlSelection `yaml:"control-selections"`
}

type ControlSelection struct {
	Description     string       `yaml:"description,omitempty"`
	Props           []Prop       `yaml:"props,omitempty"`
	Links           []Link       `yaml:"links,omitempty"`
	IncludeAll      *struct{}    `yaml:"include-all,omitempty"`
	IncludeControls []ControlRef `yaml:"include-controls,omitempty"`
}

type ControlRef struct {
	ControlID string `yaml:"control-id"`
}

type TermsAndConditions struct {
	Parts []Part `yaml:"parts,omitempty"`
}

type Part struct {
	Name  string `yaml:"name"`
	Title string `yaml:"title,omitempty"`
	Props []Prop `yaml:"props,omitempty"`
	Prose string `yaml:"prose,omitempty"`
}

type Subject struct {
	Type        string    `yaml:"type"`
	Description string    `yaml:"description,omitempty"`
	IncludeAll  *struct{} `yaml:"include-all,omitempty"`
}

type Task struct {
	UUID                 string               `yaml:"uuid"`
	Type                 string               `yaml:"type"`
	Title                string               `yaml:"title"`
	Description          string               `yaml:"description,omitempty"`
	Props                []Prop               `yaml:"props,omitempty"`
	Timing               *Timing              `yaml:"timing,omitempty"`
	Tasks                []Task               `yaml:"tasks,omitempty"`
	AssociatedActivities []AssociatedActivity `yaml:"associated-activities,omitempty"`
}

type Timing struct {
	AtFrequency *AtFrequency `yaml:"at-frequency,omitempty"`
}

type AtFrequency struct {
	Period int    `yaml:"period"`
	Unit   string `yaml:"unit"`
}

type AssociatedActivity struct {
	ActivityUUID string    `yaml:"activity-uuid"`
	Subjects     []Subject `yaml:"subjects"`
}

type BackMatter struct {
	Resources []Resource `yaml:"resources,omitempty"`
}

type Resource struct {
	UUID   string  `yaml:"uuid"`
	Title  string  `yaml:"title,omitempty"`
	Rlinks []Rlink `yaml:"rlinks,omitempty"`
}

type Rlink struct {
	Href      string `yaml:"href"`
	MediaType string `yaml:"media-type,omitempty"`
}

// namespaceUUID is uuid5(NameSpaceURL, SEINamespace): the namespace of every
// UUID sei derives, so the same manifest gives the same UUIDs on any machine.
var namespaceUUID = uuid5(mustUUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8"), SEINamespace)

// uuid5 is RFC 4122 version 5 (SHA-1, name-based). Ten lines do not justify a
// dependency; the test pins it against Python's uuid.uuid5.
func uuid5(ns [16]byte, name string) [16]byte {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return u
}

// ProgramUID is the risk programme's id in sei.lock: UUIDv5 of the system
// name in the URL namespace, which is what the original engine's locks hold
// (pilot-talent-screening → 5ed24519-7b64-5947-b7b9-5693f9fbdc0e).
func ProgramUID(system string) string {
	return formatUUID(uuid5(mustUUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8"), system))
}

func mustUUID(s string) [16]byte {
	var u [16]byte
	hex := strings.ReplaceAll(s, "-", "")
	for i := range u {
		fmt.Sscanf(hex[2*i:2*i+2], "%02x", &u[i])
	}
	return u
}

func formatUUID(u [16]byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// planUUID derives the UUID of one plan object from the system name and a
// stable name such as "task/risk.x", so UUIDs survive reordering the manifest.
func planUUID(system, name string) string {
	return formatUUID(uuid5(namespaceUUID, system+"/"+name))
}

var (
	tokenBad   = regexp.MustCompile(`[^A-Za-z0-9._-]`)
	tokenStart = regexp.MustCompile(`^[A-Za-z_]`)
	spaceRun   = regexp.MustCompile(`\s+`)
)

// ControlToken maps a canonical control id to an OSCAL token:
// eu/ai-act@2024#art-15 → eu_ai-act_2024_art-15. The mapping loses nothing the
// engine needs, because the canonical id always travels in a "control" prop.
func ControlToken(id string) string {
	t := strings.NewReplacer("/", "_", "@", "_", "#", "_").Replace(strings.ToLower(id))
	t = tokenBad.ReplaceAllString(t, "-")
	if !tokenStart.MatchString(t) {
		t = "_" + t
	}
	return t
}

// oneLine folds white space so that a value fits OSCAL's single-line string
// and markup-line types.
func oneLine(s string) string { return strings.TrimSpace(spaceRun.ReplaceAllString(s, " ")) }

func seiProp(name, value string) Prop {
	return Prop{Name: name, NS: SEINamespace, Value: oneLine(value)}
}

func seiPropClass(name, class, value string) Prop {
	return Prop{Name: name, NS: SEINamespace, Class: class, Value: oneLine(value)}
}
