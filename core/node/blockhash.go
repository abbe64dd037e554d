package node

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/litgo/litsession/core/errcode"
	"github.com/litgo/litsession/core/jsjson"
)

// BlockhashMaxAge is how long a latest blockhash is reused before
// [Client.LatestBlockhash] fetches a new one (30 s, as in the v7 client).
const BlockhashMaxAge = 30 * time.Second

// MaxStaleBlockhash is how old a cached blockhash may get when refreshing
// fails before [Client.LatestBlockhash] reports an error instead of returning
// it. Nodes accept blockhashes up to 30 days old; one day leaves a margin.
const MaxStaleBlockhash = 24 * time.Hour

// BlockIndexerPath is the block indexer endpoint; GET returns
// {"blockhash":"0x…","timestamp":"<unix seconds>","blockNumber":N}.
const BlockIndexerPath = "/get_most_recent_valid_block"

// LatestBlockhash returns a recent blockhash ("0x" + 64 hex digits), the
// nonce of session signatures. The value is cached for BlockhashMaxAge;
// after that it is fetched from the block indexer (Config.BlockhashURL) or,
// failing that, by handshaking again with the connected nodes. If both fail
// the cached value is returned as long as it is younger than
// MaxStaleBlockhash, as the v7 client does.
func (c *Client) LatestBlockhash(ctx context.Context) (string, error) {
	c.refreshMu.Lock()
	defer c.refreshMu.Unlock()
	st, err := c.state()
	if err != nil {
		return "", err
	}
	now := c.cfg.Now()
	c.mu.Lock()
	hash, fetched, validUntil := st.latestBlockhash, st.blockhashFetched, st.blockhashValidUntil
	c.mu.Unlock()
	if now.Before(validUntil) {
		return hash, nil
	}

	var errs []error
	newHash, until, err := c.fetchIndexer(ctx, now)
	if err != nil {
		errs = append(errs, err)
		peers, herr := c.handshake(ctx, st.connected, st.minNodeCount, st.epochNumber(c.gen, now))
		if herr == nil {
			newHash, until = combine(peers).latestBlockhash, now.Add(BlockhashMaxAge)
			if newHash == "" {
				herr = &errcode.Error{Code: errcode.NodeError, Msg: "node: no node sent latestBlockhash in the new handshake"}
			}
		}
		if herr != nil {
			errs = append(errs, herr)
			if now.Sub(fetched) < MaxStaleBlockhash {
				return hash, nil
			}
			return "", errorf("node: cannot refresh the latest blockhash, and the cached one is %v old: %w", now.Sub(fetched).Round(time.Second), errors.Join(errs...))
		}
	}
	c.mu.Lock()
	st.latestBlockhash, st.blockhashFetched, st.blockhashValidUntil = newHash, now, until
	c.mu.Unlock()
	return newHash, nil
}

// fetchIndexer GETs the block indexer; it returns the hash and how long it
// may be cached: until timestamp + 30 s, but never more than 30 s from now.
func (c *Client) fetchIndexer(ctx context.Context, now time.Time) (string, time.Time, error) {
	if c.blockhashURL == "" {
		return "", time.Time{}, errors.New("node: no block indexer configured")
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	resp, err := c.cfg.Transport.Do(ctx, Request{Method: "GET", URL: c.blockhashURL, Header: map[string]string{"Accept": "application/json"}})
	if err != nil {
		return "", time.Time{}, errorf("node: block indexer %s: %w", c.blockhashURL, err)
	}
	if resp.Status != 200 {
		return "", time.Time{}, errorf("node: block indexer %s answered HTTP %d", c.blockhashURL, resp.Status)
	}
	out, err := jsjson.Parse(resp.Body)
	_, isObj := out.Members()
	hashField := out.Get("blockhash")
	blockhash, isString := hashField.Str()
	if err != nil || !isObj || !isString && hashField.Exists() && !hashField.IsNull() {
		return "", time.Time{}, errorf("node: block indexer %s answered invalid JSON", c.blockhashURL)
	}
	if !ValidBlockhash(blockhash) {
		return "", time.Time{}, errorf("node: block indexer %s sent blockhash %q, not 0x followed by 64 hex digits", c.blockhashURL, sanitize(blockhash, 80))
	}
	until := now.Add(BlockhashMaxAge)
	// The timestamp is a string of Unix seconds (or a number).
	ts, isString := out.Get("timestamp").Str()
	if !isString {
		n, _ := out.Get("timestamp").Num()
		ts = string(n)
	}
	if sec, err := strconv.ParseInt(ts, 10, 64); err == nil && sec > 0 && sec < 1<<40 {
		if t := time.Unix(sec, 0).Add(BlockhashMaxAge); t.Before(until) {
			until = t
		}
	}
	return strings.ToLower(blockhash), until, nil
}
