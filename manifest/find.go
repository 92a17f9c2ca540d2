package manifest

import (
	"fmt"
	"os"
	"path/filepath"
)

// Layout is the names a repository's manifest, lock and evidence
// directory go by: sei's own, or those of the original engine's earlier
// releases, whose repositories sei reads as they are.
type Layout struct {
	Manifest, Lock, Dir string
	// Engine is "" for sei's names, else the release that used these
	// ("froga", "venth").
	Engine string
}

// Layouts in the order they are looked for: sei's names win.
var Layouts = []Layout{
	{Manifest: FileName, Lock: "sei.lock", Dir: ".sei"},
	{Manifest: "froga.yaml", Lock: "froga.lock", Dir: ".froga", Engine: "froga"},
	{Manifest: "venth.yaml", Lock: "venth.lock", Dir: ".venth", Engine: "venth"},
}

// Legacy reports whether these are the original engine's names.
func (l Layout) Legacy() bool { return l.Engine != "" }

func (l Layout) String() string {
	return fmt.Sprintf("%s, %s and %s/", l.Manifest, l.Lock, l.Dir)
}

// LayoutOf is the layout of the repository at root: the first of Layouts
// whose manifest is there, else sei's.
func LayoutOf(root string) (Layout, bool) {
	for _, l := range Layouts {
		if isFile(filepath.Join(root, l.Manifest)) {
			return l, true
		}
	}
	return Layouts[0], false
}

// FindRoot is the repository that holds dir: the nearest directory at or
// above dir with a manifest (sei's, or the original engine's under an
// earlier name), as git and DVC search upward for theirs, but only inside
// a git work tree and never above its top: outside git only dir itself
// counts. A manifest above is someone else's (a sei.yaml planted in /tmp
// would otherwise choose the commands `sei build` runs). found is false
// when no manifest was met; root is then the work tree's top (or dir
// outside git), where `sei init` belongs, with sei's layout.
func FindRoot(dir string) (root string, l Layout, found bool, err error) {
	dir, err = filepath.Abs(dir)
	if err != nil {
		return "", Layout{}, false, err
	}
	top := gitTop(dir)
	if top == "" {
		l, ok := LayoutOf(dir)
		return dir, l, ok, nil
	}
	for d := dir; ; d = filepath.Dir(d) {
		if l, ok := LayoutOf(d); ok {
			return d, l, true, nil
		}
		if d == top {
			return top, Layouts[0], false, nil
		}
	}
}

// gitTop is the nearest directory at or above dir holding .git, or "".
func gitTop(dir string) string {
	for d := dir; ; {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return ""
		}
		d = parent
	}
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}
