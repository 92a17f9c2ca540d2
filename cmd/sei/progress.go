package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"seigarrena.dev/sei/dag"
)

// progressUI prints one line per stage that ran, was restored, failed or
// would run, numbered by stages finished of stages needed. On a terminal
// it also keeps a live line naming the stages running now with their
// elapsed time, redrawn four times a second; elsewhere (CI, a pipe) only
// the plain lines, so logs stay diffable.
type progressUI struct {
	w       io.Writer
	explain bool
	tty     bool
	now     func() time.Time

	mu      sync.Mutex
	running map[string]time.Time
	last    dag.Progress
	quit    chan struct{}
	ticker  sync.WaitGroup
}

func newProgress(w io.Writer, explain, tty bool) *progressUI {
	p := &progressUI{w: w, explain: explain, tty: tty, now: time.Now, running: map[string]time.Time{}, quit: make(chan struct{})}
	if tty {
		p.ticker.Add(1)
		go p.tick()
	}
	return p
}

func (p *progressUI) tick() {
	defer p.ticker.Done()
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.quit:
			return
		case <-t.C:
			p.mu.Lock()
			p.redraw()
			p.mu.Unlock()
		}
	}
}

func (p *progressUI) start(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running[name] = p.now()
	if p.tty {
		p.redraw()
	}
}

func (p *progressUI) done(r dag.NodeResult, pr dag.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.running, r.Name)
	p.last = pr
	switch r.State {
	case dag.Ran, dag.Restored, dag.Failed, dag.WouldRun:
		line := fmt.Sprintf("[%d/%d] %s %s", pr.StagesDone, pr.Stages, r.State, r.Name)
		if r.State == dag.Ran || r.State == dag.Failed {
			line += fmt.Sprintf(" (%.1fs)", r.Duration.Seconds())
		}
		if p.explain && r.Reason != "" {
			line += ": " + r.Reason
		}
		if p.tty {
			line = "\r\033[K" + line
		}
		fmt.Fprintln(p.w, line)
	}
	if p.tty {
		p.redraw()
	}
}

// redraw rewrites the live line (the lock is held).
func (p *progressUI) redraw() {
	if len(p.running) == 0 {
		fmt.Fprint(p.w, "\r\033[K")
		return
	}
	fmt.Fprint(p.w, "\r\033[K"+runningLine(p.last, p.running, p.now()))
}

// runningLine names the running stages, longest-running first.
func runningLine(pr dag.Progress, running map[string]time.Time, now time.Time) string {
	names := make([]string, 0, len(running))
	for n := range running {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if !running[names[i]].Equal(running[names[j]]) {
			return running[names[i]].Before(running[names[j]])
		}
		return names[i] < names[j]
	})
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s %.1fs", n, now.Sub(running[n]).Seconds())
	}
	return fmt.Sprintf("[%d/%d] running: %s", pr.StagesDone, pr.Stages, strings.Join(parts, ", "))
}

// stop ends the live line.
func (p *progressUI) stop() {
	close(p.quit)
	p.ticker.Wait()
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// summaryLine is the build's last line: stages by what happened to them
// (counts that add up to the stages needed), then the nodes.
func summaryLine(verb string, rep *dag.Report) string {
	parts := []string{
		fmt.Sprintf("%d ran", rep.Ran),
		fmt.Sprintf("%d up to date", rep.UpToDate),
		fmt.Sprintf("%d cached", rep.Cached),
		fmt.Sprintf("%d restored", rep.Restore),
		fmt.Sprintf("%d failed", rep.Failed),
	}
	if rep.Skipped > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped", rep.Skipped))
	}
	if rep.WouldRun > 0 {
		parts = append(parts, fmt.Sprintf("%d would run", rep.WouldRun))
	}
	return fmt.Sprintf("%s %s (%s): %s", verb, plural(rep.Stages, "stage"), plural(len(rep.Results), "node"), strings.Join(parts, ", "))
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
