package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"seigarrena.dev/sei/dag"
)

// The live line names the stages running now, longest-running first, with
// their elapsed time, numbered by stages finished of stages needed.
func TestRunningLine(t *testing.T) {
	now := time.Unix(100, 0)
	got := runningLine(dag.Progress{StagesDone: 3, Stages: 9}, map[string]time.Time{
		"stage:b": now.Add(-1500 * time.Millisecond), "stage:a": now.Add(-4 * time.Second), "stage:c": now.Add(-1500 * time.Millisecond)}, now)
	if want := "[3/9] running: stage:a 4.0s, stage:b 1.5s, stage:c 1.5s"; got != want {
		t.Errorf("runningLine = %q, want %q", got, want)
	}
}

// The summary's counts add up to the stages needed, and a plain (non-
// terminal) progress prints one line per stage that ran, no live line.
func TestSummaryAndPlainProgress(t *testing.T) {
	rep := &dag.Report{Results: make([]dag.NodeResult, 24), Stages: 5, Ran: 1, UpToDate: 2, Cached: 1, Restore: 1}
	if got, want := summaryLine("built", rep), "built 5 stages (24 nodes): 1 ran, 2 up to date, 1 cached, 1 restored, 0 failed"; got != want {
		t.Errorf("summary = %q, want %q", got, want)
	}
	var buf bytes.Buffer
	ui := newProgress(&buf, false, false)
	ui.start("stage:a")
	ui.done(dag.NodeResult{Name: "stage:a", State: dag.Ran, Duration: 1200 * time.Millisecond}, dag.Progress{StagesDone: 1, Stages: 2})
	ui.done(dag.NodeResult{Name: "stage:b", State: dag.UpToDate}, dag.Progress{StagesDone: 2, Stages: 2})
	ui.stop()
	if got := buf.String(); got != "[1/2] ran stage:a (1.2s)\n" || strings.Contains(got, "\r") {
		t.Errorf("plain progress = %q", got)
	}
}

// /dev/null is a character device but no terminal: output sent there
// gets no live line (a mode test once said it was a terminal).
func TestDevNullIsNoTerminal(t *testing.T) {
	t.Setenv("CI", "")
	t.Setenv("TERM", "xterm")
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Error("isTerminal(/dev/null) = true")
	}
}
