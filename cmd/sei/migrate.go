package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"seigarrena.dev/sei/manifest"
)

func migrateCommand() *cli.Command {
	return &cli.Command{
		Name:  "migrate",
		Usage: "rename the original engine's froga.*/venth.* manifest, lock and evidence directory to sei's names, in one commit",
		Description: "A pure rename (`git mv`): every file keeps its bytes, so every signature still verifies, and\n" +
			"`sei reconstruct` follows the evidence across the rename. Refused when sei's names are taken or\n" +
			"the files to move have uncommitted changes. Needs git on PATH.\n\nExample:\n   sei migrate",
		Flags:  []cli.Flag{repoFlag, &cli.StringFlag{Name: "message", Aliases: []string{"m"}, Usage: "commit subject `TEXT`"}},
		Action: runMigrate,
	}
}

func runMigrate(c *cli.Context) error {
	if err := noArgs(c); err != nil {
		return err
	}
	repo, from := repoAndLayout(c)
	to := manifest.Layouts[0]
	if !from.Legacy() {
		return withCode(exitUsage, fmt.Errorf("%s already uses sei's names (%s); nothing to migrate", repo, to))
	}
	git := func(args ...string) (string, error) {
		cmd := exec.Command("git", append([]string{"-C", repo}, args...)...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
		}
		return out.String(), nil
	}
	moves, err := migrationMoves(repo, from, to, git)
	if err != nil {
		return err
	}
	for _, m := range moves {
		if err := os.MkdirAll(filepath.Join(repo, filepath.Dir(m[1])), 0o755); err != nil {
			return err
		}
		if _, err := git("mv", "--", m[0], m[1]); err != nil {
			return err
		}
	}
	subject := c.String("message")
	if subject == "" {
		subject = fmt.Sprintf("migrate: %s → sei names (%s)", from.Engine, to)
	}
	paths := []string{"commit", "-q", "-m", subject, "--"}
	for _, m := range moves {
		paths = append(paths, m[0], m[1])
	}
	if _, err := git(paths...); err != nil {
		return err
	}
	removeEmptyDirs(filepath.Join(repo, from.Dir))
	sha, _ := git("rev-parse", "--short=12", "HEAD")
	fmt.Fprintf(c.App.Writer, "migrated %s to %s: %d file(s) renamed in commit %s\n", from, to, len(moves), strings.TrimSpace(sha))
	return nil
}

// migrationMoves lists the renames [from, to] of a migration, after the
// checks that make it safe: sei's names free (besides sei's own untracked
// cache under .sei/), and nothing to move with uncommitted changes.
func migrationMoves(repo string, from, to manifest.Layout, git func(...string) (string, error)) ([][2]string, error) {
	for _, p := range []string{to.Manifest, to.Lock} {
		if _, err := os.Lstat(filepath.Join(repo, p)); err == nil {
			return nil, withCode(exitUsage, fmt.Errorf("%s exists: the repository has both names; move or remove one by hand", p))
		}
	}
	tracked, err := git("ls-files", "-z", "--", to.Dir)
	if err != nil {
		return nil, err
	}
	if tracked != "" {
		return nil, withCode(exitUsage, fmt.Errorf("%s/ already holds committed files; nothing is moved into it", to.Dir))
	}
	dirty, err := git("status", "--porcelain", "--", from.Manifest, from.Lock, from.Dir)
	if err != nil {
		return nil, err
	}
	if dirty != "" {
		return nil, withCode(exitUsage, fmt.Errorf("uncommitted changes to the files to move; commit or stash them first:\n%s", dirty))
	}
	files, err := git("ls-files", "-z", "--", from.Manifest, from.Lock, from.Dir)
	if err != nil {
		return nil, err
	}
	var moves [][2]string
	for _, f := range strings.Split(strings.TrimRight(files, "\x00"), "\x00") {
		switch {
		case f == "":
		case f == from.Manifest:
			moves = append(moves, [2]string{f, to.Manifest})
		case f == from.Lock:
			moves = append(moves, [2]string{f, to.Lock})
		case strings.HasPrefix(f, from.Dir+"/"):
			moves = append(moves, [2]string{f, to.Dir + "/" + strings.TrimPrefix(f, from.Dir+"/")})
		}
	}
	if len(moves) == 0 {
		return nil, errors.New("no committed file to migrate: commit the original engine's files first")
	}
	return moves, nil
}

// removeEmptyDirs removes dir and its subdirectories once git mv has left
// them empty; a directory still holding a file (untracked) stays.
func removeEmptyDirs(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() && e.Type()&os.ModeSymlink == 0 {
			removeEmptyDirs(filepath.Join(dir, e.Name()))
		}
	}
	os.Remove(dir) // fails, as it should, unless empty
}
