package cli

import (
	"fmt"
)

// Exit statuses shared by the commands.
const (
	ExitOK    = 0
	ExitFail  = 1 // the job was done and the answer is no
	ExitUsage = 2 // bad flags or arguments, missing files, unreadable input
)

// UsageError is a command's misuse: bad flags or arguments. Program.Run
// prints it with the command's usage line and exits with ExitUsage.
type UsageError struct {
	Err error
}

// Error returns the misuse's message.
func (e *UsageError) Error() string { return e.Err.Error() }

// Unwrap returns the misuse.
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef returns a *UsageError with a formatted message.
func Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// ExitError makes a command exit with Code, after printing Err when it is
// not nil (an invalid payload or a non-2xx answer was already reported on
// standard output: there is nothing more to say).
type ExitError struct {
	Code int
	Err  error
}

// Error returns the cause's message, or the exit status when there is none.
func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

// Unwrap returns the cause.
func (e *ExitError) Unwrap() error { return e.Err }

// Exit returns an *ExitError of code with err (nil: print nothing).
func Exit(code int, err error) error { return &ExitError{Code: code, Err: err} }
