package captcha

import "time"

// SetLedgerClock replaces the clock of a ledger from NewMemoryLedger.
func SetLedgerClock(l Ledger, now func() time.Time) { l.(*memoryLedger).now = now }

// ScanJSON, ScanURLEncoded and ValidJSON expose the body scanners to the
// fuzz tests.
var (
	ScanJSON       = scanJSON
	ScanURLEncoded = scanURLEncoded
	ValidJSON      = validJSON
	BudgetKey      = budgetKey
)
