package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// nodeDecoder is implemented by types that decode one scalar themselves (enums).
type nodeDecoder interface {
	decodeNode(n *yaml.Node) error
}

// decoder walks a yaml.Node tree into Go values. It exists instead of
// yaml.v3's Decoder.KnownFields because that reports only a line, stops at
// the first error and converts scalars across types ("1.0" into a string);
// we want every finding, with a column, and no silent conversion.
type decoder struct {
	file string
	pos  positions
	errs ErrorList
}

func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Pos: Pos{n.Line, n.Column}, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// parseDocument turns data into its single document node, or a positioned error.
func parseDocument(file string, data []byte) (*yaml.Node, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, ErrorList{{File: file, Pos: Pos{1, 1}, Msg: "empty manifest; run `sei init` for a minimal one"}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		return nil, ErrorList{syntaxError(file, data, err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, ErrorList{{File: file, Pos: Pos{extra.Line, extra.Column}, Msg: "a manifest holds exactly one YAML document; remove the second one"}}
	} else if !errors.Is(err, io.EOF) {
		return nil, ErrorList{syntaxError(file, data, err)}
	}
	return &doc, nil
}

var (
	yamlLineRE    = regexp.MustCompile(`line (\d+)`)
	parserErrorRE = regexp.MustCompile(`did not find expected|found (duplicate|incompatible|undefined)`)
)

// syntaxError positions a yaml.v3 syntax error. yaml.v3 gives only a line, so
// the column is that of the line's first non-blank character.
func syntaxError(file string, data []byte, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	pos := Pos{1, 1}
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		pos.Line, _ = strconv.Atoi(m[1])
		if parserErrorRE.MatchString(msg) {
			// yaml.v3 adds one to the 0-based line of scanner errors only;
			// parser errors name the construct's start line, 0-based.
			pos.Line++
		}
		lines := strings.Split(string(data), "\n")
		if pos.Line >= 1 && pos.Line <= len(lines) {
			l := lines[pos.Line-1]
			pos.Col = len(l) - len(strings.TrimLeft(l, " \t")) + 1
		}
		msg = strings.TrimSpace(yamlLineRE.ReplaceAllString(msg, ""))
		msg = strings.TrimPrefix(strings.TrimPrefix(msg, ":"), " ")
	}
	return &Error{File: file, Pos: pos, Msg: "YAML syntax: " + msg}
}

func (d *decoder) value(n *yaml.Node, v reflect.Value, path string) {
	d.pos[path] = Pos{n.Line, n.Column}
	if n.Kind == yaml.AliasNode {
		// Expanding aliases would let a few lines of YAML ("billion laughs")
		// cost exponential time, and a manifest gains nothing from them.
		d.fail(n, path, "YAML aliases (*%s) are not supported in a manifest; write the value out", n.Value)
		return
	}
	if v.CanAddr() {
		if nd, ok := v.Addr().Interface().(nodeDecoder); ok {
			if err := nd.decodeNode(n); err != nil {
				d.fail(n, path, "%v", err)
			}
			return
		}
	}
	switch v.Kind() {
	case reflect.Pointer:
		if isNull(n) {
			return
		}
		p := reflect.New(v.Type().Elem())
		d.value(n, p.Elem(), path)
		v.Set(p)
	case reflect.Struct:
		d.structValue(n, v, path)
	case reflect.Slice:
		d.sliceValue(n, v, path)
	case reflect.Map:
		d.mapValue(n, v, path)
	default:
		d.scalar(n, v, path)
	}
}

func (d *decoder) scalar(n *yaml.Node, v reflect.Value, path string) {
	var err error
	switch v.Kind() {
	case reflect.String:
		var s string
		if s, err = scalarString(n); err == nil {
			v.SetString(s)
		}
	case reflect.Int:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
			err = fmt.Errorf("want an integer, got %s", describe(n))
		} else {
			var i int64
			if i, err = strconv.ParseInt(n.Value, 0, 64); err == nil {
				v.SetInt(i)
			}
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
			err = fmt.Errorf("want true or false, got %s", describe(n))
		} else {
			v.SetBool(n.Value == "true" || n.Value == "True" || n.Value == "TRUE")
		}
	default:
		panic(fmt.Sprintf("manifest: no decoder for %s at %s", v.Type(), path))
	}
	if err != nil {
		d.fail(n, path, "%v", err)
	}
}

// scalarString accepts only string scalars: a number or boolean where a string
// is expected is an error, because YAML would change its spelling (1.0 → 1).
func scalarString(n *yaml.Node) (string, error) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		hint := ""
		if n.Kind == yaml.ScalarNode && n.ShortTag() != "!!null" {
			hint = fmt.Sprintf(" (write it in quotes: \"%s\")", n.Value)
		}
		return "", fmt.Errorf("want a string, got %s%s", describe(n), hint)
	}
	return n.Value, nil
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

