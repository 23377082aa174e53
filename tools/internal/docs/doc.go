// Package docs holds the tests that keep the README true: every Go snippet
// in it compiles, and the receive example runs against every sample event.
package docs
