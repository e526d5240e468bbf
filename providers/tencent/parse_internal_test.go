package tencent

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/providertest"
	"github.com/captchakit/captcha/providers/tencent/tencenttest"
)

// refReply is what parseReply decoded with encoding/json before it became a
// scanner; refParseReply is that decoder, kept as the reference the scanner
// must agree with.
type refReply struct {
	Response struct {
		CaptchaCode int64          `json:"CaptchaCode"` // noCode when absent
		EvilLevel   int64          `json:"EvilLevel"`   // stays 0 when null
		RequestID   string         `json:"RequestId"`
		Error       *refReplyError `json:"Error"`
	} `json:"Response"`
}

type refReplyError struct {
	Code string `json:"Code"`
}

func refParseReply(body []byte) (verdict, error) {
	var r refReply
	r.Response.CaptchaCode = noCode
	if err := json.Unmarshal(body, &r); err != nil {
		return verdict{}, errNotJSON
	}
	resp := &r.Response
	v := verdict{requestID: resp.RequestID}
	switch {
	case resp.Error != nil:
		if resp.Error.Code == "" {
			return verdict{}, errEmptyCode
		}
		v.errCode = resp.Error.Code
		return v, nil
	case resp.CaptchaCode != noCode:
		v.code, v.evil = resp.CaptchaCode, resp.EvilLevel
		return v, nil
	case resp.RequestID == "":
		return verdict{}, errNoResponse
	default:
		return verdict{}, errNoCode
	}
}

// refExtra decodes the optional fields of a body the reference accepted, as
// Extra documents them: each is present when its last occurrence decodes
// into its type, and absent when that is null or of another type.
func refExtra(t *testing.T, body []byte) *Extra {
	t.Helper()
	var raw struct {
		Response struct {
			Score, EvilBitmap, DeviceRiskCategory, GetCaptchaTime, SubmitCaptchaTime json.RawMessage
		}
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatalf("reference accepted %q, the raw decoding rejects it: %v", body, err)
	}
	r := raw.Response
	var x Extra
	any := false
	num := func(m json.RawMessage, dst *int64) bool {
		if m == nil || string(m) == "null" || json.Unmarshal(m, dst) != nil {
			*dst = 0
			return false
		}
		any = true
		return true
	}
	x.HasScore = num(r.Score, &x.Score)
	x.HasEvilBitmap = num(r.EvilBitmap, &x.EvilBitmap)
	num(r.GetCaptchaTime, &x.GetCaptchaTime)
	num(r.SubmitCaptchaTime, &x.SubmitCaptchaTime)
	if r.DeviceRiskCategory != nil && string(r.DeviceRiskCategory) != "null" {
		if json.Unmarshal(r.DeviceRiskCategory, &x.DeviceRiskCategory) == nil {
			any = true
		} else {
			x.DeviceRiskCategory = ""
		}
	}
	if !any {
		return nil
	}
	return &x
}

// checkAgainstReference fails t unless parseReply and the reference agree
// on body: the same error, or the same verdict and optional fields.
func checkAgainstReference(t *testing.T, body []byte) {
	t.Helper()
	got, err := parseReply(body)
	want, werr := refParseReply(body)
	if !errors.Is(err, werr) || !errors.Is(werr, err) {
		t.Fatalf("parseReply(%q) error %v, reference %v", body, err, werr)
	}
	if err != nil {
		if got != (verdict{}) {
			t.Fatalf("parseReply(%q) returned %+v with error %v", body, got, err)
		}
		return
	}
	if got.errCode != want.errCode || got.code != want.code || got.evil != want.evil || got.requestID != want.requestID {
		t.Fatalf("parseReply(%q) = %+v, reference %+v", body, got, want)
	}
	if got.errCode != "" {
		if got.has != 0 {
			t.Fatalf("parseReply(%q) kept optional fields of an error envelope: %+v", body, got)
		}
		return
	}
	gx, wx := got.extraFields(), refExtra(t, body)
	switch {
	case (gx == nil) != (wx == nil):
		t.Fatalf("parseReply(%q) optional fields %+v, reference %+v", body, gx, wx)
	case gx != nil && *gx != *wx:
		t.Fatalf("parseReply(%q) optional fields %+v, reference %+v", body, *gx, *wx)
	}
}