// describe names what a node is, for "want X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	switch n.ShortTag() {
	case "!!null":
		return "nothing (null)"
	case "!!int":
		return "the integer " + n.Value
	case "!!float":
		return "the number " + n.Value
	case "!!bool":
		return "the boolean " + n.Value
	case "!!timestamp":
		return "the timestamp " + n.Value
	}
	return fmt.Sprintf("%q", n.Value)
}

func (d *decoder) sliceValue(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, path, "want a list, got %s", describe(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, c := range n.Content {
		d.value(c, s.Index(i), path+"["+strconv.Itoa(i)+"]")
	}
	v.Set(s)
}

// pairs checks that n is a mapping with unique string keys and calls f for
// each entry in file order.
func (d *decoder) pairs(n *yaml.Node, path string, f func(key string, k, val *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want a mapping, got %s", describe(n))
		return
	}
	// Small mappings (a stage has five keys) look for duplicates by a
	// scan of the keys before; a map per mapping cost more than the scan.
	var seen map[string]*yaml.Node
	if len(n.Content) > 32 {
		seen = map[string]*yaml.Node{}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!merge" {
			d.fail(k, path, "keys must be plain strings")
			continue
		}
		if first := firstKey(n.Content[:i], seen, k.Value); first != nil {
			d.fail(k, join(path, k.Value), "duplicate key %q (first at line %d, column %d)", k.Value, first.Line, first.Column)
			continue
		}
		if seen != nil {
			seen[k.Value] = k
		}
		f(k.Value, k, val)
	}
}

// firstKey is the earlier key node named key: from seen when the mapping
// is large, else by scanning the keys before (content[0], [2], …).
func firstKey(before []*yaml.Node, seen map[string]*yaml.Node, key string) *yaml.Node {
	if seen != nil {
		return seen[key]
	}
	for j := 0; j < len(before); j += 2 {
		if k := before[j]; k.Kind == yaml.ScalarNode && k.ShortTag() != "!!merge" && k.Value == key {
			return k
		}
	}
	return nil
}

func (d *decoder) mapValue(n *yaml.Node, v reflect.Value, path string) {
	m := reflect.MakeMap(v.Type())
	d.pairs(n, path, func(key string, k, val *yaml.Node) {
		p := join(path, key)
		d.pos[p+keySuffix] = Pos{k.Line, k.Column}
		e := reflect.New(v.Type().Elem()).Elem()
		d.value(val, e, p)
		m.SetMapIndex(reflect.ValueOf(key), e)
	})
	v.Set(m)
}

func (d *decoder) structValue(n *yaml.Node, v reflect.Value, path string) {
	fields := fieldsOf(v.Type())
	got := make([]bool, v.NumField())
	d.pairs(n, path, func(key string, k, val *yaml.Node) {
		p := join(path, key)
		f, ok := fields.byName[key]
		if !ok {
			d.fail(k, p, "unknown key %q%s", key, suggestKey(key, fields.names))
			return
		}
		got[f.index] = true
		d.pos[p+keySuffix] = Pos{k.Line, k.Column}
		d.value(val, v.Field(f.index), p)
	})
	if n.Kind != yaml.MappingNode {
		return
	}
	for _, name := range fields.names {
		if f := fields.byName[name]; f.required && !got[f.index] {
			d.fail(n, path, "missing required key %q", name)
		}
	}
}

type field struct {
	index    int
	required bool
}

type structFields struct {
	byName map[string]field
	names  []string // in declaration order
}

// fieldCache holds each struct type's fields: a manifest of 10k stages
// decodes the Stage struct 10k times.
var fieldCache sync.Map // reflect.Type → structFields

func fieldsOf(t reflect.Type) structFields {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.(structFields)
	}
	fs := readFields(t)
	fieldCache.Store(t, fs)
	return fs
}

func readFields(t reflect.Type) structFields {
	fs := structFields{byName: map[string]field{}}
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("yaml")
		if tag == "" || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		fs.byName[name] = field{index: i, required: opts == "required"}
		fs.names = append(fs.names, name)
	}
	return fs
}

// join appends a key to a manifest path. Keys that are not plain words (such
// as canonical ids in applicability) are quoted.
func join(path, key string) string {
	if !plainKey(key) {
		key = strconv.Quote(key)
		return path + "[" + key + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// plainKey is ^[A-Za-z_][A-Za-z0-9_-]*$, by hand: it runs for every key
// of the manifest, and the regexp was 5% of decoding 10k stages.
func plainKey(key string) bool {
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case i > 0 && (c == '-' || '0' <= c && c <= '9'):
		default:
			return false
		}
	}
	return key != ""
}

// suggest proposes the closest known key for a misspelt one.
func suggest(key string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(strings.ToLower(key), k); d < bestD {
			best, bestD = k, d
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}

// suggestKey is suggest for a key, listing the known keys when none is close.
func suggestKey(key string, known []string) string {
	if s := suggest(key, known); s != "" {
		return s
	}
	if len(known) == 0 {
		return " (this mapping must be empty)"
	}
	sorted := append([]string(nil), known...)
	sort.Strings(sorted)
	return fmt.Sprintf(" (known keys: %s)", strings.Join(sorted, ", "))
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
