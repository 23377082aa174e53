package queue

import (
	"cmp"
	"errors"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// EmbeddedOptions configure StartEmbedded. The zero value means the
// defaults.
type EmbeddedOptions struct {
	DataDir string // JetStream's file storage; required
	Host    string // listen address; "127.0.0.1" (loopback only)
	Port    int    // client port; 4222, or -1 for a free one

	// SyncAlways makes JetStream fsync every write, so that a stored event
	// also survives a crash of the operating system; by default it
	// survives a crash of the process.
	SyncAlways bool
}

// Embedded is a NATS server with JetStream running in this process.
type Embedded struct{ *server.Server }

// StartEmbedded starts a NATS server with JetStream and file storage in
// DataDir, listening on loopback, and waits until it accepts clients.
func StartEmbedded(o EmbeddedOptions) (*Embedded, error) {
	if o.DataDir == "" {
		return nil, errors.New("queue: the embedded server needs a data directory")
	}
	s, err := server.NewServer(&server.Options{
		ServerName: "mjhook",
		Host:       cmp.Or(o.Host, "127.0.0.1"),
		Port:       cmp.Or(o.Port, 4222),
		JetStream:  true,
		StoreDir:   o.DataDir,
		SyncAlways: o.SyncAlways,
		NoSigs:     true, // signals belong to the program that embeds it
		NoLog:      true,
	})
	if err != nil {
		return nil, err
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		return nil, errors.New("queue: the embedded NATS server did not start")
	}
	return &Embedded{s}, nil
}

// URL is the client URL, for nats.Connect and `mjhook worker --nats-url`.
func (e *Embedded) URL() string { return e.ClientURL() }

// Close shuts the server down and waits until it has.
func (e *Embedded) Close() {
	e.Shutdown()
	e.WaitForShutdown()
}
