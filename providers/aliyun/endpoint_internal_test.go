package aliyun

import "testing"

func TestEndpoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		cfg      Config
		wantURL  string
		wantHost string
	}{
		{"default is cn", Config{}, "https://captcha.cn-shanghai.aliyuncs.com/", "captcha.cn-shanghai.aliyuncs.com"},
		{"cn", Config{Region: RegionCN}, "https://captcha.cn-shanghai.aliyuncs.com/", "captcha.cn-shanghai.aliyuncs.com"},
		{"sgp", Config{Region: RegionSGP}, "https://captcha.ap-southeast-1.aliyuncs.com/", "captcha.ap-southeast-1.aliyuncs.com"},
		{"cn dual-stack", Config{Region: RegionCN, DualStack: true}, "https://captcha-dualstack.cn-shanghai.aliyuncs.com/", "captcha-dualstack.cn-shanghai.aliyuncs.com"},
		{"sgp dual-stack", Config{Region: RegionSGP, DualStack: true}, "https://captcha-dualstack.ap-southeast-1.aliyuncs.com/", "captcha-dualstack.ap-southeast-1.aliyuncs.com"},
		{"Endpoint host wins over Region", Config{Region: RegionSGP, Endpoint: "captcha.cn-shanghai.aliyuncs.com"}, "https://captcha.cn-shanghai.aliyuncs.com/", "captcha.cn-shanghai.aliyuncs.com"},
		{"Endpoint base URL", Config{Endpoint: "http://127.0.0.1:1234"}, "http://127.0.0.1:1234/", "127.0.0.1:1234"},
		{"Endpoint base URL with slash", Config{Endpoint: "http://127.0.0.1:1234/"}, "http://127.0.0.1:1234/", "127.0.0.1:1234"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u, h, err := endpoint(tt.cfg)
			if err != nil || u != tt.wantURL || h != tt.wantHost {
				t.Errorf("endpoint = (%q, %q, %v), want (%q, %q, nil)", u, h, err, tt.wantURL, tt.wantHost)
			}
		})
	}
}
