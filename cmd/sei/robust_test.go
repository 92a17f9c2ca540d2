package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// seiBinary builds the CLI once for the process-level tests.
var seiBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "sei-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "sei")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
})

const slowManifest = `apiVersion: seigarrena.dev/v1alpha1
kind: AISystem
system: { name: slow, intended_purpose: "p" }
eval: { script: train.sh }
pipeline:
  tool: command
  metrics: metrics.json
  stages:
    - { name: prep, cmd: "echo prep >> runs.log; sleep 0.3; echo prepared > prep.txt", outs: [prep.txt] }
    - { name: train, cmd: "echo train >> runs.log; sleep 0.3; sh train.sh", deps: [train.sh, prep.txt], outs: [metrics.json, model.bin] }
`

func slowRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{
		"sei.yaml": slowManifest,
		"train.sh": "head -c 100000 /dev/zero | tr '\\0' x > model.bin; echo '{\"m\": 1}' > metrics.json\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func sei(t *testing.T, dir string, args ...string) *exec.Cmd {
	t.Helper()
	bin, err := seiBinary()
	if err != nil {
		t.Fatalf("building sei: %v", err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SEI_SIGNING_KEY="+testKeyPEM, "SEI_SANDBOX=relaxed") // runs.log is an undeclared side channel
	return cmd
}

// checkConsistent: a complete run leaves good outputs, a parseable lock
// anchoring evidence that verifies, and a database that passes SQLite's
// integrity check.
func checkConsistent(t *testing.T, dir string) {
	t.Helper()
	if out, err := sei(t, dir, "run").CombinedOutput(); err != nil {
		t.Fatalf("run after the interruption failed: %v\n%s", err, out)
	}
	if out, err := sei(t, dir, "verify").CombinedOutput(); err != nil {
		t.Fatalf("verify after the interruption failed: %v\n%s", err, out)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "model.bin")); len(b) != 100000 {
		t.Fatalf("model.bin has %d bytes", len(b))
	}
	var lock map[string]any
	if b, err := os.ReadFile(filepath.Join(dir, "sei.lock")); err != nil || json.Unmarshal(b, &lock) != nil {
		t.Fatalf("sei.lock unreadable: %v", err)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, ".sei/cache/cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ok string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check = %q, %v", ok, err)
	}
	if out, err := sei(t, dir, "status").CombinedOutput(); err != nil {
		t.Fatalf("status after the rebuild: %v\n%s", err, out)
	}
}

func TestSIGKILLAtRandomPoints(t *testing.T) {
	if testing.Short() {
		t.Skip("process test")
	}
	dir := slowRepo(t)
	for i := 0; i < 6; i++ {
		cmd := sei(t, dir, "run") // build, bundle, signature, lock: each may be cut
		if i%3 == 2 {
			cmd = sei(t, dir, "build")
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rand.IntN(700)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		// A lock, if present, must be whole: written by rename, never half.
		if b, err := os.ReadFile(filepath.Join(dir, "sei.lock")); err == nil && !json.Valid(b) {
			t.Fatalf("half-written sei.lock after SIGKILL %d", i)
		}
		if i%2 == 1 { // make the next build do work again
			os.WriteFile(filepath.Join(dir, "train.sh"), []byte(strings.Repeat("#", i)+"\nhead -c 100000 /dev/zero | tr '\\0' x > model.bin; echo '{\"m\": 1}' > metrics.json\n"), 0o644)
		}
	}
	checkConsistent(t, dir)
}

func TestConcurrentBuildsRunEachStageOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("process test")
	}
	dir := slowRepo(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	outs := make([][]byte, 4)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], errs[i] = sei(t, dir, "build").CombinedOutput()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("build %d: %v\n%s", i, err, outs[i])
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "runs.log")); string(b) != "prep\ntrain\n" {
		t.Fatalf("runs.log = %q, want each stage once", b)
	}
	checkConsistent(t, dir)
}

