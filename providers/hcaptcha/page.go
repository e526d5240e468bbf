package hcaptcha

// PageParams returns the public parameter the page's widget needs, for a
// failover chain's render handler (captcha.PageParams): the sitekey, as
// "sitekey", when Config.Sitekey is set; nil otherwise. Never the secret.
func (p *Provider) PageParams() map[string]string {
	if p.sitekey == "" {
		return nil
	}
	return map[string]string{"sitekey": p.sitekey}
}
