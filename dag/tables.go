package dag

import (
	"errors"
	"fmt"
	"seigarrena.dev/sei/confine"
	"sort"
	"strings"

	"seigarrena.dev/sei/cache"
	"seigarrena.dev/sei/table"
)

// Pin is a table at a snapshot, as sei.lock records it, with the digest of
// the metadata file that named it then: a replay at the pin has the same
// key as the run that made it (a snapshot's rows never change), so it is
// a cache hit while the results are kept.
type Pin struct{ UUID, Snapshot, MetadataSHA256 string }

// TableRead is one table as the build found or left it.
type TableRead struct {
	Name      string // dataset.tables name
	State     table.State
	ReadBy    []string // stage node names, sorted
	WrittenBy string   // the stage node that wrote this snapshot; "" for a source
}

// ErrTableMoved is a cached result whose written table no longer holds
// what the cached run left there: the snapshot expired or the table was
// recreated. The stage runs again (sei never moves a table's current
// snapshot back: readers downstream read the snapshot the run recorded).
var ErrTableMoved = errors.New("the table no longer keeps the snapshot the cached run wrote")

// wroteTables reads, after a stage ran, the version each table it writes
// is at now: what the stage committed.
func (b *Builder) wroteTables(n *Node) ([]cache.TableVersion, error) {
	var out []cache.TableVersion
	for _, w := range n.Writes {
		st, err := table.Read(b.Repo, w.Ref)
		if err != nil {
			return nil, fmt.Errorf("%s did not leave its declared table %s readable: %w", n.Name, w.Name, err)
		}
		out = append(out, cache.TableVersion{Name: w.Name, UUID: st.UUID, Snapshot: st.Snapshot, MetadataSHA256: st.MetadataSHA256})
	}
	return out, nil
}

// tablesWritable refuses to run a stage whose written table is reached
// through a symlink: the stage would commit wherever the link points, out
// of the repository, and the sandbox binds no such path. Said before the
// stage runs, naming the table, rather than as the stage's own failure.
func (b *Builder) tablesWritable(n *Node) error {
	for _, w := range n.Stage.Writes {
		if err := confine.NoLinks(b.Repo, w.Dir); err != nil {
			return fmt.Errorf("table:%s: the stage writes it in place, and %w", w.Table, err)
		}
	}
	return nil
}

// tablesKept checks a cached result of a stage writing tables: it names
// exactly the tables the stage declares, and each still keeps, under the
// same uuid, the snapshot the cached run wrote (a result from a hostile
// or stale cache naming another table or snapshot is no hit).
func (b *Builder) tablesKept(n *Node, res *cache.Result) error {
	if len(res.Tables) != len(n.Writes) {
		return fmt.Errorf("%s: its cached result names %d written tables, the stage declares %d", n.Name, len(res.Tables), len(n.Writes))
	}
	for i, w := range n.Writes {
		v := res.Tables[i]
		if v.Name != w.Name {
			return fmt.Errorf("%s: its cached result names table %q where the stage writes %q", n.Name, v.Name, w.Name)
		}
		st, err := table.Read(b.Repo, w.Ref)
		if errors.Is(err, table.ErrNoTable) {
			return fmt.Errorf("table:%s: %w: it is gone (%v)", w.Name, ErrTableMoved, err)
		}
		if err != nil {
			return fmt.Errorf("table:%s: %w", w.Name, err)
		}
		switch {
		case st.UUID != v.UUID:
			return fmt.Errorf("table:%s: %w: it was recreated (uuid %s, the run wrote %s)", w.Name, ErrTableMoved, st.UUID, v.UUID)
		case !st.Has(v.Snapshot):
			return fmt.Errorf("table:%s: %w: snapshot %s expired", w.Name, ErrTableMoved, v.Snapshot)
		}
	}
	return nil
}

// tablePins are the variables that pin each table the stage reads at the
// snapshot its key was computed from: SEI_TABLE_<NAME>_SNAPSHOT, _UUID and
// _FORMAT (NAME upper-cased, other characters as _). A stage that reads
// the table at that snapshot (time travel) measures exactly what the key
// and the evidence name, even if the table moves on while it runs. A table
// another stage writes is pinned at the snapshot that stage recorded.
func (b *Builder) tablePins(id NodeID) []string {
	var env []string
	for _, in := range b.G.Nodes[id].Stage.Inputs {
		if in.Table == "" {
			continue
		}
		uuid, snap, format, ok := b.tableInput(id, in.Table)
		if !ok {
			continue
		}
		name := envName(in.Table)
		env = append(env, "SEI_TABLE_"+name+"_SNAPSHOT="+snap, "SEI_TABLE_"+name+"_UUID="+uuid, "SEI_TABLE_"+name+"_FORMAT="+format)
	}
	sort.Strings(env)
	return env
}

// tableInput is the version of table name that stage id reads: the
// source's state, or what the upstream stage writing it recorded.
func (b *Builder) tableInput(id NodeID, name string) (uuid, snapshot, format string, ok bool) {
	for _, e := range b.G.in[id] {
		from := b.G.Nodes[e.From]
		if st := b.st.tables[e.From]; st != nil && from.Name == "table:"+name {
			return st.UUID, st.Snapshot, string(st.Ref.Format), true
		}
		for i, w := range from.Writes {
			if w.Name == name && i < len(b.st.wrote[e.From]) {
				v := b.st.wrote[e.From][i]
				return v.UUID, v.Snapshot, string(w.Ref.Format), true
			}
		}
	}
	return "", "", "", false
}

// tablesRead lists the needed tables read or written, by name: each
// source with the stages that read it, each written table at the version
// its stage recorded, with the stages downstream that read it there.
func (b *Builder) tablesRead(need []bool) []TableRead {
	var out []TableRead
	for id, st := range b.st.tables {
		if st != nil && need[id] {
			tr := TableRead{Name: strings.TrimPrefix(b.G.Nodes[id].Name, "table:"), State: *st}
			tr.ReadBy = b.readers(NodeID(id), tr.Name)
			out = append(out, tr)
		}
	}
	for id, vs := range b.st.wrote {
		n := b.G.Nodes[id]
		for i, v := range vs {
			st := table.State{Ref: n.Writes[i].Ref, UUID: v.UUID, Snapshot: v.Snapshot, MetadataSHA256: v.MetadataSHA256}
			out = append(out, TableRead{Name: v.Name, State: st, WrittenBy: n.Name, ReadBy: b.readers(NodeID(id), v.Name)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// readers are the stages downstream of id that read table name, sorted.
func (b *Builder) readers(id NodeID, name string) []string {
	out := []string{} // never null in the bundle
	for _, e := range b.G.out[id] {
		to := b.G.Nodes[e.To]
		if to.Kind != Stage {
			continue
		}
		for _, in := range to.Stage.Inputs {
			if in.Table == name {
				out = append(out, to.Name)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}
