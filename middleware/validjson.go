package captcha

// maxDepth is the deepest nesting accepted: encoding/json's limit.
const maxDepth = 10000

// validJSON reports whether b is exactly one JSON value, as json.Valid does
// (FuzzValidJSON holds them to the same answer), in one pass without a call
// per byte: strings may hold any byte from 0x20 up, UTF-8 or not, and the
// escapes \" \\ \/ \b \f \n \r \t \uXXXX; numbers follow RFC 8259; space is
// space, tab, CR and LF.
func validJSON(b []byte) bool {
	i := validValue(b, skipSpace(b, 0))
	return i >= 0 && skipSpace(b, i) == len(b)
}

// validValue returns the index just past the JSON value at b[i], or -1 when
// there is none.
func validValue(b []byte, i int) int {
	// Bit d of objects is set when the container at depth d is an object;
	// the first 64 levels need no allocation.
	var inline [1]uint64
	objects := inline[:]
	depth := 0
	isObject := func(d int) bool { return objects[d/64]&(1<<(d%64)) != 0 }
	for {
		// A value starts at i.
		if i >= len(b) {
			return -1
		}
		switch c := b[i]; {
		case c == '{' || c == '[':
			if depth == maxDepth {
				return -1
			}
			if depth/64 == len(objects) {
				objects = append(objects, 0)
			}
			closer := byte(']')
			if c == '{' {
				objects[depth/64] |= 1 << (depth % 64)
				closer = '}'
			} else {
				objects[depth/64] &^= 1 << (depth % 64)
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
			object := isObject(depth - 1)
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
