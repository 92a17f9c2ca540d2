package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/santhosh-tekuri/jsonschema/v6"
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
	// [venv] scripts run the independent Python verifiers; CI must have them.
	venv := os.Getenv("SEI_VENV")
	if _, err := os.Stat(filepath.Join(venv, "bin", "python")); venv == "" || err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("SEI_VENV=%q has no bin/python; CI must run `make venv` (make test does)", venv)
		}
		venv = ""
	}
	// [cosign] lines verify sei's envelopes with cosign; CI builds it.
	if os.Getenv("CI") == "true" && os.Getenv("SEI_COSIGN") == "" {
		t.Fatal("SEI_COSIGN is unset; CI must build bin/cosign (.ci/run does)")
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "../../testdata/script",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("SHARED", shared)
			// A throwaway signing key per script, as CI would inject one.
			env.Setenv("SEI_SIGNING_KEY", testKeyPEM)
			env.Setenv("TESTKEY", testKeyPEM)
			env.Setenv("ROOT", root)
			env.Setenv("GIT_AUTHOR_NAME", "Ada Auditor")
			env.Setenv("GIT_AUTHOR_EMAIL", "ada@example.org")
			env.Setenv("GIT_COMMITTER_NAME", "Ada Auditor")
			env.Setenv("GIT_COMMITTER_EMAIL", "ada@example.org")
			env.Setenv("SEI_VENV", venv)
			env.Setenv("SEI_COSIGN", os.Getenv("SEI_COSIGN"))
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "venv":
				return venv != "", nil
			case "cosign": // make cosign-check builds it and sets SEI_COSIGN
				return os.Getenv("SEI_COSIGN") != "", nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds:          map[string]func(ts *testscript.TestScript, neg bool, args []string){"flipbyte": flipByte, "genkey": genKey, "jsonschema": jsonSchema},
		UpdateScripts: os.Getenv("SEI_UPDATE_SCRIPTS") == "1",
	})
}

// flipByte FILE OFFSET flips the low bit of one byte; a negative offset
// counts from the end. It is how scripts tamper with signed evidence.
func flipByte(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: flipbyte FILE OFFSET")
	}
	p := ts.MkAbs(args[0])
	b, err := os.ReadFile(p)
	ts.Check(err)
	i, err := strconv.Atoi(args[1])
	ts.Check(err)
	if i < 0 {
		i += len(b)
	}
	b[i] ^= 1
	ts.Check(os.WriteFile(p, b, 0o644))
}

// genKey FILE writes a new P-256 private key (PKCS#8 PEM, mode 0600) to
// FILE and its public point, as PUBKEY.txt holds it, to FILE.pub: a second
// person (an approver, an attacker) in a script.
func genKey(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: genkey FILE")
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ts.Check(err)
	der, err := x509.MarshalPKCS8PrivateKey(k)
	ts.Check(err)
	p := ts.MkAbs(args[0])
	ts.Check(os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600))
	pt, err := k.PublicKey.Bytes()
	ts.Check(err)
	ts.Check(os.WriteFile(p+".pub", []byte(hex.EncodeToString(pt)+"\n"), 0o644))
}

// testKeyPEM is a P-256 key made for these tests only (PKCS#8).
var testKeyPEM = func() string {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}()

// jsonSchema KIND FILE validates FILE against $ROOT/schemas/KIND.v1.json
// (santhosh-tekuri/jsonschema, draft 2020-12 with formats asserted) and
// checks that its "schema" field names that schema's $id.
func jsonSchema(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: jsonschema KIND FILE")
	}
	path := filepath.Join(ts.Getenv("ROOT"), "schemas", args[0]+".v1.json")
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	sch, err := c.Compile(path)
	if err != nil {
		ts.Fatalf("schema %s: %v", path, err)
	}
	f, err := os.Open(ts.MkAbs(args[1]))
	if err != nil {
		ts.Fatalf("%v", err)
	}
	defer f.Close()
	inst, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		ts.Fatalf("%s: %v", args[1], err)
	}
	err = sch.Validate(inst)
	if id, _ := inst.(map[string]any)["schema"].(string); err == nil && id != sch.ID {
		err = fmt.Errorf("schema field %q, want %q", id, sch.ID)
	}
	switch {
	case err != nil && !neg:
		ts.Fatalf("%s does not satisfy %s: %v", args[1], args[0], err)
	case err == nil && neg:
		ts.Fatalf("%s satisfies %s", args[1], args[0])
	}
}
