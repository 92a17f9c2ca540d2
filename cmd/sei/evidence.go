package main

import (
	"crypto/ecdsa"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"seigarrena.dev/sei/attest"
)

const exitUnverified = 6 // sei verify: a signature, digest or anchor does not check

// signer loads the signing key once per command and writes signed artefacts.
type signer struct {
	dir  string // the artefact directory, .sei
	key  *ecdsa.PrivateKey
	warn io.Writer
}

func newSigner(repo string, warn io.Writer) (*signer, error) {
	k, err := attest.LoadSigningKey(func(s string) { fmt.Fprintln(warn, "sei:", s) })
	if err != nil {
		return nil, err
	}
	s := &signer{dir: filepath.Join(repo, ".sei"), key: k, warn: warn}
	return s, s.ensurePubkey()
}

// ensurePubkey writes .sei/PUBKEY.txt when absent; when it names another key
// it is left alone with a warning, because verification trusts that file.
func (s *signer) ensurePubkey() error {
	p := filepath.Join(s.dir, "PUBKEY.txt")
	want := attest.PubkeyHex(&s.key.PublicKey)
	have, err := os.ReadFile(p)
	switch {
	case os.IsNotExist(err):
		return writeFileAtomic(p, []byte(want), 0o644)
	case err != nil:
		return err
	case string(have) != want:
		fmt.Fprintf(s.warn, "sei: warning: signing with key %s, which is not .sei/PUBKEY.txt; sei verify will reject it unless given --pub\n", attest.KeyID(&s.key.PublicKey))
	}
	return nil
}

// write stores an artefact (path relative to .sei) and its signature, both
// through temporary files and renames, and returns the envelope's bytes.
func (s *signer) write(rel string, data []byte) ([]byte, error) {
	if err := writeFileAtomic(filepath.Join(s.dir, filepath.FromSlash(rel)), data, 0o644); err != nil {
		return nil, err
	}
	env, err := attest.SignFile(s.key, s.dir, rel)
	if err != nil {
		return nil, err
	}
	return env, writeFileAtomic(filepath.Join(s.dir, filepath.FromSlash(rel)+".sig"), env, 0o644)
}

func pubkeyCommand() *cli.Command {
	return &cli.Command{
		Name:  "pubkey",
		Usage: "print the signing key's public key: hex SEC1 as in .sei/PUBKEY.txt, or --pem for openssl and cosign",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "pem", Usage: "print SPKI PEM"}},
		Action: func(c *cli.Context) error {
			k, err := attest.LoadSigningKey(func(s string) { fmt.Fprintln(c.App.ErrWriter, "sei:", s) })
			if err != nil {
				return err
			}
			if !c.Bool("pem") {
				fmt.Fprint(c.App.Writer, attest.PubkeyHex(&k.PublicKey))
				return nil
			}
			p, err := attest.PubkeyPEM(&k.PublicKey)
			fmt.Fprint(c.App.Writer, p)
			return err
		},
	}
}

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name:  "verify",
		Usage: "verify every signed artefact under .sei/ and sei.lock's anchor against the trusted key",
		Flags: []cli.Flag{repoFlag, jsonFlag,
			&cli.StringSliceFlag{Name: "pub", Usage: "trusted public key `FILE` (hex SEC1 or PEM; default: the directory's PUBKEY.txt)"},
			&cli.StringFlag{Name: "dir", Value: ".sei", Usage: "artefact `DIR`, relative to the repository"},
			&cli.StringFlag{Name: "lock", Value: attest.LockFile, Usage: "lock `FILE` whose signed_bundle_digest is checked"},
		},
		Action: runVerify,
	}
}

func runVerify(c *cli.Context) error {
	if err := noArgs(c); err != nil {
		return err
	}
	repo := c.String("repo")
	dir := filepath.Join(repo, c.String("dir"))
	pubs := c.StringSlice("pub")
	if len(pubs) == 0 {
		pubs = []string{filepath.Join(dir, "PUBKEY.txt")}
	}
	var trusted []*ecdsa.PublicKey
	for _, p := range pubs {
		b, err := os.ReadFile(p)
		if err != nil {
			return withCode(exitUnverified, fmt.Errorf("trusted key: %w", err))
		}
		k, err := attest.ParsePublicKey(b)
		if err != nil {
			return withCode(exitUnverified, fmt.Errorf("%s: %w", p, err))
		}
		trusted = append(trusted, k)
	}
	lock := filepath.Join(repo, c.String("lock"))
	if _, err := os.Stat(lock); err != nil {
		lock = ""
	}
	fs, err := attest.VerifyDir(dir, trusted, lock)
	if err != nil {
		return withCode(exitUnverified, err)
	}
	return reportFindings(c, fs)
}

func reportFindings(c *cli.Context, fs []attest.Finding) error {
	bad := 0
	for _, f := range fs {
		if !f.OK {
			bad++
		}
	}
	if c.Bool("json") {
		if err := printJSON(c.App.Writer, fs); err != nil {
			return err
		}
	} else {
		for _, f := range fs {
			if f.OK {
				fmt.Fprintf(c.App.Writer, "OK    %s\n", f.File)
			} else {
				fmt.Fprintf(c.App.Writer, "FAIL  %s: %s\n", f.File, f.Err)
			}
		}
	}
	if bad > 0 {
		return withCode(exitUnverified, fmt.Errorf("%d of %d checks failed", bad, len(fs)))
	}
	return nil
}
