package dagster

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"seigarrena.dev/sei/adapters"
)

// DefsFile is the Dagster definitions file the adapter loads.
const DefsFile = "dagster_defs.py"

// asset is one asset as sei sees it: its key, the assets it depends on, and
// the files it reads and writes (metadata sei/deps and sei/outs).
type asset struct {
	Key  string   `json:"key"`
	Deps []string `json:"deps"`
	In   []string `json:"sei_deps"`
	Out  []string `json:"sei_outs"`
}

// listScript loads the definitions with Dagster itself, the only faithful
// reader of a Python file, and prints the asset graph as JSON.
const listScript = `
import importlib.util, json, sys
import dagster as dg
path = sys.argv[1]
spec = importlib.util.spec_from_file_location("dagster_defs", path)
mod = importlib.util.module_from_spec(spec)
sys.modules["dagster_defs"] = mod
spec.loader.exec_module(mod)
found = [v for v in vars(mod).values() if isinstance(v, dg.Definitions)]
if len(found) != 1:
    sys.exit(f"{path}: want one dagster.Definitions at module level, found {len(found)}")
def strings(md, k):
    v = md.get(k)
    v = getattr(v, "value", v)
    return [str(x) for x in (v or [])]
json.dump([{"key": a.key.to_user_string(),
            "deps": sorted(d.asset_key.to_user_string() for d in a.deps),
            "sei_deps": strings(a.metadata, "sei/deps"),
            "sei_outs": strings(a.metadata, "sei/outs")}
           for a in found[0].resolve_all_asset_specs()], sys.stdout)
`

// listAssets returns the asset graph of the definitions file. Loading it
// costs a Python start-up and a Dagster import (about 4 s), so the answer
// is kept in the adapter's Memo (the user's cache directory, sealed)
// keyed by the file's SHA-256 and Dagster's version: status, no-op runs and
// fresh clones on this machine then cost a file hash. The cost of the key
// is that metadata computed from other files is not seen to change; the
// scenario's lists are literals.
func (a *Adapter) listAssets(ctx context.Context) ([]asset, error) {
	src, err := os.ReadFile(filepath.Join(a.Repo, DefsFile))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", DefsFile, err)
	}
	version, _ := a.Version(ctx)
	name := memoName(version, src)
	var out []asset
	if data, ok := a.memo.Get(name); ok && json.Unmarshal(data, &out) == nil {
		return out, nil
	}
	if a.Bin == "" {
		return nil, fmt.Errorf("%s: reading the asset graph: %w", DefsFile, a.Missing())
	}
	if a.load != nil {
		ctx = adapters.WithSandbox(ctx, a.load)
	}
	r, err := adapters.Exec(ctx, a.Repo, a.Env, DefsFile, []string{a.Python(), "-c", listScript, DefsFile})
	if err != nil {
		return nil, err
	}
	if r.ExitCode != 0 {
		return nil, fmt.Errorf("%s: loading the definitions failed (exit %d):\n%s", DefsFile, r.ExitCode, r.Stderr)
	}
	if err := json.Unmarshal(r.Stdout, &out); err != nil {
		return nil, fmt.Errorf("%s: asset graph: %w", DefsFile, err)
	}
	if err := a.memo.Put(name, r.Stdout); err != nil {
		return nil, err
	}
	return out, nil
}

// memoName names the asset graph of definitions src, loaded by Dagster
// version.
func memoName(version string, src []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "dagster %s\n", version)
	h.Write(src)
	return "dagster-assets-" + hex.EncodeToString(h.Sum(nil)) + ".json"
}

// ordered sorts assets so that each comes after the assets it depends on,
// ties broken by key: the order query and reports print.
func ordered(in []asset) ([]asset, error) {
	byKey := map[string]asset{}
	for _, a := range in {
		byKey[a.Key] = a
	}
	keys := make([]string, 0, len(in))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	state := map[string]int{} // 1 visiting, 2 done
	var out []asset
	var visit func(k string) error
	visit = func(k string) error {
		switch state[k] {
		case 1:
			return fmt.Errorf("%s: asset %s depends on itself", DefsFile, k)
		case 2:
			return nil
		}
		state[k] = 1
		for _, d := range byKey[k].Deps {
			if _, ok := byKey[d]; ok {
				if err := visit(d); err != nil {
					return err
				}
			}
		}
		state[k] = 2
		out = append(out, byKey[k])
		return nil
	}
	for _, k := range keys {
		if err := visit(k); err != nil {
			return nil, err
		}
	}
	return out, nil
}
