package dag

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"seigarrena.dev/sei/table"
	"sort"
	"strings"
	"time"

	"seigarrena.dev/sei/adapters"
	"seigarrena.dev/sei/cache"
	"seigarrena.dev/sei/confine"
	"seigarrena.dev/sei/rules"
)

// State is what happened to a node in one build.
type State string

const (
	Computed State = "computed"   // a source digested or a rule evaluated in-process
	Ran      State = "ran"        // a stage's command ran
	UpToDate State = "up-to-date" // a stage's key and outputs were as in the last build: nothing looked up
	Cached   State = "cached"     // a stage's result was in the action cache and its outputs were in place
	Restored State = "restored"   // a stage's outputs were restored from the cache without running it
	WouldRun State = "would-run"
	Failed   State = "failed"
	Skipped  State = "skipped" // not built because an upstream node failed or the build stopped
)

// NodeResult is one node's outcome.
type NodeResult struct {
	Name     string
	Kind     Kind
	State    State
	Reason   string // why a stage ran or would run
	Duration time.Duration
	Stdout   []byte
	Stderr   []byte
	Err      error
	// Rejected says why a cached result (local or remote) was refused
	// before any of its bytes reached the work tree; the stage ran instead.
	Rejected string

	// What the node produced, recorded in the build state by finish.
	out   cache.Digest
	table *table.State // a table source's state now
	wrote []cache.TableVersion
	gate  *rules.GateResult
	batch []finished // the stages that ran in one process with this one
}

// exec computes one node on a worker. It changes nothing of the build
// state: what the node produced travels in its result to finish.
func (b *Builder) exec(ctx context.Context, id NodeID) NodeResult {
	n := b.G.Nodes[id]
	start := time.Now()
	var r NodeResult
	if b.DryRun && b.st.upstreamUnknown(id) {
		return NodeResult{Name: n.Name, Kind: n.Kind, State: WouldRun, Reason: "an input would be rebuilt"}
	}
	switch n.Kind {
	case Source:
		r = b.execSource(n)
	case Rule:
		r = b.execRule(n)
	case Stage:
		r = b.execStage(ctx, n)
	}
	r.Name, r.Kind = n.Name, n.Kind
	if r.Duration == 0 {
		r.Duration = time.Since(start)
	}
	return r
}

func (b *Builder) execSource(n *Node) NodeResult {
	d, st, err := sourceDigest(b.Repo, b.Hasher, n)
	if st != nil && err == nil && b.Pins != nil {
		d, st, err = b.pinned(n, d, st)
	}
	if err != nil {
		return NodeResult{State: Failed, Err: fmt.Errorf("%s: declared input: %w", n.Name, err)}
	}
	return NodeResult{State: Computed, out: d, table: st}
}

// sourceDigest is a source's digest: a manifest section's canonical
// bytes, a file's or directory's content, or a table's identity now (uuid,
// snapshot, metadata file), whose state is returned too.
func sourceDigest(repo string, h *cache.Hasher, n *Node) (cache.Digest, *table.State, error) {
	switch {
	case n.Table != nil:
		st, err := table.Read(repo, *n.Table)
		if err != nil {
			return cache.Digest{}, nil, err
		}
		return cache.Sum([]byte("sei/table/v1\n" + st.Digest())), &st, nil
	case n.Path == "":
		return cache.Sum(n.Content), nil, nil
	}
	d, err := h.Path(joinRepo(repo, n.Path))
	return d, nil, err
}

func (b *Builder) abs(p string) string { return joinRepo(b.Repo, p) }

// execRule evaluates an in-process node. They are cheap (microseconds to a
// millisecond), so they are recomputed rather than cached; their output
// digest still gives downstream nodes early cutoff.
func (b *Builder) execRule(n *Node) NodeResult {
	var v any
	var err error
	var gate *rules.GateResult
	switch n.Name {
	case Risks:
		v, err = rules.Analyze(b.M)
	case Plan:
		v, err = rules.Compile(b.M, rules.CompileOptions{})
	case MeasurementModel:
		v, err = b.metricsBytes()
	case Gate:
		v, gate, err = b.evaluateGate()
	default: // classification, data_governance, measurement_data: their inputs are their content
		v = b.G.Preimage(n.ID, "", b.st.out)
	}
	if err != nil {
		return NodeResult{State: Failed, Err: fmt.Errorf("%s: %w", n.Name, err)}
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return NodeResult{State: Failed, Err: fmt.Errorf("%s: %w", n.Name, err)}
	}
	return NodeResult{State: Computed, out: cache.Sum(raw), gate: gate}
}

func (b *Builder) metricsBytes() ([]byte, error) {
	p := b.M.Pipeline
	if p == nil {
		return nil, nil
	}
	data, err := os.ReadFile(b.abs(p.Metrics))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("the pipeline wrote no metrics file %s", p.Metrics)
	}
	if err != nil {
		return nil, err
	}
	if _, err := rules.ReadMetrics(p.Metrics, data); err != nil {
		return nil, err
	}
	return data, nil
}

func (b *Builder) evaluateGate() (any, *rules.GateResult, error) {
	data, err := b.metricsBytes()
	if err != nil || data == nil {
		return nil, nil, err
	}
	metrics, err := rules.ReadMetrics(b.M.Pipeline.Metrics, data)
	if err != nil {
		return nil, nil, err
	}
	g := rules.Evaluate(rules.ControlsOf(b.M), metrics)
	type verdict struct{ ID, Verdict string }
	var vs []verdict
	for _, r := range g.Results {
		vs = append(vs, verdict{r.Control.MeasureID, string(r.Verdict)})
	}
	return vs, &g, nil
}

