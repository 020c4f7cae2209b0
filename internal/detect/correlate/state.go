package correlate

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// unseen marks a temporal rule position that has no match in the window.
const unseen = math.MinInt64

// state is the per-group aggregate of one correlation type. Times are
// Unix nanoseconds. In sliding mode (conditions with only lower bounds)
// prune drops what fell out of the window [newest-timespan, newest]; in
// tumbling mode nothing is pruned: the whole window is evaluated when it
// closes.
type state interface {
	// add records one observation: t its time, pos the position of the
	// matched rule in Correlation.Rules, x its numeric value and s its
	// string value (for the value_* types). It returns how many stored
	// items had to be dropped to respect the per-group cap.
	add(t int64, pos int, x float64, s string) (dropped int)
	// prune drops what is older than lo (sliding mode only).
	prune(lo int64)
	// value returns the aggregate over what is held and the time of the
	// earliest contributing observation (unseen if none is known).
	value() (v float64, start int64)
	// empty reports whether nothing is held.
	empty() bool
	// reset forgets everything, after the correlation fired.
	reset()
	// save and load move the state to and from a snapshot record.
	save(*snapGroup)
	load(*snapGroup) error
}

// insertSorted inserts t into ascending times, from the back: events
// arrive roughly in order, so this is O(1) in the common case. It returns
// the index t was stored at.
func insertSorted(times []int64, t int64) ([]int64, int) {
	i := len(times)
	for i > 0 && times[i-1] > t {
		i--
	}
	times = slices.Insert(times, i, t)
	return times, i
}

func checkSorted(times []int64) error {
	for i := 1; i < len(times); i++ {
		if times[i] < times[i-1] {
			return fmt.Errorf("%w: times out of order", ErrSnapshot)
		}
	}
	return nil
}

// countState backs event_count: the timestamps in the sliding window, or
// only a count in tumbling mode (where no timestamp is ever needed).
type countState struct {
	times   []int64
	n       int64
	sliding bool
	limit   int
}

func (s *countState) add(t int64, _ int, _ float64, _ string) int {
	if !s.sliding {
		s.n++
		return 0
	}
	s.times, _ = insertSorted(s.times, t)
	if len(s.times) > s.limit {
		d := len(s.times) - s.limit
		s.times = slices.Delete(s.times, 0, d)
		return d
	}
	return 0
}

func (s *countState) prune(lo int64) {
	i := 0
	for i < len(s.times) && s.times[i] < lo {
		i++
	}
	if i > 0 {
		s.times = slices.Delete(s.times, 0, i)
	}
}

func (s *countState) value() (float64, int64) {
	if !s.sliding {
		return float64(s.n), unseen
	}
	if len(s.times) == 0 {
		return 0, unseen
	}
	return float64(len(s.times)), s.times[0]
}

func (s *countState) empty() bool { return len(s.times) == 0 && s.n == 0 }

func (s *countState) reset() {
	s.times = s.times[:0]
	if cap(s.times) > 64 {
		s.times = nil
	}
	s.n = 0
}

func (s *countState) save(g *snapGroup) { g.Times, g.N = s.times, s.n }

func (s *countState) load(g *snapGroup) error {
	if len(g.Times) > s.limit || g.N < 0 {
		return fmt.Errorf("%w: event_count state too large", ErrSnapshot)
	}
	s.times, s.n = g.Times, g.N
	return checkSorted(s.times)
}

// distinctState backs value_count: each distinct value with the first
// and newest time it was seen. The number of values is capped; past the
// cap the state is saturated (the count is known to exceed every bound).
type distinctState struct {
	vals    []string
	first   []int64
	last    []int64
	idx     map[string]int32 // built once there are many values
	sat     bool
	sliding bool
	limit   int
}

// indexAt is the number of values above which a map index is kept:
// below it a linear scan is faster and costs no memory.
const indexAt = 16

func (s *distinctState) find(v string) int {
	if s.idx != nil {
		if i, ok := s.idx[v]; ok {
			return int(i)
		}
		return -1
	}
	for i, x := range s.vals {
		if x == v {
			return i
		}
	}
	return -1
}

func (s *distinctState) reindex() {
	if len(s.vals) <= indexAt {
		s.idx = nil
		return
	}
	s.idx = make(map[string]int32, len(s.vals))
	for i, v := range s.vals {
		s.idx[v] = int32(i)
	}
}

