package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
)

// cpuPin is where a process may run: a taskset CPU list ("0", "1") or
// anyCPU. On this 2-core machine the database gets a core of its own so
// that its CPU does not go to the servers and the load generator, and a
// second server cannot look better or worse only by taking the database's
// core.
type cpuPin string

const anyCPU cpuPin = ""

// command is exec.Command(bin, args...) run on p's CPUs.
func (p cpuPin) command(bin string, args ...string) *exec.Cmd {
	if p == anyCPU {
		return exec.Command(bin, args...)
	}
	return exec.Command("taskset", append([]string{"-c", string(p), bin}, args...)...)
}

// pinSelf moves every thread of this process (the load generator) onto
// p's CPUs; threads started later inherit it.
func (p cpuPin) pinSelf() error {
	list := string(p)
	if p == anyCPU {
		list = fmt.Sprintf("0-%d", runtime.NumCPU()-1)
	}
	if _, err := exec.LookPath("taskset"); err != nil {
		return nil // nothing was pinned, so nothing to undo
	}
	if out, err := exec.Command("taskset", "-a", "-p", "-c", list, fmt.Sprint(os.Getpid())).CombinedOutput(); err != nil {
		return fmt.Errorf("taskset -a -p -c %s: %v\n%s", list, err, out)
	}
	return nil
}

// cpuLayout says where PostgreSQL runs, and where the workspaced servers
// and the load generator run.
type cpuLayout struct {
	db, app cpuPin
	note    string // said under the table
}

// postgresLayout gives PostgreSQL the last CPU and the rest to the
// servers and the load generator, when taskset and two CPUs are there.
func postgresLayout() cpuLayout {
	n := runtime.NumCPU()
	if _, err := exec.LookPath("taskset"); err != nil {
		return cpuLayout{note: "taskset not found (apt-get install util-linux): PostgreSQL, the servers and the load generator share every CPU"}
	}
	if n < 2 {
		return cpuLayout{note: "one CPU: PostgreSQL, the servers and the load generator share it"}
	}
	app := cpuPin("0")
	if n > 2 {
		app = cpuPin(fmt.Sprintf("0-%d", n-2))
	}
	db := cpuPin(fmt.Sprint(n - 1))
	return cpuLayout{db: db, app: app,
		note: fmt.Sprintf("PostgreSQL on CPU %s (taskset -c %s); the workspaced servers and the load generator on CPU %s", db, db, app)}
}
