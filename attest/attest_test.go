package attest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const compat = "../../shared/compat/vldemo-talent-screening/"

func trustedCompat(t *testing.T) []*ecdsa.PublicKey {
	t.Helper()
	b, err := os.ReadFile(compat + ".froga/PUBKEY.txt")
	if err != nil {
		t.Fatalf("compat fixture missing (../shared beside the project): %v", err)
	}
	k, err := ParsePublicKey(b)
	if err != nil {
		t.Fatal(err)
	}
	return []*ecdsa.PublicKey{k}
}

// TestVerifyOriginalEngineSignatures: the six signatures the original engine
// wrote (raw r‖s) and its lock's anchor all verify with its PUBKEY.txt.
func TestVerifyOriginalEngineSignatures(t *testing.T) {
	fs, err := VerifyDir(compat+".froga", trustedCompat(t), compat+"froga.lock")
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 7 {
		t.Fatalf("%d findings, want 6 signatures + the lock: %+v", len(fs), fs)
	}
	for _, f := range fs {
		if !f.OK {
			t.Errorf("%s: %s", f.File, f.Err)
		}
	}
	keyid := KeyID(trustedCompat(t)[0])
	env, _ := os.ReadFile(compat + ".froga/bundle.json.sig")
	if !bytes.Contains(env, []byte(keyid)) {
		t.Errorf("keyid %s is not the original's", keyid)
	}
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func signedDir(t *testing.T, k *ecdsa.PrivateKey) string {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "conformance"), 0o755)
	for _, n := range []string{"bundle.json", "conformance/iso_23894_2023.json"} {
		os.WriteFile(filepath.Join(dir, n), []byte(`{"system_name": "x"}`), 0o644)
		env, err := SignFile(k, dir, n)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, n+".sig"), env, 0o644)
	}
	os.WriteFile(filepath.Join(dir, "PUBKEY.txt"), []byte(PubkeyHex(&k.PublicKey)), 0o644)
	return dir
}

func TestSignIsDeterministicDERAndVerifies(t *testing.T) {
	k := newKey(t)
	dir := signedDir(t, k)
	a, _ := SignFile(k, dir, "bundle.json")
	b, _ := SignFile(k, dir, "bundle.json")
	if !bytes.Equal(a, b) {
		t.Fatal("two signatures of the same bytes differ (RFC 6979 expected)")
	}
	var e Envelope
	json.Unmarshal(a, &e)
	raw, _ := base64.StdEncoding.DecodeString(e.Signatures[0].Sig)
	if raw[0] != 0x30 {
		t.Errorf("signature is not ASN.1 DER: % x", raw[:4])
	}
	fs, err := VerifyDir(dir, []*ecdsa.PublicKey{&k.PublicKey}, "")
	if err != nil || len(fs) != 2 || !fs[0].OK || !fs[1].OK {
		t.Fatalf("verify: %+v %v", fs, err)
	}
}

// TestTamper: each way of breaking the evidence is rejected.
func TestTamper(t *testing.T) {
	k := newKey(t)
	for name, tamper := range map[string]func(dir string){
		"byte in bundle":    func(d string) { flip(t, filepath.Join(d, "bundle.json"), 3) },
		"byte in envelope":  func(d string) { replaceIn(t, filepath.Join(d, "bundle.json.sig"), `"payload":"ey`, `"payload":"eX`) },
		"removed signature": func(d string) { os.Remove(filepath.Join(d, "bundle.json.sig")) },
		"empty signatures": func(d string) {
			replaceIn(t, filepath.Join(d, "bundle.json.sig"), `"signatures":[{`, `"signatures":[],"x":[{`)
		},
		"payload type": func(d string) { replaceIn(t, filepath.Join(d, "bundle.json.sig"), PayloadType, "text/plain") },
	} {
		dir := signedDir(t, k)
		tamper(dir)
		fs, _ := VerifyDir(dir, []*ecdsa.PublicKey{&k.PublicKey}, "")
		if allOK(fs) {
			t.Errorf("%s: accepted", name)
		}
	}
	dir := signedDir(t, k)
	if fs, _ := VerifyDir(dir, []*ecdsa.PublicKey{&newKey(t).PublicKey}, ""); allOK(fs) {
		t.Error("swapped key: accepted")
	}
	// The lock anchors the envelope; a changed lock digest is rejected.
	env, _ := os.ReadFile(filepath.Join(dir, "bundle.json.sig"))
	lock := filepath.Join(t.TempDir(), "sei.lock")
	os.WriteFile(lock, []byte(`{"signed_bundle_digest": "sha256:`+strings.Repeat("0", 64)+`"}`), 0o644)
	if fs, _ := VerifyDir(dir, []*ecdsa.PublicKey{&k.PublicKey}, lock); allOK(fs) {
		t.Error("lock with a wrong digest: accepted")
	}
	os.WriteFile(lock, append([]byte(`{"signed_bundle_digest": `), append(mustJSON(string(env)), '}')...), 0o644)
	if fs, _ := VerifyDir(dir, []*ecdsa.PublicKey{&k.PublicKey}, lock); !allOK(fs) {
		t.Errorf("lock holding the envelope (original form): %+v", fs)
	}
}

// TestOpenSSLVerifiesSeiSignature: an independent verifier (openssl, jq and
// sha256sum, no Go) accepts what sei signs. Required in CI.
func TestOpenSSLVerifiesSeiSignature(t *testing.T) {
	for _, tool := range []string{"openssl", "jq", "xxd", "sha256sum"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s missing in CI", tool)
			}
			t.Skipf("%s not installed", tool)
		}
	}
	k := newKey(t)
	dir := signedDir(t, k)
	run := func(d string) ([]byte, error) {
		return exec.Command("bash", "../scripts/verify-openssl.sh", d).CombinedOutput()
	}
	if out, err := run(dir); err != nil || !bytes.Contains(out, []byte("Verified OK")) {
		t.Fatalf("openssl rejected sei's signature: %v\n%s", err, out)
	}
	flip(t, filepath.Join(dir, "bundle.json"), 5)
	if out, err := run(dir); err == nil {
		t.Fatalf("openssl script accepted a tampered bundle:\n%s", out)
	}
}

func allOK(fs []Finding) bool {
	if len(fs) == 0 {
		return false
	}
	for _, f := range fs {
		if !f.OK {
			return false
		}
	}
	return true
}

func flip(t *testing.T, p string, i int) {
	b, _ := os.ReadFile(p)
	b[i] ^= 1
	os.WriteFile(p, b, 0o644)
}

func replaceIn(t *testing.T, p, old, new string) {
	b, _ := os.ReadFile(p)
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s does not contain %q", p, old)
	}
	os.WriteFile(p, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644)
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }
