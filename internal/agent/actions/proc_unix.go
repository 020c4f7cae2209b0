//go:build !windows

package actions

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"syscall"
)

// killGroup puts the command in its own process group and kills the whole
// group on timeout, so children it forked do not outlive it.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}

// openNoFollow opens a resolved path, refusing a final symlink that
// appeared after resolution.
func openNoFollow(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
}

// openedPath names the file f really is (Linux: /proc/self/fd).
func openedPath(f *os.File) (string, bool) {
	if runtime.GOOS != "linux" {
		return "", false
	}
	p, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(int(f.Fd())))
	return p, err == nil
}
