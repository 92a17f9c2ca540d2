package metrics

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// field is one member of a JSON object, in document order.
type field struct {
	key string
	raw json.RawMessage
	off int64 // byte offset of the key within the object's bytes
}

// errDuplicate is a key given twice in one object. encoding/json keeps the
// last and jq the last too, but another reader may keep the first: the
// value the gate judges must not depend on the reader.
var errDuplicate = errors.New("duplicate key")

// exactFields decodes an object's members with keys compared byte for
// byte (encoding/json folds case into struct fields: {"VALUE": x} would
// fill Value) and a repeated key refused.
func exactFields(raw []byte) ([]field, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("not an object")
	}
	seen := map[string]bool{}
	var out []field
	for dec.More() {
		off := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key := tok.(string)
		if seen[key] {
			return nil, fmt.Errorf("%w %q", errDuplicate, key)
		}
		seen[key] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		out = append(out, field{key: key, raw: v, off: off})
	}
	return out, nil
}

// number reads a JSON number and only a number: null, booleans, strings,
// arrays and objects are errors, never 0; so are values beyond float64.
func number(raw json.RawMessage) (float64, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) {
		return 0, fmt.Errorf("%s is not a number", kindOfJSON(raw))
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("%s is not a finite number", raw)
	}
	return f, nil
}

func kindOfJSON(raw []byte) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	case '"':
		return "a string"
	case '[':
		return "an array"
	case '{':
		return "an object"
	}
	return string(raw)
}

// parseMetric reads one entry: a number, or {"value": <number>,
// "power": {...}} with exact keys. Anything else is MISSING with a reason.
func parseMetric(raw json.RawMessage) Value {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		f, err := number(raw)
		if err != nil {
			return Value{Err: fmt.Errorf("want a number or {\"value\": <number>, \"power\": {...}}: %w", err)}
		}
		return Value{Value: f}
	}
	fields, err := exactFields(raw)
	if err != nil {
		return Value{Err: err}
	}
	var mv Value
	have := false
	for _, f := range fields {
		switch f.key {
		case "value":
			if mv.Value, err = number(f.raw); err != nil {
				return Value{Err: fmt.Errorf("value: %w", err)}
			}
			have = true
		case "power":
			if mv.Power, err = parsePower(f.raw); err != nil {
				return Value{Err: fmt.Errorf("power: %w", err)}
			}
		}
	}
	if !have {
		return Value{Err: errors.New(`no "value" key (keys are matched exactly, case included)`)}
	}
	return mv
}

// parsePower reads the power object with exact keys; null means absent.
func parsePower(raw json.RawMessage) (*Power, error) {
	if string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil
	}
	fields, err := exactFields(raw)
	if err != nil {
		return nil, err
	}
	p := &Power{}
	for _, f := range fields {
		if string(bytes.TrimSpace(f.raw)) == "null" {
			continue
		}
		if err := p.set(f); err != nil {
			return nil, fmt.Errorf("%s: %w", f.key, err)
		}
	}
	return p, nil
}

func (p *Power) set(f field) error {
	num := func(dst **float64) error {
		v, err := number(f.raw)
		*dst = &v
		return err
	}
	whole := func(dst **int) error {
		v, err := number(f.raw)
		if err == nil && (v != math.Trunc(v) || math.Abs(v) > 1<<53) {
			err = fmt.Errorf("%s is not a whole number", f.raw)
		}
		n := int(v)
		*dst = &n
		return err
	}
	switch f.key {
	case "ci_low":
		return num(&p.CILow)
	case "ci_high":
		return num(&p.CIHigh)
	case "ci_level":
		return num(&p.CILevel)
	case "n":
		return whole(&p.N)
	case "n_boot":
		return whole(&p.NBoot)
	case "seed":
		return whole(&p.Seed)
	case "method":
		return json.Unmarshal(f.raw, &p.Method)
	}
	return nil
}
