package rules

import (
	"fmt"
	"regexp"
	"strings"

	"seigarrena.dev/sei/manifest"
)

// Proposal is a risk the register does not declare but the manifest suggests.
type Proposal struct {
	ID     string          `json:"id"`
	Title  string          `json:"title"`
	Domain manifest.Domain `json:"domain"`
	Reason string          `json:"reason"`
}

// Assessment is the report of sei assess: the analysis and the proposals.
type Assessment struct {
	System    string     `json:"system"`
	Analysis  *Analysis  `json:"analysis"`
	Proposals []Proposal `json:"proposals"`
}

// Assess analyses the programme and proposes undeclared risks with fixed,
// documented rules (no model, no randomness): the same manifest always gives
// the same proposals, in rule order.
func Assess(m *manifest.Manifest) (*Assessment, error) {
	a, err := Analyze(m)
	if err != nil {
		return nil, err
	}
	as := &Assessment{System: m.System.Name, Analysis: a, Proposals: []Proposal{}}
	have := map[string]bool{}
	for _, r := range m.Risk.Risks {
		have[r.ID] = true
	}
	for _, rule := range proposalRules {
		for _, p := range rule(m) {
			if !have[p.ID] {
				have[p.ID] = true
				as.Proposals = append(as.Proposals, p)
			}
		}
	}
	return as, nil
}

// facts summarises what the register already covers, for the rules below.
type facts struct {
	domains   map[manifest.Domain]bool
	articles  map[string]bool // AI Act articles named by measures and controls
	groupMeas bool            // an automated measure with a group dimension
	accuracy  bool            // a measure of predictive performance
	monitor   bool            // a measure in the monitoring lifecycle
}

var accuracyMetric = regexp.MustCompile(`(?i)accuracy|auc|f1|precision|recall|error|rmse|mae|brier|calibration`)
var aiActArticle = regexp.MustCompile(`^eu/ai-act@\d{4}#art-(\d+)`)

func factsOf(m *manifest.Manifest) facts {
	f := facts{domains: map[manifest.Domain]bool{}, articles: map[string]bool{}}
	for _, r := range m.Risk.Risks {
		f.domains[r.Domain] = true
		for _, t := range r.Treat {
			for _, c := range t.Controls {
				if s := aiActArticle.FindStringSubmatch(c); s != nil {
					f.articles[s[1]] = true
				}
			}
		}
	}
	for _, rm := range m.Measures() {
		ms := rm.Measure
		f.articles[ms.Article] = true
		f.groupMeas = f.groupMeas || (ms.Automated() && ms.Inputs != nil && ms.Inputs.Dimension != "")
		f.accuracy = f.accuracy || accuracyMetric.MatchString(ms.Metric)
		f.monitor = f.monitor || manifest.Rank(ms.Lifecycle, "monitoring") >= 0
	}
	return f
}

type proposalRule func(m *manifest.Manifest) []Proposal

var proposalRules = []proposalRule{proposeFairness, proposeData, proposeTransparency, proposeOversight,
	proposeAccuracy, proposeDrift, proposeMisuse}

func decidesOnPeople(m *manifest.Manifest) bool {
	return len(m.System.Decisions) > 0 && len(m.System.AffectedPersons) > 0
}

func proposeFairness(m *manifest.Manifest) []Proposal {
	f := factsOf(m)
	if !decidesOnPeople(m) || f.domains["fairness"] || f.groupMeas {
		return nil
	}
	return []Proposal{{ID: "risk.unfair-outcomes", Domain: "fairness",
		Title:  "Unfair outcomes for groups of " + strings.Join(m.System.AffectedPersons, ", "),
		Reason: fmt.Sprintf("the system decides %s about people and no risk or measure covers disparity across groups", strings.Join(m.System.Decisions, "/"))}}
}

func proposeData(m *manifest.Manifest) []Proposal {
	f := factsOf(m)
	if m.Dataset == nil || f.domains["data"] || f.articles["10"] {
		return nil
	}
	return []Proposal{{ID: "risk.data-governance", Domain: "data",
		Title:  "Training data not relevant, representative or documented enough",
		Reason: "a dataset is declared (" + m.Dataset.Croissant + ") but no risk addresses data governance (AI Act Art. 10)"}}
}

func proposeTransparency(m *manifest.Manifest) []Proposal {
	f := factsOf(m)
	if len(m.System.AffectedPersons) == 0 || f.domains["transparency"] || f.articles["13"] {
		return nil
	}
	return []Proposal{{ID: "risk.insufficient-transparency", Domain: "transparency",
		Title:  "Deployers and affected persons not informed of the system and its limits",
		Reason: "people are affected (" + strings.Join(m.System.AffectedPersons, ", ") + ") and no risk addresses transparency (AI Act Art. 13)"}}
}

func proposeOversight(m *manifest.Manifest) []Proposal {
	f := factsOf(m)
	if len(m.System.Decisions) == 0 || f.articles["14"] {
		return nil
	}
	return []Proposal{{ID: "risk.insufficient-human-oversight", Domain: "governance",
		Title:  "Decisions taken without effective human oversight",
		Reason: "the system takes decisions (" + strings.Join(m.System.Decisions, ", ") + ") and no treatment cites AI Act Art. 14"}}
}

func proposeAccuracy(m *manifest.Manifest) []Proposal {
	f := factsOf(m)
	if m.Task == nil || m.Task.Type == "" || f.accuracy || f.domains["accuracy"] || f.domains["robustness"] {
		return nil
	}
	return []Proposal{{ID: "risk.inaccurate-decisions", Domain: "accuracy",
		Title:  "Predictive performance too low or unstable for the intended purpose",
		Reason: fmt.Sprintf("a %s task has no measure of predictive performance (AI Act Art. 15)", m.Task.Type)}}
}

func proposeDrift(m *manifest.Manifest) []Proposal {
	if len(m.Risk.Risks) == 0 || factsOf(m).monitor {
		return nil
	}
	return []Proposal{{ID: "risk.performance-drift", Domain: "robustness",
		Title:  "Performance or fairness degrades after release",
		Reason: "no measure is in the monitoring lifecycle (AI Act Art. 72 post-market monitoring)"}}
}

func proposeMisuse(m *manifest.Manifest) []Proposal {
	var out []Proposal
	for _, id := range misuseGaps(m) {
		for _, mu := range m.System.PotentialMisuses {
			if mu.ID == id {
				slug := strings.TrimPrefix(id, "mu.")
				out = append(out, Proposal{ID: "risk.misuse-" + slug, Domain: "governance",
					Title:  oneLine("Foreseeable misuse: " + mu.Description),
					Reason: "misuse " + id + " is not addressed by any declared risk (AI Act Art. 9(2)(b))"})
			}
		}
	}
	return out
}
