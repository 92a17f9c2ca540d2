package attest

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
)

// OpenRepo opens the git repository holding dir.
func OpenRepo(dir string) (*git.Repository, error) {
	r, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true})
	if err != nil {
		return nil, fmt.Errorf("%s: not in a git repository: %w", dir, err)
	}
	return r, nil
}

// Identity is git's user as a commit would record it: GIT_AUTHOR_NAME and
// GIT_AUTHOR_EMAIL when set (as git itself honours them), else user.name
// and user.email from the repository's, the user's and the system's config.
func Identity(r *git.Repository) (name, email string) {
	name, email = os.Getenv("GIT_AUTHOR_NAME"), os.Getenv("GIT_AUTHOR_EMAIL")
	if r == nil || (name != "" && email != "") {
		return name, email
	}
	for _, scope := range []config.Scope{config.LocalScope, config.GlobalScope, config.SystemScope} {
		cfg, err := r.ConfigScoped(scope)
		if err != nil {
			continue
		}
		if name == "" {
			name = cfg.User.Name
		}
		if email == "" {
			email = cfg.User.Email
		}
	}
	return name, email
}

// EnvTime reads a git date variable (GIT_COMMITTER_DATE, GIT_AUTHOR_DATE)
// in the forms scripts use: RFC 3339, "@<unix> [zone]" or "<unix> <zone>".
// ok is false when the variable is unset.
func EnvTime(name string) (t time.Time, ok bool, err error) {
	s := strings.TrimSpace(os.Getenv(name))
	if s == "" {
		return time.Time{}, false, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true, nil
	}
	f := strings.Fields(strings.TrimPrefix(s, "@"))
	if n, err := strconv.ParseInt(f[0], 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), true, nil
	}
	return time.Time{}, false, fmt.Errorf("%s=%q: want RFC 3339 or @<unix seconds>", name, s)
}
