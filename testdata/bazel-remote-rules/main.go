// Command bazel-remote-rules is a small HTTP cache server for sei's tests
// that enforces what bazel-remote enforces on its HTTP interface (see
// ../../../shared/reference/engine.md §2, from reading bazel-remote's
// server/http.go, utils/validate and cache/disk): keys are 64 lowercase hex
// characters under /ac/ or /cas/ (optionally behind one instance prefix);
// a PUT needs a Content-Length; a CAS body must hash to its key (SHA-256);
// an AC body must be a valid REAPI ActionResult (no absolute paths, digests
// with 64-hex hashes and non-negative sizes); and an AC GET answers 404
// unless every blob the result names is in the CAS. It keeps blobs in
// memory. If sei's uploads pass here, bazel-remote accepts them.
//
//	go run ./testdata/bazel-remote-rules -addr 127.0.0.1:0
//
// prints "listening on ADDR" once it accepts connections.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"google.golang.org/protobuf/encoding/protowire"
)

var resource = regexp.MustCompile(`^/(?:[^/]+/)?(ac|cas)/([a-f0-9]{64})$`)

type server struct {
	mu    sync.Mutex
	blobs map[string][]byte // "ac/<key>" or "cas/<key>"
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening on %s\n", l.Addr())
	s := &server{blobs: map[string][]byte{}}
	log.Fatal(http.Serve(l, s))
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m := resource.FindStringSubmatch(r.URL.Path)
	if m == nil {
		http.Error(w, "resource name must be a SHA256 hash in hex", http.StatusBadRequest)
		return
	}
	kind, key := m[1], m[2]
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		s.get(w, r, kind, key)
	case http.MethodPut:
		s.put(w, r, kind, key)
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (s *server) get(w http.ResponseWriter, r *http.Request, kind, key string) {
	s.mu.Lock()
	b, ok := s.blobs[kind+"/"+key]
	s.mu.Unlock()
	if ok && kind == "ac" {
		refs, err := referenced(b)
		for _, ref := range refs {
			s.mu.Lock()
			_, has := s.blobs["cas/"+ref]
			s.mu.Unlock()
			ok = ok && has && err == nil
		}
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(b)))
	if r.Method == http.MethodGet {
		w.Write(b)
	}
}

func (s *server) put(w http.ResponseWriter, r *http.Request, kind, key string) {
	if r.ContentLength < 0 {
		http.Error(w, "missing Content-Length", http.StatusBadRequest)
		return
	}
	b, err := io.ReadAll(r.Body)
	if err != nil || int64(len(b)) != r.ContentLength {
		http.Error(w, "short body", http.StatusBadRequest)
		return
	}
	switch kind {
	case "cas":
		if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != key {
			http.Error(w, "checksums don't match", http.StatusBadRequest)
			return
		}
	case "ac":
		if _, err := referenced(b); err != nil {
			http.Error(w, "invalid ActionResult: "+err.Error(), http.StatusBadRequest)
			return
		}
	}
	s.mu.Lock()
	s.blobs[kind+"/"+key] = b
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// referenced validates an ActionResult and returns the CAS hashes it names
// (output_files=2 digests, stdout_digest=6, stderr_digest=8).
func referenced(b []byte) ([]string, error) {
	var refs []string
	err := walk(b, func(num protowire.Number, v []byte) error {
		switch num {
		case 2:
			return walk(v, func(num protowire.Number, v []byte) error {
				switch num {
				case 1:
					if p := string(v); p == "" || strings.HasPrefix(p, "/") {
						return fmt.Errorf("output path %q is empty or absolute", p)
					}
				case 2:
					h, err := digest(v)
					refs = append(refs, h)
					return err
				}
				return nil
			})
		case 6, 8:
			h, err := digest(v)
			refs = append(refs, h)
			return err
		}
		return nil
	})
	return refs, err
}

var hex64 = regexp.MustCompile(`^[a-f0-9]{64}$`)

// digest validates a Digest message: a 64-hex hash and a size that is not
// negative.
func digest(b []byte) (string, error) {
	var hash string
	err := walk(b, func(num protowire.Number, v []byte) error {
		if num == 1 {
			hash = string(v)
		}
		return nil
	})
	if err == nil && !hex64.MatchString(hash) {
		err = fmt.Errorf("digest hash %q is not 64 hex characters", hash)
	}
	return hash, err
}

// walk calls f with each length-delimited field; varints are checked for
// well-formedness (a negative size would be a huge varint, which is allowed
// by the wire but checked here through the sign of int64).
func walk(b []byte, f func(protowire.Number, []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		switch typ {
		case protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return protowire.ParseError(n)
			}
			if err := f(num, v); err != nil {
				return err
			}
			b = b[n:]
		case protowire.VarintType:
			x, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return protowire.ParseError(n)
			}
			if int64(x) < 0 {
				return fmt.Errorf("field %d is negative", num)
			}
			b = b[n:]
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return protowire.ParseError(n)
			}
			b = b[n:]
		}
	}
	return nil
}
