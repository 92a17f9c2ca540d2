package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// scaleSizes are the stage counts of the whole-process scale benchmarks:
// SEI_BENCH_SCALE (comma-separated), else 1k, 10k and 100k (the 100k
// first builds take ~3 minutes a tool for the fan, ~6 for the chain: one
// round of those, see firstRounds).
func scaleSizes() []int {
	sizes := []int{1000, 10000, 100000}
	if v := os.Getenv("SEI_BENCH_SCALE"); v != "" {
		sizes = nil
		for _, f := range strings.Split(v, ",") {
			if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n > 0 {
				sizes = append(sizes, n)
			}
		}
	}
	return sizes
}

// scaleRepo writes a repository of n trivial command stages in shape
// "fan" (stage i copies src/i) or "chain" (stage i copies stage i-1's
// output, stage 0 src/0), as sei.yaml and as the equivalent build.ninja,
// side by side so both tools see the same files. Files sit 1000 to a
// directory. Stages run unsandboxed (pipeline.sandbox: none): the
// comparison is the engine's overhead, the sandbox's own cost is
// BenchmarkSandboxCost's. Both run the same command, `cp in out`: each
// tool creates the output's directory itself.
func scaleRepo(b *testing.B, n int, shape string) string {
	b.Helper()
	dir := b.TempDir()
	var y, nj strings.Builder
	y.WriteString(strings.ReplaceAll(`apiVersion: seigarrena.dev/v1alpha1
kind: AISystem
system: { name: scale, intended_purpose: "Measure the engine." }
eval: { script: src/0.txt }
pipeline:
  tool: command
  metrics: metrics.json
  sandbox: none
  stages:
    - { name: metrics, cmd: "echo {} > metrics.json", deps: [src/0.txt], outs: [metrics.json] }
`, "src/0.txt", scaleFile("src", 0)))
	nj.WriteString("rule cp\n  command = cp $in $out\n")
	for i := 0; i < n; i++ {
		src := scaleFile("src", i)
		os.MkdirAll(filepath.Join(dir, filepath.Dir(src)), 0o755)
		os.WriteFile(filepath.Join(dir, src), []byte(strconv.Itoa(i)+"\n"), 0o644)
		in := src
		if shape == "chain" && i > 0 {
			in = scaleFile("out", i-1)
		}
		out := scaleFile("out", i)
		fmt.Fprintf(&y, "    - { name: s%d, cmd: \"cp %s %s\", deps: [%s], outs: [%s] }\n", i, in, out, in, out)
		fmt.Fprintf(&nj, "build %s: cp %s\n", out, in)
	}
	os.WriteFile(filepath.Join(dir, "sei.yaml"), []byte(y.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "build.ninja"), []byte(nj.String()), 0o644)
	shell(b, dir, "git init -q && git add -A && git -c user.name=b -c user.email=b@example.org commit -qm scale")
	return dir
}

func scaleFile(kind string, i int) string { return fmt.Sprintf("%s/%03d/%d.txt", kind, i/1000, i) }

// BenchmarkScale: whole processes as a user runs them, alternating with
// ninja round by round on the same generated graph: the first build (all
// outputs and sei's cache removed before each, untimed), the null build,
// a build after one source changed, and `sei status` (against ninja's
// null build, the nearest thing it has). -j2, this machine's cores.
func BenchmarkScale(b *testing.B) {
	ninja, err := exec.LookPath("ninja")
	if err != nil {
		b.Skip("ninja is not installed: apt-get install ninja-build")
	}
	bin := benchBinary(b)
	for _, n := range scaleSizes() {
		for _, shape := range []string{"fan", "chain"} {
			b.Run(fmt.Sprintf("%s/%dk", shape, n/1000), func(b *testing.B) {
				// Each tool has its own copy: one's clean must not be the other's.
				sdir, ndir := scaleRepo(b, n, shape), scaleRepo(b, n, shape)
				env := append(os.Environ(), "SEI_SIGNING_KEY="+testKeyPEM)
				sei := []string{bin, "build", "-j", "2"}
				nja := []string{ninja, "-j", "2"}
				clean := func(dir string) func() {
					return func() { shell(b, dir, "rm -rf out .sei .ninja_log .ninja_deps metrics.json") }
				}
				touch := func(dir string) func() {
					return func() {
						p := filepath.Join(dir, scaleFile("src", n/2))
						data, _ := os.ReadFile(p)
						os.WriteFile(p, append(data, 'x'), 0o644)
					}
				}
				b.Run("first", func(b *testing.B) {
					alternateN(b, firstRounds(n), []benchCase{{"sei", clean(sdir), sdir, env, sei}, {"ninja", clean(ndir), ndir, env, nja}})
				})
				// null: what a user sees on the second and later null builds, the
				// record replayed (the first round makes it). null-full: the full
				// path every time (the record removed first), as the first null
				// build after a change runs it.
				b.Run("null", func(b *testing.B) {
					alternate(b, []benchCase{{"sei", nil, sdir, env, sei}, {"ninja", nil, ndir, env, nja}})
				})
				b.Run("null-full", func(b *testing.B) {
					unrecord := func() { os.Remove(filepath.Join(sdir, ".sei", "cache", "journal")) }
					alternate(b, []benchCase{{"sei", unrecord, sdir, env, sei}, {"ninja", nil, ndir, env, nja}})
				})
				// In the chain only src/0 is an input (and changing it changes
				// everything): one changed input is a fan case.
				if shape == "fan" {
					b.Run("one-changed", func(b *testing.B) {
						alternate(b, []benchCase{{"sei", touch(sdir), sdir, env, sei}, {"ninja", touch(ndir), ndir, env, nja}})
					})
				}
				// status compares with the last signed run: one, untimed.
				run := exec.Command(bin, "run")
				run.Dir, run.Env = sdir, env
				if out, err := run.CombinedOutput(); err != nil {
					b.Fatalf("sei run: %v\n%s", err, out)
				}
				// status: its record replayed after the first round, as the null
				// build's; status-full: computed every time (record removed).
				b.Run("status", func(b *testing.B) {
					alternate(b, []benchCase{{"sei", nil, sdir, env, []string{bin, "status"}}, {"ninja", nil, ndir, env, nja}})
				})
				b.Run("status-full", func(b *testing.B) {
					unrecord := func() { os.Remove(filepath.Join(sdir, ".sei", "cache", "status-journal")) }
					alternate(b, []benchCase{{"sei", unrecord, sdir, env, []string{bin, "status"}}, {"ninja", nil, ndir, env, nja}})
				})
			})
		}
	}
}

// firstRounds is the number of first-build rounds: benchRounds, but one
// from 100k stages on, whose first builds take minutes each.
func firstRounds(n int) int {
	if n >= 100000 {
		return 1
	}
	return benchRounds()
}
