package clustertest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// postgres is a throwaway PostgreSQL cluster of Debian's packages in a temporary directory,
// listening on loopback only. initdb refuses to run as root, so when the test runs as root the
// cluster belongs to (and every pg_ctl runs as) the postgres user, as Debian's own tools do.
type postgres struct {
	bindir, dir, data string
	port              int
	password          string
	asUser            string // "" = the current user
}

func startPostgres(t *testing.T, port int) *postgres {
	t.Helper()
	bindir := os.Getenv("PG_BINDIR")
	if bindir == "" {
		bindir = "/usr/lib/postgresql/15/bin"
	}
	if _, err := os.Stat(filepath.Join(bindir, "initdb")); err != nil {
		t.Fatalf("PostgreSQL is missing (%v): run `make postgres` or `sudo apt-get install -y postgresql-15`", err)
	}
	dir, err := os.MkdirTemp("", "ordermanager-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	pg := &postgres{bindir: bindir, dir: dir, data: filepath.Join(dir, "data"), port: port, password: randomHex(16)}
	pwfile := filepath.Join(dir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(pg.password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		pg.asUser = "postgres"
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root needs the postgres user of Debian's PostgreSQL packages: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		for _, p := range []string{dir, pwfile} {
			if err := os.Chown(p, uid, gid); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	out, err := pg.exec("initdb", "-D", pg.data, "-U", "postgres", "--pwfile", pwfile, "-E", "UTF8", "--no-locale",
		"--auth-local=trust", "--auth-host=scram-sha-256")
	if err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	conf := fmt.Sprintf("listen_addresses = '127.0.0.1'\nport = %d\nunix_socket_directories = '%s'\nmax_connections = 300\n", port, dir)
	f, err := os.OpenFile(filepath.Join(pg.data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString(conf)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pg.stop)
	stop := fmt.Sprintf("%s -D %s stop -m immediate", filepath.Join(bindir, "pg_ctl"), pg.data)
	if pg.asUser != "" {
		stop = "runuser -u " + pg.asUser + " -- " + stop
	}
	onTestExit(stop + " >/dev/null 2>&1; rm -rf " + dir)
	if out, err := pg.ctl("start"); err != nil {
		t.Fatalf("pg_ctl start: %v\n%s", err, out)
	}
	return pg
}

// restart stops PostgreSQL (fast: open connections are cut) and starts it again.
func (pg *postgres) restart() error {
	out, err := pg.ctl("restart", "-m", "fast")
	if err != nil {
		return fmt.Errorf("pg_ctl restart: %v\n%s", err, out)
	}
	return nil
}

func (pg *postgres) stop() {
	_, _ = pg.ctl("stop", "-m", "immediate")
}

func (pg *postgres) ctl(args ...string) (string, error) {
	return pg.exec("pg_ctl", append([]string{"-D", pg.data, "-l", filepath.Join(pg.dir, "postgres.log"), "-w", "-t", "60"}, args...)...)
}

// exec runs one of PostgreSQL's programs, as the postgres user when the test runs as root.
func (pg *postgres) exec(prog string, args ...string) (string, error) {
	path := filepath.Join(pg.bindir, prog)
	var cmd *exec.Cmd
	if pg.asUser != "" {
		cmd = exec.Command("runuser", append([]string{"-u", pg.asUser, "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = pg.dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// log returns the end of PostgreSQL's log.
func (pg *postgres) log() string {
	b, _ := os.ReadFile(filepath.Join(pg.dir, "postgres.log"))
	s := string(b)
	if len(s) > 3000 {
		s = s[len(s)-3000:]
	}
	return strings.TrimSpace(s)
}

// setupSchemas creates Temporal's two databases and their schemas with deploy/temporal/setup-schema.sh
// (what the compose schema job runs), twice: the second run proves the job is safe to repeat.
func (pg *postgres) setupSchemas(t *testing.T, root string) {
	t.Helper()
	env := []string{"SQL_HOST=127.0.0.1", "SQL_PORT=" + strconv.Itoa(pg.port), "SQL_USER=postgres", "SQL_PASSWORD=" + pg.password,
		"TEMPORAL_SQL_TOOL=" + filepath.Join(root, "bin", "temporal-sql-tool")}
	script := filepath.Join(root, "deploy", "temporal", "setup-schema.sh")
	start := time.Now()
	first := run(t, env, "sh", script)
	took := time.Since(start)
	again := run(t, env, "sh", script)
	if !strings.Contains(first, "Executing updates") || strings.Contains(again, "Executing updates") ||
		!strings.Contains(again, "latest postgresql/v12/visibility schema") {
		t.Fatalf("the first schema setup should update the schemas and the second find nothing to do:\nfirst:\n%s\nagain:\n%s", first, again)
	}
	t.Logf("schemas set up by temporal-sql-tool in %s (and again, unchanged)", took.Round(time.Millisecond))
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
