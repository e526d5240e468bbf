package tencent

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"

	"github.com/captchakit/captcha/internal/vendorhttp"
	captcha "github.com/captchakit/captcha/middleware"
)

// CredentialSource supplies API credentials that may change while the
// provider runs: temporary (STS) keys, instance roles, keys rotated from a
// secret store. The provider reads it once per verification, just before
// signing; it keeps the signing state of the last credentials it read, so
// that the signing key is derived again only when they change.
//
// The method set is the reading half of tencentcloud-sdk-go's
// common.CredentialIface (github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common,
// checked against v1.3.103), so the SDK's credential values are
// CredentialSources as they are, and so is any common.CredentialIface:
// *common.Credential (common.NewCredential, common.NewTokenCredential), and
// what the SDK's providers' GetCredential returns, such as the
// *common.CvmRoleCredential of a CvmRoleProvider and the
// *common.RoleArnCredential of a RoleArnProvider or OIDCRoleArnProvider,
// which refresh themselves before they expire. The names keep the SDK's
// spelling.
//
// Reading three getters one after the other can tear: a rotation between
// them yields the new SecretId with the old SecretKey. So the provider reads,
// in this order of preference:
//
//   - RetrieveCredential(ctx) (Credential, error), when the source
//     implements [CredentialRetriever] (Credential, RotatingCredential): all
//     three at once, and an error when there are none;
//   - GetCredential() (secretID, secretKey, token string), which the SDK's
//     types have (common.CredentialIface includes it): all three at once,
//     under the source's own lock;
//   - otherwise GetSecretId, GetSecretKey, GetToken and GetSecretId again,
//     read again (up to three times) while the ID changed in between. A
//     source that rotates the key without changing the ID can still tear
//     here; the call then fails with AuthFailure (ErrMisconfigured, so it
//     fails closed) and the next one succeeds.
//
// Credentials that are empty or malformed (an empty SecretId or SecretKey;
// a SecretId or token that is not printable ASCII without spaces, or a
// SecretId with '/' or ',') and a retriever's error fail the verification
// with captcha.ErrMisconfigured (code CodeCredentials) without a call: they
// never lead to failback. The error says which part was wrong, never its
// value; a retriever's own error is wrapped, so it must not carry secrets
// either.
type CredentialSource interface {
	GetSecretId() string //nolint:revive // the SDK's spelling, so its types fit
	GetSecretKey() string
	GetToken() string
}

// CredentialRetriever is a CredentialSource that returns all three parts at
// once, or an error (no credentials yet, a failed refresh). The provider
// prefers RetrieveCredential to the getters; ctx carries the verification's
// deadline.
type CredentialRetriever interface {
	CredentialSource
	RetrieveCredential(ctx context.Context) (Credential, error)
}

// credentialSnapshot is the SDK's GetCredential: all three parts at once.
type credentialSnapshot interface {
	GetCredential() (secretID, secretKey, token string)
}

// CodeCredentials is the captcha.VerifyError.Code of a verification that
// failed because Config.Credentials returned an error or unusable
// credentials.
const CodeCredentials = "credentials"

// Credential is one set of API credentials: the key pair and, for temporary
// (STS) credentials, the session token. It is a CredentialSource that never
// changes, with the SDK's getters.
type Credential struct {
	SecretID  string
	SecretKey string
	// Token is the session token of temporary credentials, sent in
	// X-TC-Token; empty for permanent keys.
	Token string
}

var (
	_ CredentialRetriever = Credential{}
	_ CredentialRetriever = (*RotatingCredential)(nil)
	_ credentialSnapshot  = Credential{}
)

// GetSecretId returns c.SecretID.
func (c Credential) GetSecretId() string { return c.SecretID } //nolint:revive // the SDK's spelling

// GetSecretKey returns c.SecretKey.
func (c Credential) GetSecretKey() string { return c.SecretKey }

// GetToken returns c.Token.
func (c Credential) GetToken() string { return c.Token }

