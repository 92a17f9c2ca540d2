package cache

import (
	"bytes"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zeebo/blake3"
)

// patterned is n bytes that differ from chunk to chunk, so a misplaced or
// swapped subtree changes the digest.
func patterned(n int) []byte {
	b := make([]byte, n)
	var x uint32 = 2463534242
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

// The parallel tree hash is BLAKE3: equal to zeebo/blake3 at every size
// where the tree's shape changes (block and chunk boundaries, one byte
// either side), for any number of workers.
func TestHashAtIsBLAKE3(t *testing.T) {
	data := patterned(9*parBlock + 3*1024 + 1)
	sizes := []int{0, 1, 1024, 1025, parMin - 1, parMin, parMin + 1,
		5 * parBlock, 5*parBlock + 1, 5*parBlock - 1, 8 * parBlock, 8*parBlock + 1024,
		8*parBlock + 1025, 9 * parBlock, len(data)}
	for _, n := range sizes {
		want := Digest(blake3.Sum256(data[:n]))
		for _, w := range []int{1, 2, 3, 16} {
			got, err := hashAt(bytes.NewReader(data[:n]), int64(n), w)
			if err != nil || got != want {
				t.Fatalf("size %d, %d workers: %s, %v; want %s", n, w, got, err, want)
			}
		}
	}
}

// A file that is shorter than the size it was opened with (truncated
// under sei) is an error, never the digest of a prefix.
func TestHashAtShortRead(t *testing.T) {
	data := patterned(parMin + 10)
	for _, w := range []int{1, 2} {
		if d, err := hashAt(bytes.NewReader(data), int64(len(data))+parBlock, w); err == nil {
			t.Fatalf("%d workers: a short input hashed to %s", w, d)
		}
	}
}

// The independent check: b3sum (the BLAKE3 team's Rust tool) agrees on a
// file large enough to be hashed in parallel. Required under CI=true.
func TestHashAtAgreesWithB3sum(t *testing.T) {
	if _, err := exec.LookPath("b3sum"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("b3sum not installed (Debian: apt-get install b3sum); .ci/run installs it")
		}
		t.Skip("b3sum not installed (Debian: apt-get install b3sum)")
	}
	p := filepath.Join(t.TempDir(), "f")
	data := patterned(7*parBlock + 12345)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("b3sum", "--no-names", p).Output()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := hashAt(f, int64(len(data)), 2)
	if err != nil || hex.EncodeToString(got[:]) != strings.TrimSpace(string(out)) {
		t.Fatalf("hashAt %s, %v; b3sum %s", got, err, out)
	}
}
