package browser

import (
	"testing"
	"time"
)

func TestGuard(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		env      string
		deadline time.Time
		want     time.Duration
		wantErr  bool
	}{
		{name: "default", want: DefaultTimeout},
		{name: "set", env: "12m", want: 12 * time.Minute},
		{name: "far deadline", deadline: now.Add(time.Hour), want: DefaultTimeout},
		{name: "near deadline", deadline: now.Add(4 * time.Minute), want: 210 * time.Second},
		{name: "set, near deadline", env: "1h", deadline: now.Add(16 * time.Minute), want: 14 * time.Minute},
		{name: "zero", env: "0", wantErr: true},
		{name: "negative", env: "-5m", wantErr: true},
		{name: "no unit", env: "300", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := guard(tt.env, tt.deadline, now)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("guard(%q, %v) = (%v, %v), want (%v, error %t)", tt.env, tt.deadline, got, err, tt.want, tt.wantErr)
			}
		})
	}
}
