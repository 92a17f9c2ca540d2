package remote

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"seigarrena.dev/sei/cache"
)

// The encoding, byte for byte: fields in tag order, as REAPI's canonical
// form requires.
func TestActionResultGoldenBytes(t *testing.T) {
	ar := &ActionResult{OutputFiles: []OutputFile{{Path: "a", Digest: WireDigest{Hash: "ab", Size: 3}, IsExecutable: true}},
		ExitCode: 2, StdoutDigest: &WireDigest{Hash: "ab", Size: 3}}
	want := "120d" + "0a0161" + "1206" + "0a0261621003" + "2001" + "2002" + "3206" + "0a0261621003"
	if got := hex.EncodeToString(ar.Marshal()); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	back, err := UnmarshalActionResult(ar.Marshal())
	if err != nil || back.OutputFiles[0] != ar.OutputFiles[0] || back.ExitCode != 2 || *back.StdoutDigest != *ar.StdoutDigest {
		t.Fatalf("round trip: %+v %v", back, err)
	}
}

// stored puts one action with two outputs and stdout into a fresh store.
func stored(t *testing.T) (*cache.Store, cache.ActionID, *cache.Result) {
	t.Helper()
	s, err := cache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	res := &cache.Result{DurationNs: 42}
	for _, o := range []struct{ path, body string }{{"model.pkl", "model bytes"}, {"metrics.json", `{"m": 0.02}`}} {
		d, err := s.PutBytes([]byte(o.body))
		if err != nil {
			t.Fatal(err)
		}
		res.Outputs = append(res.Outputs, cache.Output{Path: o.path, Digest: d, Size: int64(len(o.body)), Mode: 0o644})
	}
	res.Stdout, _ = s.PutBytes([]byte("trained\n"))
	id := cache.ActionID(cache.Sum([]byte("action")))
	if err := s.Put(id, res); err != nil {
		t.Fatal(err)
	}
	return s, id, res
}

func emptyStore(t *testing.T) *cache.Store {
	s, err := cache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// rulesServer runs testdata/bazel-remote-rules on loopback.
func rulesServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "rules")
	if out, err := exec.Command("go", "build", "-o", bin, "../../testdata/bazel-remote-rules").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	buf := make([]byte, 100)
	n, _ := out.Read(buf)
	addr := strings.TrimSpace(strings.TrimPrefix(string(buf[:n]), "listening on "))
	return "http://" + addr + "/sei"
}

