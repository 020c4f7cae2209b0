// Command eventsec is the EventSec server and its administration CLI.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	// The time zones of timestamp_timezone, also where the system has no
	// zoneinfo (minimal containers).
	_ "time/tzdata"

	"github.com/eventsec/eventsec/internal/app"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := app.Run(ctx, app.Env{Args: os.Args[1:], Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Version: version})
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "eventsec:", err)
		os.Exit(app.ExitCode(err))
	}
}
