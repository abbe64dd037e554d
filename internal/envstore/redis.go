package envstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is the store for a fleet: every worker reads the record from Redis
// on every request, so a DELETE on one worker is seen by all on their next
// request. Records live under "<prefix>env:<id>" with PXAT at the
// delegation's expiry (Redis removes them then); the tombstone
// "<prefix>gone:<id>" holds the expiry in Unix milliseconds and outlives the
// record by a week. Create, Delete and Swap are Lua scripts, so each is
// atomic with respect to every other client: a record is one SET of the
// whole value, never a mixed one.
//
// One Redis (or a primary with replicas) is supported, not Redis Cluster:
// the scripts touch two keys without hash tags.
type Redis struct {
	c      *redis.Client
	prefix string
	name   string
}

// RedisPrefix starts every key the worker writes.
const RedisPrefix = "litsession:"

// NewRedis connects to redis://[user:pass@]HOST:PORT/DB or rediss://… (TLS,
// trusting the system pool). It does not wait for Redis to answer; Ping does.
func NewRedis(rawURL string) (*Redis, error) { return NewRedisWith(rawURL, RedisConfig{}) }

// NewRedisWith is NewRedis with cfg: rediss:// trusts cfg.CAFile when set.
func NewRedisWith(rawURL string, cfg RedisConfig) (*Redis, error) {
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%v; use redis://[user:pass@]HOST:PORT/DB or rediss://… for TLS", err)
	}
	u, _ := url.Parse(rawURL)
	if opt.TLSConfig, err = tlsConfig(u, opt.TLSConfig, cfg); err != nil {
		return nil, err
	}
	opt.MaxRetries = 2
	opt.DialTimeout = 2 * time.Second
	if opt.TLSConfig != nil {
		opt.Dialer = tlsDialer(opt.TLSConfig, opt.DialTimeout)
	}
	opt.ReadTimeout = 2 * time.Second
	opt.WriteTimeout = 2 * time.Second
	u.User = nil
	return &Redis{c: redis.NewClient(opt), prefix: RedisPrefix, name: u.String()}, nil
}

func (r *Redis) String() string { return r.name }

// Close implements Store.
func (r *Redis) Close() error { return r.c.Close() }

// Ping implements Store. A TLS failure that retrying cannot cure is a
// *TLSError.
func (r *Redis) Ping(ctx context.Context) error { return asTLSError(r.c.Ping(ctx).Err()) }

func (r *Redis) keys(id string) []string {
	return []string{r.prefix + "env:" + id, r.prefix + "gone:" + id}
}

var createScript = redis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PXAT', ARGV[2]) then
  redis.call('SET', KEYS[2], ARGV[2], 'PXAT', ARGV[3])
  return 1
end
return 0`)

// Create implements Store.
func (r *Redis) Create(ctx context.Context, id string, rec []byte, exp time.Time) error {
	if !exp.After(time.Now()) {
		return errors.New("envstore: the envelope has already expired")
	}
	ms := exp.UnixMilli()
	n, err := createScript.Run(ctx, r.c, r.keys(id), rec, ms, exp.Add(tombstoneFor).UnixMilli()).Int()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrExists
	}
	return nil
}

// Get implements Store: one MGET of the record and its tombstone.
func (r *Redis) Get(ctx context.Context, id string) ([]byte, error) {
	vals, err := r.c.MGet(ctx, r.keys(id)...).Result()
	if err != nil {
		return nil, err
	}
	if s, ok := vals[0].(string); ok {
		return []byte(s), nil
	}
	if s, ok := vals[1].(string); ok {
		if ms, err := strconv.ParseInt(s, 10, 64); err == nil && time.Now().UnixMilli() >= ms {
			return nil, &ExpiredError{At: time.UnixMilli(ms)}
		}
	}
	return nil, ErrNotFound
}

// Delete implements Store.
func (r *Redis) Delete(ctx context.Context, id string) error {
	n, err := r.c.Del(ctx, r.keys(id)...).Result()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// Expire implements Store: the tombstone written by Create stays.
func (r *Redis) Expire(ctx context.Context, id string, exp time.Time) error {
	return r.c.Del(ctx, r.keys(id)[0]).Err()
}

var swapScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
  return 1
end
return 0`)

// Swap implements Store; the record keeps its expiry.
func (r *Redis) Swap(ctx context.Context, id string, old, rec []byte) (bool, error) {
	n, err := swapScript.Run(ctx, r.c, r.keys(id)[:1], old, rec).Int()
	return n == 1, err
}

// IDs implements Store with SCAN (it does not block Redis).
func (r *Redis) IDs(ctx context.Context) ([]string, error) {
	var ids []string
	it := r.c.Scan(ctx, 0, r.prefix+"env:*", 1000).Iterator()
	for it.Next(ctx) {
		id := it.Val()[len(r.prefix+"env:"):]
		if IDPattern.MatchString(id) {
			ids = append(ids, id)
		}
	}
	return ids, it.Err()
}

// redisLog sends go-redis's own messages to a slog logger.
type redisLog struct{ l *slog.Logger }

func (r redisLog) Printf(ctx context.Context, format string, v ...any) {
	r.l.Warn("redis: " + strings.TrimPrefix(fmt.Sprintf(format, v...), "redis: "))
}

// LogRedisTo sends go-redis's messages (pool dial failures) to l.
func LogRedisTo(l *slog.Logger) { redis.SetLogger(redisLog{l}) }
