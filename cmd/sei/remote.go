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
		Usage: "give up on a remote request after `D` of silence (not of transfer)"}
	remoteRetriesFlag = &cli.IntFlag{Name: "remote-retries", EnvVars: []string{"SEI_REMOTE_RETRIES"}, Value: 3,
		Usage: "retry a transient failure (5xx, timeout, reset) `N` times with backoff; then the remote cache is off for the build"}
	remoteMaxBlobFlag = &cli.Int64Flag{Name: "remote-max-blob", EnvVars: []string{"SEI_REMOTE_MAX_BLOB"}, Value: remote.DefaultMaxBlob,
		Usage: "refuse remote blobs larger than `BYTES`"}
	remoteFlags = []cli.Flag{remoteCacheFlag, remoteUploadFlag, remoteTimeoutFlag, remoteRetriesFlag, remoteMaxBlobFlag}
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
		Retries: c.Int("remote-retries"), MaxBlob: c.Int64("remote-max-blob"),
		Warn: func(s string) { fmt.Fprintln(c.App.ErrWriter, "sei: "+s) }}, nil
}
