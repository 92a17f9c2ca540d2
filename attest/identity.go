package attest

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// ErrIdentity is a name or email that cannot stand in a commit header or a
// trailer: git would write a malformed object, or a newline would smuggle
// in another trailer (a forged approval).
var ErrIdentity = errors.New("invalid identity")

// ValidIdentity accepts a name and email that git records unambiguously:
// no control characters (newlines included), no angle brackets in the
// name, an email of the form local@domain without spaces or brackets.
func ValidIdentity(name, email string) error {
	switch {
	case strings.TrimSpace(name) == "" || strings.TrimSpace(email) == "":
		return fmt.Errorf("%w: name and email are both needed", ErrIdentity)
	case strings.IndexFunc(name+email, unicode.IsControl) >= 0:
		return fmt.Errorf("%w: %q <%q> holds a control character", ErrIdentity, name, email)
	case strings.ContainsAny(name, "<>"):
		return fmt.Errorf("%w: name %q holds '<' or '>'", ErrIdentity, name)
	case strings.ContainsAny(email, "<> \t") || strings.Count(email, "@") != 1 ||
		strings.HasPrefix(email, "@") || strings.HasSuffix(email, "@"):
		return fmt.Errorf("%w: email %q is not local@domain", ErrIdentity, email)
	case name != strings.TrimSpace(name):
		return fmt.Errorf("%w: name %q has leading or trailing blanks", ErrIdentity, name)
	}
	return nil
}
