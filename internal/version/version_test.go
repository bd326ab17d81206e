package version

import (
	"runtime"
	"strings"
	"testing"
)

func TestStampedVersionWins(t *testing.T) {
	old := Version
	t.Cleanup(func() { Version = old })
	Version = "v9.8.7"
	if got := Name(); got != "v9.8.7" {
		t.Fatalf("Name() = %q, want the stamped v9.8.7", got)
	}
	if got, want := String(), "v9.8.7 ("+runtime.Version()+")"; got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}
}

func TestUnstampedVersionSaysDevel(t *testing.T) {
	old := Version
	t.Cleanup(func() { Version = old })
	Version = ""
	if got := Name(); !strings.HasPrefix(got, "devel") {
		t.Fatalf("Name() = %q, want devel or devel+<revision> in an unstamped build", got)
	}
}
