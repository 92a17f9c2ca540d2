package adapters

import (
	"crypto/hmac"
	"crypto/sha256"
	"path/filepath"

	"seigarrena.dev/sei/atomicfile"
	"seigarrena.dev/sei/confine"
)

// Memo keeps small answers of slow tool calls (Dagster's asset graph: a
// Python start-up and the definitions imported, about 4 s) in the user's
// cache directory, so that a fresh clone on this machine reads them too.
// Each file is sealed with HMAC-SHA256 under a machine-local key: a file
// planted in a repository, or edited, never verifies and is a miss.
type Memo struct {
	Dir string // absolute; made on first Put
	Key []byte // 32 bytes
}

// memoMax bounds what Get reads: an asset graph is a few kilobytes.
const memoMax = 16 << 20

// Get is the payload stored under name, false on a miss (absent, not a
// regular file, too large, or failing its seal).
func (m *Memo) Get(name string) ([]byte, bool) {
	if m == nil || len(m.Key) == 0 {
		return nil, false
	}
	data, err := confine.ReadRegular(filepath.Join(m.Dir, name), memoMax)
	if err != nil || len(data) < sha256.Size {
		return nil, false
	}
	sum, payload := data[:sha256.Size], data[sha256.Size:]
	if !hmac.Equal(sum, m.seal(name, payload)) {
		return nil, false
	}
	return payload, true
}

// Put stores payload under name, atomically; without a key it keeps nothing.
func (m *Memo) Put(name string, payload []byte) error {
	if m == nil || len(m.Key) == 0 {
		return nil
	}
	return atomicfile.Write(filepath.Join(m.Dir, name), append(m.seal(name, payload), payload...), 0o600)
}

// seal binds the payload to its name, so that one entry cannot be copied
// over another.
func (m *Memo) seal(name string, payload []byte) []byte {
	h := hmac.New(sha256.New, m.Key)
	h.Write([]byte("sei/adapter-memo/v1\n" + name + "\n"))
	h.Write(payload)
	return h.Sum(nil)
}
