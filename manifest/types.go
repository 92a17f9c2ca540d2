// Package manifest reads sei.yaml, the one declarative file of a sei repository.
//
// Decoding is strict: it walks the yaml.v3 node tree itself (decode.go) so that
// every unknown key, duplicate key, wrong type and unknown enum value is reported
// with file, line and column, and it records the position of every value by its
// path (for example "risk.risks[0].measures[1].constraint") so that the
// cross-checks in validate.go can point at the offending value too.
package manifest

// APIVersion is the schema version this package reads.
const APIVersion = "seigarrena.dev/v1alpha1"

// LegacyAPIVersion is the original engine's earlier name for the same schema.
// Its manifests load with a warning.
const LegacyAPIVersion = "venturalitica.ai/v1alpha1"

// Kind is the only resource kind of v1alpha1.
const Kind = "AISystem"

// DefaultPlanPath is where sei compile writes the assessment plan when the
// manifest names none (the original engine's location).
const DefaultPlanPath = "shared_data/policies/assessment_plan.oscal.yaml"

// Manifest is a decoded and validated sei.yaml.
type Manifest struct {
	APIVersion     string          `yaml:"apiVersion,required"`
	Kind           string          `yaml:"kind,required"`
	System         System          `yaml:"system,required"`
	Task           *Task           `yaml:"task"`
	Context        Context         `yaml:"context"`
	Dataset        *Dataset        `yaml:"dataset"`
	Artifacts      *Artifacts      `yaml:"artifacts"`
	Eval           *Eval           `yaml:"eval"`
	Pipeline       *Pipeline       `yaml:"pipeline"`
	OSCAL          *OSCAL          `yaml:"oscal"`
	Classification *Classification `yaml:"classification"`
	Roles          []Role          `yaml:"roles"`
	Risk           Risk            `yaml:"risk"`

	// File is the manifest's name as given to Parse, used in every message.
	File string `yaml:"-"`
	// Warnings are advisory findings (for example the legacy apiVersion).
	Warnings ErrorList `yaml:"-"`

	pos  positions
	lazy *lazyPos // read from the Cache: positions decoded on first use
}

// System is the system's identity and intended purpose (EU AI Act Art. 13(3)(b)).
type System struct {
	Name             string   `yaml:"name,required"`
	IntendedPurpose  string   `yaml:"intended_purpose,required"`
	Organization     string   `yaml:"organization"`
	Version          string   `yaml:"version"`
	Decisions        []string `yaml:"decisions"`
	AffectedPersons  []string `yaml:"affected_persons"`
	ComponentType    string   `yaml:"component_type"`
	PotentialMisuses []Misuse `yaml:"potential_misuses"`
}

// Misuse is a reasonably foreseeable misuse (ISO/IEC 42001 6.1.4, AI Act Art. 9(2)(b)).
type Misuse struct {
	ID          string   `yaml:"id,required"`
	Description string   `yaml:"description,required"`
	AddressedBy []string `yaml:"addressed_by"`
}

// Task is the nature of the AI task.
type Task struct {
	Modality Modality `yaml:"modality"`
	Type     TaskType `yaml:"type"`
}

// Context is the regulatory context.
type Context struct {
	// ApplicableStandards are canonical standard ids, highest priority first.
	ApplicableStandards []string `yaml:"applicable_standards"`
	DORA                *DORA    `yaml:"dora"`
}

// DORA carries the financial entity the DORA proxies refer to.
type DORA struct {
	Entity DORAEntity `yaml:"entity,required"`
}

// DORAEntity uses the original engine's camelCase keys.
type DORAEntity struct {
	LEI        string `yaml:"lei"`
	LegalName  string `yaml:"legalName"`
	Country    string `yaml:"country"`
	EntityType string `yaml:"entityType"`
}

// Dataset points at the dataset's Croissant descriptor.
type Dataset struct {
	Croissant string `yaml:"croissant,required"`
	// Paths are more files that are the dataset (class C, drift C) wherever
	// they live: repository paths or path.Match globs ("raw/*.csv"), "dir/**"
	// for everything under dir.
	Paths []string `yaml:"paths"`
	// Tables are lakehouse tables the pipeline reads or writes: data whose
	// version is a table snapshot, not a file's bytes. A table no stage
	// writes is a source (class C); one a stage writes is that stage's output.
	Tables []Table `yaml:"tables"`
}

// Table declares an Apache Iceberg table (through a SQL catalog, the
// SQLite file pyiceberg's SqlCatalog writes) or a Delta Lake table (its
// directory). Stages name it in `reads` and `writes`.
type Table struct {
	Name    string `yaml:"name,required"`
	Format  string `yaml:"format,required"` // iceberg | delta
	Catalog string `yaml:"catalog"`         // iceberg: the catalog file
	Table   string `yaml:"table"`           // iceberg: namespace.table
	Path    string `yaml:"path"`            // delta: the table's directory
}

// Artifacts declares artefacts other than the script and the dataset.
type Artifacts struct {
	Model *Model `yaml:"model"`
}

// Model describes the model family; informational, and part of the lock's triple.
type Model struct {
	Kind string `yaml:"kind"`
	Seed *int   `yaml:"seed"`
}

// Eval names the treatment: the training or evaluation script.
type Eval struct {
	Script string `yaml:"script,required"`
}

// Pipeline selects the Reproducer adapter and names the metrics file.
type Pipeline struct {
	Tool    Tool    `yaml:"tool,required"`
	Metrics string  `yaml:"metrics,required"`
	Params  string  `yaml:"params"`
	Stages  []Stage `yaml:"stages"` // tool: command and lakehouse only
	// Sandbox is how stages run unless --sandbox/SEI_SANDBOX says otherwise.
	Sandbox SandboxMode `yaml:"sandbox"`
}

