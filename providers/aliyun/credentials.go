package aliyun

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"

	"github.com/captchakit/captcha/internal/vendorhttp"
	captcha "github.com/captchakit/captcha/middleware"
)

// Credential is one set of Alibaba Cloud credentials: an AccessKey pair
// and, for temporary (STS) credentials, the security token. It is a
// CredentialSource that never changes.
type Credential struct {
	AccessKeyID     string
	AccessKeySecret string
	// SecurityToken is the STS token of temporary credentials, sent in the
	// signed x-acs-security-token header (with x-acs-accesskey-id); empty
	// for a long-term AccessKey.
	SecurityToken string
}

// CredentialSource supplies credentials that may change while the provider
// runs: STS tokens, RAM roles of the instance, keys rotated from a secret
// store. The provider calls RetrieveCredential once per verification, just
// before signing, with the verification's deadline in ctx; it keeps the
// signing state of the last credentials it got, so that the HMAC is keyed
// again only when they change.
//
// An error, or credentials that are empty or malformed (an empty
// AccessKeyID or AccessKeySecret, an AccessKeyID that is not printable ASCII
// without spaces, a SecurityToken with a line break), fails the
// verification with captcha.ErrMisconfigured (code CodeCredentials) without
// a call: it never leads to failback. The error says which part was wrong,
// never its value; an error from the source is wrapped, so it must not
// carry secrets either.
//
// github.com/aliyun/credentials-go (v1.4.x), which the official SDKs use for
// STS, RAM roles and the other credential chains, has
// credentials.Credential with GetCredential() (*credentials.CredentialModel,
// error). It fits through [CredentialFunc]:
//
//	cred, err := credentials.NewCredential(&credentials.Config{
//		Type:            tea.String("sts"),
//		AccessKeyId:     tea.String(id),
//		AccessKeySecret: tea.String(secret),
//		SecurityToken:   tea.String(token),
//	})
//	if err != nil { ... }
//	src := aliyun.CredentialFunc(func(context.Context) (aliyun.Credential, error) {
//		m, err := cred.GetCredential() // refreshes an expiring STS or role credential
//		if err != nil {
//			return aliyun.Credential{}, err
//		}
//		return aliyun.Credential{
//			AccessKeyID:     tea.StringValue(m.AccessKeyId),
//			AccessKeySecret: tea.StringValue(m.AccessKeySecret),
//			SecurityToken:   tea.StringValue(m.SecurityToken),
//		}, nil
//	})
//	p, err := aliyun.New(aliyun.Config{Credentials: src, SceneID: "ql545gof"})
//
// GetCredential returns the three parts together, so a rotation cannot
// tear them; avoid the deprecated GetAccessKeyId, GetAccessKeySecret and
// GetSecurityToken, read one after the other.
type CredentialSource interface {
	RetrieveCredential(ctx context.Context) (Credential, error)
}

// CredentialFunc is a CredentialSource from a function.
type CredentialFunc func(ctx context.Context) (Credential, error)

// RetrieveCredential returns f(ctx).
func (f CredentialFunc) RetrieveCredential(ctx context.Context) (Credential, error) { return f(ctx) }

// RetrieveCredential returns c.
func (c Credential) RetrieveCredential(context.Context) (Credential, error) { return c, nil }

// CodeCredentials is the captcha.VerifyError.Code of a verification that
// failed because Config.Credentials returned an error or unusable
// credentials.
const CodeCredentials = "credentials"

// RotatingCredential is a CredentialSource whose credentials the program
// replaces with Store, from a refresh loop or a secret-store watcher: every
// verification after Store returns signs with the new credentials, and none
// sees a mix of two. It is safe for concurrent use. Until the first Store
// (the zero value) it has none, and verifications fail with
// captcha.ErrMisconfigured.
type RotatingCredential struct {
	cur atomic.Pointer[Credential]
}

// NewRotatingCredential returns a RotatingCredential holding c.
func NewRotatingCredential(c Credential) *RotatingCredential {
	r := new(RotatingCredential)
	r.Store(c)
	return r
}

// Store replaces the credentials.
func (r *RotatingCredential) Store(c Credential) { r.cur.Store(&c) }

// Load returns the current credentials, and false before the first Store.
func (r *RotatingCredential) Load() (Credential, bool) {
	if c := r.cur.Load(); c != nil {
		return *c, true
	}
	return Credential{}, false
}

// RetrieveCredential returns the current credentials, or an error before
// the first Store.
func (r *RotatingCredential) RetrieveCredential(context.Context) (Credential, error) {
	if c, ok := r.Load(); ok {
		return c, nil
	}
	return Credential{}, errNoCredentials
}

var (
	_ CredentialSource = Credential{}
	_ CredentialSource = CredentialFunc(nil)
	_ CredentialSource = (*RotatingCredential)(nil)
)

var (
	errNoCredentials = errors.New("aliyun: RotatingCredential has no credentials yet (Store was never called)")
	errCredID        = errors.New("aliyun: credential source returned an empty or malformed AccessKeyID")
	errCredSecret    = errors.New("aliyun: credential source returned an empty AccessKeySecret")
	errCredToken     = errors.New("aliyun: credential source returned a SecurityToken with a line break")
)

// check applies New's rules for AccessKeyID, AccessKeySecret and
// SecurityToken.
func (c Credential) check() error {
	switch {
	case !printable(c.AccessKeyID):
		return errCredID
	case c.AccessKeySecret == "":
		return errCredSecret
	case strings.ContainsAny(c.SecurityToken, "\r\n"):
		return errCredToken
	}
	return nil
}

// keyed is what a request is signed with: the AccessKey ID, the STS token
// (empty for a long-term key) and a signer keyed with the secret.
type keyed struct {
	keyID  string
	token  string
	secret string
	signer *signer
}

// credentials returns what this verification signs with: the static Config
// credentials, or the Config.Credentials source read once. A signer is kept
// for the last credentials read, so its pooled HMAC state is keyed again
// only when they change.
func (p *Provider) credentials(ctx context.Context) (*keyed, error) {
	if p.source == nil {
		return &p.static, nil
	}
	c, err := p.source.RetrieveCredential(ctx)
	if err == nil {
		err = c.check()
	}
	if err != nil {
		return nil, vendorhttp.Wrap(Name, captcha.ErrMisconfigured, CodeCredentials, err)
	}
	if k := p.current.Load(); k != nil && k.keyID == c.AccessKeyID && k.secret == c.AccessKeySecret && k.token == c.SecurityToken {
		return k, nil
	}
	k := &keyed{keyID: c.AccessKeyID, token: c.SecurityToken, secret: c.AccessKeySecret, signer: newSigner(c.AccessKeySecret)}
	p.current.Store(k)
	return k, nil
}
