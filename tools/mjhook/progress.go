package main

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/mjhook/mjhook/tools/internal/cli"
)

// progress reports how many of a known number of events are done: a live
// bar on a terminal, plain periodic lines otherwise.
type progress interface {
	// Add counts n more events done.
	Add(n int)
	// Stop ends the report.
	Stop()
}

// newProgress returns the progress report of total events on e's standard
// error: a bar with counts and rate on a terminal, else a line every
// plainEvery that says how many are done, when that changed.
func newProgress(e *cli.Env, total int) progress {
	if e.Terminal {
		return &barProgress{bar: progressbar.NewOptions(total,
			progressbar.OptionSetWriter(e.Stderr),
			progressbar.OptionSetDescription(e.Name),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("events"),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetRenderBlankState(true),
			progressbar.OptionOnCompletion(func() { _, _ = e.Stderr.Write([]byte("\n")) }),
		)}
	}
	p := &plainProgress{e: e, total: total, stop: make(chan struct{})}
	p.wg.Go(p.loop)
	return p
}

// barProgress is progressbar's bar, redrawn in place.
type barProgress struct {
	bar *progressbar.ProgressBar
}

func (p *barProgress) Add(n int) { _ = p.bar.Add(n) }

func (p *barProgress) Stop() {
	if !p.bar.IsFinished() {
		_ = p.bar.Exit() // stopped short of the total: keep the bar, end its line
	}
}

// plainEvery is how often plainProgress may print a line.
const plainEvery = time.Second

// plainProgress prints "N/TOTAL events done" every plainEvery, only when N
// changed since the line before, so a pipe or a log gets no repeats.
type plainProgress struct {
	e     *cli.Env
	total int
	done  atomic.Int64
	stop  chan struct{}
	wg    sync.WaitGroup
}

func (p *plainProgress) Add(n int) { p.done.Add(int64(n)) }

func (p *plainProgress) Stop() {
	close(p.stop)
	p.wg.Wait()
}

func (p *plainProgress) loop() {
	tick := time.NewTicker(plainEvery)
	defer tick.Stop()
	var shown int64
	for {
		select {
		case <-p.stop:
			return
		case <-tick.C:
			if n := p.done.Load(); n != shown {
				shown = n
				p.e.Logf("%d/%d events done", n, p.total)
			}
		}
	}
}
