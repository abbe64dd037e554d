// Command fuzzall runs every fuzz target of the given packages (make fuzz):
// it lists them with `go test -list '^Fuzz'`, then runs
// `go test -run '^$' -fuzz '^Name$' -fuzztime T pkg` for each, in package
// order, and stops at the first failure (go test keeps the failing input
// under the package's testdata/fuzz). With -n it prints the commands
// instead of running them.
//
//	go run ./internal/fuzzall [-fuzztime 60s] [-n] [packages]   (default ./...)
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

func main() {
	fuzztime := flag.String("fuzztime", "60s", "how long to run each fuzz target (go test -fuzztime)")
	dry := flag.Bool("n", false, "print the commands without running them")
	flag.Parse()
	pkgs := flag.Args()
	if len(pkgs) == 0 {
		pkgs = []string{"./..."}
	}
	if err := run(pkgs, *fuzztime, *dry); err != nil {
		fmt.Fprintln(os.Stderr, "fuzzall:", err)
		os.Exit(1)
	}
}

func run(pkgs []string, fuzztime string, dry bool) error {
	targets, err := listTargets(pkgs)
	if err != nil {
		return err
	}
	if len(targets) == 0 {
		return fmt.Errorf("no fuzz targets in %s", strings.Join(pkgs, " "))
	}
	for _, t := range targets {
		args := []string{"test", "-run", "^$", "-fuzz", "^" + t.name + "$", "-fuzztime", fuzztime, t.pkg}
		fmt.Printf("go test -run '^$' -fuzz '^%s$' -fuzztime %s %s\n", t.name, fuzztime, t.pkg)
		if dry {
			continue
		}
		cmd := exec.Command(goTool(), args...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s in %s failed (%v); the failing input is under that package's testdata/fuzz/%s", t.name, t.pkg, err, t.name)
		}
	}
	if dry {
		fmt.Printf("fuzzall: %d fuzz targets (-n: none ran)\n", len(targets))
	} else {
		fmt.Printf("fuzzall: %d fuzz targets passed, %s each\n", len(targets), fuzztime)
	}
	return nil
}

// goTool is the go command: $GO (make passes its GO) or go from PATH.
func goTool() string {
	if g := os.Getenv("GO"); g != "" {
		return g
	}
	return "go"
}
