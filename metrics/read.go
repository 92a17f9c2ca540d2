// Package metrics reads the metrics file a pipeline writes: one JSON object
// keyed by measure id, each a number or {value, power}. A leaf, so that both
// rules (the gate) and the adapters (MLflow logs the same values) read it the
// same way.
package metrics

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Power is the statistical power a pipeline reports next to a metric: a
// confidence interval and how it was obtained. Unknown keys are kept out.
type Power struct {
	N       *int     `json:"n,omitempty"`
	CILow   *float64 `json:"ci_low,omitempty"`
	CIHigh  *float64 `json:"ci_high,omitempty"`
	CILevel *float64 `json:"ci_level,omitempty"`
	Method  string   `json:"method,omitempty"`
	NBoot   *int     `json:"n_boot,omitempty"`
	Seed    *int     `json:"seed,omitempty"`
}

// Value is one entry of the metrics file: a number, or
// {value, power: {...}}. Err is set when the entry has another shape; it only
// matters when a measure reads this key.
type Value struct {
	Value float64
	Power *Power
	Err   error
}

// File is a metrics file keyed by measure id. Other keys are ignored.
type File map[string]Value

// Read parses a metrics file. A syntax error names file, line and column.
func Read(file string, data []byte) (File, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	at := func(off int64) string {
		l, c := lineCol(data, off)
		return fmt.Sprintf("%s:%d:%d", file, l, c)
	}
	// Parse the whole buffer once first: its SyntaxError offsets are absolute,
	// where a streaming decoder's count from the value it was reading.
	if !json.Valid(data) {
		var probe any
		err := json.Unmarshal(data, &probe)
		return nil, fmt.Errorf("%s: %w", at(syntaxOffset(err, 0)), err)
	}
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("%s: the metrics file must hold one JSON object keyed by measure id", at(dec.InputOffset()))
	}
	out := File{}
	for dec.More() {
		keyOff := dec.InputOffset()
		k, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", at(syntaxOffset(err, keyOff)), err)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("%s: %w", at(dec.InputOffset()), err)
		}
		key := k.(string)
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("%s: %w %q: a reader could take either value", at(skipSpace(data, keyOff)), errDuplicate, key)
		}
		mv := parseMetric(raw)
		if mv.Err != nil {
			mv.Err = fmt.Errorf("%s: metric %q: %w", at(keyOff), key, mv.Err)
		}
		out[key] = mv
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("%s: %w", at(syntaxOffset(err, dec.InputOffset())), err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: unexpected data after the metrics object", at(dec.InputOffset()))
	}
	return out, nil
}

// skipSpace moves an offset past the separator and blanks before a token.
func skipSpace(data []byte, off int64) int64 {
	for off < int64(len(data)) && bytes.IndexByte([]byte(" \t\r\n,"), data[off]) >= 0 {
		off++
	}
	return off
}

func syntaxOffset(err error, def int64) int64 {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return se.Offset
	}
	return def
}

// lineCol converts a byte offset into a 1-based line and column.
func lineCol(data []byte, off int64) (int, int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line, col := 1, 1
	for _, b := range data[:off] {
		if b == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}
