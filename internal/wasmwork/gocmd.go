package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// goTool is the go command: $GO (make passes its GO) or go from PATH.
func goTool() string {
	if g := os.Getenv("GO"); g != "" {
		return g
	}
	return "go"
}

// goCmd runs the go command on the repository's own go.mod (GOWORK=off, so
// an exported GOWORK=bin/wasmwork/go.work changes nothing) and returns its
// standard output.
func goCmd(args ...string) ([]byte, error) {
	cmd := exec.Command(goTool(), args...)
	cmd.Env = append(os.Environ(), "GOWORK=off")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return out, nil
}

// goOutput is goCmd's output without surrounding space.
func goOutput(args ...string) (string, error) {
	out, err := goCmd(args...)
	return string(bytes.TrimSpace(out)), err
}

// goJSON decodes goCmd's output into v.
func goJSON(v any, args ...string) error {
	out, err := goCmd(args...)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(out, v); err != nil {
		return fmt.Errorf("reading the output of go %s: %v", strings.Join(args, " "), err)
	}
	return nil
}
