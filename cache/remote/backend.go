// Package remote shares action results between machines through cache
// servers teams already run: Bazel's HTTP cache protocol (bazel-remote,
// nginx WebDAV) and S3-compatible buckets. The local cache keys by BLAKE3;
// on the wire, CAS blobs are keyed by SHA-256 (what bazel-remote checks)
// and action results are REAPI ActionResult protos, so a sei cache can sit
// behind the same server as Bazel's. Every download is verified (size,
// SHA-256, BLAKE3) before the local cache sees it: nginx and S3 verify
// nothing.
package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// Kind is the namespace of a key: the action cache or the CAS.
type Kind string

const (
	AC  Kind = "ac"
	CAS Kind = "cas"
)

// ErrNotFound is a miss.
var ErrNotFound = errors.New("not found")

// Backend is one remote store. Keys are 64 lowercase hex characters.
// Errors other than ErrNotFound mean the server could not answer.
type Backend interface {
	// Get opens key's body and its declared length (-1 when unknown).
	Get(ctx context.Context, kind Kind, key string) (io.ReadCloser, int64, error)
	Has(ctx context.Context, kind Kind, key string) (bool, error)
	// Put sends size bytes of body, read from its start (again on a retry).
	Put(ctx context.Context, kind Kind, key string, body io.ReadSeeker, size int64) error
	String() string // the URL without credentials, for messages
}

// Open returns the backend for a URL: http(s)://host[:port][/prefix] for
// Bazel's HTTP cache protocol, s3://bucket[/prefix] for S3.
func Open(raw string, env func(string) string) (Backend, error) {
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the URL, credentials and all
		}
		return nil, fmt.Errorf("remote cache %q: %w", redactRaw(raw), err)
	}
	switch u.Scheme {
	case "http", "https":
		return newHTTP(u, env)
	case "s3":
		return newS3(u, env)
	}
	return nil, fmt.Errorf("remote cache %q: want http://, https:// or s3://", redact(u))
}

// redact is a URL for messages, without credentials.
func redact(u *url.URL) string {
	c := *u
	c.User = nil
	return strings.TrimSuffix(c.String(), "/")
}
