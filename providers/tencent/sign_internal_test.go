package tencent

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"testing"
)

// Vectors T-1 and T-3 of docs/wire.md#test-vectors.
const (
	vecSecretID  = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
	vecSecretKey = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
	vecTimestamp = 1551113065
	vecT3Body    = `{"CaptchaType":9,"Ticket":"tr03XaCUZ","UserIp":"127.0.0.1","Randstr":"@Vki","CaptchaAppId":199999164,"AppSecretKey":"E4kwK9AcXQMHkktiItyMEyQPn"}`
)

func TestSignerVectors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, service, host, contentType, body, want string
	}{
		{
			name:        "T-1 official cvm",
			service:     "cvm",
			host:        "cvm.tencentcloudapi.com",
			contentType: "application/json; charset=utf-8",
			body:        `{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}`,
			want: "TC3-HMAC-SHA256 Credential=" + vecSecretID + "/2019-02-25/cvm/tc3_request, " +
				"SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168",
		},
		{
			name:        "T-3 captcha",
			service:     Service,
			host:        DefaultEndpoint,
			contentType: "application/json",
			body:        vecT3Body,
			want: "TC3-HMAC-SHA256 Credential=" + vecSecretID + "/2019-02-25/captcha/tc3_request, " +
				"SignedHeaders=content-type;host, Signature=7a1faa92c8b9572ba1ad030cc423a3cf849d55d3810ee2e1779dffd9b3fd97b1",
		},
		{
			name:        "T-3 captcha international host",
			service:     Service,
			host:        InternationalEndpoint,
			contentType: "application/json",
			body:        vecT3Body,
			want: "TC3-HMAC-SHA256 Credential=" + vecSecretID + "/2019-02-25/captcha/tc3_request, " +
				"SignedHeaders=content-type;host, Signature=6511acdfc56b503546a3eefee7195b20fce9a8a4e86ee876ab730be6fb6244af",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := NewSigner(vecSecretID, vecSecretKey, tt.service, tt.host)
			for i := range 2 { // derived, then cached
				if got := s.Authorization(vecTimestamp, tt.contentType, []byte(tt.body)); got != tt.want {
					t.Errorf("call %d: Authorization() =\n%s\nwant\n%s", i, got, tt.want)
				}
			}
		})
	}
}

func TestDeriveKeyT1(t *testing.T) {
	t.Parallel()
	// kSigning of T-1 (2019-02-25, cvm), recovered from the cached pads.
	k := deriveKey(vecSecretKey, "cvm", vecTimestamp/86400)
	if got := string(k.date[:]); got != "2019-02-25" {
		t.Errorf("date = %q, want 2019-02-25", got)
	}
	var kSigning [32]byte
	for i := range kSigning {
		kSigning[i] = k.ipad[i] ^ 0x36
	}
	const want = "ac658d5dde49e9bfdd14e04e062f66b05d9f637d44b8a8d845327d4a77f666b1"
	if got := hex.EncodeToString(kSigning[:]); got != want {
		t.Errorf("kSigning = %s, want %s", got, want)
	}
}

// TestSignerKeyPerDay checks that the cached key follows the UTC day, and
// that the signature equals one computed with crypto/hmac from scratch.
func TestSignerKeyPerDay(t *testing.T) {
	t.Parallel()
	s := NewSigner(vecSecretID, vecSecretKey, Service, DefaultEndpoint)
	body := []byte(vecT3Body)
	for _, ts := range []int64{vecTimestamp, vecTimestamp + 86400, vecTimestamp, 0, 86399, 86400, -1} {
		got := s.Authorization(ts, "application/json", body)
		if want := referenceAuthorization(ts, body); got != want {
			t.Errorf("ts %d: Authorization() =\n%s\nwant\n%s", ts, got, want)
		}
	}
}

func TestSignerConcurrent(t *testing.T) {
	t.Parallel()
	s := NewSigner(vecSecretID, vecSecretKey, Service, DefaultEndpoint)
	body := []byte(vecT3Body)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			ts := int64(vecTimestamp + i%3*86400)
			if got, want := s.Authorization(ts, "application/json", body), referenceAuthorization(ts, body); got != want {
				t.Errorf("ts %d: got %s, want %s", ts, got, want)
			}
		})
	}
	wg.Wait()
}

func TestSignerNoAllocs(t *testing.T) {
	s := NewSigner(vecSecretID, vecSecretKey, Service, DefaultEndpoint)
	body := []byte(vecT3Body)
	var buf [256]byte
	s.appendAuthorization(buf[:0], vecTimestamp, "application/json", body)
	if n := testing.AllocsPerRun(100, func() {
		s.appendAuthorization(buf[:0], vecTimestamp, "application/json", body)
	}); n != 0 {
		t.Errorf("appendAuthorization allocates %v times per call, want 0", n)
	}
}

// referenceAuthorization is TC3 written out step by step
// (docs/wire.md#tencent-tc3-signing) with crypto/hmac and a per-call key
// derivation.
func referenceAuthorization(ts int64, body []byte) string {
	mac := func(key []byte, msg string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(msg))
		return m.Sum(nil)
	}
	hexsum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	date := timeDate(ts)
	cr := "POST\n/\n\ncontent-type:application/json\nhost:" + DefaultEndpoint + "\n\ncontent-type;host\n" + hexsum(body)
	scope := date + "/captcha/tc3_request"
	sts := "TC3-HMAC-SHA256\n" + itoa(ts) + "\n" + scope + "\n" + hexsum([]byte(cr))
	k := mac(mac(mac([]byte("TC3"+vecSecretKey), date), "captcha"), "tc3_request")
	return "TC3-HMAC-SHA256 Credential=" + vecSecretID + "/" + scope +
		", SignedHeaders=content-type;host, Signature=" + hex.EncodeToString(mac(k, sts))
}

// TestSignerCachesKey checks that the key is derived once per UTC day.
func TestSignerCachesKey(t *testing.T) {
	t.Parallel()
	s := NewSigner(vecSecretID, vecSecretKey, Service, DefaultEndpoint)
	day := int64(vecTimestamp) / 86400 * 86400
	k1 := s.key(day)
	if k2 := s.key(day + 86399); k2 != k1 {
		t.Error("key derived again within the same UTC day")
	}
	k3 := s.key(day + 86400)
	if k3 == k1 || string(k3.date[:]) != "2019-02-26" {
		t.Errorf("next day: key reused or date %q, want a new key for 2019-02-26", k3.date[:])
	}
	if s.key(day+86400+1) != k3 {
		t.Error("key derived again on the next day")
	}
}

// TestResumeFallback checks that a saved SHA-256 state resumes to the same
// digest by unmarshaling and, for a hash that cannot, by writing the saved
// message again.
func TestResumeFallback(t *testing.T) {
	t.Parallel()
	prefix := []byte("POST\n/\n\ncontent-type:application/json\nhost:captcha.tencentcloudapi.com\n\ncontent-type;host\n")
	rest := []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	want := sha256.Sum256(append(append([]byte(nil), prefix...), rest...))
	saved := saveState(prefix)
	if saved.state == nil {
		t.Fatal("crypto/sha256 state not saved")
	}
	for _, st := range []*sigState{
		sigStates.Get().(*sigState), // resumes by unmarshaling
		{h: sha256.New()},           // no unmarshaler: writes the prefix again
	} {
		st.resume(saved)
		st.h.Write(rest)
		if got := st.h.Sum(nil); string(got) != string(want[:]) {
			t.Errorf("resumed digest %x, want %x (unmarshaler %v)", got, want, st.u != nil)
		}
	}
}
