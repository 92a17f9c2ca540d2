package attest

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"seigarrena.dev/sei/manifest"
)

// gitlogEntry is one commit of the compat fixture's GITLOG.json.
type gitlogEntry struct {
	Seq       int    `json:"seq"`
	SHA       string `json:"sha"`
	Author    person `json:"author"`
	Committer person `json:"committer"`
	Message   string `json:"message"`
	Changes   []struct {
		Status  string  `json:"status"`
		Path    string  `json:"path"`
		SavedAs *string `json:"saved_as"`
	} `json:"changes"`
}

type person struct{ Name, Email, Date string }

// gitRun runs git in dir with a fixed identity and no user config.
func gitRun(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// rebuildCompat replays the first n commits of the fixture's GITLOG.json
// into a fresh repository, with their authors, dates and messages. Files the
// fixture did not keep get placeholder bytes that change with each commit.
// It returns the repository and a map from new to original commit ids.
func rebuildCompat(t *testing.T, n int) (string, map[string]string) {
	t.Helper()
	data, err := os.ReadFile(compat + "_history/GITLOG.json")
	if err != nil {
		t.Skipf("compat fixture missing (%v); it lives in ../shared/compat", err)
	}
	var log []gitlogEntry
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gitRun(t, dir, nil, "init", "-q", "-b", "main")
	orig := map[string]string{}
	for _, e := range log[:n] {
		for _, ch := range e.Changes {
			p := filepath.Join(dir, filepath.FromSlash(ch.Path))
			if ch.Status == "D" {
				os.Remove(p)
				continue
			}
			body := []byte(fmt.Sprintf("placeholder for %s at commit %d\n", ch.Path, e.Seq))
			if ch.SavedAs != nil { // some saved files were left out of the fixture
				if b, err := os.ReadFile(compat + *ch.SavedAs); err == nil {
					body = b
				}
			}
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, body, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		gitRun(t, dir, nil, "add", "-A")
		env := []string{"GIT_AUTHOR_NAME=" + e.Author.Name, "GIT_AUTHOR_EMAIL=" + e.Author.Email, "GIT_AUTHOR_DATE=" + e.Author.Date,
			"GIT_COMMITTER_NAME=" + e.Committer.Name, "GIT_COMMITTER_EMAIL=" + e.Committer.Email, "GIT_COMMITTER_DATE=" + e.Committer.Date}
		gitRun(t, dir, env, "commit", "-q", "--allow-empty", "--no-verify", "-m", e.Message)
		orig[gitRun(t, dir, nil, "rev-parse", "HEAD")] = e.SHA
	}
	return dir, orig
}

func reconstructAt(t *testing.T, dir string, now time.Time) *Reconstruction {
	t.Helper()
	m, err := manifest.Load(filepath.Join(dir, "froga.yaml"), "froga.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := OpenRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := Reconstruct(r, ReconstructOptions{Manifest: m, Bundle: ".froga/bundle.json", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestReconstructCompat rebuilds the original engine's demo history and
// compares the replay with the reconstruct.json that engine signed at
// commit 5: snapshots, measured risks, identifying commits, dates, cycle
// statuses, and the lifecycle (draft, then pending after commit 6's
// Froga-Approval-Requested-by trailer).
func TestReconstructCompat(t *testing.T) {
	dir, orig := rebuildCompat(t, 5)
	got := reconstructAt(t, dir, time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC))
	var want struct{ Payload Reconstruction }
	data, _ := os.ReadFile(compat + ".froga/reconstruct.json")
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	w := want.Payload
	if len(got.Snapshots) != len(w.Snapshots) {
		t.Fatalf("snapshots: got %d, want %d", len(got.Snapshots), len(w.Snapshots))
	}
	for i, s := range got.Snapshots {
		ws := w.Snapshots[i]
		// The same instant: sei writes RFC 3339 in UTC with Z everywhere,
		// where the original wrote +00:00 here and Z elsewhere.
		gd, _ := time.Parse(time.RFC3339, s.Date)
		wd, _ := time.Parse(time.RFC3339, ws.Date)
		if orig[s.SHA] != ws.SHA || !gd.Equal(wd) || !strings.HasSuffix(s.Date, "Z") || s.Subject != ws.Subject {
			t.Errorf("snapshot %d: got %s %s %q, want %s %s %q", i, orig[s.SHA], s.Date, s.Subject, ws.SHA, ws.Date, ws.Subject)
		}
	}
	if len(got.Risks) != len(w.Risks) {
		t.Fatalf("risks: got %d, want %d", len(got.Risks), len(w.Risks))
	}
	for i, r := range got.Risks {
		wr := w.Risks[i]
		if r.RiskID != wr.RiskID || orig[r.IdentifiedSHA] != wr.IdentifiedSHA || r.IdentifiedDate != wr.IdentifiedDate ||
			r.Provenance != wr.Provenance || r.Cycle.Status != wr.Assessment.Cycle.Status {
			t.Errorf("risk %d: got %s %s %s %s %s, want %s %s %s %s %s", i, r.RiskID, orig[r.IdentifiedSHA], r.IdentifiedDate,
				r.Provenance, r.Cycle.Status, wr.RiskID, wr.IdentifiedSHA, wr.IdentifiedDate, wr.Provenance, wr.Assessment.Cycle.Status)
		}
	}
	if got.Lifecycle.State != w.Lifecycle.State || got.Approval != nil {
		t.Errorf("lifecycle at commit 5: got %q (approval %v), want %q", got.Lifecycle.State, got.Approval, w.Lifecycle.State)
	}
	// The treatment arc of the closed risk spans the V1 and V2 runs.
	closed := got.Risks[0]
	if len(closed.Arcs) != 1 || closed.Arcs[0].Kind != "Treatment" || closed.Arcs[0].ControlID != "model-feature-leakage" ||
		closed.Arcs[0].FromVerdict != "FAIL" || closed.Arcs[0].ToVerdict != "PASS" {
		t.Errorf("arcs of %s: %+v", closed.RiskID, closed.Arcs)
	}
	dir6, _ := rebuildCompat(t, 6)
	if lc := reconstructAt(t, dir6, time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)).Lifecycle; lc.State != Pending {
		t.Errorf("after the approval request: lifecycle %q, want pending", lc.State)
	}
}

// TestFileAtRefusesHugeBlob: a committed bundle larger than any evidence
// file is an error before it is read, not an allocation of its size.
func TestFileAtRefusesHugeBlob(t *testing.T) {
	dir := t.TempDir()
	gitRun(t, dir, nil, "init", "-q")
	os.MkdirAll(filepath.Join(dir, ".sei"), 0o755)
	if err := os.WriteFile(filepath.Join(dir, ".sei", "bundle.json"), make([]byte, MaxEvidenceFile+1), 0o644); err != nil {
		t.Fatal(err)
	}
	gitRun(t, dir, nil, "add", "-A")
	gitRun(t, dir, []string{"GIT_AUTHOR_NAME=a", "GIT_AUTHOR_EMAIL=a@b", "GIT_COMMITTER_NAME=a", "GIT_COMMITTER_EMAIL=a@b"}, "commit", "-qm", "huge")
	r, err := OpenRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := Chain(r)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := FileAt(chain[0], ".sei/bundle.json"); err == nil || !strings.Contains(err.Error(), "more than sei reads") {
		t.Fatalf("FileAt of a %d-byte blob: %v", MaxEvidenceFile+1, err)
	}
}
