package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkLargeOutput is a stage writing one large output (2 GiB, or
// SEI_BENCH_LARGE bytes), whole processes in the same run: the command
// alone against `sei build` running it (store into the CAS included), and
// `cp` of the file against `sei build` restoring it after it was deleted.
// Peak RSS is reported per case (maxrss_KiB, of the measured process).
func BenchmarkLargeOutput(b *testing.B) {
	size := int64(2 << 30)
	if v, err := strconv.ParseInt(os.Getenv("SEI_BENCH_LARGE"), 10, 64); err == nil && v > 0 {
		size = v
	}
	bin := filepath.Join(b.TempDir(), "sei")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	dir := b.TempDir()
	write := fmt.Sprintf("head -c %d /dev/zero > big.bin", size)
	manifest := "apiVersion: seigarrena.dev/v1alpha1\nkind: AISystem\nsystem: { name: big, intended_purpose: p }\n" +
		"pipeline:\n  tool: command\n  metrics: m.json\n  stages:\n" +
		"    - { name: make, cmd: \"" + write + "; echo {} > m.json\", outs: [big.bin, m.json] }\n"
	if err := os.WriteFile(filepath.Join(dir, "sei.yaml"), []byte(manifest), 0o644); err != nil {
		b.Fatal(err)
	}
	env := append(os.Environ(), "SEI_SIGNING_KEY="+testKeyPEM)
	run := func(b *testing.B, argv ...string) {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Dir, cmd.Env = dir, env
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v: %v\n%s", argv, err, out)
		}
		b.ReportMetric(float64(cmd.ProcessState.SysUsage().(*syscallRusage).Maxrss), "maxrss_KiB")
	}
	clean := func() { os.RemoveAll(filepath.Join(dir, ".sei")); os.Remove(filepath.Join(dir, "big.bin")) }
	cases := []struct {
		name  string
		setup func()
		argv  []string
	}{
		{"build/command-alone", clean, []string{"sh", "-c", write}},
		{"build/sei", clean, []string{bin, "build", "-j", "1"}},
		{"restore/cp", func() { os.Remove(filepath.Join(dir, "copy.bin")) }, []string{"cp", "big.bin", "copy.bin"}},
		{"restore/sei", func() { os.Remove(filepath.Join(dir, "big.bin")) }, []string{bin, "build", "-j", "1"}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				c.setup()
				b.StartTimer()
				run(b, c.argv...)
			}
		})
	}
	os.Remove(filepath.Join(dir, "copy.bin"))
}
