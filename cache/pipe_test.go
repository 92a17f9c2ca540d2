package cache

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"

	"github.com/zeebo/blake3"
)

// pipeStream gives the bytes and both digests of its input at sizes around
// its buffer, read in pieces of any size.
func TestPipeStream(t *testing.T) {
	data := patterned(3*pipeBuf + 17)
	for _, n := range []int{0, 1, pipeBuf - 1, pipeBuf, pipeBuf + 1, len(data)} {
		var out bytes.Buffer
		got, err := pipeStream(&out, iotest.HalfReader(bytes.NewReader(data[:n])))
		if err != nil {
			t.Fatal(err)
		}
		if got.n != int64(n) || !bytes.Equal(out.Bytes(), data[:n]) ||
			got.sha256 != sha256.Sum256(data[:n]) || got.blake3 != Digest(blake3.Sum256(data[:n])) {
			t.Fatalf("size %d: wrong copy or digests", n)
		}
	}
}

type failWriter struct{ after int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.after -= len(p); w.after < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

// A failing write or read stops the stream with that error; nothing hangs.
func TestPipeStreamErrors(t *testing.T) {
	data := patterned(20 * pipeBuf)
	if _, err := pipeStream(&failWriter{after: 2 * pipeBuf}, bytes.NewReader(data)); err == nil || err.Error() != "disk full" {
		t.Fatalf("write error: %v", err)
	}
	r := io.MultiReader(bytes.NewReader(data[:5*pipeBuf]), iotest.ErrReader(errors.New("connection reset")))
	if _, err := pipeStream(io.Discard, r); err == nil || err.Error() != "connection reset" {
		t.Fatalf("read error: %v", err)
	}
}

// A fetched blob is restored without a second read, but one changed on
// disk after the fetch (same size, in place) is hashed again and refused.
func TestRestoreAfterFetchTrustsOnlyAnUnchangedBlob(t *testing.T) {
	s := newStore(t)
	data := patterned(parMin + 5)
	sh := sha256.Sum256(data)
	d := Digest(blake3.Sum256(data))
	if err := s.PutVerified(bytes.NewReader(data), int64(len(data)), hex.EncodeToString(sh[:]), d); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "out")
	if err := s.Restore(d, dst, 0o644); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dst); !bytes.Equal(b, data) {
		t.Fatal("restored bytes differ")
	}
	f, err := os.OpenFile(s.blobPath(d), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte{data[100] ^ 1}, 100)
	f.Close()
	if err := s.Restore(d, dst+"2", 0o644); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("a blob changed after its fetch was restored: %v", err)
	}
	if _, err := os.Stat(dst + "2"); !os.IsNotExist(err) {
		t.Fatal("a corrupt blob left a file behind")
	}
}

// A blob is remembered as verified only while its name is still the file
// that was verified: another file renamed into its place is not trusted.
func TestRememberOnlyTheVerifiedFile(t *testing.T) {
	s := newStore(t)
	d, err := s.PutBytes([]byte("verified bytes"))
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "other")
	os.WriteFile(other, []byte("other bytes"), 0o644)
	ofi, _ := os.Stat(other)
	s.remember(d, ofi)
	f, _ := os.Open(s.blobPath(d))
	defer f.Close()
	if s.known(d, f) {
		t.Fatal("a blob was taken as verified from another file's check")
	}
	bfi, _ := f.Stat()
	s.remember(d, bfi)
	if !s.known(d, f) {
		t.Fatal("the verified blob itself is not remembered")
	}
}
