package queue_test

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/pkg/queue"
)

// TestEmbeddedServerRequiresAuthentication (issue 11): the embedded server
// refuses anonymous clients and wrong passwords; its credentials are in
// the data directory, readable by the owner only, and survive a restart.
func TestEmbeddedServerRequiresAuthentication(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv, err := queue.StartEmbedded(dir, &queue.EmbeddedOptions{Port: -1})
	require.NoError(t, err)
	creds := srv.Credentials()

	tests := []struct {
		name string
		opts []nats.Option
		ok   bool
	}{
		{name: "anonymous", opts: nil},
		{name: "wrong password", opts: []nats.Option{nats.UserInfo(creds.User, creds.Password+"x")}},
		{name: "token", opts: []nats.Option{nats.Token(creds.Password)}},
		{name: "the stored credentials", opts: []nats.Option{creds.Option()}, ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nc, err := nats.Connect(srv.URL(), append(tt.opts, nats.MaxReconnects(0))...)
			if !tt.ok {
				assert.ErrorIs(t, err, nats.ErrAuthorization)
				return
			}
			require.NoError(t, err)
			nc.Close()
		})
	}

	fi, err := os.Stat(filepath.Join(dir, queue.CredentialsFile))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	stored, err := queue.ReadCredentials(dir)
	require.NoError(t, err)
	assert.Equal(t, creds, stored)
	assert.Equal(t, srv.URL(), stored.URL)
	assert.NotContains(t, stored.URL, stored.Password)
	assert.GreaterOrEqual(t, len(stored.Password), 40, "a random password")

	srv.Close()
	require.NoError(t, os.Chmod(filepath.Join(dir, queue.CredentialsFile), 0o644))
	again, err := queue.StartEmbedded(dir, &queue.EmbeddedOptions{Port: -1})
	require.NoError(t, err)
	defer again.Close()
	assert.Equal(t, creds.Password, again.Credentials().Password, "reused, so workers reconnect")
	fi, err = os.Stat(filepath.Join(dir, queue.CredentialsFile))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "made private again")
	nc, err := again.Connect()
	require.NoError(t, err)
	nc.Close()
}

// TestCredentialsNeverPrint: formatting or logging credentials shows no
// password.
func TestCredentialsNeverPrint(t *testing.T) {
	t.Parallel()
	c := queue.Credentials{URL: "nats://127.0.0.1:4222", User: "mjhook", Password: "hunter2-planted"}
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("connecting", slog.Any("nats", c))
	for _, out := range []string{fmt.Sprint(c), fmt.Sprintf("%v %+v %s", c, c, c), logged.String()} {
		assert.NotContains(t, out, c.Password)
		assert.Contains(t, out, c.URL)
	}
}

func TestReadCredentialsWithoutServer(t *testing.T) {
	t.Parallel()
	_, err := queue.ReadCredentials(t.TempDir())
	assert.ErrorIs(t, err, os.ErrNotExist)
}
