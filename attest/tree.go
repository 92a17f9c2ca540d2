package attest

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// treeWith writes the tree that is base (a tree hash, or zero for none)
// with files added or replaced (repository-relative, slash-separated
// paths), and returns its hash. Only the trees on the files' paths are
// rewritten; the rest is shared with base.
func treeWith(r *git.Repository, base plumbing.Hash, files map[string][]byte) (plumbing.Hash, error) {
	var entries []object.TreeEntry
	if !base.IsZero() {
		t, err := r.TreeObject(base)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		entries = append(entries, t.Entries...)
	}
	here, below := map[string][]byte{}, map[string]map[string][]byte{}
	for p, data := range files {
		if head, rest, ok := strings.Cut(p, "/"); ok {
			if below[head] == nil {
				below[head] = map[string][]byte{}
			}
			below[head][rest] = data
		} else {
			here[p] = data
		}
	}
	for name, data := range here {
		h, err := writeObject(r, plumbing.BlobObject, data)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		entries = setEntry(entries, object.TreeEntry{Name: name, Mode: filemode.Regular, Hash: h})
	}
	for name, sub := range below {
		old := plumbing.ZeroHash
		for _, e := range entries {
			if e.Name == name {
				if e.Mode != filemode.Dir {
					return plumbing.ZeroHash, fmt.Errorf("%s is a file in the commit, not a directory", name)
				}
				old = e.Hash
			}
		}
		h, err := treeWith(r, old, sub)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		entries = setEntry(entries, object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: h})
	}
	// git sorts tree entries by name, a directory as if it ended in "/".
	sort.Slice(entries, func(i, j int) bool { return sortName(entries[i]) < sortName(entries[j]) })
	obj := r.Storer.NewEncodedObject()
	if err := (&object.Tree{Entries: entries}).Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	return r.Storer.SetEncodedObject(obj)
}

func sortName(e object.TreeEntry) string {
	if e.Mode == filemode.Dir {
		return e.Name + "/"
	}
	return e.Name
}

func setEntry(entries []object.TreeEntry, e object.TreeEntry) []object.TreeEntry {
	for i := range entries {
		if entries[i].Name == e.Name {
			entries[i] = e
			return entries
		}
	}
	return append(entries, e)
}

func writeObject(r *git.Repository, t plumbing.ObjectType, data []byte) (plumbing.Hash, error) {
	obj := r.Storer.NewEncodedObject()
	obj.SetType(t)
	w, err := obj.Writer()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if _, err := bytes.NewReader(data).WriteTo(w); err != nil {
		return plumbing.ZeroHash, err
	}
	if err := w.Close(); err != nil {
		return plumbing.ZeroHash, err
	}
	return r.Storer.SetEncodedObject(obj)
}
