package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkSandboxCost is what the sandbox costs per stage, whole
// processes as a user runs them: `sei build` of 20 trivial stages (each
// writes one small file) from an empty cache, unsandboxed, relaxed and
// strict, in the same run. Divide by 20 for the cost per stage.
func BenchmarkSandboxCost(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "sei")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	dir := b.TempDir()
	var st strings.Builder
	for i := range 20 {
		fmt.Fprintf(&st, "    - { name: s%d, cmd: \"echo %d > o%d.txt\", outs: [o%d.txt] }\n", i, i, i, i)
	}
	manifest := "apiVersion: seigarrena.dev/v1alpha1\nkind: AISystem\nsystem: { name: b, intended_purpose: p }\n" +
		"pipeline:\n  tool: command\n  metrics: o0.txt\n  stages:\n" + st.String()
	if err := os.WriteFile(filepath.Join(dir, "sei.yaml"), []byte(manifest), 0o644); err != nil {
		b.Fatal(err)
	}
	for _, mode := range []string{"none", "relaxed", "strict"} {
		b.Run(mode, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				os.RemoveAll(filepath.Join(dir, ".sei"))
				b.StartTimer()
				cmd := exec.Command(bin, "build", "-j", "1", "--sandbox", mode)
				cmd.Dir = dir
				if out, err := cmd.CombinedOutput(); err != nil && !strings.Contains(string(out), ": 20 ran, ") {
					b.Fatalf("%v\n%s", err, out)
				}
			}
		})
	}
}
