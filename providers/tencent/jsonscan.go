package tencent

import (
	"encoding/binary"
	"math"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// The JSON scanning under parseReply. Each function takes the body and an
// offset and returns the offset after what it read; false means the body is
// not valid JSON there (or, for the typed readers, that the value cannot
// decode into its field). None of them allocates, except decodeString for
// the string it returns.

// foldMax bounds a folded member name: longer names are none of ours.
const foldMax = 32

// foldKey folds a raw member name (the bytes between its quotes; slow if it
// has escapes or non-ASCII bytes) as encoding/json's foldName does, after
// unescaping: ASCII letters upper-cased, every other rune replaced by the
// smallest rune of its case-folding orbit (so U+017F, long s, folds to "S"
// and U+212A, the Kelvin sign, to "K"). It reports false when the result
// would not be ASCII or is longer than foldMax, for then it names no member
// the parser keeps.
func foldKey(raw []byte, slow bool, buf *[foldMax]byte) ([]byte, bool) {
	out := buf[:0]
	for i := 0; i < len(raw); {
		var r rune
		if c := raw[i]; !slow || (c < utf8.RuneSelf && c != '\\') {
			r, i = rune(c), i+1
		} else {
			r, i = nextRune(raw, i)
		}
		switch {
		case 'a' <= r && r <= 'z':
			r -= 'a' - 'A'
		case r >= utf8.RuneSelf:
			if r = foldRune(r); r >= utf8.RuneSelf {
				return nil, false
			}
		}
		if len(out) == foldMax {
			return nil, false
		}
		out = append(out, byte(r))
	}
	return out, true
}

// foldRune returns the smallest rune of r's case-folding orbit, as
// encoding/json's foldRune does.
func foldRune(r rune) rune {
	for {
		r2 := unicode.SimpleFold(r)
		if r2 <= r {
			return r2
		}
		r = r2
	}
}

// skipSpace skips JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && b[i] <= ' ' && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}

// nextMember reads, inside an object and after its '{' (first) or after a
// member's value, either the closing '}' (more false) or a ',' (not first),
// the next member's name and its ':'. key is the raw name between the
// quotes; slow reports escapes or non-ASCII bytes in it.
func nextMember(b []byte, i int, first bool) (key []byte, slow bool, j int, more, ok bool) {
	i = skipSpace(b, i)
	if i < len(b) && b[i] == '}' {
		return nil, false, i + 1, false, true
	}
	if !first {
		if i == len(b) || b[i] != ',' {
			return nil, false, i, false, false
		}
		i = skipSpace(b, i+1)
	}
	end, after, slow, ok := memberName(b, i)
	if !ok {
		return nil, false, after, false, false
	}
	return b[i+1 : end-1], slow, after, true, true
}

// memberName reads a member name at b[i] (a string) and the ':' after it. It
// returns the offset just after the name's closing quote and the offset
// after the ':'; slow reports escapes or non-ASCII bytes in the name.
func memberName(b []byte, i int) (end, after int, slow, ok bool) {
	if i == len(b) || b[i] != '"' {
		return i, i, false, false
	}
	if end, slow, ok = scanString(b, i); !ok {
		return end, end, false, false
	}
	j := end
	if j == len(b) || b[j] != ':' {
		if j = skipSpace(b, j); j == len(b) || b[j] != ':' {
			return end, j, false, false
		}
	}
	return end, j + 1, slow, true
}

// plainString marks the bytes a string holds as they are: not the quote, the
// backslash, a control character or the start of a multi-byte sequence.
var plainString = func() (t [256]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// hasSpecial reports whether one of the eight bytes in x is not plain in a
// string (see plainString). It may report true for eight plain bytes (the
// borrow of one byte's test can spill into the next), never false for a
// special one: the byte loop after it decides.
func hasSpecial(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quote, backslash := x^(ones*'"'), x^(ones*'\\')
	t := (x - ones*' ') | (quote-ones)&^quote | (backslash-ones)&^backslash | x
	return t&highs != 0
}

// scanString checks the string at b[i] == '"' and returns the offset after
// its closing quote; slow reports escapes or non-ASCII bytes in it.
func scanString(b []byte, i int) (int, bool, bool) {
	slow := false
	i++
	for {
		for i+8 <= len(b) && !hasSpecial(binary.LittleEndian.Uint64(b[i:])) {
			i += 8
		}
		for i < len(b) && plainString[b[i]] {
			i++
		}
		if i == len(b) {
			return i, false, false
		}
		switch c := b[i]; {
		case c == '"':
			return i + 1, slow, true
		case c == '\\':
			slow = true
			if i+1 == len(b) {
				return i, false, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || hex4(b[i+2:i+6]) < 0 {
					return i, false, false
				}
				i += 6
			default:
				return i, false, false
			}
		case c < ' ':
			return i, false, false
		default: // c >= utf8.RuneSelf: valid or not, decodeString sorts it out
			slow = true
			i++
		}
	}
}

// hex4 returns the value of the four hex digits h[:4], or -1.
func hex4(h []byte) rune {
	var r rune
	for _, c := range h[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// nextRune decodes the rune at raw[i] of a checked string's content (see
// scanString) as encoding/json unquotes it: escapes, a surrogate pair as one
// rune, a lone surrogate and each invalid UTF-8 byte as U+FFFD.
func nextRune(raw []byte, i int) (rune, int) {
	c := raw[i]
	if c >= utf8.RuneSelf {
		r, n := utf8.DecodeRune(raw[i:])
		return r, i + n // RuneError for an invalid byte, as wanted
	}
	if c != '\\' {
		return rune(c), i + 1
	}
	switch e := raw[i+1]; e {
	case 'b':
		return '\b', i + 2
	case 'f':
		return '\f', i + 2
	case 'n':
		return '\n', i + 2
	case 'r':
		return '\r', i + 2
	case 't':
		return '\t', i + 2
	case 'u':
	default: // '"', '\\', '/'
		return rune(e), i + 2
	}
	r := hex4(raw[i+2:])
	i += 6
	if !utf16.IsSurrogate(r) {
		return r, i
	}
	if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
		if d := utf16.DecodeRune(r, hex4(raw[i+2:])); d != utf8.RuneError {
			return d, i + 6
		}
	}
	return utf8.RuneError, i // the next escape, if any, is read on its own
}

// decodeString returns the content of a checked string (the bytes between
// its quotes; slow if it has escapes or non-ASCII bytes) decoded, in one
// allocation: a plain string is copied, any other is measured first and
// then decoded into a buffer of its decoded size.
func decodeString(raw []byte, slow bool) string {
	if !slow {
		return string(raw)
	}
	n := 0
	for i := 0; i < len(raw); {
		var r rune
		r, i = nextRune(raw, i)
		n += utf8.RuneLen(r)
	}
	var sb strings.Builder
	sb.Grow(n)
	for i := 0; i < len(raw); {
		if c := raw[i]; c < utf8.RuneSelf && c != '\\' {
			sb.WriteByte(c)
			i++
			continue
		}
		var r rune
		r, i = nextRune(raw, i)
		sb.WriteRune(r)
	}
	return sb.String()
}

// Kinds of number scanInt finds.
const (
	numInvalid = iota // not a JSON number
	numInt            // an integer literal in the int64 range
	numOther          // a JSON number that is no int64: a fraction, an exponent, out of range
)

// scanInt reads the number at b[i], converting an integer literal as
// strconv.ParseInt does (which encoding/json uses for an int64 field).
func scanInt(b []byte, i int) (j int, n int64, kind int) {
	j = i
	neg := j < len(b) && b[j] == '-'
	if neg {
		j++
	}
	start := j
	var u uint64
	if j < len(b) && b[j] == '0' {
		j++
	} else {
		for j < len(b) && '0' <= b[j] && b[j] <= '9' {
			u = u*10 + uint64(b[j]-'0') // wraps past 19 digits, which are out of range anyway
			j++
		}
		if j == start {
			return j, 0, numInvalid
		}
	}
	if j < len(b) && (b[j] == '.' || b[j] == 'e' || b[j] == 'E') {
		j, _, ok := scanNumber(b, i)
		if !ok {
			return j, 0, numInvalid
		}
		return j, 0, numOther
	}
	switch {
	case j-start > 19: // no leading zeros: 20 digits are at least 1e19
		return j, 0, numOther
	case neg && u <= 1<<63:
		return j, int64(-u), numInt //nolint:gosec // two's complement; -(1<<63) included
	case !neg && u <= math.MaxInt64:
		return j, int64(u), numInt
	}
	return j, 0, numOther
}

// scanNumber checks the number at b[i] and returns the offset after it;
// isInt reports an integer literal (no fraction, no exponent).
func scanNumber(b []byte, i int) (j int, isInt, ok bool) {
	j = i
	if j < len(b) && b[j] == '-' {
		j++
	}
	switch {
	case j == len(b):
		return j, false, false
	case b[j] == '0':
		j++
	case '1' <= b[j] && b[j] <= '9':
		j = skipDigits(b, j+1)
	default:
		return j, false, false
	}
	isInt = true
	if j < len(b) && b[j] == '.' {
		isInt = false
		k := skipDigits(b, j+1)
		if k == j+1 {
			return k, false, false
		}
		j = k
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		isInt = false
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		k := skipDigits(b, j)
		if k == j {
			return k, false, false
		}
		j = k
	}
	return j, isInt, true
}

func skipDigits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

// literal checks the literal lit ("true", "false", "null") at b[i].
func literal(b []byte, i int, lit string) (int, bool) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return i, false
	}
	return i + len(lit), true
}

// strictInt reads an int64 field's value at b[i]: an integer literal in
// range sets *dst, null leaves it, anything else is a type error.
func strictInt(b []byte, i int, dst *int64) (int, bool) {
	if i < len(b) && b[i] == 'n' {
		return literal(b, i, "null")
	}
	j, n, kind := scanInt(b, i)
	if kind != numInt {
		return j, false
	}
	*dst = n
	return j, true
}

// strictString reads a string field's value at b[i]: a string sets *dst,
// null leaves it, anything else is a type error.
func strictString(b []byte, i int, dst *string) (int, bool) {
	if i == len(b) {
		return i, false
	}
	if b[i] == 'n' {
		return literal(b, i, "null")
	}
	if b[i] != '"' {
		return i, false
	}
	j, slow, ok := scanString(b, i)
	if ok {
		*dst = decodeString(b[i+1:j-1], slow)
	}
	return j, ok
}

// lenientInt reads an optional int64 field's value at b[i] inside a
// container at depth: present when it is an integer literal in range (which
// it stores in *dst); any other valid value makes the field absent.
func lenientInt(b []byte, i, depth int, dst *int64) (j int, present, ok bool) {
	if i < len(b) && (b[i] == '-' || '0' <= b[i] && b[i] <= '9') {
		j, n, kind := scanInt(b, i)
		if kind == numInt {
			*dst = n
		}
		return j, kind == numInt, kind != numInvalid
	}
	j, ok = skipValue(b, i, depth)
	return j, false, ok
}

// lenientString reads an optional string field's value at b[i] inside a
// container at depth: present when it is a string (decoded into *dst); any
// other valid value makes the field absent.
func lenientString(b []byte, i, depth int, dst *string) (j int, present, ok bool) {
	if i < len(b) && b[i] == '"' {
		j, slow, ok := scanString(b, i)
		if ok {
			*dst = decodeString(b[i+1:j-1], slow)
		}
		return j, ok, ok
	}
	j, ok = skipValue(b, i, depth)
	return j, false, ok
}

// maxDepth is encoding/json's nesting limit: a container nested deeper makes
// it reject the input, and so does the parser.
const maxDepth = 10000

// skipValue checks and skips the value at b[i] inside a container at depth
// depth (the reply object is at depth 1).
func skipValue(b []byte, i, depth int) (int, bool) {
	if i == len(b) {
		return i, false
	}
	switch b[i] {
	case '"':
		j, _, ok := scanString(b, i)
		return j, ok
	case 't':
		return literal(b, i, "true")
	case 'f':
		return literal(b, i, "false")
	case 'n':
		return literal(b, i, "null")
	case '{', '[':
		return skipContainer(b, i, depth)
	}
	j, _, ok := scanNumber(b, i)
	return j, ok
}

// skipContainer is skipValue for an object or array at b[i]. It is
// iterative, with one bit per open container telling an object from an
// array, on the stack for the first 128 levels.
func skipContainer(b []byte, i, depth int) (int, bool) {
	var small [2]uint64
	objects := small[:] // bit n: the container n levels in is an object
	open := 0           // containers open inside depth
	for {
		// A value starts at i.
		i = skipSpace(b, i)
		if i == len(b) {
			return i, false
		}
		ok := true
		switch c := b[i]; c {
		case '{', '[':
			if depth+open >= maxDepth {
				return i, false
			}
			if open == len(objects)*64 { // deeper than the stack bits
				big := make([]uint64, maxDepth/64+1)
				copy(big, objects)
				objects = big
			}
			w, bit := open/64, uint64(1)<<(open%64)
			open++
			i = skipSpace(b, i+1)
			if c == '{' {
				objects[w] |= bit
				if i < len(b) && b[i] == '}' {
					open--
					i++
					break
				}
				if _, i, _, ok = memberName(b, i); !ok {
					return i, false
				}
				continue
			}
			objects[w] &^= bit
			if i < len(b) && b[i] == ']' {
				open--
				i++
				break
			}
			continue
		case '"':
			i, _, ok = scanString(b, i)
		case 't':
			i, ok = literal(b, i, "true")
		case 'f':
			i, ok = literal(b, i, "false")
		case 'n':
			i, ok = literal(b, i, "null")
		default:
			i, _, ok = scanNumber(b, i)
		}
		if !ok {
			return i, false
		}
		// After a value: close containers, or go on to the next element.
	next:
		for {
			if open == 0 {
				return i, true
			}
			i = skipSpace(b, i)
			if i == len(b) {
				return i, false
			}
			top := open - 1
			isObject := objects[top/64]&(uint64(1)<<(top%64)) != 0
			switch c := b[i]; {
			case c == ',':
				i++
				if isObject {
					if _, i, _, ok = memberName(b, skipSpace(b, i)); !ok {
						return i, false
					}
				}
				break next
			case isObject && c == '}', !isObject && c == ']':
				open--
				i++
			default:
				return i, false
			}
		}
	}
}
