package captcha_test

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
)

// ledgerNominal is the number of live keys NewMemoryLedger documents it
// holds (2^22).
const ledgerNominal = 1 << 22

// BenchmarkTableLedgerFill fills a ledger from NewMemoryLedger with claims on
// distinct keys, shaped as the Verifier's ("claim:<provider>:id:" and 64 hex
// digits), until the first ErrLedgerFull, and reports the heap the ledger
// holds then: B/key (live heap over keys held), MiB, and full-% (keys held
// when it first refused one, as a share of its nominal 2^22). Every
// iteration fills a new ledger; the figures are the last one's. Run it with
// -benchtime=1x: one fill is some 4 million claims and 300 MiB. It backs the
// "memory ledger" row of scripts/bench.sh.
func BenchmarkTableLedgerFill(b *testing.B) {
	ctx := context.Background()
	key := []byte("claim:bench:id:" + strings.Repeat("0", 64))
	digits := key[len(key)-64:]
	var perKey, mib, full float64
	for range b.N {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		l := captcha.NewMemoryLedger()
		held := 0
		for i := range uint64(2 * ledgerNominal) {
			var n [8]byte
			binary.BigEndian.PutUint64(n[:], i*0x9e3779b97f4a7c15) // distinct, spread
			hex.Encode(digits, n[:])
			first, err := l.Claim(ctx, string(key), time.Hour)
			if errors.Is(err, captcha.ErrLedgerFull) {
				break
			}
			if err != nil || !first {
				b.Fatalf("Claim #%d = (%v, %v), want (true, nil)", i, first, err)
			}
			held++
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(l)
		if held == 0 {
			b.Fatal("the ledger refused the first key")
		}
		bytes := float64(after.HeapAlloc) - float64(before.HeapAlloc)
		perKey, mib, full = bytes/float64(held), bytes/(1<<20), 100*float64(held)/ledgerNominal
	}
	b.ReportMetric(perKey, "B/key")
	b.ReportMetric(mib, "MiB")
	b.ReportMetric(full, "full-%")
}
