package evidence

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/go-git/go-git/v5"

	"seigarrena.dev/sei/attest"
	"seigarrena.dev/sei/cache"
	"seigarrena.dev/sei/dag"
	"seigarrena.dev/sei/manifest"
	"seigarrena.dev/sei/rules"
)

// LockOf is the lock a complete build earns, without the bundle anchor,
// from the source digests the build itself used (a file edited during the
// build is not mis-anchored). Only a run writes it (WriteRun), together
// with the evidence it anchors: a lock detached from its evidence is a
// state sei never leaves.
func LockOf(g *dag.Graph, rep *dag.Report, m *manifest.Manifest, t attest.Triple) *attest.Lock {
	src := make([]cache.Digest, len(g.Nodes))
	for _, n := range g.Nodes {
		if n.Kind == dag.Source {
			src[n.ID] = rep.Out[n.ID]
		}
	}
	gateFailed := rep.Gate != nil && !rep.Gate.Passed
	sections, inputs := g.LockSections(src, g.ClassDigestsFrom(src), gateFailed)
	l := &attest.Lock{SchemaVersion: attest.LockSchema, ProgramUID: rules.ProgramUID(m.System.Name),
		Triple: t, Sections: sections, Inputs: inputs}
	for _, tr := range rep.Tables {
		if tr.WrittenBy != "" {
			continue // follows from the sources and the stage's code
		}
		if l.Tables == nil {
			l.Tables = map[string]attest.TablePin{}
		}
		l.Tables[tr.Name] = attest.TablePin{Format: string(tr.State.Ref.Format), Identifier: tr.State.Ref.Identifier(),
			UUID: tr.State.UUID, Snapshot: tr.State.Snapshot, MetadataSHA256: tr.State.MetadataSHA256}
	}
	return l
}

// TripleOf is the run's triple: code is HEAD's SHA-1 (empty before the
// first commit), model the declared family and seed, dataset the SHA-256
// of the Croissant descriptor.
func TripleOf(root string, m *manifest.Manifest) attest.Triple {
	var t attest.Triple
	if r, err := git.PlainOpenWithOptions(root, &git.PlainOpenOptions{DetectDotGit: true}); err == nil {
		if h, err := r.Head(); err == nil {
			t.Code = h.Hash().String()
		}
	}
	if a := m.Artifacts; a != nil && a.Model != nil {
		t.Model = a.Model.Kind
		if a.Model.Seed != nil {
			t.Model += fmt.Sprintf(":seed=%d", *a.Model.Seed)
		}
	}
	if d := m.Dataset; d != nil {
		if b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(d.Croissant))); err == nil {
			t.Dataset = attest.SHA256Digest(b)
		}
	}
	return t
}
