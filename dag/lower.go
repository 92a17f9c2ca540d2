package dag

import (
	"encoding/json"
	"fmt"
	"path"
	"seigarrena.dev/sei/table"
	"strings"

	"seigarrena.dev/sei/adapters"
	"seigarrena.dev/sei/manifest"
)

// Section node names, as sei.lock and sei status show them.
const (
	Classification   = "classification"
	Risks            = "risks"
	Plan             = "plan"
	DataGovernance   = "data_governance"
	MeasurementData  = "measurement_data"
	MeasurementModel = "measurement_model"
	Gate             = "gate"
)

type lowerer struct {
	g        *Graph
	m        *manifest.Manifest
	dataDir  string   // the Croissant descriptor's directory; "" when none
	dataGlob []string // more data: the descriptor's files, dataset.paths
	err      error
}

// Lower turns a manifest and its pipeline's stages into the build graph.
//
//	manifest:system, :task, :context, :classification ─scope→ classification ─scope→ risks ─scope→ plan
//	manifest:risk ─scope→ risks
//	file:<croissant> ─data→ data_governance
//	file:<dep> ─impl|data→ stage:<name> ─…→ stage:<consumer>
//	stages, eval.script, params, manifest:artifacts ─impl→ measurement_model
//	dataset files ─data→ measurement_data
//	plan ─scope→ measurement_*, gate;  measurement_model ─impl→ gate;  measurement_data ─data→ gate
func Lower(m *manifest.Manifest, stages []adapters.Stage) (*Graph, error) {
	return LowerWith(m, stages, nil)
}

// LowerWith is Lower where dataFiles (repository paths or globs, e.g. the
// files the Croissant descriptor distributes) are data besides what the
// manifest says; the caller reads them, as Lower reads no file.
func LowerWith(m *manifest.Manifest, stages []adapters.Stage, dataFiles []string) (*Graph, error) {
	tool := ""
	if m.Pipeline != nil {
		tool = string(m.Pipeline.Tool)
	}
	if err := checkStagePaths(stages, tool, m.PlanPath()); err != nil {
		return nil, err
	}
	l := &lowerer{g: New(), m: m, dataGlob: dataFiles}
	if m.Dataset != nil {
		l.dataDir = path.Dir(m.Dataset.Croissant)
		l.dataGlob = append(l.dataGlob, m.Dataset.Paths...)
	}
	l.scopeNodes()
	stageIDs := l.stageNodes(stages)
	l.measurementNodes(stageIDs)
	if l.err != nil {
		return nil, l.err
	}
	if _, err := l.g.Topo(); err != nil {
		return nil, err
	}
	return l.g, nil
}

func (l *lowerer) add(n *Node) NodeID {
	if id, ok := l.g.Lookup(n.Name); ok {
		return id
	}
	id, err := l.g.Add(n)
	if err != nil && l.err == nil {
		l.err = err
	}
	return id
}

// section adds a manifest-section source whose content is v's canonical JSON.
func (l *lowerer) section(name string, class adapters.EdgeClass, v any) NodeID {
	b, err := json.Marshal(v)
	if err != nil && l.err == nil {
		l.err = fmt.Errorf("lowering manifest section %s: %w", name, err)
	}
	return l.add(&Node{Name: "manifest:" + name, Kind: Source, Class: class, Content: b})
}

func (l *lowerer) file(p string, class adapters.EdgeClass) NodeID {
	return l.add(&Node{Name: "file:" + p, Kind: Source, Class: class, Path: p})
}

// table adds the source node of a dataset.tables entry.
func (l *lowerer) table(name string, class adapters.EdgeClass) NodeID {
	ref, ok := TableRef(l.m, name)
	if !ok && l.err == nil {
		l.err = fmt.Errorf("a stage reads table %q, which dataset.tables does not declare", name)
	}
	var p *table.Ref
	if ok {
		p = &ref
	}
	return l.add(&Node{Name: "table:" + name, Kind: Source, Class: class, Table: p})
}

// TableRef is the reference of the dataset.tables entry name.
func TableRef(m *manifest.Manifest, name string) (table.Ref, bool) {
	if m.Dataset == nil {
		return table.Ref{}, false
	}
	for _, t := range m.Dataset.Tables {
		if t.Name == name {
			r := table.Ref{Format: table.Format(t.Format), Catalog: t.Catalog, Name: t.Table}
			if t.Format == string(table.Delta) {
				r.Name = t.Path
			}
			return r, true
		}
	}
	return table.Ref{}, false
}

func (l *lowerer) rule(name string, lockType adapters.EdgeClass) NodeID {
	return l.add(&Node{Name: name, Kind: Rule, Section: true, LockType: lockType})
}

func (l *lowerer) scopeNodes() {
	m := l.m
	cls := l.rule(Classification, adapters.Scope)
	for _, s := range []NodeID{l.section("system", adapters.Scope, m.System), l.section("task", adapters.Scope, m.Task),
		l.section("context", adapters.Scope, m.Context), l.section("classification", adapters.Scope, m.Classification)} {
		l.g.Connect(s, cls, adapters.Scope)
	}
	risks := l.rule(Risks, adapters.Scope)
	l.g.Connect(cls, risks, adapters.Scope)
	l.g.Connect(l.section("risk", adapters.Scope, m.Risk), risks, adapters.Scope)
	l.g.Connect(risks, l.rule(Plan, adapters.Scope), adapters.Scope)
	if m.Dataset != nil {
		l.g.Connect(l.file(m.Dataset.Croissant, adapters.Data), l.rule(DataGovernance, adapters.Data), adapters.Data)
	}
}

