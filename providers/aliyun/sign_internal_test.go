package aliyun

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"
)

// signWith runs the general canonicaliser and signer over one request.
func signWith(method, path string, query []param, headers []header, payload, id, secret string) (cr, auth string) {
	b, s, e := appendCanonicalRequest(nil, method, path, query, headers, payload)
	sig := newSigner(secret).signature(b)
	return string(b), string(appendAuthorization(nil, id, b[s:e], sig[:]))
}

func hexSHA256(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestVectorA1 reproduces vector A-1 of docs/wire.md#test-vectors (the
// official V3 example).
func TestVectorA1(t *testing.T) {
	t.Parallel()
	query := []param{
		{"RegionId", "cn-shanghai"},
		{"ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"},
	}
	headers := []header{
		{"host", "ecs.cn-shanghai.aliyuncs.com"},
		{"x-acs-action", "RunInstances"},
		{"x-acs-version", "2014-05-26"},
		{"x-acs-date", "2023-10-26T10:22:32Z"},
		{"x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"},
		{"x-acs-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	}
	cr, auth := signWith("POST", "/", query, headers,
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "YourAccessKeyId", "YourAccessKeySecret")
	if got, want := hexSHA256(cr), "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"; got != want {
		t.Errorf("hex(SHA-256(CanonicalRequest)) = %s, want %s\ncanonical request:\n%s", got, want, cr)
	}
	want := "ACS3-HMAC-SHA256 Credential=YourAccessKeyId," +
		"SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version," +
		"Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
	if auth != want {
		t.Errorf("Authorization =\n%s\nwant\n%s", auth, want)
	}
}

// TestVectorA2 reproduces vector A-2 of docs/wire.md#test-vectors (the SDK's
// own unit test): an empty method and path, an empty query value, and two
// header names that differ only in case, merged into one signed header.
func TestVectorA2(t *testing.T) {
	t.Parallel()
	query := []param{{"test", "ok"}, {"empty", ""}}
	headers := []header{{"x-acs-test", "http"}, {"x-acs-TEST", "https"}}
	cr, auth := signWith("", "", query, headers,
		"55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23", "acesskey", "secret")
	wantCR := "\n/\nempty=&test=ok\nx-acs-test:http,https\n\nx-acs-test\n" +
		"55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23"
	if cr != wantCR {
		t.Errorf("canonical request = %q, want %q", cr, wantCR)
	}
	want := "ACS3-HMAC-SHA256 Credential=acesskey,SignedHeaders=x-acs-test," +
		"Signature=4ab59fffe3c5738ff8a2729f90cc04fe18b02a4b15b2102cbaf92f9ff3df2ea3"
	if auth != want {
		t.Errorf("Authorization =\n%s\nwant\n%s", auth, want)
	}
}

func TestCanonicalRequestCases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		path    string
		query   []param
		headers []header
		want    string
	}{
		{
			name: "no headers",
			path: "/",
			want: "GET\n/\n\n\n\nP",
		},
		{
			name:    "unsigned headers dropped, values trimmed",
			path:    "/a+b*c%7Ed",
			headers: []header{{"Accept", "x"}, {"User-Agent", "y"}, {"Content-Type", "  t  "}, {"Host", "h"}},
			want:    "GET\n/a%20b%2Ac~d\n\ncontent-type:t\nhost:h\n\ncontent-type;host\nP",
		},
		{
			name:  "rfc3986 query values",
			path:  "/",
			query: []param{{"b", "a b*c~d/é"}, {"a", "x+y"}},
			want:  "GET\n/\na=x%2By&b=a%20b%2Ac~d%2F%C3%A9\n\n\nP",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, _, _ := appendCanonicalRequest(nil, "GET", tt.path, tt.query, tt.headers, "P")
			if string(got) != tt.want {
				t.Errorf("canonical request = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestVectorA5 reproduces vector A-5 of docs/wire.md#test-vectors with the
// provider's own request builder: the body bytes, the content hash and the
// Authorization.
func TestVectorA5(t *testing.T) {
	t.Parallel()
	p, err := New(Config{
		AccessKeyID: "YourAccessKeyId", AccessKeySecret: "YourAccessKeySecret",
		SceneID: "abc123", Endpoint: "captcha.cn-shanghai.aliyuncs.com",
	})
	if err != nil {
		t.Fatal(err)
	}
	var nonce [16]byte
	if _, err := hex.Decode(nonce[:], []byte("3156853299f313e23d1673dc12e1703d")); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2023, 10, 26, 18, 22, 32, 0, time.FixedZone("CST", 8*3600))
	req, err := p.newRequest(t.Context(), &p.static, `{"sceneId":"abc123","certifyId":"xyz","deviceToken":"dt","data":"d"}`, now, nonce)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		t.Fatal(err)
	}
	_ = req.Body.Close()
	checks := []struct{ name, got, want string }{
		{"body", string(body), "CaptchaVerifyParam=%7B%22sceneId%22%3A%22abc123%22%2C%22certifyId%22%3A%22xyz%22%2C%22deviceToken%22%3A%22dt%22%2C%22data%22%3A%22d%22%7D&SceneId=abc123"},
		{"x-acs-content-sha256", req.Header.Get("X-Acs-Content-Sha256"), "0a82c7153d0c2393e2628514ddadbe3aa922ded624a25bdb9c924c912b1c2e8c"},
		{"x-acs-date", req.Header.Get("X-Acs-Date"), "2023-10-26T10:22:32Z"},
		{"x-acs-signature-nonce", req.Header.Get("X-Acs-Signature-Nonce"), "3156853299f313e23d1673dc12e1703d"},
		{"host", req.Host, "captcha.cn-shanghai.aliyuncs.com"},
		{"content-length", req.Header.Get("Content-Length"), ""},
		{"Authorization", req.Header.Get("Authorization"), "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=e6883944fc988c233d5357d54123cf09b24b734b1b7675cb4635bb52297325a9"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if req.ContentLength != int64(len(body)) {
		t.Errorf("ContentLength = %d, want %d", req.ContentLength, len(body))
	}
	if req.URL.String() != "https://captcha.cn-shanghai.aliyuncs.com/" {
		t.Errorf("URL = %s", req.URL)
	}
}

// FuzzFormEscape checks the canonical-query encoder against the SDK's rule
// (QueryEscape, then "+"→"%20", "*"→"%2A", "%7E"→"~").
func FuzzFormEscape(f *testing.F) {
	for _, s := range []string{"", "abc", "a b", "{\"sceneId\":\"x\"}", "~*+%7E", "é\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := url.QueryEscape(s)
		want = strings.ReplaceAll(want, "+", "%20")
		want = strings.ReplaceAll(want, "*", "%2A")
		want = strings.ReplaceAll(want, "%7E", "~")
		if got := string(appendRFC3986(nil, s)); got != want {
			t.Errorf("appendRFC3986(%q) = %q, want %q", s, got, want)
		}
	})
}
