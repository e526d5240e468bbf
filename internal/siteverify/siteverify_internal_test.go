package siteverify

import (
	"encoding/json"
	"math"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	t.Parallel()
	ts := time.Date(2022, 2, 28, 15, 14, 30, 96e6, time.UTC)
	tests := []struct {
		name string
		body string
		want Reply
		err  bool
	}{
		{"turnstile TS-1", `{"success":true,"challenge_ts":"2022-02-28T15:14:30.096Z","hostname":"example.com","error-codes":[],"action":"login","cdata":"sessionid-123456789","metadata":{"ephemeral_id":"x:9f78e0ed210960d7693b167e"}}`,
			Reply{Verdict: true, Success: true, ChallengeTS: ts, HasChallengeTS: true, Hostname: "example.com", Action: "login",
				CData: "sessionid-123456789", EphemeralID: "x:9f78e0ed210960d7693b167e"}, false},
		{"recaptcha v3", `{"success":true,"score":0.9,"action":"login","challenge_ts":"2024-05-01T12:34:56Z","hostname":"example.com"}`,
			Reply{Verdict: true, Success: true, Score: 0.9, HasScore: true, Action: "login",
				ChallengeTS: time.Date(2024, 5, 1, 12, 34, 56, 0, time.UTC), HasChallengeTS: true, Hostname: "example.com"}, false},
		{"offset without colon", `{"success":true,"challenge_ts":"2024-05-01T14:34:56+0200"}`,
			Reply{Verdict: true, Success: true, ChallengeTS: time.Date(2024, 5, 1, 12, 34, 56, 0, time.UTC), HasChallengeTS: true}, false},
		{"hcaptcha enterprise", `{"success":true,"score":0.8,"score_reason":["a","b"],"credit":false}`,
			Reply{Verdict: true, Success: true, Score: 0.8, HasScore: true, ScoreReason: []string{"a", "b"}}, false},
		{"score-reason spelling", `{"success":true,"score-reason":["c"]}`,
			Reply{Verdict: true, Success: true, ScoreReason: []string{"c"}}, false},
		{"failure", `{"success":false,"error-codes":["invalid-input-response"]}`,
			Reply{Verdict: true, ErrorCodes: []string{"invalid-input-response"}}, false},
		{"code with control bytes", `{"success":false,"error-codes":["a\nb",""]}`,
			Reply{Verdict: true, ErrorCodes: []string{"a?b", "empty"}}, false},
		{"mistyped fields", `{"success":"true","score":"0.9","hostname":1,"error-codes":"x","challenge_ts":5}`, Reply{}, false},
		{"null verdict", `{"success":null}`, Reply{}, false},
		{"bad time", `{"success":true,"challenge_ts":"yesterday"}`, Reply{Verdict: true, Success: true}, false},
		{"leading space", " \n{\"success\":false}", Reply{Verdict: true}, false},
		{"array", `[{"success":true}]`, Reply{}, true},
		{"null", `null`, Reply{}, true},
		{"truncated", `{"success":true,"hostname":"exa`, Reply{}, true},
		{"trailing garbage", `{"success":true} x`, Reply{}, true},
		{"empty", ``, Reply{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.body))
			if (err != nil) != tt.err {
				t.Fatalf("Parse error = %v, want error %v", err, tt.err)
			}
			if !got.ChallengeTS.Equal(tt.want.ChallengeTS) {
				t.Errorf("ChallengeTS = %v, want %v", got.ChallengeTS, tt.want.ChallengeTS)
			}
			got.ChallengeTS, tt.want.ChallengeTS = time.Time{}, time.Time{}
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(tt.want)
			if string(g) != string(w) {
				t.Errorf("Parse = %s, want %s", g, w)
			}
		})
	}
}

