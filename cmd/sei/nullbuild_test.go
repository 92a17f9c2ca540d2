package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"seigarrena.dev/sei/cache"
)

// lockedBuffer is a buffer a running process writes while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A record is never replayed while another sei holds the repository's
// lock (that build is changing the files the record lists): the command
// takes the full path, waits for the lock, and says so. The record of a
// sandboxed build replays only where the sandbox still works, so this
// also runs the replay's sandbox check.
func TestNullBuildReplayWaitsForARunningBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("process test")
	}
	dir := slowRepo(t)
	xdg := "XDG_CACHE_HOME=" + t.TempDir() // the record's key, private to this test
	build := func() *testCmd {
		c := sei(t, dir, "build", "-v")
		c.Env = append(c.Env, xdg)
		tc := &testCmd{}
		c.Stdout, c.Stderr = &tc.out, &tc.err
		tc.cmd = c
		return tc
	}
	for i, want := range []string{"2 ran", "0 ran, 2 up to date", "0 ran, 2 up to date"} {
		b := build()
		if err := b.cmd.Run(); err != nil || !strings.Contains(b.out.String(), want) {
			t.Fatalf("build %d: %v\n%s%s", i, err, b.out.String(), b.err.String())
		}
		if replayed := strings.Contains(b.err.String(), "replayed"); replayed != (i == 2) {
			t.Fatalf("build %d replayed=%v:\n%s", i, replayed, b.err.String())
		}
	}
	unlock, err := cache.Lock(filepath.Join(dir, ".sei", "cache"), nil)
	if err != nil {
		t.Fatal(err)
	}
	b := build()
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); !strings.Contains(b.err.String(), "waiting for it"); {
		if time.Now().After(deadline) {
			unlock()
			b.cmd.Process.Kill()
			t.Fatalf("the build did not wait for the lock:\n%s%s", b.out.String(), b.err.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	unlock()
	if err := b.cmd.Wait(); err != nil {
		t.Fatalf("%v\n%s", err, b.err.String())
	}
	if strings.Contains(b.err.String(), "replayed") || !strings.Contains(b.out.String(), "0 ran, 2 up to date") {
		t.Fatalf("while locked:\n%s%s", b.out.String(), b.err.String())
	}
	// Its output held the lock message: it made no record of it.
	if _, err := os.Stat(filepath.Join(dir, ".sei", "cache", "journal")); !os.IsNotExist(err) {
		t.Fatalf("a record of a build that waited: %v", err)
	}
}

type testCmd struct {
	cmd      *exec.Cmd
	out, err lockedBuffer
}
