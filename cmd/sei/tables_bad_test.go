package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadTables: after a good run of the writesManifest pipeline, each
// way its tables can go wrong (a corrupt commit of the table a stage
// wrote, the catalog gone, an unknown table, a pin naming a snapshot the
// table never had, the written table swapped for a symlink out of the
// repository) is an error naming the table, a non-zero exit, and nothing
// written: sei.lock, the bundle and the stage outputs keep their bytes.
func TestBadTables(t *testing.T) {
	venv := lakeVenv(t)
	for _, c := range []struct {
		name  string
		spoil func(t *testing.T, dir string)
		args  []string // the command that must fail
		says  string
	}{
		{"corrupt-written-commit", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "lake/features/_delta_log/00000000000000000000.json"), []byte("{not json\n"), 0o644)
		}, []string{"run"}, "table:features"},
		{"catalog-missing", func(t *testing.T, dir string) {
			os.Rename(filepath.Join(dir, "lake/catalog.db"), filepath.Join(dir, "catalog.db.away"))
		}, []string{"run"}, "table:applications"},
		{"unknown-table", func(t *testing.T, dir string) {
			replaceFile(t, filepath.Join(dir, "sei.yaml"), "table: credit.applications", "table: credit.nope")
		}, []string{"run"}, "table:applications"},
		{"pin-never-a-snapshot", func(t *testing.T, dir string) {
			lock := fileText(t, filepath.Join(dir, "sei.lock"))
			i := strings.Index(lock, `"snapshot": "`)
			j := i + len(`"snapshot": "`) + strings.Index(lock[i+len(`"snapshot": "`):], `"`)
			os.WriteFile(filepath.Join(dir, "sei.lock"), []byte(lock[:i]+`"snapshot": "1234567890123`+lock[j:]), 0o644)
		}, []string{"run", "--tables", "pinned"}, "table:applications"},
		{"written-table-symlinked-out", func(t *testing.T, dir string) {
			outside := filepath.Join(t.TempDir(), "elsewhere")
			os.Rename(filepath.Join(dir, "lake/features"), outside)
			os.Symlink(outside, filepath.Join(dir, "lake/features"))
			os.WriteFile(filepath.Join(dir, "featurize.py"), []byte(featurizePy+"# changed\n"), 0o644)
		}, []string{"run"}, "table:features: the stage writes it in place"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := writesRepo(t, venv)
			c.spoil(t, dir)
			outside := ""
			if fi, err := os.Lstat(filepath.Join(dir, "lake/features")); err == nil && fi.Mode()&os.ModeSymlink != 0 {
				outside, _ = os.Readlink(filepath.Join(dir, "lake/features"))
			}
			before := snapshotFiles(t, dir, outside)
			_, errs, code := seiRun(t, append(c.args, "--repo", dir)...)
			if code == 0 || !strings.Contains(errs, c.says) {
				t.Fatalf("sei %s: exit %d, want an error naming %s:\n%s", strings.Join(c.args, " "), code, c.says, errs)
			}
			if after := snapshotFiles(t, dir, outside); after != before {
				t.Errorf("a failed run changed files:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// writesRepo is the writesManifest repository after its first good run,
// committed.
func writesRepo(t *testing.T, venv string) string {
	t.Helper()
	dir := writesTree(t, venv)
	t.Setenv("SEI_SIGNING_KEY", testKeyPEM)
	shell(t, dir, "git init -q && git add -A && git -c user.name=A -c user.email=a@example.org commit -qm tables")
	if _, errs, code := seiRun(t, "run", "--repo", dir); code != 0 {
		t.Fatalf("first run: exit %d\n%s", code, errs)
	}
	shell(t, dir, "git add -A && git -c user.name=A -c user.email=a@example.org commit -qm run")
	return dir
}

// snapshotFiles is the bytes of what a failed run must not touch: the
// lock, the evidence, the stage outputs, and the table outside the
// repository a symlink points at.
func snapshotFiles(t *testing.T, dir, outside string) string {
	t.Helper()
	var b strings.Builder
	for _, f := range []string{"sei.lock", ".sei/bundle.json", ".sei/bundle.json.sig", "counts.txt", "metrics.json"} {
		data, _ := os.ReadFile(filepath.Join(dir, f))
		b.WriteString(f + "=" + string(data) + ";")
	}
	if outside != "" {
		b.WriteString(shell(t, outside, "find . -type f | sort | xargs sha256sum"))
	}
	return b.String()
}
