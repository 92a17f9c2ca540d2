package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"sei": func() { os.Exit(run(os.Args, os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the CLI scripts in testdata/script: each is a txtar
// archive with the commands, their expected output and the files they use.
func TestScripts(t *testing.T) {
	shared, err := filepath.Abs("../../../shared")
	if err != nil {
		t.Fatal(err)
	}
	root, _ := filepath.Abs("../..")
	testscript.Run(t, testscript.Params{
		Dir:                 "../../testdata/script",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("SHARED", shared)
			// A throwaway signing key per script, as CI would inject one.
			env.Setenv("SEI_SIGNING_KEY", testKeyPEM)
			env.Setenv("ROOT", root)
			env.Setenv("GIT_AUTHOR_NAME", "Ada Auditor")
			env.Setenv("GIT_AUTHOR_EMAIL", "ada@example.org")
			env.Setenv("GIT_COMMITTER_NAME", "Ada Auditor")
			env.Setenv("GIT_COMMITTER_EMAIL", "ada@example.org")
			return nil
		},
		UpdateScripts: os.Getenv("SEI_UPDATE_SCRIPTS") == "1",
	})
}

// testKeyPEM is a P-256 key made for these tests only (PKCS#8).
var testKeyPEM = func() string {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}()
