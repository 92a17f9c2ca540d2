// Package attest is sei's evidence: sei.lock, the signed bundle, DSSE
// signing and verification, trusted keys, lifecycle acts and their
// signatures, and reconstruction from git history.
package attest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
)

// LockFile is sei.lock's name at the repository root.
const LockFile = "sei.lock"

// LockSchema is the lock's schema_version.
const LockSchema = "seigarrena.dev/v1alpha1"

// LegacyLockSchema is the schema_version of the original engine's locks
// under its earlier names (froga.lock, venth.lock).
const LegacyLockSchema = "venturalitica.ai/v1alpha1"

// Lock is sei.lock: the freshness anchor written after every build. Field
// order and names follow the specification's sei.lock page; "classes" (the
// three per-class sub-digests of a section) and "inputs" (each source's
// digest) are ours: with them sei status names the drift class and the
// changed file from the lock alone, on a fresh clone with no cache.
type Lock struct {
	SchemaVersion string               `json:"schema_version"`
	ProgramUID    string               `json:"program_uid"`
	Triple        Triple               `json:"triple"`
	Sections      map[string]LockEntry `json:"sections"`
	Inputs        map[string]string    `json:"inputs"`
	// Tables pin each source table (read, written by no stage) at the
	// snapshot the run measured; `sei run --tables pinned` measures them
	// there again, and the stages writing tables follow from them.
	Tables             map[string]TablePin `json:"tables,omitempty"`
	SignedBundleDigest string              `json:"signed_bundle_digest"`
}

// TablePin is one table at one snapshot (Iceberg) or version (Delta).
type TablePin struct {
	Format     string `json:"format"`
	Identifier string `json:"identifier"`
	UUID       string `json:"uuid"`
	Snapshot   string `json:"snapshot"`
	// MetadataSHA256 is the metadata file's digest when the run read the
	// table: a replay at the pin keys its stages as that run did.
	MetadataSHA256 string `json:"metadata_sha256,omitempty"`
}

// Triple anchors the code, model and dataset versions of a build.
type Triple struct {
	Code    string `json:"code"`
	Model   string `json:"model"`
	Dataset string `json:"dataset"`
}

// LockEntry is one section of the typed dependency graph.
type LockEntry struct {
	Status    string            `json:"status"` // "valid"; the gate section is "failed" when a blocking control failed
	InputHash string            `json:"input_hash"`
	EdgeType  string            `json:"edge_type"`
	Classes   map[string]string `json:"classes"`
}

// Marshal is the lock's canonical bytes: sorted keys (encoding/json sorts
// maps), two-space indent, no trailing newline, as the original engine writes.
func (l *Lock) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(l); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// ReadLock reads a lock; a missing file is (nil, nil).
func ReadLock(path string) (*Lock, error) {
	data, err := ReadRegular(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseLock(path, data)
}

// ParseLock decodes a lock's bytes; name is for messages.
func ParseLock(name string, data []byte) (*Lock, error) {
	var l Lock
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if l.SchemaVersion != LockSchema && l.SchemaVersion != LegacyLockSchema {
		return nil, fmt.Errorf("%s: schema_version %q is not one sei reads (%s, or the original engine's %s)", name, l.SchemaVersion, LockSchema, LegacyLockSchema)
	}
	return &l, nil
}

// Foreign reports whether the lock was written by the original engine: its
// legacy schema_version, or sei's schema_version without the per-class
// digests and input digests every lock sei writes has. Its input hashes
// are that engine's and cannot be recomputed here: it is read for what it
// records, never compared with the tree (which would be false drift).
func (l *Lock) Foreign() bool {
	if l.SchemaVersion == LegacyLockSchema {
		return true
	}
	if len(l.Inputs) > 0 {
		return false
	}
	for _, s := range l.Sections {
		if len(s.Classes) > 0 {
			return false
		}
	}
	return len(l.Sections) > 0
}

// Anchor errors: the lock is unsigned, so these are how a forged or
// detached lock shows.
var (
	ErrNoAnchor  = errors.New("signed_bundle_digest is empty, but evidence exists: the lock is detached from it; run `sei run`")
	ErrBadAnchor = errors.New("signed_bundle_digest does not anchor bundle.json.sig")
)

// CheckAnchor compares the lock's signed_bundle_digest with the bundle's
// envelope: "sha256:<hex>" of its bytes (sei), or the envelope itself (the
// original engine stored the compact envelope).
func CheckAnchor(l *Lock, env []byte) error {
	sum := sha256.Sum256(env)
	switch l.SignedBundleDigest {
	case "":
		return ErrNoAnchor
	case "sha256:" + hex.EncodeToString(sum[:]), string(env):
		return nil
	}
	return ErrBadAnchor
}
