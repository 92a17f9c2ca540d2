package remote

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// httpBackend speaks Bazel's HTTP cache protocol: GET, HEAD and PUT on
// <base>/ac/<key> and <base>/cas/<sha256>; 200 is a hit, 404 a miss.
type httpBackend struct {
	base   *url.URL
	client *http.Client
	auth   func(*http.Request)
}

// transport is the default transport, trusting in addition the PEM
// certificates in SEI_REMOTE_CACHE_CA: a team's own cache server often has
// a private CA, and SSL_CERT_FILE would replace the system roots.
func transport(env func(string) string) (*http.Transport, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	ca := env("SEI_REMOTE_CACHE_CA")
	if ca == "" {
		return tr, nil
	}
	pem, err := os.ReadFile(ca)
	if err != nil {
		return nil, fmt.Errorf("SEI_REMOTE_CACHE_CA: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("SEI_REMOTE_CACHE_CA: %s holds no PEM certificate", ca)
	}
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return tr, nil
}

// newHTTP reads credentials from the URL's user info or the environment:
// SEI_REMOTE_CACHE_USER and SEI_REMOTE_CACHE_PASSWORD (basic), or
// SEI_REMOTE_CACHE_TOKEN (bearer). TLS uses the system's roots
// (SSL_CERT_FILE and SSL_CERT_DIR are honoured by Go).
func newHTTP(u *url.URL, env func(string) string) (*httpBackend, error) {
	tr, err := transport(env)
	if err != nil {
		return nil, err
	}
	b := &httpBackend{base: u, client: &http.Client{Transport: tr}, auth: func(*http.Request) {}}
	user, pass := env("SEI_REMOTE_CACHE_USER"), env("SEI_REMOTE_CACHE_PASSWORD")
	if u.User != nil {
		user = u.User.Username()
		pass, _ = u.User.Password()
	}
	switch token := env("SEI_REMOTE_CACHE_TOKEN"); {
	case token != "":
		b.auth = func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
	case user != "":
		b.auth = func(r *http.Request) { r.SetBasicAuth(user, pass) }
	}
	return b, nil
}

func (b *httpBackend) String() string { return redact(b.base) }

func (b *httpBackend) url(kind Kind, key string) string {
	c := *b.base
	c.User = nil
	c.Path = strings.TrimSuffix(c.Path, "/") + "/" + string(kind) + "/" + key
	return c.String()
}

func (b *httpBackend) do(ctx context.Context, method string, kind Kind, key string, body io.ReadSeeker, size int64) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		if _, err := body.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		rd = io.NopCloser(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.url(kind, key), rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.ContentLength = size
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	b.auth(req)
	return b.client.Do(req)
}

func (b *httpBackend) Get(ctx context.Context, kind Kind, key string) (io.ReadCloser, int64, error) {
	resp, err := b.do(ctx, http.MethodGet, kind, key, nil, 0)
	if err != nil {
		return nil, 0, err
	}
	if err := status(resp, kind, key); err != nil {
		resp.Body.Close()
		return nil, 0, err
	}
	return resp.Body, resp.ContentLength, nil
}

func (b *httpBackend) Has(ctx context.Context, kind Kind, key string) (bool, error) {
	resp, err := b.do(ctx, http.MethodHead, kind, key, nil, 0)
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	if err := status(resp, kind, key); err == ErrNotFound {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return true, nil
}

func (b *httpBackend) Put(ctx context.Context, kind Kind, key string, body io.ReadSeeker, size int64) error {
	resp, err := b.do(ctx, http.MethodPut, kind, key, body, size)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return status(resp, kind, key)
}

// status maps an answer to nil (2xx), ErrNotFound (404) or an error that
// carries the server's words.
func status(resp *http.Response, kind Kind, key string) error {
	switch {
	case resp.StatusCode/100 == 2:
		return nil
	case resp.StatusCode == http.StatusNotFound:
		return ErrNotFound
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	return &statusError{resp.StatusCode, fmt.Sprintf("%s/%s: %s %s", kind, key, resp.Status, strings.TrimSpace(string(msg)))}
}
