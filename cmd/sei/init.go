package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"seigarrena.dev/sei/manifest"
)

func initCommand() *cli.Command {
	return &cli.Command{
		Name:   "init",
		Usage:  "create a minimal sei.yaml and .sei/ when absent (never overwrites)",
		Flags:  []cli.Flag{repoFlag},
		Action: runInit,
	}
}

func runInit(c *cli.Context) error {
	if err := noArgs(c); err != nil {
		return err
	}
	repo, path := repoPaths(c)
	abs, err := filepath.Abs(repo)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(repo, ".sei"), 0o755); err != nil {
		return fmt.Errorf("creating .sei/: %w", err)
	}
	if _, err := os.Stat(path); err == nil {
		fmt.Fprintf(c.App.Writer, "%s exists; left unchanged\n", path)
		return nil
	}
	// O_EXCL: a manifest that appears between the check and the write wins.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	if _, err := f.Write(manifest.Template(filepath.Base(abs))); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	fmt.Fprintf(c.App.Writer, "created %s for system %q; declare its risks, then run `sei compile`\n", path, manifest.SystemName(filepath.Base(abs)))
	return nil
}
