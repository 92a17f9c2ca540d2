package confine

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestWritable(t *testing.T) {
	for p, want := range map[string]error{
		"data/features.csv":      nil,
		"models":                 nil,
		"":                       ErrEmpty,
		"/etc/shadow":            ErrAbsolute,
		"C:/x":                   ErrAbsolute,
		"../pwned.txt":           ErrEscapes,
		"a/../../x":              ErrEscapes,
		"a/./b":                  ErrUnclean,
		"a//b":                   ErrUnclean,
		"a/":                     ErrUnclean,
		".git":                   ErrReserved,
		".git/hooks/post-commit": ErrReserved,
		".sei/bundle.json":       ErrReserved,
		"sei.yaml":               ErrReserved,
		"sei.lock":               ErrReserved,
		"plan.yaml":              ErrReserved, // reserved by the caller below
		"a\nout b":               ErrControl,
		`a\b`:                    ErrBackslash,
		".github/x":              nil, // only .git itself is git's
		"sei.yaml.bak":           nil,
	} {
		err := Writable(p, "plan.yaml")
		if (want == nil) != (err == nil) || (want != nil && !errors.Is(err, want)) {
			t.Errorf("Writable(%q) = %v, want %v", p, err, want)
		}
	}
}

func TestNoLinks(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "real"), 0o755)
	os.Symlink("/tmp", filepath.Join(root, "link"))
	os.Symlink("/etc/passwd", filepath.Join(root, "real", "f"))
	for p, bad := range map[string]bool{"real/x": false, "new/dir/x": false, "link/x": true, "real/f": true, "link": true} {
		if err := NoLinks(root, p); (err != nil) != bad || (bad && !errors.Is(err, ErrSymlink)) {
			t.Errorf("NoLinks(%q) = %v", p, err)
		}
	}
}

func TestMode(t *testing.T) {
	for in, want := range map[os.FileMode]os.FileMode{0o4777: 0o755, 0o666: 0o644, 0o700: 0o755, 0o600: 0o644, 0o1777: 0o755} {
		if got := Mode(in); got != want {
			t.Errorf("Mode(%o) = %o, want %o", in, got, want)
		}
	}
}