// FuzzParse checks the reply parser against encoding/json's own reading of
// the body: Parse fails exactly for bodies that are not a valid JSON
// object; a
// verdict is reported only for a boolean "success", with its value; a
// score only for a finite number; codes are printable and bounded; and a
// client judging the same body never passes what has no true verdict, or
// carries error codes.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"success":true,"challenge_ts":"2022-02-28T15:14:30.096Z","hostname":"example.com","error-codes":[],"action":"login","cdata":"x"}`,
		`{"success":false,"error-codes":["invalid-input-response","timeout-or-duplicate"]}`,
		`{"success":true,"score":0.3,"action":"a"}`, `{"success":true,"score":1e400}`, `{"success":"true"}`,
		`{"Success":true}`, `{"success":true,"success":false}`, `{"success":true,"error-codes":["internal-error"]}`,
		`[]`, `null`, ``, `{`, `{"metadata":[]}`, `{"score_reason":{},"score-reason":["x"]}`,
	} {
		f.Add([]byte(s), 200)
	}
	c, err := New(Config{Name: "fuzz", URL: "http://127.0.0.1:9/", Secret: "s", Classify: BaseClass})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, status int) {
		r, err := Parse(body)
		isObj := json.Valid(body) && strings.HasPrefix(strings.TrimLeft(string(body), " \t\r\n"), "{")
		if (err == nil) != isObj {
			t.Fatalf("Parse(%q) error = %v; encoding/json reads an object: %v", body, err, isObj)
		}
		if err != nil {
			return
		}
		if r.Success && !r.Verdict {
			t.Fatalf("Parse(%q) = success without a verdict", body)
		}
		if r.HasScore && (math.IsNaN(r.Score) || math.IsInf(r.Score, 0)) {
			t.Fatalf("Parse(%q) score %v", body, r.Score)
		}
		for _, code := range r.ErrorCodes {
			if code == "" || len(code) > maxCodeLen || strings.ContainsFunc(code, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
				t.Fatalf("Parse(%q) code %q", body, code)
			}
		}
		rep, rerr := c.read(status, body)
		if rerr == nil && rep.Success && (status != http.StatusOK || !r.Success || len(r.ErrorCodes) > 0) {
			t.Fatalf("read(%d, %q) passed", status, body)
		}
		if rerr == nil && !rep.Success && c.Code(rep) == "" {
			t.Fatalf("read(%d, %q) rejected without a code", status, body)
		}
	})
}

func TestDecide(t *testing.T) {
	t.Parallel()
	tests := []struct {
		codes []string
		want  string
		class Class
	}{
		{[]string{"invalid-input-response"}, "invalid-input-response", Reject},
		{[]string{"internal-error"}, "internal-error", Unavailable},
		{[]string{"internal-error", "x"}, "x", Reject},
		{[]string{"invalid-input-response", "timeout-or-duplicate"}, "timeout-or-duplicate", Duplicate},
		{[]string{"timeout-or-duplicate", "bad-request", "invalid-input-secret"}, "bad-request", Misconfigured},
	}
	for _, tt := range tests {
		if code, class := decide(tt.codes, BaseClass); code != tt.want || class != tt.class {
			t.Errorf("decide(%q) = %q, %v; want %q, %v", tt.codes, code, class, tt.want, tt.class)
		}
	}
}

