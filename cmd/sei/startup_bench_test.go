package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkStartup: sei's fixed cost as a user meets it, whole processes
// alternating with a Go hello world (the floor for any Go binary on this
// machine): `sei --version`, and `sei status` on a one-stage repository
// after a run (manifest, cache, lock, bundle and its signature, git).
// Fifty rounds: each process lasts milliseconds.
func BenchmarkStartup(b *testing.B) {
	bin := benchBinary(b)
	hello := filepath.Join(b.TempDir(), "hello")
	src := filepath.Join(b.TempDir(), "hello.go")
	os.WriteFile(src, []byte("package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello\") }\n"), 0o644)
	if out, err := exec.Command("go", "build", "-o", hello, src).CombinedOutput(); err != nil {
		b.Fatalf("go build hello: %v\n%s", err, out)
	}
	dir := b.TempDir()
	os.WriteFile(filepath.Join(dir, "sei.yaml"), []byte(`apiVersion: seigarrena.dev/v1alpha1
kind: AISystem
system: { name: t, intended_purpose: "Measure start-up." }
pipeline:
  tool: command
  metrics: metrics.json
  sandbox: none
  stages:
    - { name: metrics, cmd: "echo {} > metrics.json", outs: [metrics.json] }
`), 0o644)
	shell(b, dir, "git init -q && git add -A && git -c user.name=b -c user.email=b@example.org commit -qm t")
	env := append(os.Environ(), "SEI_SIGNING_KEY="+testKeyPEM)
	run := exec.Command(bin, "run")
	run.Dir, run.Env = dir, env
	if out, err := run.CombinedOutput(); err != nil {
		b.Fatalf("sei run: %v\n%s", err, out)
	}
	b.Run("version", func(b *testing.B) {
		alternateN(b, 50, []benchCase{{"sei", nil, dir, env, []string{bin, "--version"}}, {"hello", nil, dir, env, []string{hello}}})
	})
	b.Run("status", func(b *testing.B) {
		alternateN(b, 50, []benchCase{{"sei", nil, dir, env, []string{bin, "status"}}, {"hello", nil, dir, env, []string{hello}}})
	})
}
