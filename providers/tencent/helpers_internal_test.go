package tencent

import (
	"strconv"
	"time"
)

func timeDate(ts int64) string { return time.Unix(ts, 0).UTC().Format(time.DateOnly) }

func itoa(ts int64) string { return strconv.FormatInt(ts, 10) }

func itoaU(v uint64) string { return strconv.FormatUint(v, 10) }

func timeZero() time.Time { return time.Time{} }
