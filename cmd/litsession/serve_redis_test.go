package main

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// runRedisCLI runs one command against addr with a fresh client.
func runRedisCLI(addr string, args ...string) (string, error) {
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	a := make([]any, len(args))
	for i, s := range args {
		a[i] = s
	}
	return c.Do(ctx, a...).Text()
}