// parseSeeds are replies from protocols.md and the API reference, and
// inputs at the edges of the grammar and of encoding/json's semantics.
var parseSeeds = []string{
	// Real shapes.
	`{"Response":{"CaptchaCode":1,"CaptchaMsg":"OK","EvilLevel":0,"GetCaptchaTime":1583749870,"RequestId":"3c140219-cfe9-470e-b241-907877d6fb03"}}`,
	`{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"The provided credentials could not be validated."},"RequestId":"ed93f3cb-f35e-473f-b9f3-0d451b8b79c6"}}`,
	`{"Response":{"CaptchaCode":1,"CaptchaMsg":"OK","EvilLevel":100,"GetCaptchaTime":1583749870,"EvilBitmap":4,"SubmitCaptchaTime":1583749880,"DeviceRiskCategory":"emulator","Score":87,"RequestId":"r"}}`,
	`{"Response":{"CaptchaCode":9,"EvilLevel":null,"EvilBitmap":null,"DeviceRiskCategory":null,"RequestId":"r"}}`,
	`{"code":4000,"message":"x","codeDesc":"InvalidParameter"}`,
	// Missing parts.
	`{"Response":{}}`, `{}`, `null`, ` null `, `{"Response":null}`, `{"Response":{"RequestId":"r"}}`,
	`{"Response":{"Error":{},"RequestId":"r"}}`, `{"Response":{"Error":null,"CaptchaCode":1}}`,
	`{"Response":{"Error":{"Code":null}}}`, `{"Response":{"CaptchaCode":-9223372036854775808}}`,
	// Wrong types.
	`{"Response":{"CaptchaCode":"1"}}`, `{"Response":{"CaptchaCode":1.0}}`, `{"Response":{"CaptchaCode":1e0}}`,
	`{"Response":{"CaptchaCode":9223372036854775808}}`, `{"Response":{"CaptchaCode":-0}}`,
	`{"Response":{"CaptchaCode":-9223372036854775809}}`, `{"Response":{"CaptchaCode":-9223372036854775807,"EvilLevel":9223372036854775807}}`,
	`{"Response":{"CaptchaCode":true}}`, `{"Response":{"CaptchaCode":{}}}`, `{"Response":[]}`, `{"Response":"x"}`,
	`{"Response":{"Error":"x"}}`, `{"Response":{"Error":{"Code":1}}}`, `{"Response":{"RequestId":1,"CaptchaCode":1}}`,
	`{"Response":{"CaptchaCode":1,"Score":"87","EvilBitmap":1.5,"GetCaptchaTime":[],"DeviceRiskCategory":7}}`,
	`{"Response":{"CaptchaCode":1,"Score":1e2,"SubmitCaptchaTime":99999999999999999999}}`,
	`[]`, `"x"`, `1`, `true`, ``, ` `, `<html>`,
	// Duplicates, case and escapes in names.
	`{"Response":{"CaptchaCode":9,"CaptchaCode":1}}`, `{"Response":{"CaptchaCode":1},"Response":{"EvilLevel":5}}`,
	`{"Response":{"CaptchaCode":1},"Response":null}`, `{"Response":{"EvilLevel":5,"EvilLevel":null,"CaptchaCode":1}}`,
	`{"Response":{"Error":{"Code":"A"},"Error":{"Message":"m"}}}`, `{"Response":{"Error":{"Code":"A"},"Error":null,"Error":{}}}`,
	`{"Response":{"Score":5,"Score":null,"CaptchaCode":1}}`, `{"Response":{"Score":null,"Score":5,"CaptchaCode":1}}`,
	`{"response":{"captchacode":1,"REQUESTID":"r"}}`, `{"Re\u0073ponse":{"Captcha\u0043ode":1}}`,
	"{\"Re\u017fponse\":{\"CaptchaCode\":1,\"DeviceRis\u212aCategory\":\"d\"}}",
	`{"Re\u017fponse":{"CaptchaCode":1}}`, "{\"Response\xff\":{\"CaptchaCode\":1}}",
	// String decoding.
	`{"Response":{"CaptchaCode":1,"RequestId":"a\"b\\c\/d\b\f\n\r\t"}}`,
	`{"Response":{"CaptchaCode":1,"RequestId":"\u672a\ud83d\ude00\ud800\udc00x\ud800\u0041\udc00"}}`,
	"{\"Response\":{\"CaptchaCode\":1,\"RequestId\":\"ok\xff\xfe\xed\xa0\x80é\"}}",
	`{"Response":{"CaptchaCode":1,"RequestId":"\x"}}`, `{"Response":{"CaptchaCode":1,"RequestId":"\u12"}}`,
	`{"Response":{"CaptchaCode":1,"RequestId":"\'"}}`, `{"Response":{"CaptchaCode":1,"RequestId":"\uD83D\uDE00\uDBFF\uDFFF"}}`, `{"Response":{"CaptchaCode":1,"RequestId":"\ud800\/dc00"}}`,
	"{\"Response\":{\"CaptchaCode\":1,\"RequestId\":\"tab\there\"}}",
	// Skipped values.
	`{"Response":{"CaptchaCode":1,"X":[1,-2.5e+3,"s",true,false,null,{"a":[{}],"b":{}},[]],"Y":{"":0}}}`,
	`{"Response":{"CaptchaCode":1,"X":[1,]}}`, `{"Response":{"CaptchaCode":1,"X":{"a":1,}}}`,
	`{"Response":{"CaptchaCode":1,"X":01}}`, `{"Response":{"CaptchaCode":1,"X":1.}}`, `{"Response":{"CaptchaCode":1,"X":-}}`,
	`{"Response":{"CaptchaCode":1,"X":nul}}`, `{"Response":{"CaptchaCode":1}} x`, `{"Response":{"CaptchaCode":1}`,
	" \t\r\n{ \"Response\" : { \"CaptchaCode\" : 1 , \"X\" : [ 1 , { } ] } } \n",
	`{"Response":{"CaptchaCode":1,"X":{"a" 1}}}`, `{"Response":{"CaptchaCode":1,"X":{1:1}}}`,
}

