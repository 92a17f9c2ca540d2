package command

import (
	"context"
	"testing"
	"time"

	"seigarrena.dev/sei/adapters"
)

func TestRunStage(t *testing.T) {
	a := New(nil, "metrics.json")
	a.Env = []string{"PATH=/usr/bin:/bin"}
	dir := t.TempDir()
	r, err := a.RunStage(context.Background(), dir, adapters.Stage{Name: "s", Command: []string{"sh", "-c", "echo out; echo err >&2; echo $SECRET; exit 7"}})
	if err != nil || r.ExitCode != 7 || string(r.Stdout) != "out\n\n" || string(r.Stderr) != "err\n" {
		t.Errorf("run = %+v, %v", r, err)
	}
}

func TestCancelStopsTheProcessGroup(t *testing.T) {
	a := New(nil, "metrics.json")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	a.RunStage(ctx, t.TempDir(), adapters.Stage{Name: "s", Command: []string{"sh", "-c", "sleep 30 & wait"}})
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("cancelled stage ran %v", d)
	}
}
