package altcha_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// widgetDir is the vendored widget, in the examples module's tree. The test
// reads its files only; it does not build or import that module.
var widgetDir = filepath.Join("..", "..", "examples", "internal", "demo", "static", "altcha")

// widgetSHA256 pins altcha 3.2.2's dist/main/altcha.min.js
// (protocols-global.md §4.8).
const widgetSHA256 = "71b2d6829de9893e5d6bfc806d343b2c7dead04b2157ff2a5ba3372938c3a6be"

// TestVendoredWidget checks that the vendored bundle is the pinned release,
// that its VERSION file records the same hash, that its licence sits beside
// it, and that it still carries the v1 support our challenges rely on. It is
// skipped where the examples tree is absent (a module-cache copy).
func TestVendoredWidget(t *testing.T) {
	t.Parallel()
	js, err := os.ReadFile(filepath.Join(widgetDir, "altcha.min.js"))
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("no examples tree here")
	}
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(js)
	if got := hex.EncodeToString(sum[:]); got != widgetSHA256 {
		t.Fatalf("sha256(altcha.min.js) = %s, want %s (altcha 3.2.2)", got, widgetSHA256)
	}
	version, err := os.ReadFile(filepath.Join(widgetDir, "VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"altcha", "3.2.2", widgetSHA256, "npm pack altcha@3.2.2"} {
		if !bytes.Contains(version, []byte(want)) {
			t.Errorf("VERSION does not mention %q", want)
		}
	}
	license, err := os.ReadFile(filepath.Join(widgetDir, "LICENSE.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(license, []byte("MIT License")) {
		t.Error("LICENSE.txt is not the MIT licence")
	}
	// The widget converts a v1 challenge (keeping the original salt for the
	// v1 payload) and registers the SHA-* solvers.
	for _, want := range []string{"_originalSalt", `"SHA-256"`, `"SHA-384"`, `"SHA-512"`} {
		if !bytes.Contains(js, []byte(want)) {
			t.Errorf("altcha.min.js lacks %s", want)
		}
	}
}
