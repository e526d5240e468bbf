package aliyun

// parseFast decodes the usual shape of a reply without reflection and,
// for the common values, without allocating:
//
//	{"RequestId":"…","Success":true,"Code":"Success","Message":"success",
//	 "Result":{"VerifyResult":true,"VerifyCode":"T001"}}
//
// and the gateway envelope {"RequestId","HostId","Code","Message","Recommend"}.
// It accepts only what it fully understands: those keys spelled exactly, each
// at most once, strings without escapes or control characters, and JSON
// booleans where booleans belong. Anything else (other keys, escapes, nulls,
// numbers, nesting elsewhere) makes ok false, and the caller decodes with
// encoding/json instead, so both always agree on what they both accept
// (FuzzParseFast checks this).
func parseFast(b []byte) (r reply, ok bool) {
	p := scanner{b: b}
	if !p.byte('{') {
		return reply{}, false
	}
	var seen uint8
	for first := true; ; first = false {
		if p.byte('}') {
			break
		}
		if !first && !p.byte(',') {
			return reply{}, false
		}
		key, ok := p.str()
		if !ok || !p.byte(':') {
			return reply{}, false
		}
		var bit uint8
		switch string(key) {
		case "RequestId":
			bit = 1
			v, ok := p.str()
			if !ok {
				return reply{}, false
			}
			r.RequestID = string(v)
		case "Success":
			bit = 2
			if r.Success, ok = p.boolean(); !ok {
				return reply{}, false
			}
			r.HasSuccess = true
		case "Code":
			bit = 4
			v, ok := p.str()
			if !ok {
				return reply{}, false
			}
			r.Code = intern(v)
		case "Message":
			bit = 8
		case "HostId":
			bit = 16
		case "Recommend":
			bit = 32
		case "Result":
			bit = 64
			if !p.result(&r) {
				return reply{}, false
			}
			r.HasResult = true
		default:
			return reply{}, false
		}
		if seen&bit != 0 {
			return reply{}, false
		}
		seen |= bit
		if bit&(8|16|32) != 0 {
			if _, ok := p.str(); !ok {
				return reply{}, false
			}
		}
	}
	p.space()
	return r, p.i == len(p.b)
}

// result parses the Result object into r.
func (p *scanner) result(r *reply) bool {
	if !p.byte('{') {
		return false
	}
	var seenResult, seenCode bool
	for first := true; ; first = false {
		if p.byte('}') {
			return true
		}
		if !first && !p.byte(',') {
			return false
		}
		key, ok := p.str()
		if !ok || !p.byte(':') {
			return false
		}
		switch string(key) {
		case "VerifyResult":
			if seenResult {
				return false
			}
			seenResult = true
			if r.VerifyResult, ok = p.boolean(); !ok {
				return false
			}
		case "VerifyCode":
			if seenCode {
				return false
			}
			seenCode = true
			v, ok := p.str()
			if !ok {
				return false
			}
			r.VerifyCode = intern(v)
		default:
			return false
		}
	}
}

// intern returns the common codes without allocating.
func intern(b []byte) string {
	switch string(b) {
	case "Success":
		return "Success"
	case "T001":
		return "T001"
	case "F001":
		return "F001"
	case "F008":
		return "F008"
	}
	return string(b)
}

// scanner reads JSON tokens from b, skipping whitespace before each.
type scanner struct {
	b []byte
	i int
}

func (p *scanner) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// byte consumes c if it is the next token.
func (p *scanner) byte(c byte) bool {
	p.space()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str reads a string without escapes, control characters or non-ASCII
// bytes and returns its contents.
func (p *scanner) str() ([]byte, bool) {
	if !p.byte('"') {
		return nil, false
	}
	start := p.i
	for ; p.i < len(p.b); p.i++ {
		switch c := p.b[p.i]; {
		case c == '"':
			p.i++
			return p.b[start : p.i-1], true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return nil, false
		}
	}
	return nil, false
}

// boolean reads true or false.
func (p *scanner) boolean() (v, ok bool) {
	p.space()
	rest := p.b[p.i:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		p.i += 4
		v = true
	case len(rest) >= 5 && string(rest[:5]) == "false":
		p.i += 5
	default:
		return false, false
	}
	// A literal must end here: "truex" is not JSON.
	if p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r', ',', '}':
		default:
			return false, false
		}
	}
	return v, true
}
