package remote

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/zeebo/blake3"

	"seigarrena.dev/sei/cache"
)

// MetaPath is the extra output of every action result sei uploads: a CAS
// blob with sei's own record (BLAKE3 digests, modes, the action id), so
// that the REAPI message stays valid for bazel-remote and sei loses
// nothing.
const MetaPath = ".sei/result.json"

// blobRef names one blob by both digests.
type blobRef struct {
	Blake3 cache.Digest `json:"blake3"`
	SHA256 string       `json:"sha256"`
	Size   int64        `json:"size"`
}

// meta is the MetaPath blob.
type meta struct {
	Schema     string       `json:"schema"`
	Action     string       `json:"action"`
	Outputs    []metaOutput `json:"outputs"`
	Stdout     *blobRef     `json:"stdout,omitempty"`
	Stderr     *blobRef     `json:"stderr,omitempty"`
	ExitCode   int          `json:"exit_code"`
	DurationNs int64        `json:"duration_ns"`
}

type metaOutput struct {
	Path string `json:"path"`
	Mode uint32 `json:"mode"`
	blobRef
}

const metaSchema = "seigarrena.dev/remote-result/v1"

// acKey is the remote action-cache key of a local action id: BLAKE3 of a
// domain tag and the id, so that sei's keys never collide with Bazel's.
func acKey(id cache.ActionID) string {
	h := blake3.New()
	h.Write([]byte("sei/ac/v1\x00"))
	h.Write(id[:])
	return hex.EncodeToString(h.Sum(nil))
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// verify checks a downloaded blob against its reference: size, SHA-256
// (the wire key) and BLAKE3 (the local key).
func verify(b []byte, ref blobRef) error {
	switch {
	case int64(len(b)) != ref.Size:
		return fmt.Errorf("cas/%s: %d bytes, want %d", ref.SHA256, len(b), ref.Size)
	case sha256Hex(b) != ref.SHA256:
		return fmt.Errorf("cas/%s: SHA-256 is %s", ref.SHA256, sha256Hex(b))
	case cache.Sum(b) != ref.Blake3:
		return fmt.Errorf("cas/%s: BLAKE3 is not %s", ref.SHA256, ref.Blake3)
	}
	return nil
}

// consistent checks that the REAPI message and sei's record describe the
// same outputs, and that the record is this action's.
func consistent(ar *ActionResult, m *meta, id cache.ActionID) error {
	if m.Schema != metaSchema || m.Action != id.String() {
		return fmt.Errorf("%s is for action %q (%s), not %s", MetaPath, m.Action, m.Schema, id)
	}
	want := map[string]WireDigest{}
	for _, f := range ar.OutputFiles {
		if f.Path != MetaPath {
			want[f.Path] = f.Digest
		}
	}
	if len(want) != len(m.Outputs) {
		return fmt.Errorf("action result lists %d outputs, %s %d", len(want), MetaPath, len(m.Outputs))
	}
	for _, o := range m.Outputs {
		if d, ok := want[o.Path]; !ok || d.Hash != o.SHA256 || d.Size != o.Size {
			return fmt.Errorf("output %s: action result and %s disagree", o.Path, MetaPath)
		}
	}
	return nil
}

func marshalMeta(m *meta) []byte {
	b, _ := json.Marshal(m) // plain structs: cannot fail
	return b
}
