package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRemoteCacheNginx and TestRemoteCacheMinIO: two CI runners sharing a
// real cache server on loopback, on the loan scenario with the real dvc.
func TestRemoteCacheNginx(t *testing.T) { remoteStory(t, startNginx(t)) }
func TestRemoteCacheMinIO(t *testing.T) { remoteStory(t, startMinIO(t)) }

// remoteStory: runner A runs V1 and uploads; a fresh clone B with an empty
// local cache runs no pipeline tool and writes the same signed bundle; a
// poisoned blob is rejected and its stage recomputed; a stopped server
// changes nothing but speed.
func remoteStory(t *testing.T, srv *server) {
	for _, kv := range srv.env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Setenv("SEI_REMOTE_CACHE", srv.url)
	a := loanRepo(t, "dvc")
	out, _, code := seiRun(t, "run", "--repo", a)
	if code != exitGateFail {
		t.Fatalf("runner A: exit %d, want %d", code, exitGateFail)
	}
	mustContain(t, "runner A", out, "ran stage:featurize", "ran stage:evaluate", "remote: 0 hits, 2 misses, 0 rejected, 2 uploads")
	bundleA, _ := os.ReadFile(filepath.Join(a, ".sei", "bundle.json"))

	// B: a fresh clone, nothing local, read-only like a pull-request job.
	b := clone(t, a)
	out, errs, code := seiRun(t, "run", "--repo", b, "--remote-upload=false")
	mustContain(t, "runner B", out, "restored stage:featurize", "restored stage:evaluate", ": 0 ran, ",
		"remote: 2 hits, 0 misses, 0 rejected, 0 uploads")
	mustNotContain(t, "runner B", errs, "warning")
	bundleB, _ := os.ReadFile(filepath.Join(b, ".sei", "bundle.json"))
	if code != exitGateFail || !bytes.Equal(bundleA, bundleB) {
		t.Errorf("runner B: exit %d; bundle identical to A's: %v", code, bytes.Equal(bundleA, bundleB))
	}
	if _, _, code := seiRun(t, "verify", "--repo", b); code != 0 {
		t.Error("sei verify rejected B's evidence")
	}

	// A poisoned metrics blob: rejected, reported, and evaluate runs here.
	metrics, _ := os.ReadFile(filepath.Join(a, "metrics.json"))
	sum := sha256.Sum256(metrics)
	srv.poison(t, hex.EncodeToString(sum[:]))
	c := clone(t, a)
	out, errs, code = seiRun(t, "run", "--repo", c, "--remote-upload=false")
	mustContain(t, "runner C", out, "restored stage:featurize", "ran stage:evaluate", "remote: 1 hits, 0 misses, 1 rejected")
	mustContain(t, "runner C", errs, "rejected")
	// Not the same bytes: DVC's lock after repro of evaluate alone lists
	// only evaluate, so pipeline_lock_digest differs. The verdicts agree.
	if rc, ra := readLoanBundle(t, c), readLoanBundle(t, a); code != exitGateFail ||
		*rc.ControlResults[0].ActualValue != *ra.ControlResults[0].ActualValue || rc.ControlResults[0].Passed {
		t.Errorf("runner C: exit %d, control results %+v, want A's %+v", code, rc.ControlResults, ra.ControlResults)
	}

	// The server goes away: one warning, the work is done locally.
	srv.stop()
	d := clone(t, a)
	out, errs, code = seiRun(t, "run", "--repo", d)
	mustContain(t, "runner D", out, "ran stage:featurize", "ran stage:evaluate", "server unavailable")
	if strings.Count(errs, "unavailable") != 1 || code != exitGateFail {
		t.Errorf("runner D: exit %d, want one warning:\n%s", code, errs)
	}
	if _, _, code := seiRun(t, "verify", "--repo", d); code != 0 {
		t.Error("sei verify rejected D's evidence")
	}
}

// clone is a fresh checkout of repo's HEAD with the pipeline tools linked.
func clone(t testing.TB, repo string) string {
	dir := filepath.Join(t.TempDir(), "clone")
	shell(t, ".", "git clone -q "+repo+" "+dir)
	venv, _ := os.Readlink(filepath.Join(repo, ".venv"))
	if err := os.Symlink(venv, filepath.Join(dir, ".venv")); err != nil {
		t.Fatal(err)
	}
	return dir
}
