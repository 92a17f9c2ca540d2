package adapters

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"seigarrena.dev/sei/confine"
	"strings"
	"sync"
)

// runSandboxed runs argv for the stage in its sandbox: scratch and
// staging directories are made here and removed afterwards.
func runSandboxed(ctx context.Context, s *StageSandbox, dir string, env []string, stage string, argv []string) (Run, error) {
	if err := SandboxAvailable(); err != nil {
		return Run{}, fmt.Errorf("stage %s: %w; run with --sandbox=none (or SEI_SANDBOX=none) to run stages unsandboxed", stage, err)
	}
	scratch, err := os.MkdirTemp("", "sei-stage-*")
	if err != nil {
		return Run{}, err
	}
	defer os.RemoveAll(scratch)
	staging := ""
	if s.Mode == Strict {
		base := filepath.Join(s.Repo, ".sei", "cache", "sandbox")
		if err := os.MkdirAll(base, 0o755); err != nil {
			return Run{}, err
		}
		if staging, err = os.MkdirTemp(base, stage+"-*"); err != nil {
			return Run{}, err
		}
		defer os.RemoveAll(staging)
	}
	wargv, wenv, err := s.wrap(argv, env, dir, scratch, staging)
	if err != nil {
		return Run{}, err
	}
	r, err := execPlain(ctx, dir, wenv, stage, wargv)
	if err == nil && r.ExitCode == 0 && staging != "" {
		err = s.collect(staging)
	}
	return r, err
}

// SandboxMode says how much of the machine a stage sees. Stages run in
// Linux namespaces made by bubblewrap (user, PID, IPC): their own /proc, so
// sei's process and environment are out of reach; a private empty HOME and
// TMPDIR; sei's key files and cache hidden; the whole process tree killed
// with sei (--die-with-parent and the PID namespace's init).
type SandboxMode string

const (
	// Strict shows only the system directories, the toolchain, the
	// declared inputs (read-only) and a fresh directory for the outputs:
	// an undeclared read fails, as in Bazel's sandbox, so a cache hit
	// means what it says. Only declared outputs come back.
	Strict SandboxMode = "strict"
	// Relaxed shows the file system, less sei's secrets and cache: for
	// tools that keep state of their own (DVC's .dvc/, MLflow's store,
	// Dagster's instance).
	Relaxed SandboxMode = "relaxed"
	// None runs the stage as a plain child process, only when asked.
	None SandboxMode = "none"
	// Auto is each adapter's default: strict for command, relaxed for
	// the Python tools.
	Auto SandboxMode = "auto"
)

// ParseSandboxMode reads --sandbox / SEI_SANDBOX.
func ParseSandboxMode(s string) (SandboxMode, error) {
	switch m := SandboxMode(s); m {
	case Strict, Relaxed, None, Auto:
		return m, nil
	case "":
		return Auto, nil
	}
	return "", fmt.Errorf("sandbox %q: want auto, strict, relaxed or none", s)
}

// Sandbox is how a build's stages run; it travels in the context from the
// engine to Exec (WithSandbox), so every adapter's stage gets it.
type Sandbox struct {
	Mode SandboxMode
	Repo string   // absolute
	Hide []string // absolute paths a stage may not read: key files, config
	// Toolchain are extra read-only paths for strict mode (virtual
	// environments, interpreters outside /usr).
	Toolchain []string
}

// StageSandbox is the sandbox of one stage: what it may read and write.
type StageSandbox struct {
	*Sandbox
	Mode    SandboxMode // resolved: strict, relaxed or none
	Inputs  []Input
	Outputs []string
	Writes  []TableWrite
}

type sandboxKey struct{}

// WithSandbox puts a stage's sandbox in ctx for Exec.
func WithSandbox(ctx context.Context, s *StageSandbox) context.Context {
	return context.WithValue(ctx, sandboxKey{}, s)
}

func sandboxOf(ctx context.Context) *StageSandbox {
	s, _ := ctx.Value(sandboxKey{}).(*StageSandbox)
	return s
}

