package session_test

import (
	"encoding/binary"
	"maps"
	"reflect"
	"testing"

	"github.com/captchakit/captcha/session"
)

// FuzzCompactSerializer checks the compact format both ways.
//
// Decoding: any input after a compact marker is decoded without a panic;
// an error leaves the destination as it was; a success re-encodes to bytes
// that decode to the same values. (Inputs without a compact marker go to
// gob, which is not this decoder; they get the values marker put in front.)
//
// Encoding: data also drives a generator of session values; what the
// compact format can carry comes back from Serialize and Deserialize equal
// to what was encoded, and what it cannot is written as gob.
func FuzzCompactSerializer(f *testing.F) {
	var sz session.CompactSerializer
	for _, v := range []map[any]any{
		statusValues(1, 1_763_700_000_123),
		statusValues(0, 1),
		{"_flash": []any{"a", 1, int64(2), false}},
		{},
	} {
		b, err := sz.Serialize(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{markerString, 'i', 'd'})
	f.Add([]byte{markerValues, 2, 1, 'k', 0x04, 1, 'k', 0x05})
	f.Add([]byte{markerValues, 1, 1, 'k', 0x06, 2, 0x01, 0x7f, 0x03, 1, 'x'})
	f.Add([]byte{0x0f, 0x21, 0x40, 0x70, 0x99, 0xfe})
	f.Fuzz(func(t *testing.T, data []byte) {
		in := data
		if len(in) == 0 || in[0] < 0x80 || in[0] > 0xf7 {
			in = append([]byte{markerValues}, data...)
		}
		prior := map[any]any{"prior": "kept"}
		for _, before := range []map[any]any{{}, prior} {
			got := maps.Clone(before)
			if err := sz.Deserialize(in, &got); err != nil {
				if !reflect.DeepEqual(got, before) {
					t.Fatalf("Deserialize(% x) failed (%v) and left %#v, want %#v", in, err, got, before)
				}
				continue
			}
			if in[0] != markerValues {
				t.Fatalf("Deserialize(% x) into a map succeeded, want only the values marker to", in)
			}
			if len(before) != 0 {
				continue
			}
			again, err := sz.Serialize(got)
			if err != nil {
				t.Fatalf("Serialize(%#v): %v", got, err)
			}
			back := map[any]any{}
			if err := sz.Deserialize(again, &back); err != nil || !reflect.DeepEqual(back, got) {
				t.Fatalf("re-encoded % x decodes to (%#v, %v), want %#v", again, back, err, got)
			}
		}
		var s string
		if err := sz.Deserialize(in, &s); err == nil && (in[0] != markerString || s != string(in[1:])) {
			t.Fatalf("Deserialize(% x) into a string = %q, want an error or the bytes after 0x82", in, s)
		}

		values, compact := generate(data)
		b, err := sz.Serialize(values)
		if err != nil {
			t.Fatalf("Serialize(%#v): %v", values, err)
		}
		if isCompact := len(b) > 0 && b[0] == markerValues; isCompact != compact {
			t.Fatalf("Serialize(%#v) = % x: compact %v, want %v", values, b, isCompact, compact)
		}
		got := map[any]any{}
		if err := sz.Deserialize(b, &got); err != nil {
			t.Fatalf("Deserialize(Serialize(%#v)): %v", values, err)
		}
		if compact && !reflect.DeepEqual(got, values) {
			t.Fatalf("Deserialize(Serialize(%#v)) = %#v", values, got)
		}
		if !compact && len(got) != len(values) {
			t.Fatalf("gob: Deserialize(Serialize(%#v)) = %#v", values, got)
		}
	})
}

// generate builds session values from data: each entry takes an op byte
// (low nibble: key length; high nibble: value kind), the key, then the
// value's bytes. compact is false if the values hold a kind the compact
// format does not carry (a float64, directly or in a list).
func generate(data []byte) (values map[any]any, compact bool) {
	values = map[any]any{}
	take := func(n int) []byte {
		n = min(n, len(data))
		b := data[:n]
		data = data[n:]
		return b
	}
	num := func() int64 {
		b := take(8)
		var x [8]byte
		copy(x[:], b)
		return int64(binary.LittleEndian.Uint64(x[:]))
	}
	scalar := func(kind byte) any {
		switch kind % 5 {
		case 0:
			return int(num())
		case 1:
			return num()
		case 2:
			n := take(1)
			if len(n) == 0 {
				return ""
			}
			return string(take(int(n[0] % 32)))
		case 3:
			return num()&1 == 1
		}
		return float64(num()) / 3
	}
	for len(data) > 0 && len(values) < 32 {
		op := take(1)[0]
		key := string(take(int(op & 0x0f)))
		kind := op >> 4
		if kind < 12 {
			values[key] = scalar(kind)
			continue
		}
		n := take(1)
		list := []any{}
		if len(n) > 0 {
			for range n[0] % 8 {
				var kind byte
				if k := take(1); len(k) > 0 {
					kind = k[0]
				}
				list = append(list, scalar(kind))
			}
		}
		values[key] = list
	}
	compact = true
	for _, v := range values {
		list, isList := v.([]any)
		if !isList {
			list = []any{v}
		}
		for _, e := range list {
			if _, isFloat := e.(float64); isFloat {
				compact = false
			}
		}
	}
	return values, compact
}