// Stage is one plain command of a `tool: command` or `tool: lakehouse` pipeline.
type Stage struct {
	Name string   `yaml:"name,required"`
	Cmd  string   `yaml:"cmd,required"`
	Deps []Dep    `yaml:"deps"`
	Outs []string `yaml:"outs"`
	// Reads are dataset.tables the stage reads (class C): pinned at their
	// current snapshot, which the stage finds in SEI_TABLE_<NAME>_SNAPSHOT.
	Reads []string `yaml:"reads"`
	// Writes are dataset.tables the stage writes: after it runs sei records
	// the snapshot each moved to, and a stage reading one reads it there.
	Writes []string `yaml:"writes"`
}

// Dep is a stage input: a path, or {path, class} to override the class the
// engine infers (data inside the Croissant descriptor's directory, else impl).
type Dep struct {
	Path  string
	Class DepClass
}

// DepClass is the drift class a stage input carries.
type DepClass string

// DepClasses a stage input may declare.
var DepClasses = []DepClass{"impl", "data"}

// OSCAL names the compiled assessment plan.
type OSCAL struct {
	AssessmentPlan string `yaml:"assessment_plan,required"`
}

// Classification is the human-declared risk classification.
type Classification struct {
	Tier      Tier     `yaml:"tier,required"`
	Basis     []string `yaml:"basis"`
	Rationale string   `yaml:"rationale"`
}

// Role is a role the organisation holds under the AI Act.
type Role struct {
	Role        RoleName    `yaml:"role,required"`
	Since       string      `yaml:"since"`
	MarketPhase MarketPhase `yaml:"market_phase"`
}

// Risk is the risk programme (EU AI Act Art. 9), inline in sei.yaml.
type Risk struct {
	Appetite                 Appetite                 `yaml:"appetite"`
	Criteria                 Criteria                 `yaml:"criteria"`
	OverallResidualCriterion Level                    `yaml:"overall_residual_criterion"`
	ReviewInterval           string                   `yaml:"review_interval"`
	Risks                    []RiskEntry              `yaml:"risks"`
	Applicability            map[string]Applicability `yaml:"applicability"`
}

// Appetite is the risk appetite per impact dimension (ISO/IEC 23894 6.4.4).
type Appetite struct {
	Individual   Level `yaml:"individual"`
	Society      Level `yaml:"society"`
	Organization Level `yaml:"organization"`
}

// Criteria are the analysis criteria.
type Criteria struct {
	Scale string `yaml:"scale"`
}

// Applicability is one row of the Statement of Applicability.
type Applicability struct {
	Applicable bool   `yaml:"applicable,required"`
	Reason     string `yaml:"reason"`
}

// RiskEntry is one risk of the register.
type RiskEntry struct {
	ID         string      `yaml:"id,required"`
	Title      string      `yaml:"title,required"`
	Domain     Domain      `yaml:"domain"`
	Rationale  string      `yaml:"rationale"`
	Provenance Provenance  `yaml:"provenance"`
	Impact     Impacts     `yaml:"impact,required"`
	Likelihood Likelihood  `yaml:"likelihood,required"`
	Treat      []Treatment `yaml:"treat"`
}

// Impacts holds the impact per dimension; an empty value means the dimension
// does not apply to the risk (it is not LOW).
type Impacts struct {
	Individual   Impact `yaml:"individual"`
	Society      Impact `yaml:"society"`
	Organization Impact `yaml:"organization"`
}

// Treatment is one treatment option of a risk (ISO/IEC 23894 6.5).
type Treatment struct {
	Method             Method     `yaml:"method,required"`
	Action             string     `yaml:"action"`
	Rationale          string     `yaml:"rationale"`
	Controls           []string   `yaml:"controls"`
	ResidualLikelihood Likelihood `yaml:"residual_likelihood"`
	ResidualImpact     *Impacts   `yaml:"residual_impact"`
	Measures           []Measure  `yaml:"measures"`
}

// Measure is one measured or declared control.
type Measure struct {
	ID              string      `yaml:"id,required"`
	Metric          string      `yaml:"metric,required"`
	Constraint      string      `yaml:"constraint,required"`
	Severity        Severity    `yaml:"severity"`
	Enforcement     Enforcement `yaml:"enforcement,required"`
	Evaluation      Evaluation  `yaml:"evaluation"`
	Lifecycle       []Lifecycle `yaml:"lifecycle"`
	Article         string      `yaml:"article"`
	Frameworks      []string    `yaml:"frameworks"`
	ControlTier     ControlTier `yaml:"control_tier"`
	StandardClauses []string    `yaml:"standard_clauses"`
	Inputs          *Inputs     `yaml:"inputs"`
	Applicability   *struct{}   `yaml:"applicability"`
	Rationale       string      `yaml:"rationale"`
	// Post-market (Art. 72) plan fields.
	Trigger         string `yaml:"trigger"`
	Frequency       string `yaml:"frequency"`
	MetricThreshold string `yaml:"metric_threshold"`
	Art72Citation   string `yaml:"art72_citation"`
}

// Inputs name the columns a measure reads.
type Inputs struct {
	Prediction string `yaml:"prediction"`
	Target     string `yaml:"target"`
	Dimension  string `yaml:"dimension"`
	Cluster    string `yaml:"cluster"`
	Score      string `yaml:"score"`
}
