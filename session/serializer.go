package session

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"strconv"

	"github.com/gorilla/securecookie"
)

// CompactSerializer is a securecookie.Serializer that writes what sessions
// usually hold in a small binary format and everything else with gob, and
// reads both. The stores [NewCookieStore] and [NewFilesystemStore] build use
// it; a store built elsewhere can be switched to it codec by codec:
//
//	for _, c := range store.Codecs {
//		if sc, ok := c.(*securecookie.SecureCookie); ok {
//			sc.SetSerializer(session.CompactSerializer{})
//		}
//	}
//
// Its reason is speed. securecookie's default, gob, builds a new decoder for
// every cookie and compiles the decoding of the session's map type each time:
// reading the three values of a GeeTest status, on every validate request,
// took about 210 allocations and 200,000 instructions with gob, and takes
// about 20 allocations and 40,000 instructions (most of them securecookie's
// HMAC) with this format (BenchmarkServerStatus, Go 1.26). The format is
// read in one pass and is shorter too: the cookie carries no type
// descriptions.
//
// # What is written compactly
//
// A session's values (a map[interface{}]interface{}) whose keys are all
// strings and whose values are all int, int64, string or bool, or a
// []interface{} of those (gorilla's flashes, under "_flash", are such a
// list); and a plain string (the session ID FilesystemStore keeps in its
// cookie). Anything else (another key or value type, a nested list, a type
// registered with gob.Register) is written with gob, byte for byte as
// securecookie.GobEncoder writes it. Values read back have the types they
// were written with (a nil list comes back as an empty one).
//
// # Format, version 1
//
// A compact value starts with a marker byte from 0x80 to 0xF7, which no gob
// stream starts with (gob's first byte is a message length: 0x00 to 0x7F,
// or 0xF8 to 0xFF for a length of several bytes). Deserialize hands
// anything else to gob, so cookies written before a store switched to
// CompactSerializer are still read, and rewritten compactly the next time
// the session is saved. A marker this version does not know is an error.
//
//	values  = 0x81 count:uvarint (key value){count}
//	string  = 0x82 bytes (the rest of the input)
//	key     = length:uvarint bytes
//	value   = 0x01 varint (int) | 0x02 varint (int64) | 0x03 length:uvarint bytes (string)
//	        | 0x04 (false) | 0x05 (true) | 0x06 count:uvarint scalar{count} ([]interface{})
//
// Varints are Go's encoding/binary ones (zigzag for signed). Keys are
// unique. Deserialize rejects truncated input, trailing bytes, unknown tags,
// duplicate keys, nested lists, an int that does not fit this platform's int,
// more than 4096 entries or list elements, and a count the remaining bytes
// cannot hold; what it allocates is bounded by the length of its input.
// Compact decoding is all or nothing: on error, dst is as it was.
//
// # Rolling back
//
// A store whose codecs use gob (a plain sessions.NewCookieStore, or this
// package before CompactSerializer) cannot read compact cookies: to it they
// are undecodable, so [Store.ServerStatus] reports an error wrapping
// captcha.ErrNoServerStatus and the ticket is rejected, never passed. A
// client so affected registers again (SetServerStatus replaces an
// undecodable session). A status is only good for the challenge's maximum
// age (ten minutes by default), so that is the longest window in which
// clients see this. To avoid even that during a rolling upgrade or a roll
// back, first run every instance with CompactSerializer{WriteGob: true},
// which reads both formats and writes gob.
type CompactSerializer struct {
	// WriteGob makes Serialize write gob, as securecookie.GobEncoder does,
	// while Deserialize still reads both formats: the intermediate step when
	// instances that only read gob share the cookies. Default: false.
	WriteGob bool
}

var _ securecookie.Serializer = CompactSerializer{}

// Markers and tags of the compact format, version 1.
const (
	markerValues = 0x81
	markerString = 0x82

	tagInt    = 0x01
	tagInt64  = 0x02
	tagString = 0x03
	tagFalse  = 0x04
	tagTrue   = 0x05
	tagList   = 0x06

	// maxCount bounds the entries of a map and the elements of a list;
	// a cookie of 4 KiB holds far fewer.
	maxCount = 4096
)