func TestChecks(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	base := CheckConfig{Prefix: "x: Config.", Hostnames: []string{"Example.com", "*.example.org", "127.0.0.1", "::1"}, Now: func() time.Time { return now }}
	ok := Reply{Verdict: true, Success: true, Hostname: "example.com", Action: "Login", CData: "c", Score: 0.7, HasScore: true,
		ChallengeTS: now.Add(-time.Minute), HasChallengeTS: true}
	tests := []struct {
		name  string
		cfg   func(*CheckConfig)
		reply func(*Reply)
		score float64
		want  string
	}{
		{"pass", nil, nil, 0, ""},
		{"host case and space", nil, func(r *Reply) { r.Hostname = " EXAMPLE.COM " }, 0, ""},
		{"host not listed", nil, func(r *Reply) { r.Hostname = "example.net" }, 0, CodeHostname},
		{"empty host", nil, func(r *Reply) { r.Hostname = "" }, 0, CodeHostname},
		{"suffix attack", nil, func(r *Reply) { r.Hostname = "evilexample.com" }, 0, CodeHostname},
		{"wildcard", nil, func(r *Reply) { r.Hostname = "a.b.example.org" }, 0, ""},
		{"wildcard apex", nil, func(r *Reply) { r.Hostname = "example.org" }, 0, CodeHostname},
		{"wildcard suffix attack", nil, func(r *Reply) { r.Hostname = "evilexample.org" }, 0, CodeHostname},
		{"ip", nil, func(r *Reply) { r.Hostname = "127.0.0.1" }, 0, ""},
		{"ipv6", nil, func(r *Reply) { r.Hostname = "::1" }, 0, ""},
		{"any host", func(c *CheckConfig) { c.Hostnames, c.AnyHostname = nil, true }, func(r *Reply) { r.Hostname = "" }, 0, ""},
		{"action", func(c *CheckConfig) { c.Actions = []string{"login"} }, nil, 0, ""},
		{"action mismatch", func(c *CheckConfig) { c.Actions = []string{"signup"} }, nil, 0, CodeAction},
		{"cdata", func(c *CheckConfig) { c.CData = func(*http.Request) string { return "c" } }, nil, 0, ""},
		{"cdata mismatch", func(c *CheckConfig) { c.CData = func(*http.Request) string { return "d" } }, nil, 0, CodeCData},
		{"score", func(c *CheckConfig) { c.Scored, c.MinScore = true, 0.5 }, nil, 0.5, ""},
		{"score low", func(c *CheckConfig) { c.Scored, c.MinScore = true, 0.5 }, nil, 0.49, CodeScore},
		{"score missing", func(c *CheckConfig) { c.Scored, c.MinScore = true, 0 }, func(r *Reply) { r.HasScore = false }, 1, CodeScore},
		{"score NaN", func(c *CheckConfig) { c.Scored, c.MinScore = true, 0 }, nil, math.NaN(), CodeScore},
		{"age", func(c *CheckConfig) { c.MaxAge = time.Minute }, nil, 0, ""},
		{"too old", func(c *CheckConfig) { c.MaxAge = 59 * time.Second }, nil, 0, CodeAge},
		{"no ts", func(c *CheckConfig) { c.MaxAge = time.Minute }, func(r *Reply) { r.HasChallengeTS = false }, 0, CodeAge},
		{"host before action", func(c *CheckConfig) { c.Actions = []string{"x"} }, func(r *Reply) { r.Hostname = "x" }, 0, CodeHostname},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			c, err := NewChecks(cfg)
			if err != nil {
				t.Fatal(err)
			}
			r := ok
			if tt.reply != nil {
				tt.reply(&r)
			}
			if got := c.Check(&r, tt.score, nil); got != tt.want {
				t.Errorf("Check = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEndpoint(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", "https://vendor.example/siteverify"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/sv"},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080/sv"},
		{"https://proxy.example/other/path", "https://proxy.example/other/path"},
		{"ftp://x", ""}, {"http://", ""}, {"https://u@x", ""}, {"https://x/?q", ""}, {"https://x/#f", ""},
		{"https://x?", ""}, {"x.example", ""}, {"https://x /", ""},
	}
	for _, tt := range tests {
		got, err := Endpoint("f", tt.in, "https://vendor.example/siteverify", "/sv")
		if (err != nil) != (tt.want == "") || got != tt.want {
			t.Errorf("Endpoint(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestUUID(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	a, b := newUUID(), newUUID()
	if !re.MatchString(a) || a == b {
		t.Errorf("newUUID() = %q, %q; want two different version 4 UUIDs", a, b)
	}
}

func TestRemoteIP(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"203.0.113.7": "203.0.113.7", "2001:db8::1": "2001:db8::1", "fe80::1%eth0": "fe80::1",
		"203.0.113.7:80": "203.0.113.7", "[2001:db8::1]:443": "2001:db8::1", "": "", "x": "", "1.2.3": "",
	} {
		if got := remoteIP(in); got != want {
			t.Errorf("remoteIP(%q) = %q, want %q", in, got, want)
		}
	}
}
