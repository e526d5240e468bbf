package siteverifyemu

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestRedeemConcurrent: of many concurrent redeems of one token, exactly
// one is the first; those with the first one's key get its answer, the
// others a later judgement.
func TestRedeemConcurrent(t *testing.T) {
	t.Parallel()
	var ts Tokens
	ts.Put("tok", Token{Sitekey: "k", Issued: time.Now()})
	m, ok := ts.Get("tok")
	if !ok || ts.Len() != 1 {
		t.Fatal("Get after Put failed")
	}
	var firsts atomic.Int64
	var wg sync.WaitGroup
	bodies := make([]string, 32)
	for i := range bodies {
		wg.Go(func() {
			bodies[i] = string(m.Redeem("key", func(_ Token, first bool) []byte {
				if first {
					firsts.Add(1)
					return []byte("first")
				}
				return []byte("later")
			}))
		})
	}
	wg.Wait()
	if firsts.Load() != 1 {
		t.Fatalf("%d first redeems, want 1", firsts.Load())
	}
	for i, b := range bodies {
		if b != "first" {
			t.Errorf("redeem %d with the first key = %q, want the first answer", i, b)
		}
	}
	if got := string(m.Redeem("other", func(_ Token, first bool) []byte { return []byte("later") })); got != "later" {
		t.Errorf("redeem with another key = %q", got)
	}
	if got := string(m.Redeem("", func(_ Token, first bool) []byte { return []byte("later") })); got != "later" {
		t.Errorf("redeem without a key = %q", got)
	}
}

func TestReadParams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, target, contentType, body string
		kinds                           int
		want                            string // the "a" parameter
		err                             bool
	}{
		{"form", "/", "application/x-www-form-urlencoded", "a=1&a=2", Form, "1", false},
		{"no type is a form", "/", "", "a=1", Form, "1", false},
		{"query", "/?a=q", "", "", Form | Query, "q", false},
		{"body beats query", "/?a=q", "", "a=b", Form | Query, "b", false},
		{"query not read", "/?a=q", "", "", Form, "", false},
		{"json", "/", "application/json", `{"a":"j","n":1}`, JSON, "j", false},
		{"json not read", "/", "application/json", `{"a":"j"}`, Form, "", false},
		{"bad json", "/", "application/json", `{"a":`, JSON, "", true},
		{"json array", "/", "application/json", `["a"]`, JSON, "", true},
		{"bad form", "/", "application/x-www-form-urlencoded", "a=%zz", Form, "", true},
		{"multipart without boundary", "/", "multipart/form-data", "x", Multipart, "", true},
		{"too large", "/", "", "a=" + strings.Repeat("x", MaxBody), Form, "", true},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodPost, tt.target, strings.NewReader(tt.body))
		if tt.contentType != "" {
			r.Header.Set("Content-Type", tt.contentType)
		}
		got, err := ReadParams(httptest.NewRecorder(), r, tt.kinds)
		if (err != nil) != tt.err || (err == nil && got["a"] != tt.want) {
			t.Errorf("%s: ReadParams = %v, %v; want a=%q, error %v", tt.name, got, err, tt.want, tt.err)
		}
	}
}
