package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"seigarrena.dev/sei/attest"
	"seigarrena.dev/sei/evidence"
	"seigarrena.dev/sei/manifest"
)

const exitUnverified = 6 // sei verify: a signature, digest, binding or anchor does not check

// errLegacyLayout: sei reads the original engine's repositories as they
// are but writes evidence only under its own names, so that one directory
// never mixes two engines' artefacts.
var errLegacyLayout = errors.New("sei writes evidence only under its own names (sei.yaml, sei.lock and .sei/); run `sei migrate` first")

// ownLayout refuses to write evidence into a repository that still uses the
// original engine's names.
func ownLayout(c *cli.Context) error {
	if l := repoLayout(c); l.Legacy() {
		return withCode(exitUsage, fmt.Errorf("%s uses the original engine's names (%s): %w", repoDir(c), l, errLegacyLayout))
	}
	return nil
}

// newSigner loads the signing key and checks it may sign for the repository.
func newSigner(c *cli.Context, repo string) (*evidence.Signer, error) {
	if err := ownLayout(c); err != nil {
		return nil, err
	}
	k, err := attest.LoadSigningKey(func(s string) { fmt.Fprintln(c.App.ErrWriter, "sei:", s) })
	if err != nil {
		return nil, err
	}
	root, err := filepath.Abs(repo)
	if err != nil {
		return nil, err
	}
	return evidence.NewSigner(root, ".sei", k)
}

func pubkeyCommand() *cli.Command {
	return &cli.Command{
		Name:  "pubkey",
		Usage: "print the signing key's public key: hex SEC1 as in .sei/PUBKEY.txt, or --pem for openssl and cosign",
		Flags: []cli.Flag{repoFlag, &cli.BoolFlag{Name: "pem", Usage: "print SPKI PEM"}},
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
		Usage: "verify the evidence: every signature, the binding to this system and to the current tree, and sei.lock's anchor",
		Flags: append([]cli.Flag{repoFlag, jsonFlag,
			&cli.StringFlag{Name: "dir", Usage: "artefact `DIR`, relative to the repository (default: .sei, or the original engine's .froga/.venth in its repositories)"},
			&cli.StringFlag{Name: "lock", Usage: "lock `FILE` whose signed_bundle_digest is checked (default: sei.lock, or froga.lock/venth.lock)"},
		}, trustFlags...),
		Action: runVerify,
	}
}

func runVerify(c *cli.Context) error {
	if err := noArgs(c); err != nil {
		return err
	}
	root, err := absRepo(c)
	if err != nil {
		return err
	}
	// The tree is compared only where sei.yaml describes it; the original
	// engine's repositories (froga.yaml) verify by signature and anchor.
	var e *engine
	l := repoLayout(c)
	if _, err := os.Stat(filepath.Join(root, manifest.FileName)); err == nil && !l.Legacy() {
		if e, err = openEngine(c); err != nil {
			return err
		}
		defer e.close()
	}
	dir, lock := c.String("dir"), c.String("lock")
	if dir == "" {
		dir = l.Dir
	}
	if lock == "" {
		lock = l.Lock
	}
	dir = filepath.ToSlash(filepath.Clean(dir))
	if noEvidence(root, dir, filepath.FromSlash(lock)) {
		return withCode(exitStale, fmt.Errorf("nothing to verify: %s holds no evidence (no %s, no %s); `sei run` writes it",
			dir, attest.BundleFile, attest.PubkeyFile))
	}
	tc, err := resolveTrust(c, root, dir)
	if err != nil {
		return err
	}
	rep, err := evidence.Verify(tc.verifier(root, dir, filepath.ToSlash(lock), e))
	if err != nil {
		return withCode(exitUnverified, err)
	}
	return reportFindings(c, rep.Findings)
}

// verifyReport is sei verify --json.
type verifyReport struct {
	OK     bool             `json:"ok"`
	Failed int              `json:"failed"`
	Checks []attest.Finding `json:"checks"`
}

func reportFindings(c *cli.Context, fs []attest.Finding) error {
	bad := 0
	for _, f := range fs {
		if !f.OK {
			bad++
		}
	}
	if c.Bool("json") {
		if err := printJSON(c.App.Writer, "verify", verifyReport{OK: bad == 0, Failed: bad, Checks: fs}); err != nil {
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

func endorseKeyCommand() *cli.Command {
	return &cli.Command{
		Name:      "endorse-key",
		Usage:     "rotate the evidence key: sign, with the current key, an endorsement of the new public key FILE and make it .sei/PUBKEY.txt",
		ArgsUsage: "PUBKEY-FILE",
		Flags:     []cli.Flag{repoFlag, &cli.StringFlag{Name: "reason", Usage: "why the key changes"}},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return withCode(exitUsage, errors.New("endorse-key takes the new public key's file"))
			}
			sg, err := newSigner(c, repoDir(c))
			if err != nil {
				return err
			}
			keys, err := attest.LoadKeys([]string{c.Args().First()}, "")
			if err != nil {
				return withCode(exitUsage, err)
			}
			id, err := evidence.Endorse(sg, keys[0], c.String("reason"))
			if err != nil {
				return err
			}
			fmt.Fprintf(c.App.Writer, "key %s endorsed by %s; .sei/PUBKEY.txt now names it; sign with it from now on\n", id[:12], sg.KeyID()[:12])
			return nil
		},
	}
}

func approverCommand() *cli.Command {
	return &cli.Command{
		Name:  "approver",
		Usage: "govern who may approve: `sei approver add` signs a new .sei/approvers.json with your (approver) key",
		Subcommands: []*cli.Command{{
			Name:  "add",
			Usage: "add an approver (name, email, public key FILE); signed by your key, which must be an approver already (or be in the first list)",
			Flags: []cli.Flag{repoFlag,
				&cli.StringFlag{Name: "name", Required: true}, &cli.StringFlag{Name: "email", Required: true},
				&cli.StringFlag{Name: "key", Required: true, Usage: "the approver's public key `FILE`"}},
			Action: runApproverAdd,
		}},
	}
}

func runApproverAdd(c *cli.Context) error {
	root, err := absRepo(c)
	if err != nil {
		return err
	}
	me, err := attest.LoadSigningKey(func(s string) { fmt.Fprintln(c.App.ErrWriter, "sei:", s) })
	if err != nil {
		return err
	}
	keys, err := attest.LoadKeys([]string{c.String("key")}, "")
	if err != nil {
		return withCode(exitUsage, err)
	}
	a := attest.Approver{Name: c.String("name"), Email: c.String("email"), Key: attest.PubkeyHex(keys[0])[:130]}
	if err := attest.ValidIdentity(a.Name, a.Email); err != nil {
		return withCode(exitUsage, err)
	}
	n, err := evidence.AddApprover(root, ".sei", me, a)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "%s added: .sei/approvers.json lists %d approver(s); commit it\n", a.Identity(), n)
	return nil
}

// noEvidence: no bundle, no key and no lock, as before the first run. Any
// one of them without the others is a failure to report (evidence deleted
// under a lock that records a run), not an absence.
func noEvidence(root, dir, lock string) bool {
	for _, f := range []string{filepath.Join(dir, attest.BundleFile), filepath.Join(dir, attest.PubkeyFile), lock} {
		if _, err := os.Lstat(filepath.Join(root, filepath.FromSlash(f))); err == nil {
			return false
		}
	}
	return true
}
