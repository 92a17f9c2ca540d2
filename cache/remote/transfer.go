package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

// maxSmall bounds what is read into memory: an action result or sei's
// record. Blobs stream to disk and are bounded by Client.MaxBlob.
const maxSmall = 16 << 20

// DefaultMaxBlob is the largest blob a fetch accepts unless the client says
// otherwise (SEI_REMOTE_MAX_BLOB): larger than any model we know of, small
// enough that a hostile server cannot fill the disk without notice.
const DefaultMaxBlob = 64 << 30

// statusError is an HTTP answer that is neither 2xx nor 404.
type statusError struct {
	code int
	msg  string
}

func (e *statusError) Error() string { return e.msg }

// contentError is a body that is not what its reference declared: the
// entry is rejected, the server is not blamed, nothing is retried.
type contentError struct{ error }

// transient reports a failure worth retrying, as Bazel's --remote_retries
// does: a 5xx or 429, a timeout, a reset or a cut connection.
func transient(err error) bool {
	var se *statusError
	var ne net.Error
	var ce contentError
	switch {
	case err == nil, errors.Is(err, ErrNotFound), errors.As(err, &ce), errors.Is(err, context.Canceled),
		errors.Is(err, syscall.ECONNREFUSED): // nothing listens: not coming back within seconds
		return false
	case errors.As(err, &se):
		return se.code >= 500 || se.code == 429
	case errors.As(err, &ne), errors.Is(err, context.DeadlineExceeded), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return true
	}
	return strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "server gave HTTP response")
}

// retry runs op until it succeeds, fails for good, or has been tried
// Retries+1 times, backing off 200 ms, 800 ms, 3.2 s, ...
func (c *Client) retry(ctx context.Context, op func(context.Context) error) error {
	tries := c.Retries
	if tries < 0 {
		tries = 0
	}
	backoff := c.Backoff
	if backoff <= 0 {
		backoff = 200 * time.Millisecond
	}
	for i := 0; ; i++ {
		err := op(ctx)
		if i >= tries || !transient(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(backoff << (2 * i)):
		}
	}
}

// idleBody cancels its request when no byte has arrived for timeout: the
// timeout bounds silence, not the whole transfer, so a 2 GiB model is not
// cut at ten seconds while a server that stalls is.
type idleBody struct {
	rc     io.ReadCloser
	timer  *time.Timer
	d      time.Duration
	n      *int64
	mu     *sync.Mutex
	cancel context.CancelFunc
}

func (c *Client) idle(rc io.ReadCloser, cancel context.CancelFunc) *idleBody {
	b := &idleBody{rc: rc, d: c.timeout(), n: &c.stats.BytesDown, mu: &c.mu, cancel: cancel}
	b.timer = time.AfterFunc(b.d, cancel)
	return b
}

func (b *idleBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.timer.Reset(b.d)
	b.mu.Lock()
	*b.n += int64(n)
	b.mu.Unlock()
	return n, err
}

func (b *idleBody) Close() error {
	b.timer.Stop()
	b.cancel()
	return b.rc.Close()
}

func (c *Client) timeout() time.Duration {
	if c.Timeout <= 0 {
		return 30 * time.Second
	}
	return c.Timeout
}

// open starts a download of key with an idle timeout and checks the
// declared length against want (-1: any up to limit).
func (c *Client) open(ctx context.Context, kind Kind, key string, want, limit int64) (*idleBody, error) {
	rctx, cancel := context.WithCancel(ctx)
	rc, n, err := c.Backend.Get(rctx, kind, key)
	if err != nil {
		cancel()
		return nil, err
	}
	body := c.idle(rc, cancel)
	switch {
	case want >= 0 && n >= 0 && n != want:
		body.Close()
		return nil, contentError{fmt.Errorf("%s/%s: the server declares %d bytes, the reference %d", kind, key, n, want)}
	case n > limit:
		body.Close()
		return nil, contentError{fmt.Errorf("%s/%s: %d bytes, more than the %d sei accepts", kind, key, n, limit)}
	}
	return body, nil
}

// getSmall reads an action result or record, bounded by maxSmall.
func (c *Client) getSmall(ctx context.Context, kind Kind, key string) ([]byte, error) {
	var out []byte
	err := c.retry(ctx, func(ctx context.Context) error {
		body, err := c.open(ctx, kind, key, -1, maxSmall)
		if err != nil {
			return err
		}
		defer body.Close()
		out, err = io.ReadAll(io.LimitReader(body, maxSmall+1))
		if err == nil && len(out) > maxSmall {
			err = contentError{fmt.Errorf("%s/%s: longer than %d bytes", kind, key, maxSmall)}
		}
		return err
	})
	return out, err
}

var userInfo = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@`)

// redactRaw removes the user info from a URL that may not even parse, for
// error messages: credentials are never printed.
func redactRaw(raw string) string { return userInfo.ReplaceAllString(raw, "$1") }
