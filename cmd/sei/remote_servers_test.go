package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// server is a real cache server on loopback for the remote-cache tests.
type server struct {
	url    string                            // what --remote-cache gets
	env    []string                          // what sei needs besides (credentials, endpoint)
	poison func(t *testing.T, sha256 string) // replaces a CAS blob with other bytes of the same size
	stop   func()
}

// need finds a server program: in CI its absence is a failure (.ci/run
// installs it), elsewhere a skip that says how to get it.
func need(t testing.TB, env, name, how string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		return p
	}
	for _, p := range []string{name, "/usr/sbin/" + name} {
		if full, err := exec.LookPath(p); err == nil {
			return full
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not found (set %s); .ci/run must install it: %s", name, env, how)
	}
	t.Skipf("%s not found: %s, or set %s", name, how, env)
	return ""
}

func freePort(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitPort waits until something accepts connections on addr.
func waitPort(t testing.TB, addr string) {
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("nothing listens on %s", addr)
}

// startNginx runs Debian's nginx with a WebDAV PUT location, as Bazel's
// remote-caching documentation describes.
func startNginx(t testing.TB) *server {
	bin := need(t, "SEI_NGINX", "nginx", "apt-get install nginx")
	dir, addr := t.TempDir(), freePort(t)
	store := filepath.Join(dir, "store")
	os.MkdirAll(filepath.Join(dir, "tmp"), 0o755)
	os.MkdirAll(store, 0o755)
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;" // the workers must write the store, which root owns
	}
	conf := fmt.Sprintf(`%s
pid %[2]s/nginx.pid;
error_log %[2]s/error.log;
events {}
http {
  access_log off;
  client_body_temp_path %[2]s/tmp;
  client_max_body_size 0;  # no limit: a multi-gigabyte model must reach the cache
  server {
    listen %[3]s;
    root %[4]s;
    location / { dav_methods PUT; create_full_put_path on; dav_access user:rw; }
  }
}
`, user, dir, addr, store)
	os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644)
	cmd := exec.Command(bin, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", filepath.Join(dir, "nginx.conf"), "-g", "daemon off;")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// SIGTERM is nginx's fast shutdown; SIGKILL would leave its workers serving.
	stop := func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }
	t.Cleanup(stop)
	waitPort(t, addr)
	return &server{url: "http://" + addr + "/cache", stop: stop,
		poison: func(t *testing.T, sha string) {
			p := filepath.Join(store, "cache", "cas", sha)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			b[0] ^= 1
			os.WriteFile(p, b, 0o644)
		}}
}

// startMinIO runs MinIO (built from the Go module proxy by .ci/run) as the
// S3 endpoint, with a bucket for sei.
func startMinIO(t testing.TB) *server {
	bin := need(t, "SEI_MINIO", "minio", "GOBIN=$PWD/bin go install github.com/minio/minio@"+minioVersion)
	dir, addr := t.TempDir(), freePort(t)
	cmd := exec.Command(bin, "server", dir, "--address", addr, "--quiet")
	cmd.Env = append(os.Environ(), "MINIO_ROOT_USER=sei-test", "MINIO_ROOT_PASSWORD=sei-test-secret", "MINIO_BROWSER=off")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stop := func() { cmd.Process.Kill(); cmd.Wait() }
	t.Cleanup(stop)
	waitPort(t, addr)
	c, err := minio.New(addr, &minio.Options{Creds: credentials.NewStaticV4("sei-test", "sei-test-secret", "")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; ; i++ { // MinIO accepts connections before it accepts requests
		if err = c.MakeBucket(ctx, "sei", minio.MakeBucketOptions{}); err == nil || i == 50 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	return &server{url: "s3://sei/ci", stop: stop,
		env: []string{"AWS_ENDPOINT_URL=http://" + addr, "AWS_ACCESS_KEY_ID=sei-test", "AWS_SECRET_ACCESS_KEY=sei-test-secret", "AWS_REGION=us-east-1"},
		poison: func(t *testing.T, sha string) {
			key := "ci/cas/" + sha[:2] + "/" + sha
			obj, err := c.GetObject(ctx, "sei", key, minio.GetObjectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(obj)
			obj.Close()
			if len(b) == 0 {
				t.Fatalf("poison %s: %v", key, err)
			}
			b[0] ^= 1
			if _, err := c.PutObject(ctx, "sei", key, strings.NewReader(string(b)), int64(len(b)), minio.PutObjectOptions{}); err != nil {
				t.Fatal(err)
			}
		}}
}

// minioVersion is the MinIO release .ci/run builds.
const minioVersion = "v0.0.0-20260212201848-7aac2a2c5b7c"