var (
	bwrapOnce sync.Once
	bwrapPath string
	bwrapErr  error
)

// ErrNoSandbox: bubblewrap is missing or namespaces are forbidden here.
var ErrNoSandbox = errors.New("stages cannot be sandboxed here")

// SandboxAvailable checks once per process that bubblewrap can make the
// namespaces (some CI runners forbid unprivileged user namespaces).
func SandboxAvailable() error {
	bwrapOnce.Do(func() {
		p, err := exec.LookPath("bwrap")
		if err != nil {
			bwrapErr = fmt.Errorf("%w: bwrap not found (apt-get install bubblewrap)", ErrNoSandbox)
			return
		}
		out, err := exec.Command(p, "--unshare-user", "--unshare-pid", "--ro-bind", "/", "/", "true").CombinedOutput()
		if err != nil {
			bwrapErr = fmt.Errorf("%w: bwrap: %v %s", ErrNoSandbox, err, strings.TrimSpace(string(out)))
			return
		}
		bwrapPath = p
	})
	return bwrapErr
}

// wrap turns argv into the bwrap command line for s. Relaxed: HOME and
// TMPDIR are fresh directories under scratch (outside the repository).
// Strict: they are /tmp/home and /tmp on a private tmpfs, and staging (a
// fresh directory on the repository's file system) is mounted at the
// repository; collect moves the declared outputs back from it.
func (s *StageSandbox) wrap(argv, env []string, dir, scratch, staging string) ([]string, []string, error) {
	args := []string{bwrapPath, "--die-with-parent", "--unshare-user", "--unshare-pid", "--unshare-ipc", "--new-session"}
	if s.Mode == Strict {
		env = setEnv(setEnv(env, "HOME", "/tmp/home"), "TMPDIR", "/tmp")
		args = append(args, s.strictMounts(staging)...)
	} else {
		home, tmp := filepath.Join(scratch, "home"), filepath.Join(scratch, "tmp")
		for _, d := range []string{home, tmp} {
			if err := os.MkdirAll(d, 0o700); err != nil {
				return nil, nil, err
			}
		}
		env = setEnv(setEnv(env, "HOME", home), "TMPDIR", tmp)
		args = append(args, s.relaxedMounts()...)
	}
	args = append(args, "--proc", "/proc", "--dev", "/dev", "--chdir", dir, "--")
	return append(args, argv...), env, nil
}

// relaxedMounts: the whole file system, less sei's secrets and cache; the
// evidence directory read-only.
func (s *StageSandbox) relaxedMounts() []string {
	args := []string{"--bind", "/", "/"}
	sei := filepath.Join(s.Repo, ".sei")
	if isDir(sei) {
		args = append(args, "--ro-bind", sei, sei)
		if cache := filepath.Join(sei, "cache"); isDir(cache) {
			args = append(args, "--tmpfs", cache)
		}
	}
	return append(args, s.hideMounts()...)
}

// hideMounts covers each hidden path: an empty tmpfs over a directory,
// /dev/null over a file.
func (s *StageSandbox) hideMounts() []string {
	var args []string
	for _, h := range s.Hide {
		fi, err := os.Stat(h)
		switch {
		case err != nil:
		case fi.IsDir():
			args = append(args, "--tmpfs", h)
		default:
			args = append(args, "--ro-bind", "/dev/null", h)
		}
	}
	return args
}

