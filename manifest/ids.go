package manifest

import (
	"fmt"
	"regexp"
	"seigarrena.dev/sei/confine"
	"strings"
)

// StandardID is a canonical standard id, "<authority>/<name>@<version>",
// for example "eu/ai-act@2024", "iso/23894@2023" or, for a vocabulary
// versioned otherwise, "mlcommons/croissant-rai@1.0" (the original engine
// accepts and signs any version token, not only a year).
type StandardID struct {
	Authority, Name, Version string
}

func (s StandardID) String() string { return s.Authority + "/" + s.Name + "@" + s.Version }

// Slug is the file-name form used for .sei/conformance/<slug>.json:
// "/" and "@" become "_" (iso/23894@2023 → iso_23894_2023), as the original engine does.
func (s StandardID) Slug() string {
	return strings.NewReplacer("/", "_", "@", "_").Replace(s.String())
}

// ControlID is a canonical clause or control id, "<standard>#<clause>",
// for example "eu/ai-act@2024#art-15".
type ControlID struct {
	Standard StandardID
	Clause   string
}

func (c ControlID) String() string { return c.Standard.String() + "#" + c.Clause }

const (
	authorityPat = `[a-z][a-z0-9-]*`
	namePat      = `[a-z0-9][a-z0-9.-]*`
	versionPat   = `[0-9A-Za-z][0-9A-Za-z.+-]*`
	clausePat    = `[A-Za-z0-9][A-Za-z0-9._-]*`
)

var (
	standardRE = regexp.MustCompile(`^(` + authorityPat + `)/(` + namePat + `)@(` + versionPat + `)$`)
	controlRE  = regexp.MustCompile(`^(` + authorityPat + `)/(` + namePat + `)@(` + versionPat + `)#(` + clausePat + `)$`)
	idRE       = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	nameRE     = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
)

// ParseStandardID parses "<authority>/<name>@<version>".
func ParseStandardID(s string) (StandardID, error) {
	m := standardRE.FindStringSubmatch(s)
	if m == nil {
		if strings.Contains(s, "#") {
			return StandardID{}, fmt.Errorf("%q names a clause; a standard id has none (want <authority>/<name>@<version>, e.g. iso/23894@2023)", s)
		}
		return StandardID{}, fmt.Errorf("%q is not a canonical standard id (want <authority>/<name>@<version>, lower case, e.g. iso/23894@2023)", s)
	}
	return StandardID{m[1], m[2], m[3]}, nil
}

// ParseControlID parses "<authority>/<name>@<version>#<clause>".
func ParseControlID(s string) (ControlID, error) {
	m := controlRE.FindStringSubmatch(s)
	if m == nil {
		return ControlID{}, fmt.Errorf("%q is not a canonical control id (want <authority>/<name>@<version>#<clause>, lower case, e.g. eu/ai-act@2024#art-15)", s)
	}
	return ControlID{StandardID{m[1], m[2], m[3]}, m[4]}, nil
}

// checkRelPath reports why p may not be used as a repository path, or nil
// (confine.Path): slash-separated, relative, inside the repository, no
// control characters. The evidence names files by these paths, so they must
// mean the same on every machine and may not reach outside what git versions.
func checkRelPath(p string) error { return confine.Path(p) }
