package captcha

import (
	"context"
	"log/slog"
	"time"
)

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

// resultContext is a Result serving as the context that carries it, so
// that storing a fresh Result in the request context costs no allocation of
// its own. Everything but the Result's key is the parent's.
type resultContext Result

func (c *resultContext) Deadline() (time.Time, bool) { return c.parent.Deadline() }
func (c *resultContext) Done() <-chan struct{}       { return c.parent.Done() }
func (c *resultContext) Err() error                  { return c.parent.Err() }

func (c *resultContext) Value(key any) any {
	if key == (contextKey{}) {
		return (*Result)(c)
	}
	return c.parent.Value(key)
}

// withResult returns ctx carrying res: res itself, as a context, when it is
// a Result fresh from a Verifier that no context holds yet; otherwise a
// context from NewContext.
func withResult(ctx context.Context, res *Result) context.Context {
	if res.by != nil && res.parent == nil {
		res.parent = ctx
		return (*resultContext)(res)
	}
	return NewContext(ctx, res)
}

type logAttrsKey struct{}

// ContextWithLogAttrs returns a copy of ctx whose requests the Verifier logs
// with attrs added to every line (after any added before). Adapters use it to
// name the route; attrs that implement slog.LogValuer are resolved when the
// line is written, after routing.
func ContextWithLogAttrs(ctx context.Context, attrs ...slog.Attr) context.Context {
	prev, _ := ctx.Value(logAttrsKey{}).([]slog.Attr)
	all := make([]slog.Attr, 0, len(prev)+len(attrs))
	all = append(append(all, prev...), attrs...)
	return context.WithValue(ctx, logAttrsKey{}, all)
}

func logAttrs(ctx context.Context) []slog.Attr {
	a, _ := ctx.Value(logAttrsKey{}).([]slog.Attr)
	return a
}
