package vendorhttp

// AppendForm appends "name=value" to a form body, with "&" before it when b
// is not empty, value escaped as url.QueryEscape does: the one form encoder
// of the providers, which build their bodies without url.Values.
func AppendForm(b []byte, name, value string) []byte {
	if len(b) > 0 {
		b = append(b, '&')
	}
	b = append(b, name...)
	b = append(b, '=')
	return AppendQueryEscape(b, value)
}

// AppendQueryEscape appends s escaped as url.QueryEscape does, without
// allocating: unreserved bytes as they are, a space as "+", every other
// byte as %XX.
func AppendQueryEscape(b []byte, s string) []byte {
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.', c == '~':
			b = append(b, c)
		case c == ' ':
			b = append(b, '+')
		default:
			b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
		}
	}
	return b
}

// Plausible reports whether s could be a vendor's ticket or token: 1 to
// maxLen bytes of printable ASCII without spaces. Anything else is refused
// locally, without a call.
func Plausible(s string, maxLen int) bool {
	if s == "" || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
