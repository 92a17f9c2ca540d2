package remote

import "fmt"

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
// exit_code=4, stdout_digest=6, stderr_digest=8. It is hand-encoded (wire.go;
// fields in tag order, as canonical serialisation requires) because the
// generated bindings would pull in gRPC for six fields.
type ActionResult struct {
	OutputFiles  []OutputFile
	ExitCode     int32
	StdoutDigest *WireDigest
	StderrDigest *WireDigest
}

func appendDigest(b []byte, num fieldNum, d WireDigest) []byte {
	var m []byte
	m = appendTag(m, 1, bytesType)
	m = appendString(m, d.Hash)
	if d.Size != 0 {
		m = appendTag(m, 2, varintType)
		m = appendVarint(m, uint64(d.Size))
	}
	b = appendTag(b, num, bytesType)
	return appendBytes(b, m)
}

// Marshal encodes r canonically: fields in tag order, defaults omitted.
func (r *ActionResult) Marshal() []byte {
	var b []byte
	for _, f := range r.OutputFiles {
		var m []byte
		m = appendTag(m, 1, bytesType)
		m = appendString(m, f.Path)
		m = appendDigest(m, 2, f.Digest)
		if f.IsExecutable {
			m = appendTag(m, 4, varintType)
			m = appendVarint(m, 1)
		}
		b = appendTag(b, 2, bytesType)
		b = appendBytes(b, m)
	}
	if r.ExitCode != 0 {
		b = appendTag(b, 4, varintType)
		b = appendVarint(b, uint64(int64(r.ExitCode)))
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
func fields(b []byte, f func(num fieldNum, typ wireType, v []byte, x uint64) error) error {
	for len(b) > 0 {
		fl, n, err := consumeField(b)
		if err != nil {
			return err
		}
		b = b[n:]
		if err := f(fl.num, fl.typ, fl.v, fl.x); err != nil {
			return err
		}
	}
	return nil
}

func parseDigest(b []byte) (WireDigest, error) {
	var d WireDigest
	err := fields(b, func(num fieldNum, typ wireType, v []byte, x uint64) error {
		switch {
		case num == 1 && typ == bytesType:
			d.Hash = string(v)
		case num == 2 && typ == varintType:
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
	err := fields(b, func(num fieldNum, typ wireType, v []byte, x uint64) error {
		var err error
		switch {
		case num == 2 && typ == bytesType:
			var f OutputFile
			err = fields(v, func(num fieldNum, typ wireType, v []byte, x uint64) error {
				var err error
				switch {
				case num == 1 && typ == bytesType:
					f.Path = string(v)
				case num == 2 && typ == bytesType:
					f.Digest, err = parseDigest(v)
				case num == 4 && typ == varintType:
					f.IsExecutable = x != 0
				}
				return err
			})
			r.OutputFiles = append(r.OutputFiles, f)
		case num == 4 && typ == varintType:
			r.ExitCode = int32(x)
		case num == 6 && typ == bytesType:
			d, e := parseDigest(v)
			r.StdoutDigest, err = &d, e
		case num == 8 && typ == bytesType:
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
