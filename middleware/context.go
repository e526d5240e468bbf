package captcha

import "context"

type contextKey struct{}

// NewContext returns a copy of ctx that carries r. The middleware stores the
// Result of a passing verification this way; adapters and tests may too.
func NewContext(ctx context.Context, r *Result) context.Context {
	return context.WithValue(ctx, contextKey{}, r)
}

// FromContext returns the Result stored in ctx by the middleware, and whether
// there was one. It returns (nil, false) for a context that never went through
// a Verifier.
func FromContext(ctx context.Context) (*Result, bool) {
	r, ok := ctx.Value(contextKey{}).(*Result)
	return r, ok && r != nil
}
