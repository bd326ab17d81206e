package temporaltest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// watchServer makes sure the dev server started on port dies with this test binary, even when
// the binary never reaches Main's cleanup (a panic, `go test -timeout`, SIGKILL): a small shell
// loop waits for this process to go away and then interrupts the server. Linux only (/proc);
// elsewhere it does nothing.
func watchServer(port string) {
	pid := serverPID(port)
	if pid == 0 {
		return
	}
	script := fmt.Sprintf("while kill -0 %d 2>/dev/null; do sleep 1; done; kill -INT %d 2>/dev/null", os.Getpid(), pid)
	cmd := exec.Command("/bin/sh", "-c", script)
	if cmd.Start() == nil {
		go func() { _ = cmd.Wait() }() // reap it if this process outlives it
	}
}

// serverPID finds the dev server among this process's children by its --port argument.
func serverPID(port string) int {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	self := strconv.Itoa(os.Getpid())
	for _, dir := range dirs {
		stat, err := os.ReadFile(filepath.Join(dir, "stat"))
		if err != nil {
			continue
		}
		// stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after the last ')'.
		i := strings.LastIndexByte(string(stat), ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(string(stat[i+1:]))
		if len(fields) < 2 || fields[1] != self {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join(dir, "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(cmdline), "\x00")
		for j := 0; j+1 < len(args); j++ {
			if args[j] == "--port" && args[j+1] == port && strings.Contains(string(cmdline), "start-dev") {
				pid, _ := strconv.Atoi(filepath.Base(dir))
				return pid
			}
		}
	}
	return 0
}
