// Package version says which build of the worker and the starter is running: the release
// stamped at link time (make build and the container image pass
// -ldflags "-X github.com/cartrover-cb/ordermanager/internal/version.Version=..."), else the VCS
// revision Go records in the binary, else "devel".
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version is the release name, set at link time; empty in an unstamped build.
var Version = ""

// String returns the version, e.g. "v1.2.0 (go1.26.8)" or "devel+3adf845-dirty (go1.26.8)".
func String() string {
	return fmt.Sprintf("%s (%s)", Name(), runtime.Version())
}

// Name returns the version without the Go release: the stamped Version, else "devel+<revision>"
// from the build information (with "-dirty" for a modified tree), else "devel".
func Name() string {
	if Version != "" {
		return Version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	var rev string
	var dirty bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return "devel+" + rev
}
