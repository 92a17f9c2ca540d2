package adapters

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"syscall"
	"time"
)

// allowedEnv are the variables a stage inherits from sei's environment.
var allowedEnv = []string{"HOME", "LANG", "LC_ALL", "PATH", "TMPDIR", "TZ", "USER", "SOURCE_DATE_EPOCH"}

// ScrubbedEnv keeps only the allow-listed variables, sorted.
func ScrubbedEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		for _, a := range allowedEnv {
			if k == a {
				out = append(out, kv)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Exec runs argv in dir with env, in its own process group so that Ctrl-C
// and SIGKILL of sei reach its children too, and captures its output. A
// non-zero exit is a Run with ExitCode set, not an error; an error means the
// command could not run at all, and names the stage.
//
// When ctx carries a stage's sandbox (WithSandbox) in strict or relaxed
// mode, the command runs inside it.
func Exec(ctx context.Context, dir string, env []string, stage string, argv []string) (Run, error) {
	if len(argv) == 0 {
		return Run{}, fmt.Errorf("stage %s: no command", stage)
	}
	if s := sandboxOf(ctx); s != nil && s.Mode != None && s.Mode != "" {
		return runSandboxed(ctx, s, dir, env, stage, argv)
	}
	return execPlain(ctx, dir, env, stage, argv)
}

func execPlain(ctx context.Context, dir string, env []string, stage string, argv []string) (Run, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := Run{Stdout: out.Bytes(), Stderr: errb.Bytes(), Duration: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.ExitCode = ee.ExitCode()
	default:
		return r, fmt.Errorf("stage %s: %w", stage, err)
	}
	return r, nil
}