// emulatorReplies returns the bodies the emulator answers for each kind of
// ticket and each fault it can inject.
func emulatorReplies(t testing.TB) [][]byte {
	srv := tencenttest.NewServer(t, tencenttest.Config{})
	rec := &recorder{next: http.DefaultTransport}
	cfg := Config{
		SecretID: tencenttest.DemoSecretID, SecretKey: tencenttest.DemoSecretKey,
		AppID: tencenttest.DemoAppID, AppSecretKey: tencenttest.DemoAppSecretKey,
		Endpoint: srv.URL, HTTPClient: &http.Client{Transport: rec}, NeedGetCaptchaTime: true,
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	verify := func(tk tencenttest.Ticket) {
		_, _ = p.Verify(t.Context(), captcha.Ticket{
			Values: map[string]string{"ticket": tk.Ticket, "randstr": tk.Randstr}, ClientIP: "203.0.113.7"})
	}
	replayed := srv.Mint(0)
	for _, tk := range []tencenttest.Ticket{
		srv.Mint(0), srv.Mint(0, tencenttest.Risky()), replayed, replayed,
		srv.Mint(0, tencenttest.WithScore(87), tencenttest.WithEvilBitmap(4),
			tencenttest.WithDeviceRiskCategory("emulator"), tencenttest.WithSubmitCaptchaTime(srv.Now())),
		srv.DisasterTicket(0), {Ticket: "tr03garbage*", Randstr: "@a"},
	} {
		verify(tk)
	}
	for _, f := range []providertest.Fault{
		providertest.FaultInternalError, providertest.FaultThrottled,
		providertest.FaultBadCredentials, providertest.FaultMalformedJSON,
	} {
		srv.Inject(f)
		verify(srv.Mint(0))
	}
	srv.Inject(providertest.FaultNone)
	return rec.bodies()
}

// recorder keeps a copy of every reply body.
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	got  [][]byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.got = append(r.got, body)
	r.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

func (r *recorder) bodies() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.got
}

