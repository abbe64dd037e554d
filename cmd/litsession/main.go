// Command litsession is the command-line face of the Go Lit session
// signature library: key generation, SIWE/ReCap messages, AuthSigs,
// capacity delegations, session signatures and a local Lit network.
//
// Every command writes JSON (or, for siwe, the exact message text) to
// stdout. Bad input gives a one-line error on stderr and exit code 2; a
// verification that fails gives exit code 1; a network that cannot be
// reached (nodes, chain RPC, time-outs) gives exit code 3.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/litgo/litsession/core/jsjson/stdjson"
	"github.com/litgo/litsession/internal/version"
)

// Exit codes.
const (
	exitOK       = 0
	exitRejected = 1 // a verification failed
	exitUsage    = 2 // bad input
	exitNetwork  = 3 // the Lit nodes or the chain RPC could not be reached
)

type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

type command struct {
	summary string
	run     func(e *env, args []string) error
}

var commands = map[string]command{}

func register(name, summary string, run func(e *env, args []string) error) {
	commands[name] = command{summary: summary, run: run}
}

// usageError is bad input: exit code 2.
type usageError struct{ msg string }

func (u *usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// rejectedError is a failed verification: exit code 1.
type rejectedError struct{ err error }

func (r *rejectedError) Error() string { return r.err.Error() }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	if args[0] == "--version" || args[0] == "version" {
		fmt.Fprintf(stdout, "litsession %s\n", version.Version)
		return exitOK
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "litsession: unknown command %q; run 'litsession help' for the list\n", args[0])
		return exitUsage
	}
	err := cmd.run(&env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr}, args[1:])
	if err == nil {
		return exitOK
	}
	msg := configFieldFlags.Replace(strings.ReplaceAll(err.Error(), "\n", " "))
	fmt.Fprintf(stderr, "litsession %s: %s\n", args[0], msg)
	var rej *rejectedError
	if errors.As(err, &rej) {
		return exitRejected
	}
	if networkFailure(err) {
		return exitNetwork
	}
	return exitUsage
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "usage: litsession <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-22s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nrun 'litsession <command> -h' for its flags")
}

// newFlags returns a FlagSet whose errors become one-line usage errors.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parse parses flags; -h prints the flags and is not an error.
func parse(e *env, fs *flag.FlagSet, args []string) (help bool, err error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(e.stdout)
			fmt.Fprintf(e.stdout, "usage of litsession %s:\n", fs.Name())
			fs.PrintDefaults()
			return true, nil
		}
		return false, usagef("%v (run 'litsession %s -h' for its flags)", err, fs.Name())
	}
	if fs.NArg() > 0 {
		return false, usagef("unexpected argument %q (run 'litsession %s -h' for its flags)", fs.Arg(0), fs.Name())
	}
	return false, nil
}

// required returns a usage error naming the first missing flag.
func required(fs *flag.FlagSet, names ...string) error {
	for _, n := range names {
		if f := fs.Lookup(n); f != nil && f.Value.String() == "" {
			return usagef("--%s is required (run 'litsession %s -h' for its flags)", n, fs.Name())
		}
	}
	return nil
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

// writeJSON writes v as JSON.stringify would, plus a newline.
func writeJSON(w io.Writer, v any) error {
	b, err := stdjson.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// timeFlag is an optional RFC 3339 --now flag; zero means the current time.
type timeFlag struct{ t time.Time }

func (f *timeFlag) String() string {
	if f.t.IsZero() {
		return ""
	}
	return f.t.Format(time.RFC3339Nano)
}

func (f *timeFlag) Set(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("%q is not an RFC 3339 time such as 2030-01-01T00:00:00Z", s)
	}
	f.t = t
	return nil
}

// Or returns the flag's time, or the current time when it was not given.
func (f *timeFlag) Or() time.Time {
	if f.t.IsZero() {
		return time.Now()
	}
	return f.t
}

// nowFlag registers --now on fs.
func nowFlag(fs *flag.FlagSet) *timeFlag {
	f := &timeFlag{}
	fs.Var(f, "now", "check times against this RFC 3339 time (default the current time)")
	return f
}

// readJSONStdin reads one JSON value of at most limit bytes from stdin into v.
func readJSONStdin(e *env, what string, limit int64, v any) error {
	raw, err := readStdin(e, what, limit)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return usagef("stdin: %v", err)
	}
	return nil
}

// readStdin reads all of stdin, refusing more than limit bytes.
func readStdin(e *env, what string, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(e.stdin, limit+1))
	if err != nil {
		return nil, usagef("reading %s from stdin: %v", what, err)
	}
	if int64(len(b)) > limit {
		return nil, usagef("%s on stdin is larger than %d bytes", what, limit)
	}
	if len(b) == 0 {
		return nil, usagef("expected %s on stdin, got nothing", what)
	}
	return b, nil
}