func (s *distinctState) add(t int64, _ int, _ float64, v string) int {
	if i := s.find(v); i >= 0 {
		s.last[i] = max(s.last[i], t)
		s.first[i] = min(s.first[i], t)
		return 0
	}
	if len(s.vals) >= s.limit {
		s.sat = true
		return 1
	}
	// Clone: the caller's string may point into a large event buffer.
	s.vals = append(s.vals, strings.Clone(v))
	s.first = append(s.first, t)
	s.last = append(s.last, t)
	if s.idx != nil {
		s.idx[v] = int32(len(s.vals) - 1)
	} else if len(s.vals) > indexAt {
		s.reindex()
	}
	return 0
}

func (s *distinctState) prune(lo int64) {
	j := 0
	for i := range s.vals {
		if s.last[i] >= lo {
			// The first occurrence may have slid out while later ones
			// remain: the earliest remaining one is at lo or after.
			s.vals[j], s.first[j], s.last[j] = s.vals[i], max(s.first[i], lo), s.last[i]
			j++
		}
	}
	if j == len(s.vals) {
		return
	}
	clear(s.vals[j:])
	s.vals, s.first, s.last = s.vals[:j], s.first[:j], s.last[:j]
	s.reindex()
}

func (s *distinctState) value() (float64, int64) {
	start := int64(unseen)
	for i, t := range s.first {
		if i == 0 || t < start {
			start = t
		}
	}
	n := float64(len(s.vals))
	if s.sat {
		n++ // at least one more value than held
	}
	return n, start
}

func (s *distinctState) empty() bool { return len(s.vals) == 0 && !s.sat }

func (s *distinctState) reset() {
	s.vals, s.first, s.last, s.idx, s.sat = nil, nil, nil, nil, false
}

func (s *distinctState) save(g *snapGroup) {
	g.Strs, g.Sat = s.vals, s.sat
	g.Times = make([]int64, 0, 2*len(s.vals))
	g.Times = append(append(g.Times, s.first...), s.last...)
}

func (s *distinctState) load(g *snapGroup) error {
	if 2*len(g.Strs) != len(g.Times) || len(g.Strs) > s.limit {
		return fmt.Errorf("%w: value_count state malformed", ErrSnapshot)
	}
	n := len(g.Strs)
	s.vals, s.first, s.last, s.sat = g.Strs, g.Times[:n:n], g.Times[n:], g.Sat
	seen := make(map[string]bool, len(s.vals))
	for _, v := range s.vals {
		if seen[v] {
			return fmt.Errorf("%w: value_count value %q twice", ErrSnapshot, v)
		}
		seen[v] = true
	}
	s.reindex()
	return nil
}

// sumState backs value_sum and value_avg: in sliding mode the
// (time, value) pairs of the window and their running sum; in tumbling
// mode only the sum and the count.
type sumState struct {
	times   []int64
	nums    []float64
	sum     float64
	n       int64
	avg     bool
	sliding bool
	limit   int
}

func (s *sumState) add(t int64, _ int, x float64, _ string) int {
	s.sum += x
	s.n++
	if !s.sliding {
		return 0
	}
	var i int
	s.times, i = insertSorted(s.times, t)
	s.nums = slices.Insert(s.nums, i, x)
	if len(s.times) > s.limit {
		d := len(s.times) - s.limit
		s.drop(d)
		return d
	}
	return 0
}

func (s *sumState) drop(d int) {
	s.times = slices.Delete(s.times, 0, d)
	s.nums = slices.Delete(s.nums, 0, d)
	// Recompute rather than subtract, so that rounding errors do not
	// accumulate over a long-lived group.
	s.sum, s.n = 0, int64(len(s.nums))
	for _, x := range s.nums {
		s.sum += x
	}
}

func (s *sumState) prune(lo int64) {
	i := 0
	for i < len(s.times) && s.times[i] < lo {
		i++
	}
	if i > 0 {
		s.drop(i)
	}
}

func (s *sumState) value() (float64, int64) {
	start := int64(unseen)
	if len(s.times) > 0 {
		start = s.times[0]
	}
	if s.avg {
		if s.n == 0 {
			return math.NaN(), start
		}
		return s.sum / float64(s.n), start
	}
	return s.sum, start
}

func (s *sumState) empty() bool { return s.n == 0 }

func (s *sumState) reset() { s.times, s.nums, s.sum, s.n = nil, nil, 0, 0 }

func (s *sumState) save(g *snapGroup) { g.Times, g.Nums, g.Sum, g.N = s.times, s.nums, s.sum, s.n }

