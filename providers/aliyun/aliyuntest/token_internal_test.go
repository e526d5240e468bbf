package aliyuntest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// rpcRequest builds a VerifyIntelligentCaptcha request signed with the RPC
// HMAC-SHA1 signature, with SecurityToken among the common parameters
// unless token is empty.
func rpcRequest(e *Emulator, id, secret, token, nonce string) *http.Request {
	form := url.Values{"CaptchaVerifyParam": {e.MintParam(DefaultSceneID)}, "SceneId": {DefaultSceneID}}
	q := url.Values{
		"AccessKeyId": {id}, "Action": {action}, "Format": {"json"}, "SignatureMethod": {"HMAC-SHA1"},
		"SignatureNonce": {nonce}, "SignatureVersion": {"1.0"}, "Timestamp": {e.Now().UTC().Format(timeLayout)},
		"Version": {version},
	}
	if token != "" {
		q.Set("SecurityToken", token)
	}
	signed := map[string]string{}
	for _, vs := range []url.Values{form, q} {
		for k, v := range vs {
			signed[k] = v[0]
		}
	}
	q.Set("Signature", rpcSignature(secret, rpcStringToSign(http.MethodPost, signed)))
	r := httptest.NewRequest(http.MethodPost, "http://"+hostID+"/?"+q.Encode(), strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

// TestSecurityTokenRPC checks the STS token under the RPC signature: a key
// configured with a token needs exactly that token, a long-term key takes
// any signed token or none, and a key added later or removed is honoured.
func TestSecurityTokenRPC(t *testing.T) {
	t.Parallel()
	e := New(Config{
		AccessKeys:     map[string]string{"STS.key": "sts-secret", "LTAIlong": "long-secret"},
		SecurityTokens: map[string]string{"STS.key": "token-1"},
	})
	n := 0
	send := func(id, secret, token string) string {
		n++
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, rpcRequest(e, id, secret, token, "nonce-"+strconv.Itoa(n)))
		return rec.Body.String()
	}
	const pass, mismatch, unknown = `"VerifyCode":"T001"`, `"Code":"InvalidSecurityToken.MismatchWithAccessKey"`, `"Code":"InvalidAccessKeyId.NotFound"`
	steps := []struct {
		name              string
		do                func()
		id, secret, token string
		want              string
	}{
		{"STS key with its token", nil, "STS.key", "sts-secret", "token-1", pass},
		{"STS key without a token", nil, "STS.key", "sts-secret", "", mismatch},
		{"STS key with another token", nil, "STS.key", "sts-secret", "token-2", mismatch},
		{"long-term key", nil, "LTAIlong", "long-secret", "", pass},
		{"long-term key with a token", nil, "LTAIlong", "long-secret", "anything", pass},
		{"token rotated", func() { e.AddAccessKey("STS.key", "sts-secret", "token-2") }, "STS.key", "sts-secret", "token-2", pass},
		{"old token after rotation", nil, "STS.key", "sts-secret", "token-1", mismatch},
		{"new STS key", func() { e.AddAccessKey("STS.next", "next-secret", "token-3") }, "STS.next", "next-secret", "token-3", pass},
		{"old STS key removed", func() { e.RemoveAccessKey("STS.key") }, "STS.key", "sts-secret", "token-2", unknown},
	}
	for _, s := range steps {
		if s.do != nil {
			s.do()
		}
		if got := send(s.id, s.secret, s.token); !strings.Contains(got, s.want) {
			t.Errorf("%s: reply %s, want %s", s.name, got, s.want)
		}
	}
}
