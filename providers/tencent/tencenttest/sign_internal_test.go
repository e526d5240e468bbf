package tencenttest

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// TestCanonicalVectors checks the emulator's own TC3 implementation against
// the official vectors T-1 and T-2 (docs/wire.md#test-vectors).
func TestCanonicalVectors(t *testing.T) {
	t.Parallel()
	const (
		key  = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
		body = `{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}`
		ts   = 1551113065
		date = "2019-02-25"
	)
	headers := map[string]string{
		"content-type": "application/json; charset=utf-8",
		"host":         "cvm.tencentcloudapi.com",
		"x-tc-action":  "DescribeInstances",
	}
	tests := []struct {
		name              string
		signed            []string
		wantHash, wantSig string
	}{
		{"T-1", []string{"content-type", "host"},
			"5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031",
			"72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"},
		{"T-2", []string{"content-type", "host", "x-tc-action"},
			"7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84",
			"644be983de9a8a3f00db8eadaba61467c3b429e2215758ba897b738ca469fd26"},
	}
	for _, tt := range tests {
		cr := canonicalRequest("POST", tt.signed, func(n string) string { return headers[n] }, []byte(body))
		sum := sha256.Sum256([]byte(cr))
		if got := hex.EncodeToString(sum[:]); got != tt.wantHash {
			t.Errorf("%s: hash(CanonicalRequest) = %s, want %s", tt.name, got, tt.wantHash)
		}
		if got := signature(key, date, "cvm", stringToSign(ts, date, "cvm", cr)); got != tt.wantSig {
			t.Errorf("%s: signature = %s, want %s", tt.name, got, tt.wantSig)
		}
	}
}
