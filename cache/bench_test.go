package cache

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// bigFile is a 1 GiB file in page cache, made once per process.
var bigFile string

func getBigFile(b *testing.B) string {
	if bigFile != "" {
		return bigFile
	}
	dir, err := os.MkdirTemp("", "sei-hash-")
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, "big"))
	if err != nil {
		b.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	for i := range chunk {
		chunk[i] = byte(i * 7)
	}
	for i := 0; i < 1024; i++ {
		chunk[0] = byte(i)
		f.Write(chunk)
	}
	f.Close()
	bigFile = f.Name()
	return bigFile
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bigFile != "" {
		os.RemoveAll(filepath.Dir(bigFile))
	}
	os.Exit(code)
}

// BenchmarkHash1GiB is zeebo/blake3 on one core; BenchmarkHash1GiBb3sum is
// the reference implementation on one thread, measured in the same run.
func BenchmarkHash1GiB(b *testing.B) {
	p := getBigFile(b)
	b.SetBytes(1 << 30)
	b.ResetTimer()
	for b.Loop() {
		if _, n, err := hashFile(p); err != nil || n != 1<<30 {
			b.Fatal(err)
		}
	}
}

func BenchmarkHash1GiBb3sum(b *testing.B) {
	if _, err := exec.LookPath("b3sum"); err != nil {
		b.Skip("b3sum not installed (Debian: apt-get install b3sum)")
	}
	p := getBigFile(b)
	b.SetBytes(1 << 30)
	b.ResetTimer()
	for b.Loop() {
		if out, err := exec.Command("b3sum", "--num-threads", "1", p).Output(); err != nil || len(out) < 64 {
			b.Fatal(err)
		}
	}
}

// BenchmarkTree100kOneChanged digests a directory of 100k small files after
// one of them changed; it reports how many files were read (want 1).
func BenchmarkTree100kOneChanged(b *testing.B) {
	root := b.TempDir()
	past := time.Now().Add(-time.Hour)
	for i := 0; i < 100_000; i++ {
		p := filepath.Join(root, fmt.Sprintf("%03d/%d", i/1000, i))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(fmt.Sprint(i)), 0o644)
		os.Chtimes(p, past, past)
	}
	s, err := Open(filepath.Join(b.TempDir(), "cache"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	h, _ := s.NewHasher()
	if _, err := h.Tree(root); err != nil {
		b.Fatal(err)
	}
	h.Flush()
	changed := filepath.Join(root, "042/42123")
	var hashed int64
	b.ResetTimer()
	i := 0
	for b.Loop() {
		b.StopTimer()
		os.WriteFile(changed, []byte(fmt.Sprint("v", i)), 0o644)
		os.Chtimes(changed, past.Add(time.Duration(i)*time.Second), past.Add(time.Duration(i)*time.Second))
		i++
		h, _ := s.NewHasher()
		b.StartTimer()
		if _, err := h.Tree(root); err != nil {
			b.Fatal(err)
		}
		hashed = h.Hashed.Load()
	}
	b.ReportMetric(float64(hashed), "files-read")
}
