package queue

import (
	"cmp"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// EmbeddedOptions tune StartEmbedded. A nil *EmbeddedOptions, like the
// zero value, means the defaults.
type EmbeddedOptions struct {
	Host string // listen address; "127.0.0.1" (loopback only)
	Port int    // client port; 4222, or -1 for a free one

	// SyncAlways makes JetStream fsync every write, so that a stored event
	// also survives a crash of the operating system; by default it
	// survives a crash of the process.
	SyncAlways bool
}

// CredentialsFile is the file, in an embedded server's data directory,
// holding the credentials it requires, readable by its owner only.
const CredentialsFile = "nats-credentials.json"

// embeddedUser is the user of an embedded server.
const embeddedUser = "mjhook"

// Credentials are what a client needs to connect to an embedded server.
// They print redacted: format the fields to see the password.
type Credentials struct {
	URL      string `json:"url"` // the client URL, without user or password
	User     string `json:"user"`
	Password string `json:"password"`
}

// String returns the URL with the user, and the password redacted.
func (c Credentials) String() string { return c.User + ":[REDACTED]@" + c.URL }

// LogValue keeps the password out of logs.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("url", c.URL), slog.String("user", c.User))
}

// Option is the nats.Option that authenticates with c.
func (c Credentials) Option() nats.Option { return nats.UserInfo(c.User, c.Password) }

// ReadCredentials reads the credentials an embedded server stored in its
// data directory dir; an error wrapping fs.ErrNotExist when there are none.
func ReadCredentials(dir string) (Credentials, error) {
	var c Credentials
	b, err := os.ReadFile(filepath.Join(dir, CredentialsFile))
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(b, &c); err != nil || c.User == "" || c.Password == "" {
		return Credentials{}, fmt.Errorf("queue: %s in %s holds no credentials", CredentialsFile, dir)
	}
	return c, nil
}

// writeCredentials stores c in dir with mode 0600, atomically.
func writeCredentials(dir string, c Credentials) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, CredentialsFile+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // after a successful rename, there is nothing to remove
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), filepath.Join(dir, CredentialsFile))
}

// Embedded is a NATS server with JetStream running in this process, which
// requires a user and password.
type Embedded struct {
	*server.Server
	creds Credentials
}

// StartEmbedded starts a NATS server with JetStream and file storage in
// dir, listening on loopback, and waits until it accepts clients. It
// requires authentication: the credentials are generated (a random
// password) the first time and kept in dir's CredentialsFile, mode 0600,
// where ReadCredentials finds them for the workers of this machine; later
// starts reuse them, so that running workers reconnect after a restart.
func StartEmbedded(dir string, opts *EmbeddedOptions) (*Embedded, error) {
	if dir == "" {
		return nil, errors.New("queue: the embedded server needs a data directory")
	}
	var o EmbeddedOptions
	if opts != nil {
		o = *opts
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	creds, err := ReadCredentials(dir)
	if err != nil {
		secret := make([]byte, 32)
		rand.Read(secret)
		creds = Credentials{User: embeddedUser, Password: base64.RawURLEncoding.EncodeToString(secret)}
	}
	s, err := server.NewServer(&server.Options{
		ServerName: "mjhook",
		Host:       cmp.Or(o.Host, "127.0.0.1"),
		Port:       cmp.Or(o.Port, 4222),
		Users:      []*server.User{{Username: creds.User, Password: creds.Password}},
		JetStream:  true,
		StoreDir:   dir,
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
	creds.URL = s.ClientURL()
	if err := writeCredentials(dir, creds); err != nil {
		s.Shutdown()
		return nil, fmt.Errorf("queue: storing the embedded server's credentials: %w", err)
	}
	return &Embedded{Server: s, creds: creds}, nil
}

// URL is the client URL, without credentials.
func (e *Embedded) URL() string { return e.ClientURL() }

// Credentials are the URL, user and password of the server.
func (e *Embedded) Credentials() Credentials { return e.creds }

// Connect connects to the server with its credentials.
func (e *Embedded) Connect(opts ...nats.Option) (*nats.Conn, error) {
	return nats.Connect(e.URL(), append(opts, e.creds.Option())...)
}

// Close shuts the server down and waits until it has.
func (e *Embedded) Close() {
	e.Shutdown()
	e.WaitForShutdown()
}
