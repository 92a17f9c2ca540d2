package attest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Key sources, in order of precedence. A private key never enters the
// repository or a log: only its public point is written (PUBKEY.txt).
const (
	EnvKey     = "SEI_SIGNING_KEY"      // PEM text, for CI secrets
	EnvKeyFile = "SEI_SIGNING_KEY_FILE" // path to a PEM file
)

// KeyID is the keyid sei writes in its envelopes: securesystemslib's
// default for the key (the SHA-256 of the OLPC canonical JSON of keytype,
// keyval and scheme), so that a key loaded the standard way
// (SSlibKey.from_crypto, in-toto) finds its signature. Verification never
// relies on it: a keyid is an unauthenticated hint.
func KeyID(pub *ecdsa.PublicKey) string {
	pemText, err := PubkeyPEM(pub)
	if err != nil {
		return ""
	}
	// OLPC canonical JSON escapes only '"' and '\'; PEM has neither, so its
	// newlines stay raw bytes.
	doc := `{"keytype":"ecdsa","keyval":{"public":"` + pemText + `"},"scheme":"ecdsa-sha2-nistp256"}`
	sum := sha256.Sum256([]byte(doc))
	return hex.EncodeToString(sum[:])
}

// LegacyKeyID is the original engine's keyid: the hex SHA-256 of the
// 65-byte uncompressed SEC1 point (what `xxd -r -p PUBKEY.txt | sha256sum`
// prints).
func LegacyKeyID(pub *ecdsa.PublicKey) string {
	b, _ := pub.Bytes()
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// PubkeyHex is PUBKEY.txt's content: the SEC1 point in hex and a newline.
func PubkeyHex(pub *ecdsa.PublicKey) string {
	b, _ := pub.Bytes()
	return hex.EncodeToString(b) + "\n"
}

// PubkeyPEM is the SPKI PEM that openssl and cosign read.
func PubkeyPEM(pub *ecdsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}

// ParsePublicKey reads a trusted key given as PUBKEY.txt hex or as PEM.
func ParsePublicKey(data []byte) (*ecdsa.PublicKey, error) {
	s := strings.TrimSpace(string(data))
	if blk, _ := pem.Decode([]byte(s)); blk != nil {
		k, err := x509.ParsePKIXPublicKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("public key: %w", err)
		}
		ek, ok := k.(*ecdsa.PublicKey)
		if !ok || ek.Curve != elliptic.P256() {
			return nil, errors.New("public key: not ECDSA P-256")
		}
		return ek, nil
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("public key: neither PEM nor hex SEC1: %w", err)
	}
	return ecdsa.ParseUncompressedPublicKey(elliptic.P256(), b)
}

// parsePrivateKey reads PKCS#8 ("PRIVATE KEY") or SEC1 ("EC PRIVATE KEY") PEM.
func parsePrivateKey(data []byte) (*ecdsa.PrivateKey, error) {
	blk, _ := pem.Decode(data)
	if blk == nil {
		return nil, errors.New("signing key: not PEM")
	}
	var k any
	var err error
	switch blk.Type {
	case "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(blk.Bytes)
	default:
		return nil, fmt.Errorf("signing key: PEM block %q; want PRIVATE KEY (PKCS#8)", blk.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok || ek.Curve != elliptic.P256() {
		return nil, errors.New("signing key: not ECDSA P-256")
	}
	return ek, nil
}

// UserKeyPath is the per-user key used when no key is configured.
func UserKeyPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "sei", "signing-key.pem"), nil
}

// LoadSigningKey finds the signing key: SEI_SIGNING_KEY, else
// SEI_SIGNING_KEY_FILE, else the per-user key, created on first use with
// mode 0600; note reports where a new key was made.
func LoadSigningKey(note func(string)) (*ecdsa.PrivateKey, error) {
	if s := os.Getenv(EnvKey); s != "" {
		return parsePrivateKey([]byte(s))
	}
	path := os.Getenv(EnvKeyFile)
	if path == "" {
		p, err := UserKeyPath()
		if err != nil {
			return nil, err
		}
		path = p
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return createKey(path, note)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", path, err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("signing key %s is readable by others (mode %o); chmod 600 it", path, fi.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parsePrivateKey(data)
}

func createKey(path string, note func(string)) (*ecdsa.PrivateKey, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("creating signing key: %w", err)
	}
	defer f.Close()
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		return nil, err
	}
	if note != nil {
		note(fmt.Sprintf("created a signing key at %s (keyid %s); back it up, and set %s in CI", path, KeyID(&k.PublicKey), EnvKey))
	}
	return k, nil
}
