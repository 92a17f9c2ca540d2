package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkRemoteWarmClone: a fresh clone of the loan repository (DVC)
// running `sei run` against a warm remote cache (nginx WebDAV on loopback),
// next to the same fresh clone running cold (no remote: the pipeline runs),
// in the same run. Clone and setup are not timed.
func BenchmarkRemoteWarmClone(b *testing.B) {
	srv := startNginx(b)
	bin := filepath.Join(b.TempDir(), "sei")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	a := loanRepo(b, "dvc")
	warm := append(os.Environ(), "SEI_REMOTE_CACHE="+srv.url)
	runIn(b, a, warm, bin, "run") // runner A fills the remote cache
	for _, c := range []struct {
		name string
		env  []string
	}{{"cold", os.Environ()}, {"warm-remote", warm}} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				dir := clone(b, a)
				b.StartTimer()
				runIn(b, dir, c.env, bin, "run")
			}
		})
	}
}

// runIn runs sei in dir; exit 5 (the V1 gate) is the expected outcome.
func runIn(b *testing.B, dir string, env []string, argv ...string) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = dir, env
	if out, err := cmd.CombinedOutput(); !exitIs(exitGateFail)(err) {
		b.Fatalf("%v in %s: %v\n%s", argv, dir, err, out)
	}
}