func client(t *testing.T, url string, warn *[]string) *Client {
	t.Helper()
	b, err := Open(url, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	return &Client{Backend: b, Upload: true, Timeout: 2 * time.Second, Warn: func(s string) {
		mu.Lock()
		*warn = append(*warn, s)
		mu.Unlock()
	}}
}

// What sei uploads passes bazel-remote's rules, and a second machine with
// an empty cache gets the same bytes back.
func TestRoundTripThroughBazelRemoteRules(t *testing.T) {
	var warn []string
	c := client(t, rulesServer(t), &warn)
	a, id, res := stored(t)
	c.Put(context.Background(), id, res, a)
	if st := c.Stats(); st.Uploads != 1 || st.Down || len(warn) > 0 {
		t.Fatalf("upload: %+v %v", st, warn)
	}
	b := emptyStore(t)
	if !c.Fetch(context.Background(), id, b) {
		t.Fatalf("fetch missed: %+v %v", c.Stats(), warn)
	}
	got, ok := b.Get(id)
	if !ok || len(got.Outputs) != 2 || got.Stdout != res.Stdout || got.DurationNs != 42 {
		t.Fatalf("fetched result %+v", got)
	}
	for _, o := range res.Outputs {
		want, _ := a.Read(o.Digest)
		if have, err := b.Read(o.Digest); err != nil || !bytes.Equal(have, want) {
			t.Errorf("%s: %q %v", o.Path, have, err)
		}
	}
	if c.Fetch(context.Background(), cache.ActionID(cache.Sum([]byte("other"))), b) {
		t.Error("an unknown action hit")
	}
	if st := c.Stats(); st.Hits != 1 || st.Misses != 1 {
		t.Errorf("stats %+v", st)
	}
}

// dumbServer stores whatever it is given, as nginx WebDAV and S3 do.
func dumbServer(t *testing.T) (string, map[string][]byte, *sync.Mutex) {
	blobs, mu := map[string][]byte{}, &sync.Mutex{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch r.Method {
		case http.MethodPut:
			b := new(bytes.Buffer)
			b.ReadFrom(r.Body)
			blobs[r.URL.Path] = b.Bytes()
		default:
			b, ok := blobs[r.URL.Path]
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Write(b)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL, blobs, mu
}

// A poisoned blob (same key, other bytes) is rejected, counted and
// reported, and nothing of the entry reaches the local cache.
func TestPoisonedBlobIsRejected(t *testing.T) {
	url, blobs, mu := dumbServer(t)
	var warn []string
	c := client(t, url, &warn)
	a, id, res := stored(t)
	c.Put(context.Background(), id, res, a)
	mu.Lock()
	model, _ := a.Read(res.Outputs[0].Digest)
	blobs["/cas/"+sha256Hex(model)] = []byte("model bytez") // same size, other bytes
	mu.Unlock()
	b := emptyStore(t)
	if c.Fetch(context.Background(), id, b) {
		t.Fatal("a poisoned entry was used")
	}
	if _, ok := b.Get(id); ok || b.Has(res.Outputs[0].Digest) {
		t.Error("the poisoned entry reached the local cache")
	}
	if st := c.Stats(); st.Rejected != 1 || st.Hits != 0 || len(warn) != 1 || !strings.Contains(warn[0], "rejected") {
		t.Errorf("stats %+v, warnings %v", st, warn)
	}
}

// A server that is down costs one warning and no failure.
func TestServerDownDegradesToLocal(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	var warn []string
	c := client(t, "http://"+addr, &warn)
	a, id, res := stored(t)
	for i := 0; i < 3; i++ {
		c.Fetch(context.Background(), id, emptyStore(t))
		c.Put(context.Background(), id, res, a)
	}
	if st := c.Stats(); !st.Down || st.Hits+st.Uploads != 0 || len(warn) != 1 || !strings.Contains(warn[0], "unavailable") {
		t.Errorf("stats %+v, warnings %v", st, warn)
	}
}

// Read-only clients never write.
func TestReadOnlyClientDoesNotUpload(t *testing.T) {
	url, blobs, _ := dumbServer(t)
	var warn []string
	c := client(t, url, &warn)
	c.Upload = false
	a, id, res := stored(t)
	c.Put(context.Background(), id, res, a)
	if len(blobs) != 0 || c.Stats().Uploads != 0 {
		t.Errorf("a read-only client uploaded %d blobs", len(blobs))
	}
}

// TLS with a private CA (SEI_REMOTE_CACHE_CA) and bearer or basic
// credentials from the environment, checked by the server.
func TestTLSAndAuth(t *testing.T) {
	var seen []string
	var mu sync.Mutex
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		http.NotFound(w, r)
	}))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644)
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"SEI_REMOTE_CACHE_TOKEN": "tok"}, "Bearer tok"},
		{map[string]string{"SEI_REMOTE_CACHE_USER": "ci", "SEI_REMOTE_CACHE_PASSWORD": "pw"}, "Basic Y2k6cHc="},
	} {
		c.env["SEI_REMOTE_CACHE_CA"] = ca
		b, err := Open(srv.URL, func(k string) string { return c.env[k] })
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := b.Get(context.Background(), AC, strings.Repeat("a", 64)); err != ErrNotFound {
			t.Fatalf("over TLS: %v, want a clean miss", err)
		}
		mu.Lock()
		if got := seen[len(seen)-1]; got != c.want {
			t.Errorf("Authorization %q, want %q", got, c.want)
		}
		mu.Unlock()
	}
	// Without the CA the server is not trusted: an error, not a miss.
	b, _ := Open(srv.URL, func(string) string { return "" })
	if _, _, err := b.Get(context.Background(), AC, strings.Repeat("a", 64)); err == nil || err == ErrNotFound {
		t.Errorf("an untrusted certificate gave %v", err)
	}
}

// The rules server itself refuses what bazel-remote refuses, so that the
// round trip above means something.
func TestRulesServerRefuses(t *testing.T) {
	base := strings.TrimSuffix(rulesServer(t), "/sei")
	put := func(path string, body []byte) int {
		req, _ := http.NewRequest(http.MethodPut, base+path, bytes.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	key := strings.Repeat("a", 64)
	absolute := (&ActionResult{OutputFiles: []OutputFile{{Path: "/etc/passwd", Digest: WireDigest{Hash: key, Size: 1}}}}).Marshal()
	shortHash := (&ActionResult{OutputFiles: []OutputFile{{Path: "a", Digest: WireDigest{Hash: "abc", Size: 1}}}}).Marshal()
	for _, c := range []struct {
		path string
		body []byte
	}{
		{"/cas/ABC", []byte("x")},                // not 64 lowercase hex
		{"/cas/" + key, []byte("x")},             // SHA-256 mismatch
		{"/ac/" + key, absolute},                 // absolute output path
		{"/ac/" + key, shortHash},                // digest hash not 64 hex
		{"/ac/" + key, []byte{0xff, 0xff, 0xff}}, // not a protobuf message
	} {
		if code := put(c.path, c.body); code != http.StatusBadRequest {
			t.Errorf("PUT %s: %d, want 400", c.path, code)
		}
	}
	// An action result whose blobs are missing is not served.
	if code := put("/ac/"+key, (&ActionResult{OutputFiles: []OutputFile{{Path: "a", Digest: WireDigest{Hash: key, Size: 1}}}}).Marshal()); code != 200 {
		t.Fatalf("valid AC PUT: %d", code)
	}
	resp, err := http.Get(base + "/ac/" + key)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("AC with a missing blob: %d, want 404", resp.StatusCode)
	}
}
