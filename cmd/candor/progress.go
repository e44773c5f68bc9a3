package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progressEvery is how often a progress line is printed when the output
// is not a terminal (a log file, a pipe, CI).
const progressEvery = 10 * time.Second

// progress reports the phases of a long command (import, train, eval).
// On a terminal it draws a bar per phase; anywhere else (a log, a pipe) it
// prints one line when a phase ends and at most one every progressEvery
// while it runs, so that a log gets a few lines rather than hundreds of
// redraws. Every phase ends with the same line in both modes:
//
//	ratings: done, 100,000 in 12.4s
//
// Its methods are safe for concurrent use; Report has the signature of
// models.TrainOptions.Progress and models.EvalOptions.Progress.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	now   func() time.Time
	phase string
	done  int
	total int // <= 0: unknown
	start time.Time
	last  time.Time // when the last line was printed (or the phase began)
	bar   *progressbar.ProgressBar
}

// newProgress reports on w, drawing bars only if w is a terminal.
func newProgress(w io.Writer) *progress { return newProgressOn(w, isTerminal(w), time.Now) }

// newProgressOn reports on w with the given mode and clock (for tests).
func newProgressOn(w io.Writer, tty bool, now func() time.Time) *progress {
	return &progress{w: w, tty: tty, now: now}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Report sets phase's progress to done of total (total <= 0: unknown). A
// phase other than the current one ends the current one first.
func (p *progress) Report(phase string, done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if phase != p.phase || p.start.IsZero() {
		p.finish()
		p.begin(phase, total)
	}
	if total != p.total && p.bar != nil {
		p.bar.ChangeMax(max(total, -1))
	}
	p.done, p.total = done, total
	p.update()
}

// Start begins phase with total units of work (<= 0: unknown).
func (p *progress) Start(phase string, total int) { p.Report(phase, 0, total) }

// Add advances the current phase by n units.
func (p *progress) Add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	p.update()
}

// Finish ends the current phase with its "done" line; it does nothing
// when no phase is running.
func (p *progress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finish()
}

func (p *progress) begin(phase string, total int) {
	p.phase, p.done, p.total = phase, 0, total
	p.start = p.now()
	p.last = p.start
	if p.tty {
		p.bar = progressbar.NewOptions(max(total, -1), progressbar.OptionSetWriter(p.w), progressbar.OptionSetDescription(phase),
			progressbar.OptionShowCount(), progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish())
	}
}

// update redraws the bar, or prints a line if progressEvery has passed.
func (p *progress) update() {
	if p.start.IsZero() {
		return
	}
	if p.bar != nil {
		_ = p.bar.Set(p.done)
		return
	}
	if now := p.now(); now.Sub(p.last) >= progressEvery {
		p.last = now
		fmt.Fprintf(p.w, "%s: %s\n", p.phase, p.amount())
	}
}

// amount is "1,200 of 2,400 (50%)", or "1,200" when the total is unknown.
func (p *progress) amount() string {
	if p.total <= 0 {
		return thousands(p.done)
	}
	return fmt.Sprintf("%s of %s (%d%%)", thousands(p.done), thousands(p.total), 100*p.done/p.total)
}

func (p *progress) finish() {
	if p.start.IsZero() {
		return
	}
	if p.bar != nil {
		_ = p.bar.Finish()
		p.bar = nil
	}
	took := p.now().Sub(p.start).Round(100 * time.Millisecond)
	fmt.Fprintf(p.w, "%s: done, %s in %s\n", p.phase, thousands(p.done), took)
	p.start = time.Time{}
}
