package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/go-git/go-git/v5"
)

// planTime is the plan's last-modified time. It never reads the wall clock,
// so that the same manifest compiles to the same bytes: SOURCE_DATE_EPOCH
// when set, else the committer time of the last commit that touched
// sei.yaml, else the Unix epoch with a note saying how to do better.
func planTime(repo string, note func(string)) (time.Time, error) {
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds", s)
		}
		return time.Unix(n, 0).UTC(), nil
	}
	if t, ok := manifestCommitTime(repo); ok {
		return t, nil
	}
	note("sei.yaml has no commit yet: last-modified is 1970-01-01T00:00:00Z (commit sei.yaml or set SOURCE_DATE_EPOCH)")
	return time.Unix(0, 0).UTC(), nil
}

func manifestCommitTime(repo string) (time.Time, bool) {
	r, err := git.PlainOpenWithOptions(repo, &git.PlainOpenOptions{DetectDotGit: true})
	if err != nil {
		return time.Time{}, false
	}
	wt, err := r.Worktree()
	if err != nil {
		return time.Time{}, false
	}
	abs, err1 := filepath.Abs(filepath.Join(repo, "sei.yaml"))
	root, err2 := filepath.Abs(wt.Filesystem.Root())
	if err1 != nil || err2 != nil {
		return time.Time{}, false
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil {
		return time.Time{}, false
	}
	rel = filepath.ToSlash(rel)
	iter, err := r.Log(&git.LogOptions{FileName: &rel})
	if err != nil {
		return time.Time{}, false
	}
	defer iter.Close()
	c, err := iter.Next()
	if err != nil {
		return time.Time{}, false
	}
	return c.Committer.When.UTC(), true
}
