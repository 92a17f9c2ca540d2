package cache

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Lock takes the repository-wide lock (an flock on <dir>/lock) so that two
// sei processes never build one repository at once: the second waits. The
// kernel drops the lock when the process dies, so a killed build never
// leaves a stale lock behind. Returns the function that releases it.
func Lock(dir string, wait func()) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := openLock(dir)
	if err != nil {
		return nil, err
	}
	if !tryFlock(f) {
		if wait != nil {
			wait()
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
			f.Close()
			return nil, fmt.Errorf("repository lock: %w", err)
		}
	}
	return release(f), nil
}

// TryLock takes the repository-wide lock if no one holds it: ok is false,
// with no error, when another sei does. It never creates dir.
func TryLock(dir string) (unlock func(), ok bool, err error) {
	f, err := openLock(dir)
	if err != nil {
		return nil, false, err
	}
	if !tryFlock(f) {
		f.Close()
		return nil, false, nil
	}
	return release(f), true, nil
}

func openLock(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("repository lock: %w", err)
	}
	return f, nil
}

func tryFlock(f *os.File) bool {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
}

func release(f *os.File) func() {
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }
}