// strictMounts: system directories and the toolchain read-only, a private
// /tmp (HOME is /tmp/home), the staging directory at the repository's
// path, and each declared input read-only in it.
func (s *StageSandbox) strictMounts(staging string) []string {
	var args []string
	for _, d := range []string{"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt"} {
		if target, err := os.Readlink(d); err == nil {
			args = append(args, "--symlink", target, d)
		} else if isDir(d) {
			args = append(args, "--ro-bind", d, d)
		}
	}
	for _, t := range s.Toolchain {
		if real, err := filepath.EvalSymlinks(t); err == nil {
			args = append(args, "--ro-bind", real, real)
			if base := venvBase(real); base != "" {
				args = append(args, "--ro-bind", base, base)
			}
		}
	}
	args = append(args, "--tmpfs", "/tmp", "--dir", "/tmp/home", "--bind", staging, s.Repo)
	for _, in := range s.Inputs {
		p := filepath.Join(s.Repo, filepath.FromSlash(in.Path))
		if _, err := os.Lstat(p); err == nil {
			args = append(args, "--ro-bind", p, p)
		}
	}
	// A table the stage writes is committed to in place, in the
	// repository itself: its directory is bound read-write, after the
	// inputs, so it wins over a read-only bind of the same catalog.
	// Never through a symlink: bwrap would follow it and let the stage
	// write outside the repository. Unbound, the stage fails to commit.
	for _, w := range s.Writes {
		p := filepath.Join(s.Repo, filepath.FromSlash(w.Dir))
		if confine.NoLinks(s.Repo, w.Dir) != nil {
			continue
		}
		if _, err := os.Lstat(p); err == nil || os.MkdirAll(p, 0o755) == nil {
			args = append(args, "--bind", p, p)
		}
	}
	for _, t := range s.Toolchain {
		// A toolchain inside the repository (.venv) is seen at its path.
		if rel, err := filepath.Rel(s.Repo, t); err == nil && !strings.HasPrefix(rel, "..") {
			if real, err := filepath.EvalSymlinks(t); err == nil {
				args = append(args, "--symlink", real, t)
			}
		}
	}
	return append(args, s.hideMounts()...)
}

// collect moves the declared outputs the stage wrote in the staging
// directory into the repository, replacing what was there; anything else
// the stage wrote is dropped.
func (s *StageSandbox) collect(staging string) error {
	for _, o := range s.Outputs {
		src := filepath.Join(staging, filepath.FromSlash(o))
		if _, err := os.Lstat(src); err != nil {
			continue // not written: the engine reports the missing output
		}
		dst := filepath.Join(s.Repo, filepath.FromSlash(o))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.RemoveAll(dst); err != nil {
			return err
		}
		if err := os.Rename(src, dst); err != nil {
			return fmt.Errorf("output %s: %w", o, err)
		}
	}
	return nil
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// setEnv sets k=v in env, replacing an existing k.
func setEnv(env []string, k, v string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if !strings.HasPrefix(kv, k+"=") {
			out = append(out, kv)
		}
	}
	return append(out, k+"="+v)
}

// For is the sandbox of one stage of tool: Auto becomes strict for the
// command adapter (its stages declare every file) and relaxed for the
// Python tools, which read and write state directories of their own.
func (s *Sandbox) For(tool string, st Stage) *StageSandbox {
	if s == nil {
		return &StageSandbox{Mode: None}
	}
	mode := s.Mode
	if mode == Auto || mode == "" {
		mode = Relaxed
		if tool == "command" || tool == "lakehouse" {
			mode = Strict
		}
	}
	return &StageSandbox{Sandbox: s, Mode: mode, Inputs: st.Inputs, Outputs: st.Outputs, Writes: st.Writes}
}

// venvBase is the installation a Python virtual environment was made from
// (pyvenv.cfg's home is its bin directory): a venv's interpreter is a
// link into it, so a strict stage needs it too, read-only. Under a system
// directory (already mounted) or unknown: "".
func venvBase(venv string) string {
	data, err := os.ReadFile(filepath.Join(venv, "pyvenv.cfg"))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) != "home" {
			continue
		}
		base := filepath.Dir(strings.TrimSpace(v))
		if !filepath.IsAbs(base) || base == "/" {
			return ""
		}
		for _, sys := range []string{"/usr", "/bin", "/sbin", "/lib", "/opt", "/etc"} {
			if base == sys || strings.HasPrefix(base, sys+"/") {
				return ""
			}
		}
		if real, err := filepath.EvalSymlinks(base); err == nil && isDir(real) {
			return real
		}
	}
	return ""
}
