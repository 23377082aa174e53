// Package layers holds the test that keeps the module's layers apart:
// tools → pkg → gen → internal, each importing only its own layer and
// those below. It has no code of its own.
package layers
