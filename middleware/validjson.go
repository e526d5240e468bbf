package captcha

import "encoding/json"

// maxFastDepth is the nesting validJSON checks on its own; deeper bodies are
// left to json.Valid, whose depth limit then applies.
const maxFastDepth = 64

// validJSON reports whether b is exactly one JSON value, as json.Valid does
// (FuzzValidJSON holds them to the same answer), in one pass without a call
// per byte: strings may hold any byte from 0x20 up, UTF-8 or not, and the
// escapes \" \\ \/ \b \f \n \r \t \uXXXX; numbers follow RFC 8259; space is
// space, tab, CR and LF.
func validJSON(b []byte) bool {
	i := validValue(b, skipSpace(b, 0))
	if i == tooDeep {
		return json.Valid(b)
	}
	return i >= 0 && skipSpace(b, i) == len(b)
}

// tooDeep is what validValue returns for a value nested deeper than
// maxFastDepth: the caller asks json.Valid instead.
const tooDeep = -2

// validValue returns the index just past the JSON value at b[i], -1 when
// there is none, or tooDeep.
func validValue(b []byte, i int) int {
	var objects uint64 // bit d: the container at depth d is an object
	depth := 0
	for {
		// A value starts at i.
		if i >= len(b) {
			return -1
		}
		switch c := b[i]; {
		case c == '{' || c == '[':
			if depth == maxFastDepth {
				return tooDeep
			}
			closer := byte(']')
			if c == '{' {
				objects |= 1 << depth
				closer = '}'
			} else {
				objects &^= 1 << depth
			}
			depth++
			i = skipSpace(b, i+1)
			if i < len(b) && b[i] == closer {
				i++
				depth--
				break // an empty container is a whole value
			}
			if c == '{' {
				if i = validMember(b, i); i < 0 {
					return -1
				}
			}
			continue
		case c == '"':
			i = validString(b, i)
		case c == '-' || c >= '0' && c <= '9':
			i = validNumber(b, i)
		case c == 't':
			i = validLiteral(b, i, "true")
		case c == 'f':
			i = validLiteral(b, i, "false")
		case c == 'n':
			i = validLiteral(b, i, "null")
		default:
			return -1
		}
		if i < 0 {
			return -1
		}
		// After a value: close containers, or go on to the next element.
		for {
			if depth == 0 {
				return i
			}
			i = skipSpace(b, i)
			if i >= len(b) {
				return -1
			}
			object := objects&(1<<(depth-1)) != 0
			if b[i] == ',' {
				i = skipSpace(b, i+1)
				if object {
					if i = validMember(b, i); i < 0 {
						return -1
					}
				}
				break
			}
			if object && b[i] == '}' || !object && b[i] == ']' {
				i++
				depth--
				continue
			}
			return -1
		}
	}
}

// validMember checks a member name and its colon at b[i:] and returns the
// index of the member's value, or -1.
func validMember(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	if i = validString(b, i); i < 0 {
		return -1
	}
	i = skipSpace(b, i)
	if i >= len(b) || b[i] != ':' {
		return -1
	}
	return skipSpace(b, i+1)
}

// validString returns the index just past the JSON string at b[i] (a
// quote), or -1.
func validString(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return j + 1
		case c < 0x20:
			return -1
		case c == '\\':
			j++
			if j >= len(b) {
				return -1
			}
			switch b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if _, ok := hex4(b, j+1); !ok {
					return -1
				}
				j += 4
			default:
				return -1
			}
		}
	}
	return -1
}

// validNumber returns the index just past the JSON number at b[i], or -1.
func validNumber(b []byte, i int) int {
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(b, i)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

// digits returns the index past the decimal digits at b[i:].
func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

// validLiteral returns the index just past lit at b[i], or -1.
func validLiteral(b []byte, i int, lit string) int {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return -1
	}
	return i + len(lit)
}
