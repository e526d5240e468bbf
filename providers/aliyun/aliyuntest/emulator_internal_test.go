package aliyuntest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestRPCVectors reproduces vectors of
// docs/wire.md#test-vectors with the emulator's RPC (HMAC-SHA1) verifier.
func TestRPCVectors(t *testing.T) {
	t.Parallel()
	a6 := map[string]string{
		"AccessKeyId": "YourAccessKeyId", "Action": "VerifyIntelligentCaptcha", "Format": "json",
		"SignatureMethod": "HMAC-SHA1", "SignatureNonce": "3156853299f313e23d1673dc12e1703d",
		"SignatureVersion": "1.0", "Timestamp": "2023-10-26T10:22:32Z", "Version": "2023-03-05",
		"CaptchaVerifyParam": `{"sceneId":"abc123","certifyId":"xyz","deviceToken":"dt","data":"d"}`,
		"SceneId":            "abc123",
	}
	tests := []struct {
		name      string
		method    string
		secret    string
		params    map[string]string
		wantSTS   string // prefix of the string to sign
		wantSigna string
	}{
		{"A-3", "", "accessKeySecret", map[string]string{"test": "ok"}, "&%2F&test%3Dok", "jHx/oHoHNrbVfhncHEvPdHXZwHU="},
		{"A-4 DescribeRegions", "GET", "testsecret", map[string]string{
			"AccessKeyId": "testid", "Action": "DescribeRegions", "Format": "XML", "SignatureMethod": "HMAC-SHA1",
			"SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf", "SignatureVersion": "1.0",
			"Timestamp": "2016-02-23T12:46:24Z", "Version": "2014-05-26",
		}, "GET&%2F&AccessKeyId%3Dtestid", "OLeaidS1JvxuMvnyHOwuJ+uX5qY="},
		{"A-4 DescribeDedicatedHosts", "GET", "testsecret", map[string]string{
			"AccessKeyId": "testid", "Action": "DescribeDedicatedHosts", "Format": "JSON", "RegionId": "cn-beijing",
			"SignatureMethod": "HMAC-SHA1", "SignatureNonce": "edb2b34af0af9a6d14deaf7c1a5315eb", "SignatureVersion": "1.0",
			"Timestamp": "2023-03-13T08:34:30Z", "Version": "2014-05-26",
		}, "GET&%2F&AccessKeyId%3Dtestid", "9NaGiOspFP5UPcwX8Iwt2YJXXuk="},
		{"A-6", "POST", "YourAccessKeySecret", a6,
			"POST&%2F&AccessKeyId%3DYourAccessKeyId%26Action%3DVerifyIntelligentCaptcha%26CaptchaVerifyParam%3D%257B%2522sceneId",
			"xZxAQ6oF4clUizOF9ZVBUpakDgA="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sts := rpcStringToSign(tt.method, tt.params)
			if !strings.HasPrefix(sts, tt.wantSTS) {
				t.Errorf("StringToSign = %q, want prefix %q", sts, tt.wantSTS)
			}
			if got := rpcSignature(tt.secret, sts); got != tt.wantSigna {
				t.Errorf("Signature = %q, want %q", got, tt.wantSigna)
			}
		})
	}
}

// backTo moves e's clock to at.
func backTo(e *Emulator, at string) {
	t, err := time.Parse(timeLayout, at)
	if err != nil {
		panic(err)
	}
	e.Advance(t.Sub(e.Now()))
}

