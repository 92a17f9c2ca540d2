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
	"syscall"
	"testing"
	"time"
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

// verifyWith verifies root/dir with one set of keys for everything.
func verifyWith(root, dir string, keys []*ecdsa.PublicKey) ([]Finding, error) {
	res, err := VerifyDir(DirOptions{Root: root, Dir: dir, Keys: func(string) []*ecdsa.PublicKey { return keys }})
	if err != nil {
		return nil, err
	}
	return res.Findings, nil
}

// TestVerifyOriginalEngineSignatures: the six signatures the original engine
// wrote (raw r‖s, subjects named relative to .froga) verify with its
// PUBKEY.txt, and its lock anchors its bundle.
func TestVerifyOriginalEngineSignatures(t *testing.T) {
	fs, err := verifyWith(compat, ".froga", trustedCompat(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 6 {
		t.Fatalf("%d findings, want 6 signatures: %+v", len(fs), fs)
	}
	for _, f := range fs {
		if !f.OK {
			t.Errorf("%s: %s", f.File, f.Err)
		}
	}
	env, _ := os.ReadFile(compat + ".froga/bundle.json.sig")
	l, err := ReadLock(compat + "froga.lock")
	if err != nil || CheckAnchor(l, env) != nil {
		t.Errorf("froga.lock does not anchor the bundle: %v", err)
	}
	if keyid := LegacyKeyID(trustedCompat(t)[0]); !bytes.Contains(env, []byte(keyid)) {
		t.Errorf("legacy keyid %s is not the original's", keyid)
	}
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// signedDir is a repository with .sei/bundle.json and a conformance
// report, each signed as sei signs them; it returns the repository.
func signedDir(t *testing.T, k *ecdsa.PrivateKey) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, ".sei")
	os.MkdirAll(filepath.Join(dir, "conformance"), 0o755)
	for _, n := range []string{"bundle.json", "conformance/iso_23894_2023.json"} {
		data := []byte(`{"system_name": "` + n + `"}`)
		os.WriteFile(filepath.Join(dir, n), data, 0o644)
		var pred map[string]any
		if n == BundleFile {
			pred = BundlePredicate(&Bundle{SystemName: n})
		}
		env, err := Sign(k, ".sei/"+n, data, pred)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, n+".sig"), env, 0o644)
	}
	os.WriteFile(filepath.Join(dir, "PUBKEY.txt"), []byte(PubkeyHex(&k.PublicKey)), 0o644)
	return root
}

func TestSignIsDeterministicDERAndVerifies(t *testing.T) {
	k := newKey(t)
	root := signedDir(t, k)
	a, _ := Sign(k, ".sei/bundle.json", []byte("x"), nil)
	b, _ := Sign(k, ".sei/bundle.json", []byte("x"), nil)
	if !bytes.Equal(a, b) {
		t.Fatal("two signatures of the same bytes differ (RFC 6979 expected)")
	}
	var e Envelope
	json.Unmarshal(a, &e)
	raw, _ := base64.StdEncoding.DecodeString(e.Signatures[0].Sig)
	if raw[0] != 0x30 {
		t.Errorf("signature is not ASN.1 DER: % x", raw[:4])
	}
	if e.Signatures[0].KeyID != KeyID(&k.PublicKey) {
		t.Errorf("envelope keyid %s, want securesystemslib's %s", e.Signatures[0].KeyID, KeyID(&k.PublicKey))
	}
	fs, err := verifyWith(root, ".sei", []*ecdsa.PublicKey{&k.PublicKey})
	if err != nil || len(fs) != 2 || !fs[0].OK || !fs[1].OK {
		t.Fatalf("verify: %+v %v", fs, err)
	}
}

// TestKeyIDIsSecuresystemslibs pins KeyID against the value
// securesystemslib 1.6.0's SSlibKey.from_crypto computes for this point.
func TestKeyIDIsSecuresystemslibs(t *testing.T) {
	k, err := ParsePublicKey([]byte("049f569344a06e9096942a190f2656890fb04ab02aa22238eeb85f8943c1d28b55dfe342df76a49ebd02577b8471e7a38a789b7e114992a04878f6f1dde04599d1"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := KeyID(k), "08dd939e941ce6bdd7eca57d27e296317d9a5c18aab120870c56225231888cb7"; got != want {
		t.Errorf("KeyID = %s, want %s", got, want)
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
		// The forgery of the issue: another artefact's valid signature
		// copied over the bundle's. Its subject names the other file.
		"signature of another file": func(d string) {
			b, _ := os.ReadFile(filepath.Join(d, "conformance/iso_23894_2023.json.sig"))
			os.WriteFile(filepath.Join(d, "bundle.json.sig"), b, 0o644)
			c, _ := os.ReadFile(filepath.Join(d, "conformance/iso_23894_2023.json"))
			os.WriteFile(filepath.Join(d, "bundle.json"), c, 0o644)
		},
		"unsigned upper-case JSON": func(d string) { os.WriteFile(filepath.Join(d, "extra.JSON"), []byte("{}"), 0o644) },
		"orphan signature":         func(d string) { os.Rename(filepath.Join(d, "bundle.json"), filepath.Join(d, "gone")) },
		"symlinked bundle": func(d string) {
			os.Remove(filepath.Join(d, "bundle.json"))
			os.Symlink("/etc/passwd", filepath.Join(d, "bundle.json"))
		},
		"FIFO": func(d string) { syscall.Mkfifo(filepath.Join(d, "conformance", "fifo.json"), 0o644) },
	} {
		root := signedDir(t, k)
		tamper(filepath.Join(root, ".sei"))
		done := make(chan []Finding)
		go func() { fs, _ := verifyWith(root, ".sei", []*ecdsa.PublicKey{&k.PublicKey}); done <- fs }()
		select {
		case fs := <-done:
			if allOK(fs) {
				t.Errorf("%s: accepted", name)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: verification hangs", name)
		}
	}
	root := signedDir(t, k)
	if fs, _ := verifyWith(root, ".sei", []*ecdsa.PublicKey{&newKey(t).PublicKey}); allOK(fs) {
		t.Error("swapped key: accepted")
	}
	// The lock anchors the envelope; a changed or empty digest is rejected.
	env, _ := os.ReadFile(filepath.Join(root, ".sei", "bundle.json.sig"))
	for _, d := range []string{"sha256:" + strings.Repeat("0", 64), ""} {
		if CheckAnchor(&Lock{SignedBundleDigest: d}, env) == nil {
			t.Errorf("lock digest %q: accepted", d)
		}
	}
	if err := CheckAnchor(&Lock{SignedBundleDigest: SHA256Digest(env)}, env); err != nil {
		t.Errorf("sei's anchor: %v", err)
	}
	if err := CheckAnchor(&Lock{SignedBundleDigest: string(env)}, env); err != nil {
		t.Errorf("lock holding the envelope (original form): %v", err)
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
	dir := filepath.Join(signedDir(t, k), ".sei")
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
