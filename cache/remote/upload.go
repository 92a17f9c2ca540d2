package remote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"seigarrena.dev/sei/cache"
)

// Put uploads an action result that ran here: every blob first (skipping
// those the server has, by HEAD), then sei's record, then the action
// result last, as Bazel does, so that a reader never finds a result whose
// blobs are not there yet. Nothing happens for read-only clients.
func (c *Client) Put(ctx context.Context, id cache.ActionID, res *cache.Result, s *cache.Store) {
	if !c.Upload || c.down() {
		return
	}
	m := &meta{Schema: metaSchema, Action: id.String(), ExitCode: res.ExitCode, DurationNs: res.DurationNs}
	ar := &ActionResult{ExitCode: int32(res.ExitCode)}
	for _, o := range res.Outputs {
		ref, err := c.putBlob(ctx, o.Digest, s)
		if err != nil {
			c.putFailed(id, err)
			return
		}
		m.Outputs = append(m.Outputs, metaOutput{Path: o.Path, Mode: o.Mode, blobRef: ref})
		ar.OutputFiles = append(ar.OutputFiles, OutputFile{Path: o.Path,
			Digest: WireDigest{Hash: ref.SHA256, Size: ref.Size}, IsExecutable: o.Mode&0o111 != 0})
	}
	for _, p := range []struct {
		d    cache.Digest
		ref  **blobRef
		wire **WireDigest
	}{{res.Stdout, &m.Stdout, &ar.StdoutDigest}, {res.Stderr, &m.Stderr, &ar.StderrDigest}} {
		if p.d.IsZero() {
			continue
		}
		ref, err := c.putBlob(ctx, p.d, s)
		if err != nil {
			c.putFailed(id, err)
			return
		}
		*p.ref, *p.wire = &ref, &WireDigest{Hash: ref.SHA256, Size: ref.Size}
	}
	mb := marshalMeta(m)
	if err := c.putBytes(ctx, mb); err != nil {
		c.putFailed(id, err)
		return
	}
	ar.OutputFiles = append(ar.OutputFiles, OutputFile{Path: MetaPath,
		Digest: WireDigest{Hash: sha256Hex(mb), Size: int64(len(mb))}})
	body := ar.Marshal()
	if err := c.send(ctx, AC, acKey(id), bytes.NewReader(body), int64(len(body))); err != nil {
		c.putFailed(id, err)
		return
	}
	c.count(func(s *Stats) { s.Uploads++ })
}

func (c *Client) putFailed(id cache.ActionID, err error) {
	var se serverError
	if errors.As(err, &se) {
		c.failed(se.error)
		return
	}
	if c.Warn != nil {
		c.Warn(fmt.Sprintf("warning: remote cache %s: not uploading %s: %v", c.Backend, id, err))
	}
}

// putBlob uploads local blob d unless the server has it, streaming it from
// the CAS file (its SHA-256 and BLAKE3 checked in a first pass).
func (c *Client) putBlob(ctx context.Context, d cache.Digest, s *cache.Store) (blobRef, error) {
	f, sum, size, err := s.OpenBlob(d)
	if err != nil {
		return blobRef{}, err
	}
	defer f.Close()
	ref := blobRef{Blake3: d, SHA256: sum, Size: size}
	return ref, c.putIfAbsent(ctx, sum, f, size)
}

// putBytes uploads a small blob (sei's record) unless the server has it.
func (c *Client) putBytes(ctx context.Context, b []byte) error {
	return c.putIfAbsent(ctx, sha256Hex(b), bytes.NewReader(b), int64(len(b)))
}

func (c *Client) putIfAbsent(ctx context.Context, key string, body io.ReadSeeker, size int64) error {
	var has bool
	err := c.retry(ctx, func(ctx context.Context) error {
		hctx, cancel := c.ctx(ctx)
		defer cancel()
		var err error
		has, err = c.Backend.Has(hctx, CAS, key)
		return err
	})
	if err != nil {
		return serverError{err}
	}
	if has {
		return nil
	}
	return c.send(ctx, CAS, key, body, size)
}

// send uploads with retries. The timeout is per attempt and scales with
// the size (at least 1 MiB/s), so a large model is not cut off.
func (c *Client) send(ctx context.Context, kind Kind, key string, body io.ReadSeeker, size int64) error {
	err := c.retry(ctx, func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, c.timeout()+time.Duration(size>>20)*time.Second)
		defer cancel()
		return c.Backend.Put(ctx, kind, key, body, size)
	})
	if err != nil {
		return serverError{err}
	}
	c.count(func(s *Stats) { s.BytesUp += size })
	return nil
}