// TestParseReplyAgainstReference runs the seeds, the emulator's replies,
// and deep nesting at encoding/json's limit through both decoders.
func TestParseReplyAgainstReference(t *testing.T) {
	t.Parallel()
	bodies := emulatorReplies(t)
	if len(bodies) < 10 {
		t.Fatalf("recorded %d emulator replies, want at least 10", len(bodies))
	}
	for _, s := range parseSeeds {
		bodies = append(bodies, []byte(s))
	}
	nest := func(n int) []byte {
		return []byte(`{"Response":{"CaptchaCode":1,"X":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}}`)
	}
	nestObj := func(n int) []byte {
		return []byte(`{"Response":{"CaptchaCode":1,"X":` + strings.Repeat(`{"a":`, n) + "0" + strings.Repeat("}", n) + `}}`)
	}
	// The reply object and Response are two levels: X may nest 9998 deep.
	bodies = append(bodies, nest(9998), nest(9999), nestObj(9998), nestObj(9999), nest(200), nestObj(130))
	for _, b := range bodies {
		checkAgainstReference(t, b)
	}
	if _, err := parseReply(nest(9998)); err != nil {
		t.Errorf("nesting at the limit: %v", err)
	}
	if _, err := parseReply(nest(9999)); err == nil {
		t.Error("nesting beyond the limit accepted")
	}
}

// FuzzParseReplyDifferential decodes every input with the scanner and with
// encoding/json (refParseReply, refExtra): both must fail with the same
// error or both must return the same verdict and optional fields. There is
// no deliberate difference between them: invalid UTF-8, escapes, surrogate
// halves, case-folded and escaped member names, duplicates and nesting
// depth are all handled as encoding/json handles them.
func FuzzParseReplyDifferential(f *testing.F) {
	for _, s := range parseSeeds {
		f.Add([]byte(s))
	}
	for _, b := range emulatorReplies(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkAgainstReference(t, body)
	})
}

// TestParseReplyAllocations checks that the scanner allocates only the
// strings it keeps.
func TestParseReplyAllocations(t *testing.T) {
	tests := []struct {
		name string
		body string
		want float64
	}{
		{"pass with RequestId", `{"Response":{"CaptchaCode":1,"CaptchaMsg":"OK","EvilLevel":0,"GetCaptchaTime":1,"SubmitCaptchaTime":1,"EvilBitmap":null,"RequestId":"3c140219-cfe9-470e-b241-907877d6fb03"}}`, 1},
		{"pass without RequestId", `{"Response":{"CaptchaCode":1,"CaptchaMsg":"OK","X":[{"a":[1,2,{"b":null}]}]}}`, 0},
		{"escaped RequestId", `{"Response":{"CaptchaCode":1,"RequestId":"\u672a-\ud83d\ude00"}}`, 1},
		{"long escaped RequestId", `{"Response":{"CaptchaCode":1,"RequestId":"` + strings.Repeat(`\u00e9x\ud83d\ude00`, 40) + `"}}`, 1},
		{"deep skipped value", `{"Response":{"CaptchaCode":1,"X":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}}`, 0},
		{"error envelope", `{"Response":{"Error":{"Code":"InternalError","Message":"m"},"RequestId":"ed93f3cb"}}`, 2},
		{"device category", `{"Response":{"CaptchaCode":1,"DeviceRiskCategory":"emulator","RequestId":"ed93f3cb"}}`, 2},
		{"not JSON", `{"Response":{"CaptchaCode":1`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(tt.body)
			if got := testing.AllocsPerRun(100, func() { _, _ = parseReply(body) }); got != tt.want {
				t.Errorf("parseReply allocates %v times, want %v", got, tt.want)
			}
		})
	}
}

