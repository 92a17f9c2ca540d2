package adapters

import (
	"strings"
	"testing"
)

func TestScrubbedEnvKeepsOnlyTheAllowList(t *testing.T) {
	got := ScrubbedEnv([]string{"PATH=/bin", "AWS_SECRET_ACCESS_KEY=x", "HOME=/h", "SEI_SIGNING_KEY=k", "LANG=C"})
	if strings.Join(got, " ") != "HOME=/h LANG=C PATH=/bin" {
		t.Errorf("env = %v", got)
	}
}

func TestWithPathPutsTheToolFirst(t *testing.T) {
	got := WithPath([]string{"HOME=/h", "PATH=/usr/bin:/bin"}, "/repo/.venv/bin")
	if strings.Join(got, " ") != "HOME=/h PATH=/repo/.venv/bin:/usr/bin:/bin" {
		t.Errorf("env = %v", got)
	}
}