func (s *sumState) load(g *snapGroup) error {
	if len(g.Times) != len(g.Nums) || len(g.Times) > s.limit || g.N < 0 ||
		(s.sliding && int64(len(g.Times)) != g.N) {
		return fmt.Errorf("%w: value_sum state malformed", ErrSnapshot)
	}
	s.times, s.nums, s.sum, s.n = g.Times, g.Nums, g.Sum, g.N
	return checkSorted(s.times)
}

// percentileState backs value_percentile (always tumbling). With a
// percentile set it keeps the numeric values (capped); without, it keeps
// how often each distinct value occurred, for the share computation.
type percentileState struct {
	p      float64 // percentile, 0 for share mode
	nums   []float64
	vals   []string
	counts []int64
	first  []string // first event id per value (share mode)
	idx    map[string]int32
	total  int64
	limit  int
}

func (s *percentileState) add(_ int64, _ int, x float64, v string) int {
	s.total++
	if s.p != 0 {
		if len(s.nums) >= s.limit {
			return 1
		}
		s.nums = append(s.nums, x)
		return 0
	}
	if s.idx != nil {
		if i, ok := s.idx[v]; ok {
			s.counts[i]++
			return 0
		}
	} else {
		for i, x := range s.vals {
			if x == v {
				s.counts[i]++
				return 0
			}
		}
	}
	if len(s.vals) >= s.limit {
		return 1 // counted in total, not tracked on its own
	}
	s.vals = append(s.vals, strings.Clone(v))
	s.counts = append(s.counts, 1)
	s.first = append(s.first, "")
	if s.idx != nil {
		s.idx[v] = int32(len(s.vals) - 1)
	} else if len(s.vals) > indexAt {
		s.reindex()
	}
	return 0
}

func (s *percentileState) reindex() {
	s.idx = nil
	if len(s.vals) > indexAt {
		s.idx = make(map[string]int32, len(s.vals))
		for i, v := range s.vals {
			s.idx[v] = int32(i)
		}
	}
}

// noteID records the first event id of value v (share mode).
func (s *percentileState) noteID(v, id string) {
	if s.p != 0 || id == "" {
		return
	}
	i := -1
	if s.idx != nil {
		if j, ok := s.idx[v]; ok {
			i = int(j)
		}
	} else {
		i = slices.Index(s.vals, v)
	}
	if i >= 0 && s.first[i] == "" {
		s.first[i] = id
	}
}

func (s *percentileState) prune(int64) {}