// TestParseReplyFields checks the decoded fields of typical replies.
func TestParseReplyFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		body  string
		want  verdict
		extra *Extra
	}{
		{"pass", `{"Response":{"CaptchaCode":1,"CaptchaMsg":"OK","EvilLevel":0,"RequestId":"r1"}}`,
			verdict{code: 1, requestID: "r1"}, nil},
		{"risky with extras", `{"Response":{"CaptchaCode":1,"EvilLevel":100,"Score":87,"EvilBitmap":4,"DeviceRiskCategory":"emu","GetCaptchaTime":1700000000,"SubmitCaptchaTime":1700000005,"RequestId":"r2"}}`,
			verdict{code: 1, evil: 100, requestID: "r2"},
			&Extra{Score: 87, HasScore: true, EvilBitmap: 4, HasEvilBitmap: true, DeviceRiskCategory: "emu", GetCaptchaTime: 1700000000, SubmitCaptchaTime: 1700000005}},
		{"score zero", `{"Response":{"CaptchaCode":7,"Score":0}}`, verdict{code: 7}, &Extra{HasScore: true}},
		{"envelope drops extras", `{"Response":{"Error":{"Code":"InternalError"},"Score":5,"RequestId":"r3"}}`,
			verdict{errCode: "InternalError", requestID: "r3"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseReply([]byte(tt.body))
			if err != nil {
				t.Fatalf("parseReply: %v", err)
			}
			x := got.extraFields()
			got.extra, got.has = Extra{}, 0
			if got != tt.want {
				t.Errorf("verdict = %+v, want %+v", got, tt.want)
			}
			if (x == nil) != (tt.extra == nil) || (x != nil && *x != *tt.extra) {
				t.Errorf("extra = %+v, want %+v", x, tt.extra)
			}
		})
	}
}

// TestHasSpecial checks the eight-byte test against plainString: every byte
// value at every position of a word of plain bytes, and every plain byte
// alone.
func TestHasSpecial(t *testing.T) {
	t.Parallel()
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 8; pos++ {
			w := []byte("aaaaaaaa")
			w[pos] = byte(c)
			if got := hasSpecial(binary.LittleEndian.Uint64(w)); !got && !plainString[c] {
				t.Fatalf("hasSpecial(%q) = false with byte %#x at %d", w, c, pos)
			}
		}
		if plainString[c] {
			w := bytes.Repeat([]byte{byte(c)}, 8)
			if hasSpecial(binary.LittleEndian.Uint64(w)) {
				t.Errorf("hasSpecial(%q) = true for plain bytes", w)
			}
		}
	}
}

// TestReadReplyScore checks Score's normalisation (0 to 100, higher riskier,
// onto 0 to 1, higher more human, clamped) and that a verdict without
// optional fields allocates nothing for them.
func TestReadReplyScore(t *testing.T) {
	p := &Provider{now: timeZero}
	for _, tt := range []struct {
		raw  string
		want float64
	}{{"0", 1}, {"100", 0}, {"50", 0.5}, {"87", 0.13}, {"-5", 1}, {"250", 0}} {
		res, err := p.readReply(200, []byte(`{"Response":{"CaptchaCode":1,"Score":`+tt.raw+`}}`))
		if err != nil || !res.HasScore || res.Score < tt.want-1e-9 || res.Score > tt.want+1e-9 || res.RawScore != float64(mustInt(t, tt.raw)) {
			t.Errorf("Score %s: Result %+v, %v; want Score %v", tt.raw, res, err, tt.want)
		}
	}
	plain := []byte(`{"Response":{"CaptchaCode":1,"CaptchaMsg":"OK","EvilLevel":0,"RequestId":"3c140219-cfe9-470e-b241-907877d6fb03"}}`)
	if n := testing.AllocsPerRun(100, func() { _, _ = p.readReply(200, plain) }); n != 1 {
		t.Errorf("readReply of a plain pass allocates %v times, want 1 (the RequestId)", n)
	}
	scored := []byte(`{"Response":{"CaptchaCode":1,"Score":3,"RequestId":"3c140219-cfe9-470e-b241-907877d6fb03"}}`)
	if n := testing.AllocsPerRun(100, func() { _, _ = p.readReply(200, scored) }); n != 2 {
		t.Errorf("readReply of a pass with a Score allocates %v times, want 2 (RequestId, Extra)", n)
	}
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	if err := json.Unmarshal([]byte(s), &n); err != nil {
		t.Fatal(err)
	}
	return n
}
