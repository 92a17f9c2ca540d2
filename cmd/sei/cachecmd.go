package main

import (
	"fmt"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"seigarrena.dev/sei/cache"
)

func cacheCommand() *cli.Command {
	open := func(c *cli.Context) (*cache.Store, error) {
		return cache.Open(filepath.Join(repoDir(c), ".sei", "cache"))
	}
	return &cli.Command{
		Name:  "cache",
		Usage: "inspect or trim the local action cache (.sei/cache)",
		Subcommands: []*cli.Command{
			{Name: "stats", Usage: "count actions, blobs and stat rows", Flags: []cli.Flag{repoFlag, jsonFlag},
				Action: func(c *cli.Context) error {
					s, err := open(c)
					if err != nil {
						return err
					}
					defer s.Close()
					st, err := s.Stats()
					if err != nil {
						return err
					}
					if c.Bool("json") {
						return printJSON(c.App.Writer, "cache-stats", st)
					}
					fmt.Fprintf(c.App.Writer, "actions %d\nblobs %d (%d bytes)\nstat rows %d\n", st.Actions, st.Blobs, st.BlobBytes, st.StatRows)
					return nil
				}},
			{Name: "trim", Usage: "remove old actions and unreferenced blobs",
				Flags: []cli.Flag{repoFlag,
					&cli.DurationFlag{Name: "max-age", Usage: "remove actions unused for `DURATION` (e.g. 720h)"},
					&cli.Int64Flag{Name: "max-size", Usage: "then keep blobs under `BYTES`, least recently used first out"}},
				Action: func(c *cli.Context) error {
					s, err := open(c)
					if err != nil {
						return err
					}
					defer s.Close()
					unlock, err := cache.Lock(s.Dir(), nil)
					if err != nil {
						return err
					}
					defer unlock()
					tr, err := s.Trim(c.Duration("max-age"), c.Int64("max-size"))
					if err != nil {
						return err
					}
					fmt.Fprintf(c.App.Writer, "removed %d actions, %d blobs (%d bytes)\n", tr.Actions, tr.Blobs, tr.Bytes)
					return nil
				}},
		},
	}
}
