package remote

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// hostile wraps the dumb server: a hook may answer a request itself.
func hostile(t *testing.T, hook func(w http.ResponseWriter, r *http.Request) bool) (string, map[string][]byte, *sync.Mutex) {
	inner, blobs, mu := dumbServer(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hook(w, r) {
			return
		}
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, inner+r.URL.Path, r.Body)
		req.ContentLength = r.ContentLength
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		buf := make([]byte, 32<<10)
		for {
			n, err := resp.Body.Read(buf)
			w.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL, blobs, mu
}

// A server that answers a blob with far more than it should (here 256 MiB
// for an 11-byte model) is cut at size+1 bytes and rejected; sei's memory
// does not grow with the body.
func TestOversizedBodyIsCutAndRejected(t *testing.T) {
	var served atomic.Int64
	url, _, _ := dumbServer(t)
	var warn []string
	c := client(t, url, &warn)
	a, id, res := stored(t)
	c.Put(context.Background(), id, res, a)
	model, _ := a.Read(res.Outputs[0].Digest)
	// Swap the model's blob for an endless stream behind the same key.
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/cas/"+sha256Hex(model) {
			chunk := make([]byte, 1<<20)
			for i := 0; i < 256; i++ {
				if _, err := w.Write(chunk); err != nil {
					return
				}
				served.Add(int64(len(chunk)))
			}
			return
		}
		http.Redirect(w, r, url+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer big.Close()
	c2 := client(t, big.URL, &warn)
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b := emptyStore(t)
	if c2.Fetch(context.Background(), id, b) {
		t.Fatal("an oversized blob was accepted")
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if st := c2.Stats(); st.Rejected != 1 {
		t.Errorf("stats %+v, warnings %v", st, warn)
	}
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 32<<20 {
		t.Errorf("heap grew by %d bytes for a body sei should cut at 12", grown)
	}
	if served.Load() >= 256<<20 {
		t.Errorf("sei read the whole %d-byte body", served.Load())
	}
}

// Transient failures are retried with backoff before the server is given
// up: two 503s, then the entry is served.
func TestTransientFailuresAreRetried(t *testing.T) {
	var fails atomic.Int32
	url, _, _ := hostile(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/ac/") && fails.Add(1) <= 2 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return true
		}
		return false
	})
	var warn []string
	c := client(t, url, &warn)
	c.Retries, c.Backoff = 3, time.Millisecond
	a, id, res := stored(t)
	c.Put(context.Background(), id, res, a)
	if !c.Fetch(context.Background(), id, emptyStore(t)) {
		t.Fatalf("not fetched after retries: %+v %v", c.Stats(), warn)
	}
	if st := c.Stats(); st.Down || st.Hits != 1 || fails.Load() != 3 {
		t.Errorf("stats %+v after %d tries", st, fails.Load())
	}
	// Without retries the same server is marked down at the first 503.
	fails.Store(0)
	c0 := client(t, url, &warn)
	c0.Retries = 0
	if c0.Fetch(context.Background(), id, emptyStore(t)) || !c0.Stats().Down {
		t.Errorf("no retries: %+v", c0.Stats())
	}
}

// The timeout bounds silence, not the transfer: a body that trickles in
// steadily is received; one that stalls is cut.
func TestIdleTimeoutNotWholeTransfer(t *testing.T) {
	var stall atomic.Bool
	var slowKey atomic.Value
	slowKey.Store("")
	var blobs map[string][]byte
	var mu *sync.Mutex
	url, b0, m0 := hostile(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodGet || r.URL.Path != "/cas/"+slowKey.Load().(string) {
			return false
		}
		mu.Lock()
		b, ok := blobs[r.URL.Path]
		mu.Unlock()
		if !ok {
			return false
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		for i := range b {
			if stall.Load() && i == 3 {
				time.Sleep(3 * time.Second)
			}
			w.Write(b[i : i+1])
			w.(http.Flusher).Flush()
			time.Sleep(150 * time.Millisecond) // 11 bytes over ~1.7 s, past the 1 s timeout
		}
		return true
	})
	blobs, mu = b0, m0
	var warn []string
	c := client(t, url, &warn)
	c.Timeout, c.Retries = time.Second, 0
	a, id, res := stored(t)
	c.Put(context.Background(), id, res, a)
	model, _ := a.Read(res.Outputs[0].Digest)
	slowKey.Store(sha256Hex(model))
	start := time.Now()
	if !c.Fetch(context.Background(), id, emptyStore(t)) {
		t.Fatalf("a steady slow body was cut: %+v %v", c.Stats(), warn)
	}
	if time.Since(start) < time.Second {
		t.Fatalf("the body was not slow (%v): the test proves nothing", time.Since(start))
	}
	stall.Store(true)
	c2 := client(t, url, &warn)
	c2.Timeout, c2.Retries = time.Second, 0
	if c2.Fetch(context.Background(), id, emptyStore(t)) {
		t.Fatal("a stalled body was waited for")
	}
}

// Credentials in a URL never reach a message, even when it does not parse.
func TestCredentialsNeverPrinted(t *testing.T) {
	for _, raw := range []string{"http://ci:s3cret@host:bad/x", "ftp://ci:s3cret@host/x", "http://ci:s3cret@[::1/x"} {
		_, err := Open(raw, func(string) string { return "" })
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: %v", raw, err)
		}
	}
}

// A crafted entry naming a path outside the repository, or git's hooks, is
// rejected at fetch, counted like a poisoned blob, before a byte of its
// blobs is fetched.
func TestUnconfinedPathsAreRejectedAtFetch(t *testing.T) {
	for _, bad := range []string{"../pwned.txt", ".git/hooks/post-commit", "/etc/cron.d/x", "a/../../x", "sei.lock"} {
		url, _, _ := dumbServer(t)
		var warn []string
		c := client(t, url, &warn)
		a, id, res := stored(t)
		res.Outputs[0].Path = bad // the writer is hostile: it uploads what it likes
		c.Put(context.Background(), id, res, a)
		b := emptyStore(t)
		if c.Fetch(context.Background(), id, b) {
			t.Errorf("%s: fetched", bad)
		}
		if st := c.Stats(); st.Rejected != 1 || b.Has(res.Outputs[1].Digest) {
			t.Errorf("%s: stats %+v, blobs fetched: %v", bad, st, b.Has(res.Outputs[1].Digest))
		}
	}
}

// An action result larger than sei reads into memory is rejected, and the
// server is not given up for it.
func TestOversizedActionResultIsRejected(t *testing.T) {
	url, blobs, mu := dumbServer(t)
	var warn []string
	c := client(t, url, &warn)
	a, id, res := stored(t)
	c.Put(context.Background(), id, res, a)
	mu.Lock()
	blobs["/ac/"+acKey(id)] = make([]byte, maxSmall+1)
	mu.Unlock()
	if c.Fetch(context.Background(), id, emptyStore(t)) {
		t.Fatal("fetched")
	}
	if st := c.Stats(); st.Rejected != 1 || st.Down {
		t.Errorf("stats %+v", st)
	}
}
