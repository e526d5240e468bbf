// Package faultmatrix holds the fault-matrix tests: every provider against
// its emulator, under every injected fault and every failback policy, through
// a real Verifier. It has no non-test code.
package faultmatrix
