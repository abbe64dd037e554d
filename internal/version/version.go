// Package version holds the one version number of litsession: the CLI's
// --version, the browser modules' api.version and the npm package's
// package.json version (make package reads it with `litsession --version`).
package version

// Version follows semver; raise it for every release of the npm package.
const Version = "0.1.0"
