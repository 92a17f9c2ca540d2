package remote

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// s3Backend stores blobs in a bucket as <prefix>/{ac,cas}/<hh>/<hex>, the
// layout bazel-remote's S3 backend reads, so a bucket sei wrote can later
// be put behind bazel-remote.
type s3Backend struct {
	client *minio.Client
	bucket string
	prefix string
	raw    string
}

// newS3 takes the endpoint from AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL
// (default s3.amazonaws.com), the region from AWS_REGION or
// AWS_DEFAULT_REGION, and credentials from AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN: the usual variables.
func newS3(u *url.URL, env func(string) string) (*s3Backend, error) {
	endpoint := env("AWS_ENDPOINT_URL_S3")
	if endpoint == "" {
		endpoint = env("AWS_ENDPOINT_URL")
	}
	secure := true
	host := "s3.amazonaws.com"
	if endpoint != "" {
		e, err := url.Parse(endpoint)
		if err != nil || e.Host == "" {
			return nil, fmt.Errorf("remote cache: AWS_ENDPOINT_URL %q is not a URL", endpoint)
		}
		host, secure = e.Host, e.Scheme != "http"
	}
	region := env("AWS_REGION")
	if region == "" {
		region = env("AWS_DEFAULT_REGION")
	}
	tr, err := transport(env)
	if err != nil {
		return nil, err
	}
	creds := credentials.NewStaticV4(env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"), env("AWS_SESSION_TOKEN"))
	c, err := minio.New(host, &minio.Options{Creds: creds, Secure: secure, Region: region,
		BucketLookup: minio.BucketLookupPath, Transport: tr})
	if err != nil {
		return nil, fmt.Errorf("remote cache %s: %w", u, err)
	}
	return &s3Backend{client: c, bucket: u.Host, prefix: strings.Trim(u.Path, "/"), raw: redact(u)}, nil
}

func (b *s3Backend) String() string { return b.raw }

func (b *s3Backend) object(kind Kind, key string) string {
	p := string(kind) + "/" + key[:2] + "/" + key
	if b.prefix != "" {
		p = b.prefix + "/" + p
	}
	return p
}

func (b *s3Backend) Get(ctx context.Context, kind Kind, key string) (io.ReadCloser, int64, error) {
	obj, err := b.client.GetObject(ctx, b.bucket, b.object(kind, key), minio.GetObjectOptions{})
	if err != nil {
		return nil, 0, s3err(err)
	}
	info, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, 0, s3err(err)
	}
	return obj, info.Size, nil
}

func (b *s3Backend) Has(ctx context.Context, kind Kind, key string) (bool, error) {
	_, err := b.client.StatObject(ctx, b.bucket, b.object(kind, key), minio.StatObjectOptions{})
	if err := s3err(err); err == ErrNotFound {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return true, nil
}

func (b *s3Backend) Put(ctx context.Context, kind Kind, key string, body io.ReadSeeker, size int64) error {
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err := b.client.PutObject(ctx, b.bucket, b.object(kind, key), body, size,
		minio.PutObjectOptions{ContentType: "application/octet-stream"})
	return s3err(err)
}

// s3err maps a missing key to ErrNotFound.
func s3err(err error) error {
	if err == nil {
		return nil
	}
	r := minio.ToErrorResponse(err)
	if r.Code == "NoSuchKey" || r.StatusCode == 404 && r.Code != "NoSuchBucket" {
		return ErrNotFound
	}
	if r.StatusCode != 0 {
		return &statusError{r.StatusCode, err.Error()}
	}
	return err
}
