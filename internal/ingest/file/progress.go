package file

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// progress draws a progress bar: bytes read of the total, records read,
// stored, already stored and failed (counted as the summary counts
// them), the rate, and the file being read.
type progress struct {
	w     io.Writer
	lines bool // a plain line each time, not a bar redrawn in place
	total int64
	files int
	start time.Time

	bytes                         atomic.Int64
	records, stores, dups, failed atomic.Int64

	mu      sync.Mutex // guards cur, name and the writer
	cur     int
	name    string
	stop    chan struct{}
	stopped chan struct{}
}

func newProgress(w io.Writer, total int64, files int, lines bool) *progress {
	p := &progress{w: w, total: total, files: files, lines: lines, start: time.Now(), stop: make(chan struct{}), stopped: make(chan struct{})}
	if w == nil {
		close(p.stopped)
		return p
	}
	every := 200 * time.Millisecond
	if lines {
		every = 10 * time.Second
	}
	go func() {
		defer close(p.stopped)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.draw(false)
			case <-p.stop:
				p.draw(true)
				return
			}
		}
	}()
	return p
}

func (p *progress) file(i int, name string) {
	p.mu.Lock()
	p.cur, p.name = i, name
	p.mu.Unlock()
}

func (p *progress) record() { p.records.Add(1) }

// stored counts a batch's outcome: newly stored, already stored, failed.
func (p *progress) stored(n, dups, failed int) {
	p.stores.Add(int64(n))
	p.dups.Add(int64(dups))
	p.failed.Add(int64(failed))
}

func (p *progress) done() {
	if p.w == nil {
		return
	}
	close(p.stop)
	<-p.stopped
}

const barWidth = 30

func (p *progress) draw(final bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	read := p.bytes.Load()
	frac := 1.0
	if p.total > 0 && !final {
		frac = min(float64(read)/float64(p.total), 1)
	}
	filled := int(frac * barWidth)
	bar := strings.Repeat("=", filled)
	if filled < barWidth {
		bar += ">" + strings.Repeat(" ", barWidth-filled-1)
	}
	el := time.Since(p.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(p.records.Load()) / el
	}
	name := p.name
	if len(name) > 40 {
		name = "…" + name[len(name)-39:]
	}
	line := fmt.Sprintf("\r[%s] %3.0f%%  %s / %s  %s records: %s stored, %s duplicates, %s failed  %s rec/s  file %d/%d %s",
		bar, frac*100, humanBytes(read), humanBytes(p.total), humanInt(int(p.records.Load())), humanInt(int(p.stores.Load())),
		humanInt(int(p.dups.Load())), humanInt(int(p.failed.Load())), humanInt(int(rate)), p.cur, p.files, name)
	if p.lines {
		fmt.Fprintln(p.w, strings.TrimPrefix(line, "\r"))
		return
	}
	// Pad to erase a longer previous line.
	fmt.Fprintf(p.w, "%-150s", line)
	if final {
		fmt.Fprintln(p.w)
	}
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return strconv.FormatInt(n, 10) + " B"
}

// humanInt writes n with thousands separators.
func humanInt(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// countingReaderAt counts how far into the file reads have reached (the
// highest offset read, so that re-reads and skipped padding neither
// inflate nor stall the progress).
type countingReaderAt struct {
	r  io.ReaderAt
	n  *atomic.Int64
	mu sync.Mutex
	hw int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.reached(off + int64(n))
	return n, err
}

// reached moves the high-water mark to end, counting the difference.
func (c *countingReaderAt) reached(end int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if end > c.hw {
		c.n.Add(end - c.hw)
		c.hw = end
	}
}
