package remote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"seigarrena.dev/sei/cache"
	"seigarrena.dev/sei/confine"
)

// Stats is what a build moved through the remote cache.
type Stats struct {
	Hits      int   `json:"hits"`
	Misses    int   `json:"misses"`
	Rejected  int   `json:"rejected"`
	Uploads   int   `json:"uploads"`
	BytesDown int64 `json:"bytes_down"`
	BytesUp   int64 `json:"bytes_up"`
	Down      bool  `json:"down"` // the server stopped answering; the build went on locally
}

func (s Stats) String() string {
	out := fmt.Sprintf("remote: %d hits, %d misses, %d rejected, %d uploads, %s down, %s up",
		s.Hits, s.Misses, s.Rejected, s.Uploads, size(s.BytesDown), size(s.BytesUp))
	if s.Down {
		out += " (server unavailable: the rest was local)"
	}
	return out
}

func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// Client is a remote cache in front of a local store. It is safe for the
// scheduler's concurrent stages. A server that fails to answer (not a miss:
// a refused connection, a timeout, a 5xx) is marked down after the first
// failure, with one warning, and not asked again in this build: the cost
// of an unavailable cache is one timeout, never a failed build.
type Client struct {
	Backend Backend
	Upload  bool          // false for read-only jobs (pull requests, forks)
	Timeout time.Duration // silence allowed per request (not the whole transfer)
	Warn    func(string)  // one line per problem; may be nil
	// Retries is how often a transient failure (5xx, timeout, reset) is
	// tried again, with backoff from Backoff (default 200 ms), before the
	// server is marked down.
	Retries int
	Backoff time.Duration
	// MaxBlob is the largest blob accepted (default DefaultMaxBlob).
	MaxBlob int64

	mu    sync.Mutex
	stats Stats
}

// Stats returns the counts so far.
func (c *Client) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

func (c *Client) count(f func(*Stats)) {
	c.mu.Lock()
	f(&c.stats)
	c.mu.Unlock()
}

func (c *Client) down() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats.Down
}

// failed records a server failure: the first one marks the server down.
func (c *Client) failed(err error) {
	c.mu.Lock()
	first := !c.stats.Down
	c.stats.Down = true
	c.mu.Unlock()
	if first && c.Warn != nil {
		c.Warn(fmt.Sprintf("warning: remote cache %s unavailable (%v); continuing without it", c.Backend, err))
	}
}

func (c *Client) rejected(what string, err error) {
	c.count(func(s *Stats) { s.Rejected++ })
	if c.Warn != nil {
		c.Warn(fmt.Sprintf("warning: remote cache %s: rejected %s: %v", c.Backend, what, err))
	}
}

func (c *Client) ctx(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(parent, c.timeout())
}

func (c *Client) maxBlob() int64 {
	if c.MaxBlob > 0 {
		return c.MaxBlob
	}
	return DefaultMaxBlob
}

// Fetch looks action id up remotely and, on a verified hit, stores its
// blobs and result in the local store, so that the caller's ordinary local
// lookup finds it. Any blob that fails verification rejects the whole
// entry: it is counted, reported and never used.
func (c *Client) Fetch(ctx context.Context, id cache.ActionID, s *cache.Store) bool {
	if c.down() {
		return false
	}
	key := acKey(id)
	raw, err := c.getSmall(ctx, AC, key)
	var bad contentError
	switch {
	case errors.Is(err, ErrNotFound):
		c.count(func(s *Stats) { s.Misses++ })
		return false
	case errors.As(err, &bad): // an oversized entry is the entry's fault, not the server's
		c.rejected("ac/"+key, err)
		return false
	case err != nil:
		c.failed(err)
		return false
	}
	res, err := c.fetchEntry(ctx, id, raw, s)
	if err != nil {
		var down serverError
		if errors.As(err, &down) {
			c.failed(down.error)
		} else {
			c.rejected("ac/"+key, err)
		}
		return false
	}
	if err := s.Put(id, res); err != nil { // the local cache failed, not the entry
		if c.Warn != nil {
			c.Warn(fmt.Sprintf("warning: local cache: storing ac/%s: %v", key, err))
		}
		return false
	}
	c.count(func(s *Stats) { s.Hits++ })
	return true
}

