package captcha

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/maphash"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// RemoteAddrIP returns the host part of r.RemoteAddr: the address of the
// peer that opened the connection. It is the default client-IP resolver and
// cannot be influenced by anything the client writes into the request.
func RemoteAddrIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// TrustedProxies returns a client-IP resolver for a server behind reverse
// proxies. trusted lists the proxies' addresses or CIDR prefixes
// ("10.0.0.0/8", "192.0.2.7", "2001:db8::/32").
//
// When the connection comes from a trusted proxy, the resolver walks
// X-Forwarded-For from the right (the entries the proxies appended), skipping
// trusted addresses, and returns the first one that is not trusted: the
// address the outermost trusted proxy saw. If an entry cannot be parsed, the
// last trusted hop is returned. When the connection does not come from a
// trusted proxy, X-Forwarded-For is ignored and the peer address is returned,
// so a spoofed header from an untrusted peer changes nothing.
//
// WARNING: list only proxies you operate, and make sure clients cannot reach
// this server except through them. Each entry of X-Forwarded-For left of the
// outermost trusted proxy is written by the client, and trusting one of them
// lets any client choose its IP and with it a fresh per-client failback
// budget for every request.
func TrustedProxies(trusted ...string) (func(*http.Request) string, error) {
	prefixes := make([]netip.Prefix, 0, len(trusted))
	for _, s := range trusted {
		s = strings.TrimSpace(s)
		var p netip.Prefix
		var err error
		if strings.Contains(s, "/") {
			p, err = netip.ParsePrefix(s)
		} else {
			var a netip.Addr
			a, err = netip.ParseAddr(s)
			if err == nil {
				p = netip.PrefixFrom(a, a.BitLen())
			}
		}
		if err != nil {
			return nil, fmt.Errorf("captcha: TrustedProxies: %q is not an address or CIDR prefix", s)
		}
		prefixes = append(prefixes, p.Masked())
	}
	isTrusted := func(a netip.Addr) bool {
		a = a.Unmap()
		for _, p := range prefixes {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return func(r *http.Request) string {
		peer, ok := parseHop(RemoteAddrIP(r))
		if !ok || !isTrusted(peer) {
			return RemoteAddrIP(r)
		}
		last := peer
		hops := r.Header.Values("X-Forwarded-For")
		for i := len(hops) - 1; i >= 0; i-- {
			entries := hops[i]
			for entries != "" {
				var e string
				if j := strings.LastIndexByte(entries, ','); j >= 0 {
					e, entries = entries[j+1:], entries[:j]
				} else {
					e, entries = entries, ""
				}
				e = strings.TrimSpace(e)
				if e == "" {
					continue
				}
				a, ok := parseHop(e)
				if !ok {
					return last.String()
				}
				if !isTrusted(a) {
					return a.String()
				}
				last = a
			}
		}
		return last.String()
	}, nil
}

// parseHop parses an address as found in RemoteAddr or X-Forwarded-For:
// "192.0.2.1", "192.0.2.1:443", "2001:db8::1", "[2001:db8::1]:443".
func parseHop(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	return netip.Addr{}, false
}

// budgetKey is the per-client key of the failback budget: the address
// itself for IPv4, its /64 for IPv6 (one subscriber usually holds a whole
// /64), and the raw string for anything unparseable.
func budgetKey(ip string) string {
	a, ok := parseHop(ip)
	if !ok {
		return "raw:" + ip
	}
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// clientSeed keys clientTag, fresh in every process.
var clientSeed = maphash.MakeSeed()

// clientTag names the client of ip (its budget key: the IPv4 address or IPv6
// /64) in log lines without the address itself: a keyed 64-bit hash, the
// same for one client within a process and meaningless outside it.
func clientTag(ip string) string {
	var b [16]byte
	return string(hex.AppendEncode(b[:0], binary.BigEndian.AppendUint64(nil, maphash.String(clientSeed, budgetKey(ip)))))
}