// errCompact is the cause of every compact decoding error. The errors name
// the problem, never the bytes.
var errCompact = errors.New("session: compact session value")

func compactError(what string) error {
	return fmt.Errorf("%w: %s", errCompact, what)
}

// Serialize encodes src: compactly if it is a values map or a string of the
// kinds described on [CompactSerializer], with gob otherwise.
func (c CompactSerializer) Serialize(src interface{}) ([]byte, error) {
	if !c.WriteGob {
		switch v := src.(type) {
		case map[interface{}]interface{}:
			if b, ok := appendValues(make([]byte, 0, 128), v); ok {
				return b, nil
			}
		case string:
			return append(append(make([]byte, 0, 1+len(v)), markerString), v...), nil
		}
	}
	return securecookie.GobEncoder{}.Serialize(src)
}

// Deserialize decodes src into dst. A compact values map needs dst to be a
// *map[interface{}]interface{} (entries are added to the map dst points to,
// made if nil), a compact string a *string; anything that does not start
// with a compact marker is decoded with gob.
func (CompactSerializer) Deserialize(src []byte, dst interface{}) error {
	if len(src) == 0 {
		return compactError("empty")
	}
	switch m := src[0]; {
	case m == markerValues:
		p, ok := dst.(*map[interface{}]interface{})
		if !ok || p == nil {
			return compactError("values need a *map[interface{}]interface{} destination")
		}
		return decodeValues(src[1:], p)
	case m == markerString:
		p, ok := dst.(*string)
		if !ok || p == nil {
			return compactError("a string needs a *string destination")
		}
		*p = string(src[1:])
		return nil
	case m >= 0x80 && m <= 0xF7:
		return compactError("unknown format marker 0x" + strconv.FormatUint(uint64(m), 16))
	}
	return securecookie.GobEncoder{}.Deserialize(src, dst)
}

// appendValues appends the compact encoding of m to b; ok is false if m
// holds a key or value the format cannot carry.
func appendValues(b []byte, m map[interface{}]interface{}) ([]byte, bool) {
	if len(m) > maxCount {
		return nil, false
	}
	b = append(b, markerValues)
	b = binary.AppendUvarint(b, uint64(len(m)))
	for k, v := range m {
		ks, ok := k.(string)
		if !ok {
			return nil, false
		}
		b = binary.AppendUvarint(b, uint64(len(ks)))
		b = append(b, ks...)
		if list, isList := v.([]interface{}); isList {
			if len(list) > maxCount {
				return nil, false
			}
			b = append(b, tagList)
			b = binary.AppendUvarint(b, uint64(len(list)))
			for _, e := range list {
				if b, ok = appendScalar(b, e); !ok {
					return nil, false
				}
			}
			continue
		}
		if b, ok = appendScalar(b, v); !ok {
			return nil, false
		}
	}
	return b, true
}

func appendScalar(b []byte, v interface{}) ([]byte, bool) {
	switch x := v.(type) {
	case int:
		return binary.AppendVarint(append(b, tagInt), int64(x)), true
	case int64:
		return binary.AppendVarint(append(b, tagInt64), x), true
	case string:
		b = binary.AppendUvarint(append(b, tagString), uint64(len(x)))
		return append(b, x...), true
	case bool:
		if x {
			return append(b, tagTrue), true
		}
		return append(b, tagFalse), true
	}
	return nil, false
}

// decodeValues decodes the body of a compact values map (after its marker)
// into *dst, all or nothing. The usual dst, a new session's empty map, is
// filled in place; a nil one is made, and a non-empty one gets the entries
// only once all of them are read.
func decodeValues(src []byte, dst *map[interface{}]interface{}) error {
	d := decoder{s: string(src)} // one copy; keys and strings are slices of it
	n, err := d.count(2)         // an entry takes at least two bytes
	if err != nil {
		return err
	}
	into, inPlace := *dst, *dst != nil && len(*dst) == 0
	if !inPlace {
		into = make(map[interface{}]interface{}, n)
	}
	if err := d.entries(into, n); err != nil {
		if inPlace {
			clear(into)
		}
		return err
	}
	switch {
	case *dst == nil:
		*dst = into
	case !inPlace:
		maps.Copy(*dst, into)
	}
	return nil
}