// GetCredential returns the three parts, as the SDK's GetCredential does.
func (c Credential) GetCredential() (secretID, secretKey, token string) {
	return c.SecretID, c.SecretKey, c.Token
}

// RetrieveCredential returns c.
func (c Credential) RetrieveCredential(context.Context) (Credential, error) { return c, nil }

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

// GetSecretId returns the current SecretID.
func (r *RotatingCredential) GetSecretId() string { c, _ := r.Load(); return c.SecretID } //nolint:revive // the SDK's spelling

// GetSecretKey returns the current SecretKey.
func (r *RotatingCredential) GetSecretKey() string { c, _ := r.Load(); return c.SecretKey }

// GetToken returns the current Token.
func (r *RotatingCredential) GetToken() string { c, _ := r.Load(); return c.Token }

// GetCredential returns the current three parts at once.
func (r *RotatingCredential) GetCredential() (secretID, secretKey, token string) {
	c, _ := r.Load()
	return c.SecretID, c.SecretKey, c.Token
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
	errNoCredentials = errors.New("tencent: RotatingCredential has no credentials yet (Store was never called)")
	errCredTorn      = errors.New("tencent: credential source kept changing while it was read")
	errCredID        = errors.New("tencent: credential source returned an empty or malformed SecretId")
	errCredKey       = errors.New("tencent: credential source returned an empty SecretKey")
	errCredToken     = errors.New("tencent: credential source returned a malformed token")
)

// readCredential reads src once (see CredentialSource for the order of
// preference) and checks what it got.
func readCredential(ctx context.Context, src CredentialSource) (Credential, error) {
	var c Credential
	switch s := src.(type) {
	case CredentialRetriever:
		var err error
		if c, err = s.RetrieveCredential(ctx); err != nil {
			return Credential{}, err
		}
	case credentialSnapshot:
		c.SecretID, c.SecretKey, c.Token = s.GetCredential()
	default:
		torn := true
		for range 3 {
			c = Credential{SecretID: src.GetSecretId(), SecretKey: src.GetSecretKey(), Token: src.GetToken()}
			if src.GetSecretId() == c.SecretID {
				torn = false
				break
			}
		}
		if torn {
			return Credential{}, errCredTorn
		}
	}
	return c, c.check()
}

// check applies New's rules for SecretID, SecretKey and Token.
func (c Credential) check() error {
	switch {
	case !headerToken(c.SecretID) || strings.ContainsAny(c.SecretID, "/,"):
		return errCredID
	case c.SecretKey == "":
		return errCredKey
	case c.Token != "" && !headerToken(c.Token):
		return errCredToken
	}
	return nil
}

// headerToken reports whether v is non-empty printable ASCII without spaces.
func headerToken(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] >= 0x7f {
			return false
		}
	}
	return true
}

// keyed is what a request is signed with: a Signer for one key pair and the
// X-TC-Token header value (nil without a token).
type keyed struct {
	signer *Signer
	token  []string
}

// credentials returns what this verification signs with: the static
// Config credentials, or the Config.Credentials source read once. A Signer
// is kept for the last credentials read, so the signing key is derived
// again only when they change (or the UTC day does).
func (p *Provider) credentials(ctx context.Context) (*keyed, error) {
	if p.source == nil {
		return &p.static, nil
	}
	c, err := readCredential(ctx, p.source)
	if err != nil {
		return nil, vendorhttp.Wrap(Name, captcha.ErrMisconfigured, CodeCredentials, err)
	}
	if k := p.current.Load(); k != nil && k.signer.secretID == c.SecretID && k.signer.secretKey == c.SecretKey &&
		tokenOf(k) == c.Token {
		return k, nil
	}
	k := &keyed{signer: NewSigner(c.SecretID, c.SecretKey, Service, p.host)}
	if c.Token != "" {
		k.token = []string{c.Token}
	}
	p.current.Store(k)
	return k, nil
}

func tokenOf(k *keyed) string {
	if k.token == nil {
		return ""
	}
	return k.token[0]
}
