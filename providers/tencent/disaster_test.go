package tencent_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/captchakit/captcha/providers/tencent"
)

func TestParseDisasterTicket(t *testing.T) {
	t.Parallel()
	at := time.Unix(1551113065, 0).UTC()
	tests := []struct {
		in      string
		want    tencent.DisasterTicket
		wantErr error
	}{
		{"trerror_1001_199999164_1551113065", tencent.DisasterTicket{Prefix: "trerror_", ErrorCode: 1001, AppID: 199999164, Issued: at}, nil},
		{"terror_1001_199999164_1551113065", tencent.DisasterTicket{Prefix: "terror_", ErrorCode: 1001, AppID: 199999164, Issued: at}, nil},
		{"trerror_1001_1999991641551113065", tencent.DisasterTicket{Prefix: "trerror_", ErrorCode: 1001, AppID: 199999164, Issued: at}, nil},
		{"trerror_1085_7_1", tencent.DisasterTicket{Prefix: "trerror_", ErrorCode: 1085, AppID: 7, Issued: time.Unix(1, 0).UTC()}, nil},
		{"tr03XaCUZ", tencent.DisasterTicket{}, tencent.ErrNotDisasterTicket},
		{"", tencent.DisasterTicket{}, tencent.ErrNotDisasterTicket},
		{"TRERROR_1001_199999164_1551113065", tencent.DisasterTicket{}, tencent.ErrNotDisasterTicket},
		{"trerror_", tencent.DisasterTicket{}, tencent.ErrMalformedDisasterTicket},
		{"trerror_1001", tencent.DisasterTicket{}, tencent.ErrMalformedDisasterTicket},
		{"trerror__199999164_1551113065", tencent.DisasterTicket{}, tencent.ErrMalformedDisasterTicket},
		{"trerror_1001__1551113065", tencent.DisasterTicket{}, tencent.ErrMalformedDisasterTicket},
		{"trerror_1001_199999164_", tencent.DisasterTicket{}, tencent.ErrMalformedDisasterTicket},
		{"trerror_1001_0_1551113065", tencent.DisasterTicket{}, tencent.ErrMalformedDisasterTicket},
		{"trerror_1001_199999164_1551113065_x", tencent.DisasterTicket{}, tencent.ErrMalformedDisasterTicket},
		{"trerror_1001_199999164_155111306x", tencent.DisasterTicket{}, tencent.ErrMalformedDisasterTicket},
		{"trerror_1001_+199999164_1551113065", tencent.DisasterTicket{}, tencent.ErrMalformedDisasterTicket},
		{"trerror_1001_1551113065", tencent.DisasterTicket{}, tencent.ErrMalformedDisasterTicket},
		{"trerror_1001_99999999999999999999_1", tencent.DisasterTicket{}, tencent.ErrMalformedDisasterTicket},
		{"trerror_1001_1_999999999999", tencent.DisasterTicket{}, tencent.ErrMalformedDisasterTicket},
		{"trerror_1234567_1_1", tencent.DisasterTicket{}, tencent.ErrMalformedDisasterTicket},
	}
	for _, tt := range tests {
		got, err := tencent.ParseDisasterTicket(tt.in)
		if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
			t.Errorf("ParseDisasterTicket(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseDisasterTicket(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if err != nil && tt.in != "" && strings.Contains(err.Error(), tt.in) {
			t.Errorf("error %q contains the ticket", err)
		}
	}
}

func FuzzParseDisasterTicket(f *testing.F) {
	for _, s := range []string{
		"trerror_1001_199999164_1551113065", "terror_1001_199999164_1551113065",
		"trerror_1001_1999991641551113065", "trerror_1_1_1", "tr03XaCUZ*", "trerror_1001_18446744073709551616_1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := tencent.ParseDisasterTicket(s)
		if err != nil {
			if !errors.Is(err, tencent.ErrNotDisasterTicket) && !errors.Is(err, tencent.ErrMalformedDisasterTicket) {
				t.Fatalf("ParseDisasterTicket(%q) error %v is not a package sentinel", s, err)
			}
			if tencent.IsDisasterTicket(s) == errors.Is(err, tencent.ErrNotDisasterTicket) {
				t.Fatalf("IsDisasterTicket(%q) disagrees with error %v", s, err)
			}
			return
		}
		if !strings.HasPrefix(s, d.Prefix) || d.AppID == 0 || d.ErrorCode < 0 {
			t.Fatalf("ParseDisasterTicket(%q) = %+v", s, d)
		}
		// The canonical spellings of the parsed ticket parse to the same value.
		for _, re := range []string{
			d.Prefix + itoa(int64(d.ErrorCode)) + "_" + utoa(d.AppID) + "_" + itoa(d.Issued.Unix()),
		} {
			if d2, err := tencent.ParseDisasterTicket(re); err != nil || d2.AppID != d.AppID || !d2.Issued.Equal(d.Issued) {
				t.Fatalf("re-parse of %q (from %q) = %+v, %v; want %+v", re, s, d2, err, d)
			}
		}
	})
}