func TestFlippedByteInCachedBlobIsRecomputed(t *testing.T) {
	if testing.Short() {
		t.Skip("process test")
	}
	dir := slowRepo(t)
	if out, err := sei(t, dir, "build").CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want, _ := os.ReadFile(filepath.Join(dir, "model.bin"))
	// Corrupt every stored copy of model.bin, then make the build need it.
	blobs, _ := filepath.Glob(filepath.Join(dir, ".sei/cache/cas/*/*"))
	flipped := 0
	for _, b := range blobs {
		data, _ := os.ReadFile(b)
		if bytes.Equal(data, want) {
			data[500] ^= 0xff
			os.WriteFile(b, data, 0o644)
			flipped++
		}
	}
	if flipped == 0 {
		t.Fatal("model.bin is not in the CAS")
	}
	os.Remove(filepath.Join(dir, "model.bin"))
	out, err := sei(t, dir, "build").CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("ran stage:train")) {
		t.Fatalf("the corrupt blob was not recomputed: %v\n%s", err, out)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "model.bin")); !bytes.Equal(got, want) {
		t.Fatal("model.bin differs after recomputation")
	}
}

func TestInterruptStopsChildren(t *testing.T) {
	if testing.Short() {
		t.Skip("process test")
	}
	dir := t.TempDir()
	manifest := `apiVersion: seigarrena.dev/v1alpha1
kind: AISystem
system: { name: intr, intended_purpose: "p" }
pipeline:
  tool: command
  metrics: metrics.json
  stages:
    - { name: slow, cmd: "sleep 2; echo late > late.txt", outs: [late.txt] }
`
	os.WriteFile(filepath.Join(dir, "sei.yaml"), []byte(manifest), 0o644)
	cmd := sei(t, dir, "build")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	cmd.Process.Signal(os.Interrupt)
	start := time.Now()
	err := cmd.Wait()
	if err == nil {
		t.Fatal("an interrupted build exited 0")
	}
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Fatalf("sei took %v to stop", d)
	}
	time.Sleep(2500 * time.Millisecond) // the stage would have written by now
	if _, err := os.Stat(filepath.Join(dir, "late.txt")); err == nil {
		t.Fatal("the stage's command kept running after Ctrl-C")
	}
	if _, err := os.Stat(filepath.Join(dir, "sei.lock")); err == nil {
		t.Fatal("an interrupted build wrote sei.lock")
	}
}

// TestKill9KillsTheStageTree: after kill -9 of sei, nothing the stage
// started keeps running: a grandchild that would write into the repository
// two seconds later never does (the sandbox's PID namespace dies with sei).
func TestKill9KillsTheStageTree(t *testing.T) {
	if testing.Short() {
		t.Skip("process test")
	}
	dir := t.TempDir()
	manifest := strings.Replace(slowManifest, `sh train.sh`, `(sleep 2; echo late > late.txt) & sleep 5; sh train.sh`, 1)
	os.WriteFile(filepath.Join(dir, "sei.yaml"), []byte(manifest), 0o644)
	os.WriteFile(filepath.Join(dir, "train.sh"), []byte("echo '{\"m\": 1}' > metrics.json; : > model.bin\n"), 0o644)
	cmd := sei(t, dir, "build")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1200 * time.Millisecond) // prep done, train's grandchild sleeping
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	time.Sleep(2500 * time.Millisecond)
	if _, err := os.Stat(filepath.Join(dir, "late.txt")); err == nil {
		t.Fatal("a grandchild of the killed sei wrote late.txt")
	}
}

// TestReadOnlyCheckout: on a read-only mount (bubblewrap's --ro-bind;
// file modes do not stop root), status, query and verify still work, with
// a temporary cache, and write nothing.
func TestReadOnlyCheckout(t *testing.T) {
	if testing.Short() {
		t.Skip("process test")
	}
	bwrap, err := exec.LookPath("bwrap")
	if err != nil {
		t.Skip("bwrap not installed")
	}
	dir := slowRepo(t)
	if out, err := sei(t, dir, "run").CombinedOutput(); err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	bin, _ := seiBinary()
	for _, args := range [][]string{{"status"}, {"verify"}, {"query", "kind(stage, *)"}} {
		argv := append([]string{"--bind", "/", "/", "--ro-bind", dir, dir, "--dev", "/dev", "--proc", "/proc", "--chdir", dir, bin}, args...)
		cmd := exec.Command(bwrap, argv...)
		cmd.Env = append(os.Environ(), "SEI_SIGNING_KEY="+testKeyPEM)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("%v on a read-only checkout: %v\n%s", args, err, out)
		}
		if args[0] == "status" && !strings.Contains(string(out), "using a temporary cache") {
			t.Errorf("status did not say it used a temporary cache:\n%s", out)
		}
	}
}
