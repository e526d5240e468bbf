package captcha

import (
	"context"
	"log/slog"
	"time"
)

type contextKey struct{}

// NewContext returns a copy of ctx that carries r. The middleware stores the
// Result of a passing verification this way; adapters and tests may too.
//
// The first time a Result that a Verifier returned is stored, the Result
// itself becomes the context, at no allocation; so store it from the
// goroutine that got it, not from several at once.
func NewContext(ctx context.Context, r *Result) context.Context {
	if r != nil && r.by != nil && r.parent == nil {
		r.parent = ctx
		return (*resultContext)(r)
	}
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

type logAttrsKey struct{}

// ContextWithLogAttrs returns a copy of ctx whose requests the Verifier logs
// with attrs added to every line (after any added before). Adapters use it to
// name the route; attrs that implement slog.LogValuer are resolved when the
// line is written, after routing.
func ContextWithLogAttrs(ctx context.Context, attrs ...slog.Attr) context.Context {
	c := &attrsContext{Context: ctx}
	c.attrs = joinAttrs(&c.inline, logAttrs(ctx), attrs)
	return c
}

// joinAttrs returns prev followed by attrs, in inline when they fit: the
// common one or two attributes then cost no allocation of their own.
func joinAttrs(inline *[2]slog.Attr, prev, attrs []slog.Attr) []slog.Attr {
	var all []slog.Attr
	if n := len(prev) + len(attrs); n <= len(inline) {
		all = inline[:0:n]
	} else {
		all = make([]slog.Attr, 0, n)
	}
	return append(append(all, prev...), attrs...)
}

// attrsContext carries the log attributes of ContextWithLogAttrs: the common
// case of one or two attributes fits inline, in the context's own
// allocation.
type attrsContext struct {
	context.Context
	attrs  []slog.Attr
	inline [2]slog.Attr
}

func (c *attrsContext) logAttrs() []slog.Attr { return c.attrs }

func (c *attrsContext) Value(key any) any {
	if key == (logAttrsKey{}) {
		return c
	}
	return c.Context.Value(key)
}

// attrsCarrier is what a context answers for logAttrsKey: an attrsContext,
// or the callCtx of a verification given attributes of its own.
type attrsCarrier interface{ logAttrs() []slog.Attr }

func logAttrs(ctx context.Context) []slog.Attr {
	if c, ok := ctx.Value(logAttrsKey{}).(attrsCarrier); ok {
		return c.logAttrs()
	}
	return nil
}
