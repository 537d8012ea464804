package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/parley-chat/parley/hub"
)

// Redis is hub.Limits in Redis, shared by every node that names the same
// Redis and prefix. Each check is one atomic script or command.
type Redis struct {
	rdb    *redis.Client
	rate   *redis_rate.Limiter
	prefix string
}

var _ hub.Limits = (*Redis)(nil)

// NewRedis connects to the Redis of url; keys start with prefix (the
// deployment's PARLEY_REDIS_PREFIX) and "limit:".
func NewRedis(url, prefix string) (*Redis, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("ratelimit: redis url: %w", err)
	}
	opt.ClientName = "parley-limits"
	rdb := redis.NewClient(opt)
	return &Redis{rdb: rdb, rate: redis_rate.NewLimiter(rdb), prefix: prefix + "limit:"}, nil
}

// Close closes the connections.
func (r *Redis) Close() error { return r.rdb.Close() }

func unavailable(err error) error {
	return &hub.Error{Code: hub.EUnavailable, Message: "the limits cannot be checked now", Err: err}
}

func limit(rt hub.Rate) redis_rate.Limit {
	return redis_rate.Limit{Rate: max(rt.N, 1), Period: rt.Per, Burst: rt.Size()}
}

// Take implements hub.Limits.
func (r *Redis) Take(ctx context.Context, key string, rt hub.Rate) (time.Duration, error) {
	res, err := r.rate.Allow(ctx, r.prefix+key, limit(rt))
	if err != nil {
		return 0, unavailable(err)
	}
	if res.Allowed > 0 {
		return 0, nil
	}
	return max(res.RetryAfter, time.Millisecond), nil
}

// Peek implements hub.Limits: a check that costs nothing, whose reset
// time tells how full the bucket is (GCRA keeps one "theoretical arrival
// time"; the bucket holds Size - reset/every tokens).
func (r *Redis) Peek(ctx context.Context, key string, rt hub.Rate) (time.Duration, error) {
	res, err := r.rate.AllowN(ctx, r.prefix+key, limit(rt), 0)
	if err != nil {
		return 0, unavailable(err)
	}
	every := rt.Every()
	if missing := res.ResetAfter - time.Duration(rt.Size()-1)*every; missing > 0 {
		return missing, nil
	}
	return 0, nil
}

// strikeScript adds one to a count and sets when it is forgotten, in one
// step.
var strikeScript = redis.NewScript(`
local n = redis.call("INCR", KEYS[1])
redis.call("PEXPIRE", KEYS[1], ARGV[1])
return n`)

// Strike implements hub.Limits.
func (r *Redis) Strike(ctx context.Context, key string, keep time.Duration) (int, error) {
	n, err := strikeScript.Run(ctx, r.rdb, []string{r.prefix + "strike:" + key}, keep.Milliseconds()).Int()
	if err != nil {
		return 0, unavailable(err)
	}
	return n, nil
}

// lockScript sets a lock unless one lasts longer.
var lockScript = redis.NewScript(`
local left = redis.call("PTTL", KEYS[1])
if left < tonumber(ARGV[1]) then
  redis.call("SET", KEYS[1], "1", "PX", ARGV[1])
end
return 0`)

// Lock implements hub.Limits.
func (r *Redis) Lock(ctx context.Context, key string, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	if err := lockScript.Run(ctx, r.rdb, []string{r.prefix + "lock:" + key}, d.Milliseconds()).Err(); err != nil && !errors.Is(err, redis.Nil) {
		return unavailable(err)
	}
	return nil
}

// Locked implements hub.Limits.
func (r *Redis) Locked(ctx context.Context, key string) (time.Duration, error) {
	d, err := r.rdb.PTTL(ctx, r.prefix+"lock:"+key).Result()
	if err != nil {
		return 0, unavailable(err)
	}
	return max(d, 0), nil
}
