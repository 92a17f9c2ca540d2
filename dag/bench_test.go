package dag

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"seigarrena.dev/sei/adapters"
	"seigarrena.dev/sei/cache"
	"seigarrena.dev/sei/manifest"
)

// The synthetic repository: n nodes, half source files and half stages.
// Stage i reads src/i and the output of stage i/2 (a binary tree of depth
// log2 n) and writes out/i. The same graph is written as build.ninja, and
// both tools' null builds are timed in the same run.

type synth struct {
	dir    string
	m      *manifest.Manifest
	stages []adapters.Stage
	g      *Graph
}

var synths sync.Map // n → *synth, built once per process

// benchDirs are removed when the test binary exits (TestMain): the
// synthetic repositories outlive any one benchmark.
var benchDirs []string

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range benchDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

func fileFor(kind string, i int) string { return fmt.Sprintf("%s/%03d/%d", kind, i/1000, i) }

// fakeAdapter writes each output in-process: the benchmark measures the
// engine, not process start-up.
type fakeAdapter struct{}

func (fakeAdapter) Tool() string                                       { return "fake" }
func (fakeAdapter) Version(context.Context) (string, error)            { return "1", nil }
func (fakeAdapter) Stages() ([]adapters.Stage, error)                  { return nil, nil }
func (fakeAdapter) LockDigest(context.Context, string) (string, error) { return "", nil }
func (fakeAdapter) RunStage(_ context.Context, repo string, s adapters.Stage) (adapters.Run, error) {
	for _, o := range s.Outputs {
		p := filepath.Join(repo, o)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(s.Name+"\n"), 0o644); err != nil {
			return adapters.Run{}, err
		}
	}
	return adapters.Run{}, nil
}

// synthStages: stage i reads src/i and stage i/2's output, writes out/i.
func synthStages(n int) []adapters.Stage {
	stages := make([]adapters.Stage, 0, n/2)
	for i := 0; i < n/2; i++ {
		st := adapters.Stage{Name: strconv.Itoa(i), Outputs: []string{fileFor("out", i)},
			Inputs: []adapters.Input{{Path: fileFor("src", i)}}}
		if i > 0 {
			st.Inputs = append(st.Inputs, adapters.Input{Path: fileFor("out", i/2)})
		}
		stages = append(stages, st)
	}
	return stages
}

func getSynth(b testing.TB, n int) *synth {
	if s, ok := synths.Load(n); ok {
		return s.(*synth)
	}
	dir, err := os.MkdirTemp("", "sei-synth-")
	if err != nil {
		b.Fatal(err)
	}
	benchDirs = append(benchDirs, dir)
	s := &synth{dir: dir}
	past := time.Now().Add(-time.Hour)
	for i := 0; i < n/2; i++ {
		p := filepath.Join(s.dir, fileFor("src", i))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(strconv.Itoa(i)), 0o644)
		os.Chtimes(p, past, past)
	}
	s.stages = synthStages(n)
	if s.m, err = manifest.Parse("sei.yaml", []byte("apiVersion: seigarrena.dev/v1alpha1\nkind: AISystem\nsystem: {name: synth, intended_purpose: p}\n")); err != nil {
		b.Fatal(err)
	}
	if s.g, err = Lower(s.m, s.stages); err != nil {
		b.Fatal(err)
	}
	s.build(b) // first build: runs every stage
	time.Sleep(cache.Granularity + 100*time.Millisecond)
	s.build(b) // records the outputs' stat rows outside the racy window
	s.writeNinja(b, n)
	synths.Store(n, s)
	return s
}

func (s *synth) build(b testing.TB) *Report {
	st, err := cache.Open(filepath.Join(s.dir, ".sei", "cache"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	bl := &Builder{G: s.g, M: s.m, Repo: s.dir, Store: st, Adapter: fakeAdapter{}, Jobs: 2}
	rep, err := bl.Build(context.Background(), nil)
	if err != nil || !rep.OK() {
		b.Fatalf("build: %v", err)
	}
	return rep
}

func (s *synth) writeNinja(b testing.TB, n int) {
	nd := filepath.Join(s.dir, "ninja")
	f, err := os.Create(filepath.Join(nd + ".ninja"))
	if err != nil {
		b.Fatal(err)
	}
	fmt.Fprintf(f, "builddir = %s\nrule touch\n  command = touch $out\n", nd)
	for i := 0; i < n/2; i++ {
		in := "../" + fileFor("src", i)
		if i > 0 {
			in += " " + fileFor("out", i/2)
		}
		fmt.Fprintf(f, "build %s: touch %s\n", fileFor("out", i), in)
	}
	f.Close()
	os.MkdirAll(nd, 0o755)
	if _, err := exec.LookPath("ninja"); err != nil {
		return
	}
	cmd := exec.Command("ninja", "-f", "../ninja.ninja", "-j", "8")
	cmd.Dir = nd
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("ninja first build: %v\n%.500s", err, out)
	}
}

func benchSizes(b *testing.B, f func(b *testing.B, n int)) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) { f(b, n) })
	}
}

