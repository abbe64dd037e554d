package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strings"
)

// target is one fuzz target: a FuzzXxx function of package pkg.
type target struct{ pkg, name string }

var fuzzName = regexp.MustCompile(`^Fuzz\w*$`)

// listTargets returns the fuzz targets of pkgs as `go test -json -list
// '^Fuzz'` reports them, in the order it lists packages. It fails if any
// package's tests do not build, so that no target is skipped silently.
func listTargets(pkgs []string) ([]target, error) {
	cmd := exec.Command(goTool(), append([]string{"test", "-json", "-list", "^Fuzz"}, pkgs...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, runErr := cmd.Output()

	var targets []target
	var failed []string
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var ev struct{ Action, Package, Output string }
		if err := dec.Decode(&ev); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("reading go test -json -list output: %v\n%s", err, stderr.Bytes())
		}
		switch ev.Action {
		case "output":
			if name := strings.TrimSpace(ev.Output); fuzzName.MatchString(name) {
				targets = append(targets, target{ev.Package, name})
			}
		case "fail":
			failed = append(failed, ev.Package)
		}
	}
	if runErr != nil || len(failed) > 0 {
		return nil, fmt.Errorf("go test -list '^Fuzz' %s failed (%v) for %s; fix the build first:\n%s",
			strings.Join(pkgs, " "), runErr, strings.Join(failed, ", "), bytes.TrimSpace(stderr.Bytes()))
	}
	return targets, nil
}