// value returns the p-th percentile by the nearest-rank method. In share
// mode the per-value shares are produced by shares instead.
func (s *percentileState) value() (float64, int64) {
	if s.p == 0 || len(s.nums) == 0 {
		return math.NaN(), unseen
	}
	sorted := slices.Clone(s.nums)
	sort.Float64s(sorted)
	rank := int(math.Ceil(s.p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1], unseen
}

// share is one distinct value's part of a window, in percent.
type share struct {
	value   string
	percent float64
	eventID string
}

func (s *percentileState) shares() []share {
	out := make([]share, 0, len(s.vals))
	for i, v := range s.vals {
		out = append(out, share{value: v, percent: 100 * float64(s.counts[i]) / float64(s.total), eventID: s.first[i]})
	}
	return out
}

func (s *percentileState) empty() bool { return s.total == 0 }

func (s *percentileState) reset() {
	p, limit := s.p, s.limit
	*s = percentileState{p: p, limit: limit}
}

func (s *percentileState) save(g *snapGroup) {
	g.Nums, g.Strs, g.Counts, g.IDs2, g.N = s.nums, s.vals, s.counts, s.first, s.total
}

func (s *percentileState) load(g *snapGroup) error {
	if len(g.Nums) > s.limit || len(g.Strs) > s.limit || len(g.Strs) != len(g.Counts) ||
		len(g.Strs) != len(g.IDs2) || g.N < int64(len(g.Nums)) {
		return fmt.Errorf("%w: value_percentile state malformed", ErrSnapshot)
	}
	var sum int64
	for _, c := range g.Counts {
		if c <= 0 {
			return fmt.Errorf("%w: value_percentile count not positive", ErrSnapshot)
		}
		sum += c
	}
	if sum > g.N {
		return fmt.Errorf("%w: value_percentile counts exceed total", ErrSnapshot)
	}
	s.nums, s.vals, s.counts, s.first, s.total = g.Nums, g.Strs, g.Counts, g.IDs2, g.N
	s.reindex()
	return nil
}

// temporalState backs temporal: the newest time each referenced rule
// matched. That is enough: a rule matched inside the window exactly when
// its newest match is inside it.
type temporalState struct {
	last []int64
}

func newTemporalState(n int) *temporalState {
	s := &temporalState{last: make([]int64, n)}
	s.reset()
	return s
}

func (s *temporalState) add(t int64, pos int, _ float64, _ string) int {
	s.last[pos] = max(s.last[pos], t)
	return 0
}

func (s *temporalState) prune(lo int64) {
	for i, t := range s.last {
		if t < lo {
			s.last[i] = unseen
		}
	}
}

func (s *temporalState) value() (float64, int64) {
	n, start := 0, int64(unseen)
	for _, t := range s.last {
		if t != unseen {
			if n == 0 || t < start {
				start = t
			}
			n++
		}
	}
	return float64(n), start
}

func (s *temporalState) empty() bool {
	for _, t := range s.last {
		if t != unseen {
			return false
		}
	}
	return true
}

func (s *temporalState) reset() {
	for i := range s.last {
		s.last[i] = unseen
	}
}

func (s *temporalState) save(g *snapGroup) { g.Times = s.last }

func (s *temporalState) load(g *snapGroup) error {
	if len(g.Times) != len(s.last) {
		return fmt.Errorf("%w: temporal state has %d rules, want %d", ErrSnapshot, len(g.Times), len(s.last))
	}
	copy(s.last, g.Times)
	return nil
}

// orderedState backs temporal_ordered: the matches of the window sorted
// by time (ties by rule position, so matches in the same instant count
// as in order), from which the longest in-order prefix of the rule list
// is computed.
type orderedState struct {
	times   []int64
	pos     []uint8
	span    int64 // the timespan: a chain must fit in it
	nrules  int
	sliding bool
	limit   int
}

func (s *orderedState) add(t int64, pos int, _ float64, _ string) int {
	i := len(s.times)
	for i > 0 && (s.times[i-1] > t || (s.times[i-1] == t && int(s.pos[i-1]) > pos)) {
		i--
	}
	s.times = slices.Insert(s.times, i, t)
	s.pos = slices.Insert(s.pos, i, uint8(pos))
	if len(s.times) > s.limit {
		d := len(s.times) - s.limit
		s.times = slices.Delete(s.times, 0, d)
		s.pos = slices.Delete(s.pos, 0, d)
		return d
	}
	return 0
}

func (s *orderedState) prune(lo int64) {
	i := 0
	for i < len(s.times) && s.times[i] < lo {
		i++
	}
	if i > 0 {
		s.times = slices.Delete(s.times, 0, i)
		s.pos = slices.Delete(s.pos, 0, i)
	}
}

// value returns the length of the longest prefix of the rule list
// matched in order within the timespan, and when that chain started.
// start[i] is the latest possible start of a chain covering positions
// 0..i; keeping the latest start leaves the most room for what follows.
func (s *orderedState) value() (float64, int64) {
	var starts [MaxRules]int64
	for i := 0; i < s.nrules; i++ {
		starts[i] = unseen
	}
	best, bestStart := 0, int64(unseen)
	for k, t := range s.times {
		p := int(s.pos[k])
		if p == 0 {
			starts[0] = t
		} else if st := starts[p-1]; st != unseen && t-st <= s.span {
			starts[p] = max(starts[p], st)
		} else {
			continue
		}
		if p+1 > best || (p+1 == best && starts[p] > bestStart) {
			best, bestStart = p+1, starts[p]
		}
	}
	return float64(best), bestStart
}

func (s *orderedState) empty() bool { return len(s.times) == 0 }

func (s *orderedState) reset() { s.times, s.pos = nil, nil }

func (s *orderedState) save(g *snapGroup) {
	g.Times = s.times
	g.Counts = make([]int64, len(s.pos))
	for i, p := range s.pos {
		g.Counts[i] = int64(p)
	}
}

func (s *orderedState) load(g *snapGroup) error {
	if len(g.Times) != len(g.Counts) || len(g.Times) > s.limit {
		return fmt.Errorf("%w: temporal_ordered state malformed", ErrSnapshot)
	}
	s.times = g.Times
	s.pos = make([]uint8, len(g.Counts))
	for i, p := range g.Counts {
		if p < 0 || p >= int64(s.nrules) {
			return fmt.Errorf("%w: temporal_ordered rule position %d out of range", ErrSnapshot, p)
		}
		s.pos[i] = uint8(p)
		if i > 0 && (s.times[i] < s.times[i-1] || (s.times[i] == s.times[i-1] && s.pos[i] < s.pos[i-1])) {
			return fmt.Errorf("%w: temporal_ordered matches out of order", ErrSnapshot)
		}
	}
	return nil
}