// TestPublishedRequestsAccepted replays the requests of vectors A-5 (ACS3)
// and A-6 (RPC) byte for byte with the emulator's clock set to their date:
// the gateway checks pass and the param, never minted here, is judged F014.
// Sent twice, the second is a nonce reuse.
func TestPublishedRequestsAccepted(t *testing.T) {
	t.Parallel()
	const body = "CaptchaVerifyParam=%7B%22sceneId%22%3A%22abc123%22%2C%22certifyId%22%3A%22xyz%22%2C%22deviceToken%22%3A%22dt%22%2C%22data%22%3A%22d%22%7D&SceneId=abc123"
	acs3 := func() *http.Request {
		r := httptest.NewRequest(http.MethodPost, "http://captcha.cn-shanghai.aliyuncs.com/", strings.NewReader(body))
		h := r.Header
		h.Set("Content-Type", "application/x-www-form-urlencoded")
		h.Set("Accept", "application/json")
		h.Set("User-Agent", "AlibabaCloud (linux; amd64) Golang/1.26 Core/0.01 TeaDSL/2")
		h.Set("x-acs-action", "VerifyIntelligentCaptcha")
		h.Set("x-acs-version", "2023-03-05")
		h.Set("x-acs-date", "2023-10-26T10:22:32Z")
		h.Set("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d")
		h.Set("x-acs-content-sha256", "0a82c7153d0c2393e2628514ddadbe3aa922ded624a25bdb9c924c912b1c2e8c")
		h.Set("Authorization", "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=e6883944fc988c233d5357d54123cf09b24b734b1b7675cb4635bb52297325a9")
		return r
	}
	rpc := func() *http.Request {
		q := url.Values{
			"AccessKeyId": {"YourAccessKeyId"}, "Action": {"VerifyIntelligentCaptcha"}, "Format": {"json"},
			"SignatureMethod": {"HMAC-SHA1"}, "SignatureNonce": {"3156853299f313e23d1673dc12e1703d"},
			"SignatureVersion": {"1.0"}, "Timestamp": {"2023-10-26T10:22:32Z"}, "Version": {"2023-03-05"},
			"Signature": {"xZxAQ6oF4clUizOF9ZVBUpakDgA="},
		}
		r := httptest.NewRequest(http.MethodPost, "http://captcha.cn-shanghai.aliyuncs.com/?"+q.Encode(), strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
	for name, mk := range map[string]func() *http.Request{"A-5 ACS3": acs3, "A-6 RPC": rpc} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := New(Config{})
			backTo(e, "2023-10-26T10:25:00Z")
			for i, want := range []string{`"VerifyCode":"F014"`, `"Code":"SignatureNonceUsed"`} {
				rec := httptest.NewRecorder()
				e.ServeHTTP(rec, mk())
				if !strings.Contains(rec.Body.String(), want) {
					t.Errorf("request %d: %d %s, want %s", i+1, rec.Code, rec.Body, want)
				}
			}
			if got := e.Calls(); got != 2 {
				t.Errorf("Calls() = %d, want 2", got)
			}
		})
	}
	t.Run("A-5 tampered body", func(t *testing.T) {
		t.Parallel()
		e := New(Config{})
		backTo(e, "2023-10-26T10:25:00Z")
		r := acs3()
		r.Body = http.NoBody
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, r)
		var env struct{ RequestID, HostID, Code, Message, Recommend string }
		if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
			t.Fatal(err)
		}
		if rec.Code != 400 || env.Code != "SignatureDoesNotMatch" || env.RequestID == "" || env.HostID == "" || env.Message == "" || env.Recommend == "" {
			t.Errorf("got %d %s, want a 400 SignatureDoesNotMatch envelope", rec.Code, rec.Body)
		}
	})
	t.Run("A-5 outside the clock window", func(t *testing.T) {
		t.Parallel()
		e := New(Config{})
		backTo(e, "2023-10-26T10:38:00Z")
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, acs3())
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), `"InvalidTimeStamp.Expired"`) {
			t.Errorf("got %d %s, want InvalidTimeStamp.Expired", rec.Code, rec.Body)
		}
	})
}

// FuzzParseParam feeds arbitrary captchaVerifyParam values to the emulator's
// parser and judge: never a panic, never a pass for a param it did not mint.
func FuzzParseParam(f *testing.F) {
	for _, s := range []string{
		"", "x", "{}", "null", "[]", `{"sceneId":"abc123"}`, `{"sceneId":"abc123","certifyId":"xyz"}`,
		`{"sceneId":1,"certifyId":"x"}`, `  {"sceneId":"abc123","certifyId":"c","data":"\u0000"}`,
	} {
		f.Add(s)
	}
	e := New(Config{})
	f.Fuzz(func(t *testing.T, s string) {
		scene, certify, code, ok := parseParam(s)
		if ok != (code == "") || ok && (scene == "" || certify == "") {
			t.Fatalf("parseParam(%q) = (%q, %q, %q, %v)", s, scene, certify, code, ok)
		}
		if got := e.judge(s, DefaultSceneID); got == "" || got[0] == 'T' {
			t.Fatalf("judge(%q) = %q, want an F-code", s, got)
		}
	})
}
