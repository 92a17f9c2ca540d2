package manifest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"sort"
	"sync"

	"seigarrena.dev/sei/atomicfile"
	"seigarrena.dev/sei/confine"
)

// Cache keeps decoded, validated manifests, so that an unchanged sei.yaml
// is never decoded again: decoding 10k stages costs ~230 ms, reading the
// entry back ~10 ms (ninja keeps no parse either, but its format is a
// tenth of the work of YAML). An entry is named by the SHA-256 of the
// running binary's build id and the manifest's bytes, and sealed with an
// HMAC under a key that lives outside the repository: .sei/ may be
// written by an attacker, who could otherwise plant a "decoded" manifest
// with another gate than the file's. A missing, torn, forged or foreign
// entry is a miss, never an error: the manifest is decoded as if there
// were no cache.
type Cache struct {
	Root  string // the repository root
	Dir   string // repository-relative directory of the entries
	Key   []byte // the HMAC key, machine-local
	Build string // the running binary's build id
}

// maxEntry bounds an entry read back: a manifest is at most maxManifest
// bytes, and its gob is about half its size.
const maxEntry = 2 * maxManifest

// Load is Load(path, name) through the cache: a hit when an entry for
// these bytes and this binary verifies, else a decode that is then stored
// (a failure to store costs only the next decode).
func (c *Cache) Load(file, name string) (*Manifest, error) {
	data, err := readRegular(file)
	if err != nil {
		return nil, fmt.Errorf("reading manifest: %w", err)
	}
	id := c.id(data)
	if m := c.get(id, name, data); m != nil {
		return m, nil
	}
	m, err := Parse(name, data)
	if err != nil {
		return nil, err
	}
	c.put(id, m)
	return m, nil
}

func (c *Cache) id(data []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "sei-manifest-v1\x00%s\x00", c.Build)
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

func (c *Cache) mac(id string, payload []byte) []byte {
	h := hmac.New(sha256.New, c.Key)
	h.Write([]byte(id))
	h.Write(payload)
	return h.Sum(nil)
}

func (c *Cache) get(id, name string, data []byte) *Manifest {
	rel := path.Join(c.Dir, id)
	if confine.NoLinks(c.Root, rel) != nil {
		return nil
	}
	raw, err := confine.ReadRegular(filepath.Join(c.Root, filepath.FromSlash(rel)), maxEntry)
	if err != nil || len(raw) < sha256.Size || !hmac.Equal(raw[:sha256.Size], c.mac(id, raw[sha256.Size:])) {
		return nil
	}
	m, err := decodeEntry(raw[sha256.Size:])
	if err != nil {
		return nil
	}
	m.File, m.lazy = name, &lazyPos{src: data}
	return m
}

// put stores m unless its gob would not give it back whole (a field gob
// cannot carry): such a manifest is simply decoded every time.
func (c *Cache) put(id string, m *Manifest) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(m); err != nil {
		return
	}
	back, err := decodeEntry(buf.Bytes())
	if err != nil {
		return
	}
	back.File, back.pos = m.File, m.pos
	if !reflect.DeepEqual(back, m) {
		return
	}
	entry := append(c.mac(id, buf.Bytes()), buf.Bytes()...)
	if atomicfile.WriteIn(c.Root, path.Join(c.Dir, id), entry, 0o644) == nil {
		c.prune(id)
	}
}

// keepEntries is how many manifests the cache keeps: a few branches'
// worth, each about half its manifest's size.
const keepEntries = 8

// prune removes all but the newest keepEntries entries (by modification
// time, then name), never the one just written.
func (c *Cache) prune(keep string) {
	dir := filepath.Join(c.Root, filepath.FromSlash(c.Dir))
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) <= keepEntries {
		return
	}
	type aged struct {
		name string
		mod  int64
	}
	var all []aged
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && e.Type().IsRegular() && e.Name() != keep {
			all = append(all, aged{e.Name(), fi.ModTime().UnixNano()})
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].mod != all[j].mod {
			return all[i].mod > all[j].mod
		}
		return all[i].name < all[j].name
	})
	for _, a := range all[min(len(all), keepEntries-1):] {
		os.Remove(filepath.Join(dir, a.name))
	}
}

func decodeEntry(payload []byte) (m *Manifest, err error) {
	// gob reports bad input as errors, but a hostile stream that passed
	// the HMAC is already out of the threat model; recover anyway, so a
	// bug in it can cost a decode, not the command.
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, errors.New("manifest cache entry: undecodable")
		}
	}()
	m = &Manifest{}
	if err := gob.NewDecoder(bytes.NewReader(payload)).Decode(m); err != nil {
		return nil, err
	}
	return m, nil
}

// lazyPos holds the source of a manifest read from the cache: positions
// are needed only for a message, so the source is decoded again, once,
// the first time one is asked for.
type lazyPos struct {
	once sync.Once
	src  []byte
	pos  positions
}

func (l *lazyPos) positions(name string) positions {
	l.once.Do(func() {
		if m, err := Parse(name, l.src); err == nil {
			l.pos = m.pos
		}
	})
	return l.pos
}
