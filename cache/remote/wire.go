package remote

import (
	"errors"
	"fmt"
)

// The protobuf wire format, the part an ActionResult needs, written here
// rather than imported from protowire: a codec of sixty lines is not worth a
// dependency on its module's init functions (internal/detrand reads the
// running binary, up to 3.7 ms cold; parquet-go still links it for now).
// The tests check these against protowire.

// fieldNum is a protobuf field number.
type fieldNum uint32

// wireType is a field's wire type. Groups (3, 4) are refused: proto3 has
// none and REAPI uses none.
type wireType uint8

const (
	varintType wireType = 0
	fixed64    wireType = 1
	bytesType  wireType = 2
	fixed32    wireType = 5
)

// errTruncated and errOverflow are the two ways a field can be malformed.
var (
	errTruncated = errors.New("truncated field")
	errOverflow  = errors.New("varint overflows 64 bits")
)

func appendVarint(b []byte, x uint64) []byte {
	for x >= 0x80 {
		b = append(b, byte(x)|0x80)
		x >>= 7
	}
	return append(b, byte(x))
}

func appendTag(b []byte, num fieldNum, typ wireType) []byte {
	return appendVarint(b, uint64(num)<<3|uint64(typ))
}

func appendBytes(b, v []byte) []byte {
	return append(appendVarint(b, uint64(len(v))), v...)
}

func appendString(b []byte, s string) []byte {
	return append(appendVarint(b, uint64(len(s))), s...)
}

// consumeVarint reads one varint, returning it and its length.
func consumeVarint(b []byte) (uint64, int, error) {
	var x uint64
	for i := 0; i < 10; i++ {
		if i >= len(b) {
			return 0, 0, errTruncated
		}
		c := b[i]
		if i == 9 && c > 1 {
			return 0, 0, errOverflow
		}
		x |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return x, i + 1, nil
		}
	}
	return 0, 0, errOverflow
}

// field is one decoded field: v for length-delimited ones, x for varints.
type field struct {
	num fieldNum
	typ wireType
	v   []byte
	x   uint64
}

// consumeField reads one field from b, returning it and its length.
func consumeField(b []byte) (field, int, error) {
	tag, n, err := consumeVarint(b)
	if err != nil {
		return field{}, 0, err
	}
	f := field{num: fieldNum(tag >> 3), typ: wireType(tag & 7)}
	if f.num == 0 || tag>>3 > 1<<29-1 {
		return field{}, 0, fmt.Errorf("invalid field number %d", tag>>3)
	}
	rest := b[n:]
	var m int
	switch f.typ {
	case varintType:
		f.x, m, err = consumeVarint(rest)
	case bytesType:
		var l uint64
		l, m, err = consumeVarint(rest)
		if err == nil && l > uint64(len(rest)-m) {
			err = errTruncated
		}
		if err == nil {
			f.v = rest[m : m+int(l)]
			m += int(l)
		}
	case fixed64, fixed32:
		m = 8
		if f.typ == fixed32 {
			m = 4
		}
		if len(rest) < m {
			err = errTruncated
		}
	default:
		err = fmt.Errorf("field %d: unsupported wire type %d", f.num, f.typ)
	}
	if err != nil {
		return field{}, 0, err
	}
	return f, n + m, nil
}
