package recaptcha

import "strconv"

// PageParams returns the public parameters the page's widget needs, for a
// failover chain's render handler (captcha.PageParams): the key's version
// ("2" or "3") as "version", and the sitekey as "sitekey" when
// Config.Sitekey is set. Never the secret.
func (p *Provider) PageParams() map[string]string {
	m := map[string]string{"version": strconv.Itoa(int(p.version))}
	if p.sitekey != "" {
		m["sitekey"] = p.sitekey
	}
	return m
}
