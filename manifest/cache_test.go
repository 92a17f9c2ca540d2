package manifest

import (
	"bytes"
	"encoding/gob"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func cacheFixture(t *testing.T) (*Cache, string, []byte) {
	t.Helper()
	data, err := os.ReadFile("../testdata/loan/sei.yaml")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	file := filepath.Join(root, "sei.yaml")
	os.WriteFile(file, data, 0o644)
	return &Cache{Root: root, Dir: ".sei/cache/manifest", Key: []byte("k1"), Build: "b1"}, file, data
}

// plant writes an entry for data holding m, sealed with key.
func plant(t *testing.T, c *Cache, data []byte, m *Manifest, key []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(m); err != nil {
		t.Fatal(err)
	}
	id := c.id(data)
	sealer := *c
	sealer.Key = key
	p := filepath.Join(c.Root, c.Dir, id)
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, append(sealer.mac(id, buf.Bytes()), buf.Bytes()...), 0o644)
	return p
}

// A second load reads the stored entry: the same manifest, and positions
// for messages as a fresh decode gives them.
func TestCacheHitIsTheDecode(t *testing.T) {
	c, file, data := cacheFixture(t)
	fresh, err := Parse("sei.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Load(file, "sei.yaml"); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Join(c.Root, c.Dir))
	if len(entries) != 1 || entries[0].Name() != c.id(data) {
		t.Fatalf("entries after a miss: %v", entries)
	}
	hit, err := c.Load(file, "sei.yaml")
	if err != nil || hit.lazy == nil {
		t.Fatalf("second load: %v, lazy %v (not from the cache)", err, hit != nil && hit.lazy != nil)
	}
	for _, p := range []string{"", "system.intended_purpose", "risk.risks[0].treat[0].measures[0].constraint", "no.such.path"} {
		if hit.At(p) != fresh.At(p) {
			t.Errorf("At(%q) = %v from the cache, %v decoded", p, hit.At(p), fresh.At(p))
		}
	}
	hit.lazy, fresh.pos = nil, nil
	if !reflect.DeepEqual(hit, fresh) {
		t.Error("the cached manifest differs from the decoded one")
	}
}

// An entry sealed with this machine's key is used as it is (so the
// cache is really read); one sealed with another key, torn, or reached
// through a symlink is a miss: the file's own decoding wins.
func TestCacheRefusesForgedEntries(t *testing.T) {
	c, file, data := cacheFixture(t)
	forged, _ := Parse("sei.yaml", data)
	forged.System.IntendedPurpose = "planted"
	p := plant(t, c, data, forged, c.Key)
	if m, err := c.Load(file, "sei.yaml"); err != nil || m.System.IntendedPurpose != "planted" {
		t.Fatalf("an entry under this machine's key was not used: %v %q", err, m.System.IntendedPurpose)
	}
	check := func(what string) {
		t.Helper()
		m, err := c.Load(file, "sei.yaml")
		if err != nil || m.System.IntendedPurpose == "planted" || m.lazy != nil {
			t.Errorf("%s: %v, purpose %q", what, err, m.System.IntendedPurpose)
		}
	}
	plant(t, c, data, forged, []byte("attacker"))
	check("an entry sealed with another key")
	raw, _ := os.ReadFile(p)
	os.WriteFile(p, raw[:len(raw)/2], 0o644)
	check("a torn entry")
	os.WriteFile(p, raw[:10], 0o644)
	check("an entry shorter than its seal")
	os.Remove(p)
	outside := filepath.Join(t.TempDir(), "e")
	os.WriteFile(outside, raw, 0o644)
	os.Symlink(outside, p)
	check("an entry through a symlink")
	os.Remove(p)
	other := *c
	other.Build = "b2"
	if other.id(data) == c.id(data) {
		t.Error("another binary reads the same entry")
	}
}

// A manifest that does not decode is an error with its position, and no
// entry is stored.
func TestCacheStoresNoInvalidManifest(t *testing.T) {
	c, file, _ := cacheFixture(t)
	os.WriteFile(file, []byte("apiVersion: seigarrena.dev/v1alpha1\nkind: AISystem\nsystem: { name: 1 }\n"), 0o644)
	if _, err := c.Load(file, "sei.yaml"); err == nil {
		t.Fatal("an invalid manifest loaded")
	}
	if entries, _ := os.ReadDir(filepath.Join(c.Root, c.Dir)); len(entries) != 0 {
		t.Errorf("entries for an invalid manifest: %v", entries)
	}
}

// The cache keeps the newest entries only.
func TestCachePrunes(t *testing.T) {
	c, file, data := cacheFixture(t)
	for i := 0; i < keepEntries+4; i++ {
		os.WriteFile(file, append(append([]byte(nil), data...), []byte("# "+string(rune('a'+i))+"\n")...), 0o644)
		if _, err := c.Load(file, "sei.yaml"); err != nil {
			t.Fatal(err)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(c.Root, c.Dir))
	if len(entries) != keepEntries {
		t.Errorf("%d entries kept, want %d", len(entries), keepEntries)
	}
	last, _ := os.ReadFile(file)
	if _, err := os.Stat(filepath.Join(c.Root, c.Dir, c.id(last))); err != nil {
		t.Errorf("the newest entry was pruned: %v", err)
	}
}
