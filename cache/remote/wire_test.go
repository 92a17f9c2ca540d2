package remote

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// The hand-written codec is checked against protobuf's own (a test-only
// dependency, so its init costs the tests, not sei's start-up).

func TestWireEncodingMatchesProtowire(t *testing.T) {
	for _, x := range []uint64{0, 1, 127, 128, 300, 1<<32 - 1, 1 << 35, 1<<63 + 5, ^uint64(0)} {
		if got, want := appendVarint(nil, x), protowire.AppendVarint(nil, x); !bytes.Equal(got, want) {
			t.Errorf("varint %d: %x, protowire %x", x, got, want)
		}
		v, n, err := consumeVarint(protowire.AppendVarint(nil, x))
		if err != nil || v != x || n != protowire.SizeVarint(x) {
			t.Errorf("consume %d: %d %d %v", x, v, n, err)
		}
	}
	for _, num := range []fieldNum{1, 2, 15, 16, 2047, 1<<29 - 1} {
		got := appendTag(nil, num, bytesType)
		want := protowire.AppendTag(nil, protowire.Number(num), protowire.BytesType)
		if !bytes.Equal(got, want) {
			t.Errorf("tag %d: %x, protowire %x", num, got, want)
		}
	}
	s := bytes.Repeat([]byte("x"), 200)
	if got, want := appendBytes(nil, s), protowire.AppendBytes(nil, s); !bytes.Equal(got, want) {
		t.Errorf("bytes: %x, protowire %x", got, want)
	}
}

// TestWireDecodingAgreesWithProtowire feeds both decoders the same inputs,
// well-formed and hostile, and requires the same verdict and the same field.
func TestWireDecodingAgreesWithProtowire(t *testing.T) {
	var good []byte
	good = protowire.AppendTag(good, 3, protowire.Fixed64Type)
	good = protowire.AppendFixed64(good, 7)
	good = protowire.AppendTag(good, 9, protowire.Fixed32Type)
	good = protowire.AppendFixed32(good, 7)
	inputs := [][]byte{
		good, good[:5], good[9:12],
		{0x12, 0x05, 'a', 'b'},                                             // length past the end
		{0x12, 0xff, 0xff, 0xff, 0xff, 0x0f},                               // huge length
		{0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02}, // 11-byte varint
		{0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, // overflow in byte 10
		{0x00, 0x01}, // field number 0
		{0x0b, 0x0c}, // a group
		{0x0e, 0x01}, // wire type 6
		{0x80},       // truncated tag
		protowire.AppendTag(nil, 1<<29-1, protowire.VarintType),
	}
	for i, in := range inputs {
		for len(in) > 0 {
			_, n, err := consumeField(in)
			num, typ, tn := protowire.ConsumeTag(in)
			pn := tn
			if tn >= 0 {
				vn := protowire.ConsumeFieldValue(num, typ, in[tn:])
				if vn < 0 || typ == protowire.StartGroupType || typ == protowire.EndGroupType {
					pn = -1
				} else {
					pn = tn + vn
				}
			}
			if (err != nil) != (pn < 0) || (err == nil && n != pn) {
				t.Errorf("input %d (%x): ours %d %v, protowire %d", i, in, n, err, pn)
			}
			if err != nil {
				break
			}
			in = in[n:]
		}
	}
}

func FuzzUnmarshalActionResult(f *testing.F) {
	ar := &ActionResult{OutputFiles: []OutputFile{{Path: "a", Digest: WireDigest{Hash: "ab", Size: 3}}}, ExitCode: 2}
	f.Add(ar.Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := UnmarshalActionResult(b)
		if err != nil {
			return
		}
		// What decodes re-encodes and decodes to the same result.
		again, err := UnmarshalActionResult(r.Marshal())
		if err != nil {
			t.Fatalf("re-encoded result does not decode: %v", err)
		}
		if len(again.OutputFiles) != len(r.OutputFiles) || again.ExitCode != r.ExitCode {
			t.Fatalf("round trip changed the result: %+v -> %+v", r, again)
		}
	})
}
