package main

import (
	"fmt"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"seigarrena.dev/sei/cache/remote"
)

// The remote-cache flags build and run share (cache/remote).
var (
	remoteCacheFlag = &cli.StringFlag{Name: "remote-cache", EnvVars: []string{"SEI_REMOTE_CACHE"},
		Usage: "share action results through `URL`: http(s)://host/prefix (Bazel HTTP cache: bazel-remote, nginx WebDAV) or s3://bucket/prefix"}
	remoteUploadFlag = &cli.BoolFlag{Name: "remote-upload", EnvVars: []string{"SEI_REMOTE_UPLOAD"}, Value: true,
		Usage: "upload results that ran here; --remote-upload=false for read-only jobs (pull requests)"}
	remoteTimeoutFlag = &cli.DurationFlag{Name: "remote-timeout", EnvVars: []string{"SEI_REMOTE_TIMEOUT"}, Value: 10 * time.Second,
		Usage: "give up on one remote request after `D`; the first failure turns the remote cache off for the build"}
	remoteFlags = []cli.Flag{remoteCacheFlag, remoteUploadFlag, remoteTimeoutFlag}
)

// remoteClient is the remote cache the flags name, or nil. Credentials come
// from the environment only (see cache/remote), never from flags, so that
// they do not land in shell history or CI logs.
func remoteClient(c *cli.Context) (*remote.Client, error) {
	url := c.String("remote-cache")
	if url == "" || c.Bool("dry-run") {
		return nil, nil
	}
	b, err := remote.Open(url, os.Getenv)
	if err != nil {
		return nil, withCode(exitUsage, err)
	}
	return &remote.Client{Backend: b, Upload: c.Bool("remote-upload"), Timeout: c.Duration("remote-timeout"),
		Warn: func(s string) { fmt.Fprintln(c.App.ErrWriter, "sei: "+s) }}, nil
}