// serverError marks a failure of the server, as opposed to bad content.
type serverError struct{ error }

func (c *Client) fetchEntry(ctx context.Context, id cache.ActionID, raw []byte, s *cache.Store) (*cache.Result, error) {
	ar, err := UnmarshalActionResult(raw)
	if err != nil {
		return nil, err
	}
	var ref *WireDigest
	for _, f := range ar.OutputFiles {
		if f.Path == MetaPath {
			ref = &f.Digest
		}
	}
	if ref == nil {
		return nil, fmt.Errorf("action result has no %s", MetaPath)
	}
	mb, err := c.blob(ctx, *ref)
	if err != nil {
		return nil, err
	}
	var m meta
	if err := json.Unmarshal(mb, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", MetaPath, err)
	}
	if err := consistent(ar, &m, id); err != nil {
		return nil, err
	}
	res := &cache.Result{ExitCode: m.ExitCode, DurationNs: m.DurationNs}
	for _, o := range m.Outputs {
		// Refused before a byte is fetched; the builder checks the entry
		// against the stage's declared outputs again before restoring.
		if err := confine.Writable(o.Path); err != nil {
			return nil, fmt.Errorf("output %w", err)
		}
		if err := c.ingest(ctx, o.blobRef, s); err != nil {
			return nil, err
		}
		res.Outputs = append(res.Outputs, cache.Output{Path: o.Path, Digest: o.Blake3, Size: o.Size, Mode: o.Mode})
	}
	for _, p := range []struct {
		ref *blobRef
		dst *cache.Digest
	}{{m.Stdout, &res.Stdout}, {m.Stderr, &res.Stderr}} {
		if p.ref != nil {
			if err := c.ingest(ctx, *p.ref, s); err != nil {
				return nil, err
			}
			*p.dst = p.ref.Blake3
		}
	}
	return res, nil
}

// blob downloads a small CAS blob (sei's record) named by its wire digest,
// checking size and SHA-256.
func (c *Client) blob(ctx context.Context, d WireDigest) ([]byte, error) {
	if d.Size > maxSmall {
		return nil, fmt.Errorf("cas/%s: a record of %d bytes", d.Hash, d.Size)
	}
	b, err := c.getSmall(ctx, CAS, d.Hash)
	var ce contentError
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, fmt.Errorf("cas/%s is missing", d.Hash)
	case errors.As(err, &ce):
		return nil, err
	case err != nil:
		return nil, serverError{err}
	}
	if int64(len(b)) != d.Size || sha256Hex(b) != d.Hash {
		return nil, fmt.Errorf("cas/%s: content does not match its digest (%d bytes, want %d)", d.Hash, len(b), d.Size)
	}
	return b, nil
}

// ingest makes sure the local store holds ref's blob: it streams from the
// server through both hashers into a temporary file, kept only when size,
// SHA-256 and BLAKE3 all match (cache.PutVerified). Memory is one buffer
// whatever the size; a body longer than declared is refused.
func (c *Client) ingest(ctx context.Context, ref blobRef, s *cache.Store) error {
	if s.Has(ref.Blake3) {
		return nil
	}
	if ref.Size > c.maxBlob() || ref.Size < 0 {
		return fmt.Errorf("cas/%s: %d bytes, more than the %d sei accepts (SEI_REMOTE_MAX_BLOB)", ref.SHA256, ref.Size, c.maxBlob())
	}
	err := c.retry(ctx, func(ctx context.Context) error {
		body, err := c.open(ctx, CAS, ref.SHA256, ref.Size, c.maxBlob())
		if err != nil {
			return err
		}
		defer body.Close()
		err = s.PutVerified(body, ref.Size, ref.SHA256, ref.Blake3)
		if errors.Is(err, cache.ErrMismatch) {
			return contentError{fmt.Errorf("cas/%s: %w", ref.SHA256, err)}
		}
		return err // a cut body is transient and retried; a local failure is not
	})
	var ce contentError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNotFound):
		return fmt.Errorf("cas/%s is missing", ref.SHA256)
	case errors.As(err, &ce):
		return err
	case transient(err):
		return serverError{err}
	}
	return err
}
