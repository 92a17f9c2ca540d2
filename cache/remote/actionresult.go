package remote

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// WireDigest is REAPI's Digest: the lowercase hex SHA-256 and the size,
// both part of a blob's identity on the wire.
type WireDigest struct {
	Hash string
	Size int64
}

// OutputFile is REAPI's OutputFile (fields path=1, digest=2, is_executable=4).
type OutputFile struct {
	Path         string
	Digest       WireDigest
	IsExecutable bool
}

// ActionResult is the part of REAPI's ActionResult sei writes: output_files=2,
// exit_code=4, stdout_digest=6, stderr_digest=8. It is hand-encoded with
// protowire (fields in tag order, as canonical serialisation requires)
// because the generated bindings would pull in gRPC for six fields.
type ActionResult struct {
	OutputFiles  []OutputFile
	ExitCode     int32
	StdoutDigest *WireDigest
	StderrDigest *WireDigest
}

func appendDigest(b []byte, num protowire.Number, d WireDigest) []byte {
	var m []byte
	m = protowire.AppendTag(m, 1, protowire.BytesType)
	m = protowire.AppendString(m, d.Hash)
	if d.Size != 0 {
		m = protowire.AppendTag(m, 2, protowire.VarintType)
		m = protowire.AppendVarint(m, uint64(d.Size))
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, m)
}

// Marshal encodes r canonically: fields in tag order, defaults omitted.
func (r *ActionResult) Marshal() []byte {
	var b []byte
	for _, f := range r.OutputFiles {
		var m []byte
		m = protowire.AppendTag(m, 1, protowire.BytesType)
		m = protowire.AppendString(m, f.Path)
		m = appendDigest(m, 2, f.Digest)
		if f.IsExecutable {
			m = protowire.AppendTag(m, 4, protowire.VarintType)
			m = protowire.AppendVarint(m, 1)
		}
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		b = protowire.AppendBytes(b, m)
	}
	if r.ExitCode != 0 {
		b = protowire.AppendTag(b, 4, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(int64(r.ExitCode)))
	}
	if r.StdoutDigest != nil {
		b = appendDigest(b, 6, *r.StdoutDigest)
	}
	if r.StderrDigest != nil {
		b = appendDigest(b, 8, *r.StderrDigest)
	}
	return b
}

// fields walks one message, calling f for each field; unknown fields are
// skipped, as proto3 readers do.
func fields(b []byte, f func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		var v []byte
		var x uint64
		switch typ {
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if err := f(num, typ, v, x); err != nil {
			return err
		}
	}
	return nil
}

func parseDigest(b []byte) (WireDigest, error) {
	var d WireDigest
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch {
		case num == 1 && typ == protowire.BytesType:
			d.Hash = string(v)
		case num == 2 && typ == protowire.VarintType:
			d.Size = int64(x)
		}
		return nil
	})
	return d, err
}

// UnmarshalActionResult decodes what Marshal wrote (and any REAPI
// ActionResult, keeping the fields sei reads).
func UnmarshalActionResult(b []byte) (*ActionResult, error) {
	r := &ActionResult{}
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		var err error
		switch {
		case num == 2 && typ == protowire.BytesType:
			var f OutputFile
			err = fields(v, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
				var err error
				switch {
				case num == 1 && typ == protowire.BytesType:
					f.Path = string(v)
				case num == 2 && typ == protowire.BytesType:
					f.Digest, err = parseDigest(v)
				case num == 4 && typ == protowire.VarintType:
					f.IsExecutable = x != 0
				}
				return err
			})
			r.OutputFiles = append(r.OutputFiles, f)
		case num == 4 && typ == protowire.VarintType:
			r.ExitCode = int32(x)
		case num == 6 && typ == protowire.BytesType:
			d, e := parseDigest(v)
			r.StdoutDigest, err = &d, e
		case num == 8 && typ == protowire.BytesType:
			d, e := parseDigest(v)
			r.StderrDigest, err = &d, e
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("action result: %w", err)
	}
	return r, nil
}
