package manifest

import (
	"fmt"
	"sort"
	"strings"
)

// Pos is a 1-based line and column in the manifest.
type Pos struct {
	Line, Col int
}

// Error is one finding, pointing at a place in a file.
type Error struct {
	File string
	Pos  Pos
	// Path is the manifest path of the value, e.g. "risk.risks[0].likelihood";
	// empty for syntax errors.
	Path string
	Msg  string
	// Warning marks an advisory finding that does not make the manifest invalid.
	Warning bool
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Pos.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Pos.Line, e.Pos.Col)
	}
	b.WriteString(": ")
	if e.Warning {
		b.WriteString("warning: ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList is every finding of one load, in file order.
type ErrorList []*Error

func (l ErrorList) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// sort orders findings by position, then path, so that output is deterministic
// whatever order the checks ran in.
func (l ErrorList) sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Col != b.Pos.Col {
			return a.Pos.Col < b.Pos.Col
		}
		return a.Path < b.Path
	})
}

// positions maps a manifest path to the position of its value. Keys of mapping
// entries are stored under path+keySuffix, for messages about the key itself.
type positions map[string]Pos

const keySuffix = "#key"

// At returns the position recorded for path, walking up to the nearest
// recorded ancestor so that a message about a missing key points at its parent.
func (m *Manifest) At(path string) Pos {
	pos := m.pos
	if pos == nil && m.lazy != nil {
		pos = m.lazy.positions(m.File)
	}
	for p := path; ; {
		if at, ok := pos[p]; ok {
			return at
		}
		i := strings.LastIndexAny(p, ".[")
		if i <= 0 {
			return pos[""]
		}
		p = p[:i]
	}
}

// errAt records a finding about the value at path.
func (m *Manifest) errAt(list *ErrorList, path, format string, args ...any) {
	*list = append(*list, &Error{File: m.File, Pos: m.At(path), Path: strings.TrimSuffix(path, keySuffix), Msg: fmt.Sprintf(format, args...)})
}

func (m *Manifest) warnAt(path, format string, args ...any) {
	m.Warnings = append(m.Warnings, &Error{File: m.File, Pos: m.At(path), Path: path, Msg: fmt.Sprintf(format, args...), Warning: true})
}