// classify infers a stage input's class when its stage (or its tool, as
// DVC does for `dvc add`ed files) does not say: inside the Croissant
// descriptor's directory, among the files it distributes, or matched by
// dataset.paths it is data; anything else is implementation.
func (l *lowerer) classify(in adapters.Input) adapters.EdgeClass {
	if in.Class != "" {
		return in.Class
	}
	for _, g := range l.dataGlob {
		if matchData(g, in.Path) {
			return adapters.Data
		}
	}
	if l.dataDir != "" && l.dataDir != "." && (in.Path == l.dataDir || strings.HasPrefix(in.Path, l.dataDir+"/")) {
		return adapters.Data
	}
	if l.m.Dataset != nil && in.Path == l.m.Dataset.Croissant {
		return adapters.Data
	}
	return adapters.Impl
}

func (l *lowerer) stageNodes(stages []adapters.Stage) []NodeID {
	producer := map[string]NodeID{}
	writer := map[string]NodeID{} // table name -> the stage writing it
	var ids []NodeID
	for i := range stages {
		s := &stages[i]
		n := &Node{Name: "stage:" + s.Name, Kind: Stage, Stage: s, Section: true, LockType: adapters.Impl}
		for _, w := range s.Writes {
			ref, ok := TableRef(l.m, w.Table)
			if !ok && l.err == nil {
				l.err = fmt.Errorf("stage %s writes table %q, which dataset.tables does not declare", s.Name, w.Table)
			}
			n.Writes = append(n.Writes, TableOut{Name: w.Table, Ref: ref})
		}
		id := l.add(n)
		ids = append(ids, id)
		for _, o := range s.Outputs {
			producer[o] = id
		}
		for _, w := range s.Writes {
			writer[w.Table] = id
		}
	}
	for i, id := range ids {
		allData := len(stages[i].Inputs) > 0
		for _, in := range stages[i].Inputs {
			c := l.classify(in)
			allData = allData && c == adapters.Data
			l.g.Connect(l.inputNode(in, c, producer, writer), id, c)
		}
		if allData {
			l.g.Nodes[id].LockType = adapters.Data
		}
	}
	return ids
}

// inputNode is the node a stage input comes from: the stage writing the
// table or file, else the table's or file's source node.
func (l *lowerer) inputNode(in adapters.Input, c adapters.EdgeClass, producer, writer map[string]NodeID) NodeID {
	if in.Table != "" {
		if w, ok := writer[in.Table]; ok {
			return w
		}
		return l.table(in.Table, c)
	}
	if p, ok := producedBy(producer, in.Path); ok {
		return p
	}
	return l.file(in.Path, c)
}

// producedBy finds the stage writing p, or a directory holding p.
func producedBy(producer map[string]NodeID, p string) (NodeID, bool) {
	for q := p; q != "." && q != "/"; q = path.Dir(q) {
		if id, ok := producer[q]; ok {
			return id, true
		}
	}
	return 0, false
}

func (l *lowerer) measurementNodes(stageIDs []NodeID) {
	m := l.m
	plan, _ := l.g.Lookup(Plan)
	model := l.rule(MeasurementModel, adapters.Impl)
	data := l.rule(MeasurementData, adapters.Data)
	gate := l.rule(Gate, adapters.Scope)
	l.g.Connect(plan, model, adapters.Scope)
	l.g.Connect(plan, data, adapters.Scope)
	l.g.Connect(plan, gate, adapters.Scope)
	l.g.Connect(model, gate, adapters.Impl)
	l.g.Connect(data, gate, adapters.Data)
	l.g.Connect(l.section("artifacts", adapters.Impl, m.Artifacts), model, adapters.Impl)
	l.g.Connect(l.section("pipeline", adapters.Impl, m.Pipeline), model, adapters.Impl)
	if m.Eval != nil {
		l.g.Connect(l.file(m.Eval.Script, adapters.Impl), model, adapters.Impl)
	}
	if m.Pipeline != nil && m.Pipeline.Params != "" {
		l.g.Connect(l.file(m.Pipeline.Params, adapters.Impl), model, adapters.Impl)
	}
	for _, id := range stageIDs {
		l.g.Connect(id, model, adapters.Impl)
	}
	for _, n := range l.g.Nodes {
		if n.Kind == Source && n.Class == adapters.Data {
			l.g.Connect(n.ID, data, adapters.Data)
		}
	}
}

// matchData matches a repository path against a data pattern: a path, a
// path.Match glob, or "dir/**" for everything under dir (and dir itself).
func matchData(pattern, p string) bool {
	if dir, ok := strings.CutSuffix(pattern, "/**"); ok {
		return p == dir || strings.HasPrefix(p, dir+"/")
	}
	ok, _ := path.Match(pattern, p)
	return ok || pattern == p
}
