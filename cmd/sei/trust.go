package main

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/urfave/cli/v2"

	"seigarrena.dev/sei/adapters"
	"seigarrena.dev/sei/attest"
	"seigarrena.dev/sei/evidence"
)

// The verifier's choice of keys, on every command that judges evidence.
var trustFlags = []cli.Flag{
	&cli.StringSliceFlag{Name: "pub", Usage: "trust this public key `FILE` (hex SEC1 or PEM) for evidence; repeatable (or SEI_TRUSTED_KEYS); default: the first committed .sei/PUBKEY.txt (trust on first use)"},
	&cli.StringSliceFlag{Name: "approver-pub", Usage: "trust this approver key `FILE` as the root of .sei/approvers.json; repeatable (or SEI_TRUSTED_APPROVERS); default: the first committed list"},
}

// trustContext is whom a command trusts for runs and for acts.
type trustContext struct {
	chain     []*object.Commit // HEAD's first-parent history, read once per command
	trust     *attest.Trust
	gov       *attest.Governance
	approvers []*ecdsa.PublicKey // every key that signed a list or an act in force
	dir       string             // the evidence directory it was resolved for
}

// resolveTrust reads --pub/SEI_TRUSTED_KEYS and --approver-pub/
// SEI_TRUSTED_APPROVERS, falling back to trust on first use, which it says
// in one line on stderr.
func resolveTrust(c *cli.Context, root, dir string) (*trustContext, error) {
	pinned, err := attest.LoadKeys(c.StringSlice("pub"), os.Getenv(attest.EnvTrustedKeys))
	if err != nil {
		return nil, withCode(exitUnverified, err)
	}
	r, _ := attest.OpenRepo(root)
	chain := chainOf(r)
	t, err := attest.ResolveTrust(pinned, chain, root, dir)
	if err != nil {
		return nil, withCode(exitUnverified, err)
	}
	if !t.Pinned {
		fmt.Fprintln(c.App.ErrWriter, "sei: note:", t.Source)
	}
	return governance(c, r, chain, dir, t)
}

// chainOf is HEAD's first-parent history, or nil outside git or before
// the first commit.
func chainOf(r *git.Repository) []*object.Commit {
	if r == nil {
		return nil
	}
	chain, err := attest.Chain(r)
	if err != nil {
		return nil
	}
	return chain
}

// resolveTrustWithout is the trust context of a repository with no key
// yet: no evidence key, the approver governance all the same.
func resolveTrustWithout(c *cli.Context, root, dir string) (*trustContext, error) {
	r, _ := attest.OpenRepo(root)
	return governance(c, r, chainOf(r), dir, &attest.Trust{Source: "no key yet"})
}

// governance adds the approver list, replayed from history, to t.
func governance(c *cli.Context, r *git.Repository, chain []*object.Commit, dir string, t *attest.Trust) (*trustContext, error) {
	pinnedApprovers, err := attest.LoadKeys(c.StringSlice("approver-pub"), os.Getenv(attest.EnvTrustedApprovers))
	if err != nil {
		return nil, withCode(exitUnverified, err)
	}
	tc := &trustContext{chain: chain, trust: t, gov: &attest.Governance{ActSigners: map[string][]attest.Approver{}}, dir: dir}
	if chain != nil {
		if tc.gov, err = attest.GovernanceOf(chain, dir, pinnedApprovers); err != nil {
			return nil, err
		}
	}
	root := ""
	if r != nil {
		if wt, err := r.Worktree(); err == nil {
			root = wt.Filesystem.Root()
		}
	}
	tc.gov.Requesters = attest.Endorsed(root, dir, t.Keys)
	tc.approvers = append(tc.approvers, tc.gov.ListKeys...)
	tc.approvers = append(tc.approvers, tc.gov.Keys()...)
	for _, as := range tc.gov.ActSigners {
		for _, a := range as {
			if k, err := attest.ParsePublicKey([]byte(a.Key)); err == nil {
				tc.approvers = append(tc.approvers, k)
			}
		}
	}
	for _, n := range tc.gov.Notes {
		fmt.Fprintln(c.App.ErrWriter, "sei: warning:", n)
	}
	return tc, nil
}

// verifier is the evidence.Verifier of the repository at root; e is nil
// when there is no sei.yaml (then the binding to a system and a tree is
// not checked).
func (tc *trustContext) verifier(root, dir, lock string, e *engine) evidence.Verifier {
	v := evidence.Verifier{Root: root, Dir: dir, LockFile: lock, Trust: tc.trust, Approvers: tc.approvers}
	if e != nil {
		v.ProgramUID = e.programUID()
		v.Lock, v.LockLoaded = e.lock, e.lockRead
		v.Drift = e.statusAgainst
		if _, ok := e.adapter.(adapters.TableLocker); ok {
			v.TablesRecord = true
		}
	}
	return v
}

// verifyRepo verifies the engine's repository evidence with drift. With
// no evidence and no key at all, it is attest.ErrNoEvidence (a repository
// before its first run), with a trust context for the lifecycle.
func verifyRepo(c *cli.Context, e *engine) (*evidence.Report, *trustContext, error) {
	tc, err := resolveTrust(c, e.repo, e.evDir())
	if errors.Is(err, attest.ErrNoTrustedKey) && !exists(filepath.Join(e.repo, e.evDir(), attest.BundleFile)) && !exists(e.lockPath()) {
		tc, err = resolveTrustWithout(c, e.repo, e.evDir())
		if err != nil {
			return nil, nil, err
		}
		return nil, tc, attest.ErrNoEvidence
	}
	if err != nil {
		return nil, nil, err
	}
	rep, err := evidence.Verify(tc.verifier(e.repo, e.evDir(), e.layout.Lock, e))
	return rep, tc, err
}

func exists(p string) bool { _, err := os.Lstat(p); return err == nil }

// absRepo is --repo made absolute.
func absRepo(c *cli.Context) (string, error) { return filepath.Abs(repoDir(c)) }
