// Package report renders the technical documentation of one AI system: the
// Annex IV sections of Regulation (EU) 2024/1689, the risk matrix, the
// controls, the treatment timeline, the drift now and the pipeline graph,
// as one self-contained HTML file or as Markdown. Every claim names the
// artefact it comes from and that artefact's digest, so that a reader can
// check it against the signed evidence; what no artefact supplies is listed
// as missing, never filled in.
//
// The package renders only what it is given (Input): the caller verifies
// the evidence, replays the history and computes drift. The same Input gives
// the same bytes: Build and the writers read no clock, environment or file.
// PrintPDF is the one side effect (a temporary directory and the browser
// FindBrowser looked up on PATH).
package report

import (
	"time"

	"seigarrena.dev/sei/attest"
	"seigarrena.dev/sei/dag"
	"seigarrena.dev/sei/manifest"
	"seigarrena.dev/sei/rules"
)

// Input is everything a report is made from.
type Input struct {
	Manifest *manifest.Manifest
	// ManifestFile is the manifest's repository-relative name and
	// ManifestDigest the SHA-256 of its bytes ("sha256:…").
	ManifestFile, ManifestDigest string
	Evidence                     Evidence
	Lock                         *attest.Lock
	LockFile, LockDigest         string
	// History is `sei reconstruct` (nil outside git or before a commit).
	History *attest.Reconstruction
	// Conformance are the applicable standards' reports; NoCatalogue the
	// applicable standards sei has no catalogue for.
	Conformance []*rules.ConformanceReport
	NoCatalogue []string
	Graph       dag.QueryResult
	// Head is the commit the work tree is at ("" outside git); AsOf the
	// time the report speaks for (the caller's clock, SEI_NOW in tests).
	Head string
	AsOf time.Time
	// Tool is sei's version, for Annex IV 1(c).
	Tool string
}

// Evidence is the verdict on the evidence as `sei verify` and `sei status`
// give it.
type Evidence struct {
	// State is "current", "out of date", "none" or "unverified".
	State   string
	Problem string // the first failed check when unverified
	// Bundle is the verified bundle (nil when none verifies) and
	// BundleDigest the SHA-256 of its signed envelope, the value sei.lock
	// anchors as signed_bundle_digest.
	Bundle       *attest.Bundle
	BundleFile   string
	BundleDigest string
	Signatures   []attest.Finding
	Sections     []dag.SectionStatus
}

// Current reports whether the evidence verifies and describes the tree.
func (e Evidence) Current() bool { return e.State == "current" }
