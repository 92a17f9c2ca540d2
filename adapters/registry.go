package adapters

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Options is what any adapter may be made from: the repository, the
// metrics file sei.yaml names, and the stages sei.yaml declares itself
// (tool: command).
type Options struct {
	Repo    string
	Metrics string
	Stages  []Stage
	// Memo keeps slow answers between runs and clones (nil: none kept).
	Memo *Memo
	// Sandbox is where the adapter runs the team's code to read the
	// pipeline, as stages run (nil: unsandboxed, asked for).
	Sandbox *Sandbox
}

// Factory makes a tool's adapter.
type Factory func(Options) Reproducer

var (
	registryMu sync.Mutex
	registry   = map[string]Factory{}
)

// Register makes tool (pipeline.tool's value) available to New. Each
// adapter package registers itself from init; registering a tool twice is
// a programming error.
func Register(tool string, f Factory) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[tool]; dup {
		panic("adapters: " + tool + " registered twice")
	}
	registry[tool] = f
}

// New is the adapter for tool, chosen here rather than by the CLI so that
// a fourth backend is one package that registers itself.
func New(tool string, o Options) (Reproducer, error) {
	registryMu.Lock()
	f, ok := registry[tool]
	registryMu.Unlock()
	if !ok {
		return nil, fmt.Errorf("pipeline.tool %q has no adapter (registered: %s)", tool, strings.Join(Tools(), ", "))
	}
	return f(o), nil
}

// Tools lists the registered tools, sorted.
func Tools() []string {
	registryMu.Lock()
	defer registryMu.Unlock()
	out := make([]string, 0, len(registry))
	for t := range registry {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}