// entries reads n key and value pairs into m, which starts empty, and checks
// that nothing follows them.
func (d *decoder) entries(m map[interface{}]interface{}, n int) error {
	for range n {
		k, err := d.str()
		if err != nil {
			return err
		}
		if _, dup := m[k]; dup {
			return compactError("duplicate key")
		}
		v, err := d.value()
		if err != nil {
			return err
		}
		m[boxKey(k)] = v
	}
	if d.i != len(d.s) {
		return compactError("trailing bytes")
	}
	return nil
}

// boxKey returns k as an interface value. The keys this package writes by
// default, and gorilla's flashes key, come back as constants, which need no
// allocation; any other key is boxed as usual.
func boxKey(k string) interface{} {
	switch k {
	case "gt_server_status":
		return "gt_server_status"
	case "gt_server_status.challenge":
		return "gt_server_status.challenge"
	case "gt_server_status.issued_at":
		return "gt_server_status.issued_at"
	case "_flash":
		return "_flash"
	}
	return k
}

// decoder reads the compact format from s, at i.
type decoder struct {
	s string
	i int
}

func (d *decoder) uvarint() (uint64, error) {
	var x uint64
	for shift, j := uint(0), d.i; j < len(d.s); shift, j = shift+7, j+1 {
		c := d.s[j]
		if shift == 63 && c > 1 {
			return 0, compactError("varint overflows 64 bits")
		}
		x |= uint64(c&0x7f) << shift
		if c < 0x80 {
			d.i = j + 1
			return x, nil
		}
	}
	return 0, compactError("truncated varint")
}

func (d *decoder) varint() (int64, error) {
	u, err := d.uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x, err
}

// count reads a count of items each taking at least minBytes bytes.
func (d *decoder) count(minBytes int) (int, error) {
	n, err := d.uvarint()
	switch {
	case err != nil:
		return 0, err
	case n > maxCount:
		return 0, compactError("count over " + strconv.Itoa(maxCount))
	case int(n)*minBytes > len(d.s)-d.i:
		return 0, compactError("count larger than the input")
	}
	return int(n), nil
}

func (d *decoder) str() (string, error) {
	n, err := d.uvarint()
	if err != nil {
		return "", err
	}
	if n > uint64(len(d.s)-d.i) {
		return "", compactError("truncated string")
	}
	s := d.s[d.i : d.i+int(n)]
	d.i += int(n)
	return s, nil
}

func (d *decoder) value() (interface{}, error) {
	if d.i < len(d.s) && d.s[d.i] == tagList {
		d.i++
		n, err := d.count(1) // a scalar takes at least one byte
		if err != nil {
			return nil, err
		}
		list := make([]interface{}, n)
		for j := range list {
			if list[j], err = d.scalar(); err != nil {
				return nil, err
			}
		}
		return list, nil
	}
	return d.scalar()
}

func (d *decoder) scalar() (interface{}, error) {
	if d.i >= len(d.s) {
		return nil, compactError("truncated value")
	}
	tag := d.s[d.i]
	d.i++
	switch tag {
	case tagInt:
		x, err := d.varint()
		if err != nil {
			return nil, err
		}
		if int64(int(x)) != x {
			return nil, compactError("int out of range")
		}
		return int(x), nil
	case tagInt64:
		x, err := d.varint()
		if err != nil {
			return nil, err
		}
		return x, nil
	case tagString:
		return d.str()
	case tagFalse:
		return false, nil
	case tagTrue:
		return true, nil
	case tagList:
		return nil, compactError("nested list")
	}
	return nil, compactError("unknown tag 0x" + strconv.FormatUint(uint64(tag), 16))
}
