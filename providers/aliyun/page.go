package aliyun

// PageParams returns the public parameter the page's AliyunCaptcha.js needs,
// for a failover chain's render handler (captcha.PageParams): the scene ID,
// as "sceneId". The page also needs the account's prefix and region, which
// the provider does not hold. Never a key.
func (p *Provider) PageParams() map[string]string {
	return map[string]string{"sceneId": p.sceneID}
}
