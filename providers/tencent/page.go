package tencent

import "strconv"

// PageParams returns the public parameter the page's TCaptcha.js needs, for
// a failover chain's render handler (captcha.PageParams): the CaptchaAppId,
// as "appId". Never a key.
func (p *Provider) PageParams() map[string]string {
	return map[string]string{"appId": strconv.FormatUint(p.appID, 10)}
}