// outputsDigest is a stage's output digest: its outputs' paths and
// digests, and the version of each table it wrote.
func outputsDigest(outs []cache.Output, tables []cache.TableVersion) cache.Digest {
	var sb strings.Builder
	for _, o := range outs {
		fmt.Fprintf(&sb, "%s %x %o\n", o.Path, o.Digest[:], o.Mode)
	}
	for _, t := range tables {
		fmt.Fprintf(&sb, "table %q %q %q %q\n", t.Name, t.UUID, t.Snapshot, t.MetadataSHA256)
	}
	return cache.Sum([]byte(sb.String()))
}

// outputDirs creates the parent directory of every declared output before
// the stage runs, as ninja and Bazel do, so a stage's command need not
// (a `mkdir -p` is a process per stage). Never through a symlink: the
// stage would then write wherever it points.
func (b *Builder) outputDirs(n *Node) error {
	made := map[string]bool{}
	for _, p := range n.Stage.Outputs {
		dir := path.Dir(filepath.ToSlash(p))
		if dir == "." || made[dir] {
			continue
		}
		made[dir] = true
		if err := confine.NoLinks(b.Repo, dir); err != nil {
			return fmt.Errorf("%s: output %s: %w", n.Name, p, err)
		}
		if err := os.MkdirAll(b.abs(dir), 0o755); err != nil {
			return fmt.Errorf("%s: output %s: %w", n.Name, p, err)
		}
	}
	return nil
}

// collectOutputs stores a stage's declared outputs in the CAS, one entry
// per file.
func (b *Builder) collectOutputs(n *Node) ([]cache.Output, error) {
	for _, p := range n.Stage.Outputs {
		if err := confine.NoLinks(b.Repo, p); err != nil {
			return nil, fmt.Errorf("%s: output: %w", n.Name, err)
		}
	}
	// A strict-sandbox output arrived by rename and is never rewritten in
	// place by its stage: it may share its blocks with the CAS.
	put := b.Store.PutFile
	if b.Sandbox.For(b.Adapter.Tool(), *n.Stage).Mode == adapters.Strict {
		put = b.Store.LinkFile
	}
	outs, missing, err := b.walkOutputs(n, func(full string, _ os.FileInfo) (cache.Digest, int64, error) {
		return put(full)
	})
	switch {
	case missing != "":
		return nil, fmt.Errorf("%s did not write its declared output %s", n.Name, missing)
	case err != nil:
		return nil, fmt.Errorf("%s: storing outputs: %w", n.Name, err)
	}
	return outs, nil
}

// walkOutputs digests every file of a stage's declared outputs (a directory
// is walked) with digest, and returns them sorted by path. A declared output
// that does not exist is returned as missing. One lstat per plain output
// file: this runs for every stage of a null build.
func (b *Builder) walkOutputs(n *Node, digest func(full string, fi os.FileInfo) (cache.Digest, int64, error)) (outs []cache.Output, missing string, err error) {
	add := func(full string, fi os.FileInfo) error {
		d, size, err := digest(full, fi)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(b.Repo, full)
		outs = append(outs, cache.Output{Path: filepath.ToSlash(rel), Digest: d, Size: size, Mode: uint32(fi.Mode().Perm())})
		return nil
	}
	for _, p := range n.Stage.Outputs {
		root := b.abs(p)
		fi, err := os.Lstat(root)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, p, nil
		case err != nil:
			return nil, "", err
		case !fi.IsDir():
			err = addRegular(add, root, fi)
		default:
			err = filepath.WalkDir(root, func(full string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				info, err := d.Info()
				if err != nil {
					return err
				}
				return addRegular(add, full, info)
			})
		}
		if err != nil {
			return nil, "", err
		}
	}
	sort.Slice(outs, func(i, j int) bool { return outs[i].Path < outs[j].Path })
	return outs, "", nil
}

// addRegular refuses an output that is a symlink, FIFO, device or socket:
// following a link would cache (and upload) a file from anywhere, such as
// /etc/passwd, and restore it as a plain file; opening a FIFO would hang.
func addRegular(add func(string, os.FileInfo) error, full string, fi os.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file (%s): outputs are regular files and directories", full, fi.Mode().Type())
	}
	return add(full, fi)
}

// pinned is a table source at the snapshot b.Pins holds for it (a replay),
// or as it is when it has no pin.
func (b *Builder) pinned(n *Node, d cache.Digest, st *table.State) (cache.Digest, *table.State, error) {
	pin, ok := b.Pins[strings.TrimPrefix(n.Name, "table:")]
	if !ok {
		return d, st, nil
	}
	if st.UUID != pin.UUID {
		return d, nil, fmt.Errorf("table %s is not the table sei.lock pinned (uuid %s, now %s): it was recreated", st.Ref, pin.UUID, st.UUID)
	}
	at, err := st.At(pin.Snapshot)
	if err != nil {
		return d, nil, err
	}
	if pin.Snapshot == st.Snapshot && pin.MetadataSHA256 == st.MetadataSHA256 {
		return d, st, nil // the pin is the table as it is
	}
	if validSHA256(pin.MetadataSHA256) {
		// The pin's own metadata digest: the snapshot's rows are what they
		// were when it was measured, so the replay has that run's key.
		at.MetadataSHA256 = pin.MetadataSHA256
		return cache.Sum([]byte("sei/table/v1\n" + at.Digest())), &at, nil
	}
	return cache.Sum([]byte("sei/table/v1/pinned\n" + at.Digest())), &at, nil
}

func validSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
