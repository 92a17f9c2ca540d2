package attest

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode"

	"seigarrena.dev/sei/atomicfile"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Chain is HEAD's first-parent history, oldest first: the line of record.
// Merged branches count through their merge commit, as git log
// --first-parent reads a mainline.
func Chain(r *git.Repository) ([]*object.Commit, error) {
	head, err := r.Head()
	if err != nil {
		return nil, fmt.Errorf("git HEAD: %w (no commit yet?)", err)
	}
	var out []*object.Commit
	for h := head.Hash(); ; {
		c, err := r.CommitObject(h)
		if err != nil {
			return nil, fmt.Errorf("commit %s: %w", h, err)
		}
		out = append(out, c)
		if len(c.ParentHashes) == 0 {
			break
		}
		h = c.ParentHashes[0]
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// FileAt returns a file's bytes in commit c; ok is false when absent. A
// file over MaxEvidenceFile is an error.
func FileAt(c *object.Commit, path string) (data []byte, hash plumbing.Hash, ok bool, err error) {
	f, err := c.File(path)
	if errors.Is(err, object.ErrFileNotFound) || errors.Is(err, plumbing.ErrObjectNotFound) {
		return nil, plumbing.ZeroHash, false, nil
	}
	if err != nil {
		return nil, plumbing.ZeroHash, false, fmt.Errorf("%s at %s: %w", path, c.Hash, err)
	}
	// History is input like the work tree: a committed blob larger than
	// any evidence file is refused before it is read, as ReadRegular does.
	if f.Size > MaxEvidenceFile {
		return nil, plumbing.ZeroHash, false, fmt.Errorf("%s at %s: %d bytes, more than sei reads of an evidence file (%d)", path, c.Hash, f.Size, MaxEvidenceFile)
	}
	rd, err := f.Reader()
	if err != nil {
		return nil, plumbing.ZeroHash, false, err
	}
	defer rd.Close()
	data, err = io.ReadAll(rd)
	return data, f.Hash, true, err
}

// RepoPath turns a path inside the work tree into the repository-relative,
// slash-separated path git stores.
func RepoPath(r *git.Repository, path string) (string, error) {
	wt, err := r.Worktree()
	if err != nil {
		return "", err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	root, err := filepath.EvalSymlinks(wt.Filesystem.Root())
	if err != nil {
		return "", err
	}
	if d, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		abs = filepath.Join(d, filepath.Base(abs))
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || strings.HasPrefix(rel, "..") {
		return "", fmt.Errorf("%s is outside the git work tree %s", path, root)
	}
	return filepath.ToSlash(rel), nil
}

// Trailer is one "Key: value" line of a commit message.
type Trailer struct{ Key, Value string }

// RecordAct commits an act on HEAD's branch: HEAD's tree plus files (the
// signed act record; repository-relative paths), with a message ending in
// the act's trailers, readable by `git interpret-trailers --parse`. Only
// the named files are staged; the reference moves only if HEAD has not
// moved meanwhile. Every identity and trailer is checked first, so the
// commit always passes git fsck.
func RecordAct(r *git.Repository, subject string, trailers []Trailer, author, committer object.Signature, files map[string][]byte) (string, error) {
	for _, s := range []object.Signature{author, committer} {
		if err := ValidIdentity(s.Name, s.Email); err != nil {
			return "", err
		}
	}
	for _, t := range trailers {
		if strings.ContainsAny(t.Key, ": \t\r\n") || strings.ContainsAny(t.Value, "\r\n") || strings.IndexFunc(t.Value, unicode.IsControl) >= 0 {
			return "", fmt.Errorf("%w: trailer %q: %q", ErrIdentity, t.Key, t.Value)
		}
	}
	if strings.ContainsAny(subject, "\r\n") || strings.TrimSpace(subject) == "" {
		return "", fmt.Errorf("commit subject %q: one non-empty line", subject)
	}
	head, err := r.Head()
	if err != nil {
		return "", fmt.Errorf("git HEAD: %w (commit something first)", err)
	}
	parent, err := r.CommitObject(head.Hash())
	if err != nil {
		return "", err
	}
	tree, err := treeWith(r, parent.TreeHash, files)
	if err != nil {
		return "", err
	}
	var msg strings.Builder
	msg.WriteString(subject + "\n\n")
	for _, t := range trailers {
		fmt.Fprintf(&msg, "%s: %s\n", t.Key, t.Value)
	}
	c := &object.Commit{Author: author, Committer: committer, Message: msg.String(),
		TreeHash: tree, ParentHashes: []plumbing.Hash{head.Hash()}}
	obj := r.Storer.NewEncodedObject()
	if err := c.Encode(obj); err != nil {
		return "", err
	}
	h, err := r.Storer.SetEncodedObject(obj)
	if err != nil {
		return "", err
	}
	name := head.Name() // the branch HEAD points to, or HEAD itself when detached
	if err := r.Storer.CheckAndSetReference(plumbing.NewHashReference(name, h), head); err != nil {
		return "", fmt.Errorf("moving %s: %w", name, err)
	}
	return h.String(), stage(r, files)
}

// stage writes the act's files into the work tree and the index, so that
// the work tree matches the new commit.
func stage(r *git.Repository, files map[string][]byte) error {
	wt, err := r.Worktree()
	if err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for p := range files {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		if err := atomicfile.WriteIn(wt.Filesystem.Root(), p, files[p], 0o644); err != nil {
			return err
		}
		if _, err := wt.Add(p); err != nil {
			return fmt.Errorf("staging %s: %w", p, err)
		}
	}
	return nil
}

// Signer is "Name <email>" at when, as a commit records its author or
// committer.
func Signer(name, email string, when time.Time) object.Signature {
	return object.Signature{Name: name, Email: email, When: when}
}