func BenchmarkLower(b *testing.B) {
	benchSizes(b, func(b *testing.B, n int) {
		s := getSynth(b, n)
		b.ResetTimer()
		for b.Loop() {
			if _, err := Lower(s.m, s.stages); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkNullBuildSei(b *testing.B) {
	benchSizes(b, func(b *testing.B, n int) {
		s := getSynth(b, n)
		b.ResetTimer()
		for b.Loop() {
			if rep := s.build(b); rep.Ran != 0 {
				b.Fatalf("null build ran %d stages", rep.Ran)
			}
		}
	})
}

func BenchmarkNullBuildNinja(b *testing.B) {
	if _, err := exec.LookPath("ninja"); err != nil {
		b.Skip("ninja not installed (Debian: apt-get install ninja-build)")
	}
	benchSizes(b, func(b *testing.B, n int) {
		s := getSynth(b, n)
		b.ResetTimer()
		for b.Loop() {
			cmd := exec.Command("ninja", "-f", "../ninja.ninja")
			cmd.Dir = filepath.Join(s.dir, "ninja")
			out, err := cmd.Output()
			if err != nil || string(out) != "ninja: no work to do.\n" {
				b.Fatalf("ninja null build: %v %q", err, out)
			}
		}
	})
}

func BenchmarkNullStatusSei(b *testing.B) {
	benchSizes(b, func(b *testing.B, n int) {
		s := getSynth(b, n)
		st, _ := cache.Open(filepath.Join(s.dir, ".sei", "cache"))
		defer st.Close()
		b.ResetTimer()
		for b.Loop() {
			h, _ := st.NewHasher()
			src, classes, _ := s.g.Fingerprint(s.dir, h)
			if len(classes) != len(src) {
				b.Fatal("fingerprint")
			}
		}
	})
}

// BenchmarkPeakRSS runs lowering plus a null build in a child process and
// reports the child's peak resident set (getrusage ru_maxrss).
func BenchmarkPeakRSS(b *testing.B) {
	benchSizes(b, func(b *testing.B, n int) {
		s := getSynth(b, n)
		var peak int64
		for b.Loop() {
			cmd := exec.Command(os.Args[0], "-test.run=^TestBenchChild$")
			cmd.Env = append(os.Environ(), "GOGC=400", "GOMEMLIMIT=128MiB", "SEI_BENCH_CHILD="+strconv.Itoa(n), "SEI_BENCH_DIR="+s.dir)
			out, err := cmd.CombinedOutput()
			if err != nil {
				b.Fatalf("child: %v\n%s", err, out)
			}
			// The child reports its own VmHWM: ru_maxrss would count the
			// parent's pages it shared before exec.
			m := regexp.MustCompile(`VmHWM:\s+(\d+) kB`).FindSubmatch(out)
			if m == nil {
				b.Fatalf("child printed no VmHWM:\n%s", out)
			}
			kb, _ := strconv.ParseInt(string(m[1]), 10, 64)
			peak = max(peak, kb)
		}
		b.ReportMetric(float64(peak)/1024, "peak-MB")
	})
}

// TestBenchChild is BenchmarkPeakRSS's child; it does nothing in a normal run.
func TestBenchChild(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv("SEI_BENCH_CHILD"))
	if err != nil {
		t.Skip("only run as BenchmarkPeakRSS's child")
	}
	s := &synth{dir: os.Getenv("SEI_BENCH_DIR")}
	s.m, _ = manifest.Parse("sei.yaml", []byte("apiVersion: seigarrena.dev/v1alpha1\nkind: AISystem\nsystem: {name: synth, intended_purpose: p}\n"))
	s.stages = synthStages(n)
	if s.g, err = Lower(s.m, s.stages); err != nil {
		t.Fatal(err)
	}
	if rep := s.build(t); rep.Ran != 0 {
		t.Fatalf("child null build ran %d stages", rep.Ran)
	}
	if hp := os.Getenv("SEI_HEAPPROF"); hp != "" {
		f, _ := os.Create(hp)
		pprof.Lookup("heap").WriteTo(f, 0)
		f.Close()
	}
	status, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			fmt.Println(l)
		}
	}
}
