package emulator

import (
	"bufio"
	"bytes"
	"net/http"
	"strconv"
	"strings"
)

// FuzzRequest builds, for the emulators' fuzz targets, the request a server
// would read from method, target, header lines and body: the bytes go
// through http.ReadRequest, as net/http parses them. "{name}" placeholders
// in target, header and body are replaced by values (freshly minted tickets,
// a valid signature), and a Host header is added first when host is not
// empty. ok is false for what net/http would refuse.
func FuzzRequest(method, target, host, header string, body []byte, values map[string]string) (r *http.Request, ok bool) {
	if len(values) > 0 {
		pairs := make([]string, 0, 2*len(values))
		for k, v := range values {
			pairs = append(pairs, "{"+k+"}", v)
		}
		rep := strings.NewReplacer(pairs...)
		target, header = rep.Replace(target), rep.Replace(header)
		body = []byte(rep.Replace(string(body)))
	}
	var raw bytes.Buffer
	raw.WriteString(method + " " + target + " HTTP/1.1\r\n")
	if host != "" {
		raw.WriteString("Host: " + host + "\r\n")
	}
	for l := range strings.SplitSeq(header, "\n") {
		if l = strings.TrimRight(l, "\r"); l != "" {
			raw.WriteString(l + "\r\n")
		}
	}
	raw.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n")
	raw.Write(body)
	r, err := http.ReadRequest(bufio.NewReader(&raw))
	if err != nil {
		return nil, false
	}
	return r, true
}
