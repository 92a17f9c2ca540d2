package main

import (
	"seigarrena.dev/sei/cache/remote"
	"seigarrena.dev/sei/dag"
)

// buildReport is sei build --json and sei run --json (schemas/build.v1.json
// and run.v1.json): the counts the summary line prints, each stage's
// outcome in build order, the gate, the remote cache's figures, and for a
// run the evidence written.
type buildReport struct {
	OK       bool             `json:"ok"`
	DryRun   bool             `json:"dry_run"`
	Nodes    int              `json:"nodes"`
	Stages   stageCounts      `json:"stages"`
	Rejected int              `json:"rejected"`
	Results  []stageResult    `json:"results"`
	Gate     *gateStatus      `json:"gate"`
	Remote   *remote.Stats    `json:"remote"`
	Evidence *evidenceWritten `json:"evidence,omitempty"`
}

type stageCounts struct {
	Total    int `json:"total"`
	Ran      int `json:"ran"`
	UpToDate int `json:"up_to_date"`
	Cached   int `json:"cached"`
	Restored int `json:"restored"`
	Failed   int `json:"failed"`
	Skipped  int `json:"skipped"`
	WouldRun int `json:"would_run"`
}

// stageResult is one stage (or a failed node of another kind).
type stageResult struct {
	Name      string    `json:"name"`
	Kind      dag.Kind  `json:"kind"`
	State     dag.State `json:"state"`
	DurationS float64   `json:"duration_s"`
	Reason    string    `json:"reason,omitempty"`
	Error     string    `json:"error,omitempty"`
	Rejected  string    `json:"rejected,omitempty"`
}

type evidenceWritten struct {
	Bundle   string `json:"bundle"`
	Lock     string `json:"lock"`
	SignedBy string `json:"signed_by"`
}

func newBuildReport(rep *dag.Report, dry bool, rs *remote.Stats) buildReport {
	out := buildReport{OK: rep.OK(), DryRun: dry, Nodes: len(rep.Results), Rejected: rep.Rejected, Remote: rs,
		Results: []stageResult{},
		Stages: stageCounts{Total: rep.Stages, Ran: rep.Ran, UpToDate: rep.UpToDate, Cached: rep.Cached,
			Restored: rep.Restore, Failed: rep.Failed, Skipped: rep.Skipped, WouldRun: rep.WouldRun}}
	for _, r := range rep.Results {
		if r.Kind != dag.Stage && r.State != dag.Failed {
			continue
		}
		sr := stageResult{Name: r.Name, Kind: r.Kind, State: r.State, DurationS: r.Duration.Seconds(), Reason: r.Reason, Rejected: r.Rejected}
		if r.State == dag.UpToDate || r.State == dag.Cached {
			sr.DurationS = 0 // the lookup's time, not the stage's: noise in a diff
		}
		if r.Err != nil {
			sr.Error = r.Err.Error()
		}
		out.Results = append(out.Results, sr)
	}
	if g := rep.Gate; g != nil {
		out.Gate = &gateStatus{Passed: g.Passed, Blocking: g.Blocking}
	}
	return out
}
