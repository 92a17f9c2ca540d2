// Package journal keeps the record of a null build: every file and
// directory the build's outcome depended on, with the stat it had, and
// what the build printed. While every entry stats the same, the same build
// would do nothing and print the same, so sei prints the record instead of
// decoding the manifest, lowering the graph, opening the cache and reading
// its memos. It is what .ninja_log is to ninja's null build, and Bazel's
// in-memory graph to Bazel's: the cost of a null build becomes one read and
// one lstat per file (two cores share the lstats), where the full path
// costs ~29 µs of CPU per node (10k stages, profiled).
//
// The record lives in .sei/, which an attacker may write, so it is sealed
// with a keyed BLAKE3 MAC under the machine-local key that also seals the
// manifest cache: a planted or edited record does not verify and is a
// miss, never a replay.
package journal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/zeebo/blake3"

	"seigarrena.dev/sei/confine"
)

// Stat is what must be unchanged for an entry to hold: for a file or a
// directory, its identity, size, type, permissions and both timestamps (a
// directory's change when an entry is added or removed); Mode 0 is a path
// that did not exist.
type Stat struct {
	Mode             uint32
	Dev, Ino         uint64
	Size             int64
	MtimeNs, CtimeNs int64
}

// Entry is one path the build depended on, repository-relative.
type Entry struct {
	Path string
	Stat Stat
}

// Journal is one null build's record.
type Journal struct {
	// Context digests what else the outcome depends on (the binary, the
	// arguments, the environment sei reads); the caller computes it and a
	// record made under another context is a miss.
	Context [32]byte
	// Sandboxed: the build checked that the sandbox is available; a
	// replay checks it again, so a machine that lost it still fails.
	Sandboxed bool
	Entries   []Entry // sorted by path, no duplicates
	Stdout    []byte
	Stderr    []byte
	// Exit and Message are the command's exit status and its last line
	// (sei status: its verdict).
	Exit    int32
	Message string
	// UntilNs, when not 0, is when the record stops holding whatever the
	// files say (sei status: the next review falls due), Unix nanoseconds.
	UntilNs int64
}

// File is the null build's record's path in the repository; StatusFile is
// sei status's.
const (
	File       = ".sei/cache/journal"
	StatusFile = ".sei/cache/status-journal"
)

const magic = "sei-journal-v2\n"

// maxRecord bounds a record read back: 100k stages are ~12 MB.
const maxRecord = 256 << 20

// ErrForged is a record whose MAC does not verify (or is torn).
var ErrForged = errors.New("journal: record does not verify")

func seal(key []byte, payload []byte) ([]byte, error) {
	h, err := blake3.NewKeyed(key)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	h.Write(payload)
	return h.Sum(nil), nil
}

// Read reads and verifies the null build's record of the repository at
// root: nil and fs.ErrNotExist when there is none.
func Read(root string, key []byte) (*Journal, error) { return ReadFile(root, File, key) }

// ReadFile is Read of the record at file (File or StatusFile).
func ReadFile(root, file string, key []byte) (*Journal, error) {
	if err := confine.NoLinks(root, filepath.Dir(file)); err != nil {
		return nil, err
	}
	raw, err := confine.ReadRegular(filepath.Join(root, file), maxRecord)
	if err != nil {
		return nil, err
	}
	if len(raw) < len(magic)+32 || string(raw[:len(magic)]) != magic {
		return nil, ErrForged
	}
	mac, payload := raw[len(magic):len(magic)+32], raw[len(magic)+32:]
	want, err := seal(key, payload)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(mac, want) {
		return nil, ErrForged
	}
	return decode(payload)
}

// Remove deletes the record: every build that may change what a null
// build prints calls it before it starts.
// Where there is none it touches nothing (unlink would fail with EROFS on
// a read-only checkout even then).
func Remove(root string) error { return RemoveFile(root, File) }

// RemoveFile is Remove of the record at file.
func RemoveFile(root, file string) error {
	p := filepath.Join(root, file)
	if _, err := os.Lstat(p); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	err := os.Remove(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// encode lays out the payload: context, flags, entries, outputs.
func (j *Journal) encode() []byte {
	b := make([]byte, 0, 64+len(j.Entries)*64+len(j.Stdout)+len(j.Stderr))
	b = append(b, j.Context[:]...)
	flags := byte(0)
	if j.Sandboxed {
		flags = 1
	}
	b = append(b, flags)
	b = binary.AppendUvarint(b, uint64(len(j.Entries)))
	for _, e := range j.Entries {
		b = binary.AppendUvarint(b, uint64(len(e.Path)))
		b = append(b, e.Path...)
		b = binary.LittleEndian.AppendUint32(b, e.Stat.Mode)
		for _, v := range []uint64{e.Stat.Dev, e.Stat.Ino, uint64(e.Stat.Size), uint64(e.Stat.MtimeNs), uint64(e.Stat.CtimeNs)} {
			b = binary.LittleEndian.AppendUint64(b, v)
		}
	}
	for _, out := range [][]byte{j.Stdout, j.Stderr, []byte(j.Message)} {
		b = binary.AppendUvarint(b, uint64(len(out)))
		b = append(b, out...)
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(j.Exit))
	return binary.LittleEndian.AppendUint64(b, uint64(j.UntilNs))
}

const statSize = 4 + 5*8

// decode reads a payload back. It has passed the MAC, but is bounds-checked
// anyway: a bug must cost a miss, not a crash.
func decode(p []byte) (*Journal, error) {
	d := decoder{b: p}
	j := &Journal{}
	copy(j.Context[:], d.take(32))
	j.Sandboxed = d.take(1)[0] == 1
	n := d.uvarint()
	if n > uint64(len(d.b))/(1+statSize) {
		return nil, ErrForged
	}
	j.Entries = make([]Entry, 0, n)
	for i := uint64(0); i < n && d.err == nil; i++ {
		path := string(d.take(int(min(d.uvarint(), maxRecord))))
		s := d.take(statSize)
		u := func(k int) uint64 { return binary.LittleEndian.Uint64(s[4+8*k:]) }
		j.Entries = append(j.Entries, Entry{Path: path, Stat: Stat{Mode: binary.LittleEndian.Uint32(s),
			Dev: u(0), Ino: u(1), Size: int64(u(2)), MtimeNs: int64(u(3)), CtimeNs: int64(u(4))}})
	}
	j.Stdout = bytes.Clone(d.take(int(min(d.uvarint(), maxRecord))))
	j.Stderr = bytes.Clone(d.take(int(min(d.uvarint(), maxRecord))))
	j.Message = string(d.take(int(min(d.uvarint(), maxRecord))))
	j.Exit = int32(binary.LittleEndian.Uint32(d.take(4)))
	j.UntilNs = int64(binary.LittleEndian.Uint64(d.take(8)))
	if d.err != nil || len(d.b) != 0 {
		return nil, ErrForged
	}
	return j, nil
}

// decoder reads a payload front to back; past its end every read gives
// zeros and err is set.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) take(n int) []byte {
	if d.err != nil || n < 0 || n > len(d.b) {
		d.err = ErrForged
		return make([]byte, statSize) // zeros, enough for any fixed-size read
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) uvarint() uint64 {
	v, k := binary.Uvarint(d.b)
	if k <= 0 {
		d.err = ErrForged
		return 0
	}
	d.b = d.b[k:]
	return v
}
