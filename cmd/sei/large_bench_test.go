package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// BenchmarkLargeOutput is a stage writing one large output (2 GiB, or
// SEI_BENCH_LARGE bytes), whole processes in the same run: the command
// alone against `sei build` running it (store into the CAS included), and
// `cp` of the file against `sei build` restoring it after it was deleted,
// alternating round by round (see alternate); medians and peak RSS.
func BenchmarkLargeOutput(b *testing.B) {
	size := largeSize()
	bin := filepath.Join(b.TempDir(), "sei")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	dir, write := largeRepo(b, size)
	env := append(os.Environ(), "SEI_SIGNING_KEY="+testKeyPEM)
	// Start each case with nothing left to write back: otherwise the
	// page cache of the case before is paid by this one.
	synced := func(f func()) func() { return func() { f(); syscall.Sync(); warmPages(2 * size) } }
	clean := func() { os.RemoveAll(filepath.Join(dir, ".sei")); os.Remove(filepath.Join(dir, "big.bin")) }
	cases := []benchCase{
		{"build/command-alone", clean, dir, env, []string{"sh", "-c", write}},
		{"build/sei", clean, dir, env, []string{bin, "build", "-j", "1"}},
		{"restore/cp", func() { os.Remove(filepath.Join(dir, "copy.bin")) }, dir, env, []string{"cp", "big.bin", "copy.bin"}},
		{"restore/sei", func() { os.Remove(filepath.Join(dir, "big.bin")) }, dir, env, []string{bin, "build", "-j", "1"}},
	}
	cases = append(cases, dvcLargeCases(b, write)...)
	for i := range cases {
		cases[i].setup = synced(cases[i].setup)
	}
	alternate(b, cases)
	os.Remove(filepath.Join(dir, "copy.bin"))
}

// dvcLargeCases are DVC's own build and restore of the same stage (the
// peer the issue names): `dvc repro` of a fresh stage (DVC caches the
// output, reflink or copy) and `dvc checkout` after deleting it. Only with
// SEI_LOAN_VENV (make bench sets it).
func dvcLargeCases(b *testing.B, write string) []benchCase {
	venv := os.Getenv("SEI_LOAN_VENV")
	dvc := filepath.Join(venv, "bin", "dvc")
	if venv == "" {
		return nil
	}
	dir := b.TempDir()
	sh := func(script string) {
		cmd := exec.Command("bash", "-c", script)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "DVC_NO_ANALYTICS=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%s: %v\n%s", script, err, out)
		}
	}
	sh("git init -q && " + dvc + " init -q && printf 'stages:\\n  make:\\n    cmd: " + write + "\\n    outs: [big.bin]\\n' > dvc.yaml")
	in := func(argv ...string) []string {
		return []string{"bash", "-c", "cd " + dir + " && DVC_NO_ANALYTICS=1 " + strings.Join(argv, " ")}
	}
	return []benchCase{
		{"build/dvc-repro", func() { sh("rm -rf big.bin dvc.lock .dvc/cache") }, dir, os.Environ(), in(dvc, "repro", "-q", "--no-run-cache")},
		{"restore/dvc-checkout", func() { sh("rm -f big.bin") }, dir, os.Environ(), in(dvc, "checkout", "-q")},
	}
}

func largeSize() int64 {
	if v, err := strconv.ParseInt(os.Getenv("SEI_BENCH_LARGE"), 10, 64); err == nil && v > 0 {
		return v
	}
	return 2 << 30
}

// largeRepo is a repository with one stage writing size bytes to big.bin.
func largeRepo(b *testing.B, size int64) (dir, write string) {
	dir = b.TempDir()
	write = fmt.Sprintf("head -c %d /dev/zero > big.bin", size)
	manifest := "apiVersion: seigarrena.dev/v1alpha1\nkind: AISystem\nsystem: { name: big, intended_purpose: p }\n" +
		"pipeline:\n  tool: command\n  metrics: m.json\n  stages:\n" +
		"    - { name: make, cmd: \"" + write + "; echo {} > m.json\", outs: [big.bin, m.json] }\n"
	if err := os.WriteFile(filepath.Join(dir, "sei.yaml"), []byte(manifest), 0o644); err != nil {
		b.Fatal(err)
	}
	return dir, write
}

// BenchmarkRemoteLargeFetch: a fresh checkout restoring the 2 GiB output
// from nginx WebDAV (a warm remote cache) against `curl -o` of the same
// blob from the same server, in the same run; peak RSS per case.
func BenchmarkRemoteLargeFetch(b *testing.B) {
	srv := startNginx(b)
	curl := need(b, "SEI_CURL", "curl", "apt-get install curl")
	bin := filepath.Join(b.TempDir(), "sei")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	a, _ := largeRepo(b, largeSize())
	env := append(os.Environ(), "SEI_SIGNING_KEY="+testKeyPEM, "SEI_REMOTE_CACHE="+srv.url)
	up := exec.Command(bin, "build", "-j", "1")
	up.Dir, up.Env = a, env
	if out, err := up.CombinedOutput(); err != nil {
		b.Fatalf("runner A: %v\n%s", err, out)
	}
	f, _ := os.Open(filepath.Join(a, "big.bin"))
	h := sha256.New()
	io.Copy(h, f)
	f.Close()
	blob := srv.url + "/cas/" + hex.EncodeToString(h.Sum(nil))
	fresh := filepath.Join(b.TempDir(), "fresh")
	reset := func() {
		os.RemoveAll(fresh)
		os.MkdirAll(fresh, 0o755)
		sy, _ := os.ReadFile(filepath.Join(a, "sei.yaml"))
		os.WriteFile(filepath.Join(fresh, "sei.yaml"), sy, 0o644)
		syscall.Sync()
		warmPages(2 * largeSize())
	}
	alternate(b, []benchCase{
		{"curl", reset, fresh, env, []string{curl, "-sSf", "-o", "big.bin", blob}},
		{"sei", reset, fresh, env, []string{bin, "build", "-j", "1"}},
	})
}
