package tencenttest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// bodyWith is bodyFor with extra request parameters.
func bodyWith(tk Ticket, extra map[string]any) string {
	m := map[string]any{
		"CaptchaType": 9, "Ticket": tk.Ticket, "UserIp": "127.0.0.1", "Randstr": tk.Randstr,
		"CaptchaAppId": DemoAppID, "AppSecretKey": DemoAppSecretKey,
	}
	for k, v := range extra {
		m[k] = v
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// TestOptionalFields checks the optional request parameters (accepted when
// of their type, InvalidParameter otherwise) and the optional reply fields:
// GetCaptchaTime (the issue time) only when NeedGetCaptchaTime is 1, the
// others only for a ticket minted with them.
func TestOptionalFields(t *testing.T) {
	t.Parallel()
	s := NewServer(t, Config{})
	issued := s.Now().Add(-time.Minute).Truncate(time.Second)
	submitted := issued.Add(20 * time.Second)
	i64 := func(v int64) *int64 { return &v }

	type want struct {
		code              int
		errCode           string
		get, submit, bits *int64
		score             *int64
		category          *string
	}
	category := "emulator"
	tests := []struct {
		name  string
		mint  []MintOption
		extra map[string]any
		want  want
	}{
		{"plain", nil, nil, want{code: 1}},
		{"time asked", []MintOption{IssuedAt(issued)}, map[string]any{"NeedGetCaptchaTime": 1}, want{code: 1, get: i64(issued.Unix())}},
		{"time not asked", []MintOption{IssuedAt(issued)}, map[string]any{"NeedGetCaptchaTime": 0}, want{code: 1}},
		{"all fields", []MintOption{IssuedAt(issued), WithScore(87), WithEvilBitmap(4), WithDeviceRiskCategory(category), WithSubmitCaptchaTime(submitted)},
			map[string]any{"NeedGetCaptchaTime": 1, "BusinessId": 7, "SceneId": 8, "MacAddress": "00:11:22:33:44:55", "Imei": "3567"},
			want{code: 1, get: i64(issued.Unix()), submit: i64(submitted.Unix()), bits: i64(4), score: i64(87), category: &category}},
		{"score zero", []MintOption{WithScore(0)}, nil, want{code: 1, score: i64(0)}},
		{"fields on a rejection", []MintOption{WithScore(99)}, map[string]any{"Randstr": "@wrong"}, want{code: 7, score: i64(99)}},
		{"BusinessId string", nil, map[string]any{"BusinessId": "7"}, want{errCode: "InvalidParameter"}},
		{"SceneId negative", nil, map[string]any{"SceneId": -1}, want{errCode: "InvalidParameter"}},
		{"NeedGetCaptchaTime fraction", nil, map[string]any{"NeedGetCaptchaTime": 1.5}, want{errCode: "InvalidParameter"}},
		{"Imei number", nil, map[string]any{"Imei": 3567}, want{errCode: "InvalidParameter"}},
	}
	eq := func(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tk := s.Mint(0, tt.mint...)
			_, r := s.do(t, call{body: bodyWith(tk, tt.extra)})
			got := r.Response
			if tt.want.errCode != "" {
				if got.Error == nil || got.Error.Code != tt.want.errCode {
					t.Fatalf("reply %+v, want error %s", got, tt.want.errCode)
				}
				return
			}
			if got.CaptchaCode == nil || *got.CaptchaCode != tt.want.code {
				t.Fatalf("reply %+v, want CaptchaCode %d", got, tt.want.code)
			}
			if !eq(got.GetCaptchaTime, tt.want.get) || !eq(got.SubmitCaptchaTime, tt.want.submit) ||
				!eq(got.EvilBitmap, tt.want.bits) || !eq(got.Score, tt.want.score) ||
				(got.DeviceRiskCategory == nil) != (tt.want.category == nil) ||
				(got.DeviceRiskCategory != nil && *got.DeviceRiskCategory != *tt.want.category) {
				t.Errorf("optional fields GetCaptchaTime %v SubmitCaptchaTime %v EvilBitmap %v Score %v DeviceRiskCategory %v, want %+v",
					got.GetCaptchaTime, got.SubmitCaptchaTime, got.EvilBitmap, got.Score, got.DeviceRiskCategory, tt.want)
			}
		})
	}
}

// TestMintQueryFields checks the mint endpoint's optional-field parameters.
func TestMintQueryFields(t *testing.T) {
	t.Parallel()
	s := NewServer(t, Config{})
	mint := func(query string) (int, Ticket) {
		resp, err := http.Get(s.URL + MintPath + "?" + query)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var m struct{ Ticket, Randstr string }
		_ = json.Unmarshal(raw, &m)
		return resp.StatusCode, Ticket{Ticket: m.Ticket, Randstr: m.Randstr}
	}
	status, tk := mint("score=42&evilbitmap=3&category=" + strings.ReplaceAll("a b", " ", "%20"))
	if status != http.StatusOK {
		t.Fatalf("mint status %d", status)
	}
	_, r := s.do(t, call{body: bodyFor(tk, DemoAppID, DemoAppSecretKey)})
	if got := r.Response; got.Score == nil || *got.Score != 42 || got.EvilBitmap == nil || *got.EvilBitmap != 3 ||
		got.DeviceRiskCategory == nil || *got.DeviceRiskCategory != "a b" {
		t.Errorf("reply %+v, want Score 42, EvilBitmap 3, DeviceRiskCategory %q", got, "a b")
	}
	for _, q := range []string{"score=x", "evilbitmap=1.5", "score=99999999999999999999"} {
		if status, _ := mint(q); status != http.StatusBadRequest {
			t.Errorf("mint ?%s = %d, want 400", q, status)
		}
	}
}
