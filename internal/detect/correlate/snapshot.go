package correlate

import (
	"bufio"
	"container/heap"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
)

// snapshotMagic opens every snapshot; snapshotVersion is bumped when the
// record layout changes (an older engine refuses a newer snapshot).
const (
	snapshotMagic   = "eventsec-correlate-snapshot\n"
	snapshotVersion = 1
)

// snapHeader is the first gob record of a snapshot.
type snapHeader struct {
	Version int
	Rules   []snapRule
	Groups  int
}

// snapRule identifies a rule whose groups follow; a group is restored
// only into a loaded rule with the same key and fingerprint.
type snapRule struct {
	Key         string
	Fingerprint string
	PosIDs      []string
}

// snapGroup is one group. The state fields are shared by the types; each
// state's save/load says which it uses.
type snapGroup struct {
	Rule        int
	Key         string
	MaxT, Start int64
	Mask        uint64
	IDs         []string
	IDTimes     []int64
	// Ents are the group's entity records (absent in snapshots of
	// engines that kept none: gob leaves it empty).
	Ents []byte

	Times  []int64
	Nums   []float64
	Strs   []string
	Counts []int64
	IDs2   []string
	N      int64
	Sum    float64
	Sat    bool
}

// Snapshot writes the state of every open group, so that a restarted
// engine can resume mid-window with Restore. The format is a magic line
// followed by versioned gob records.
func (e *Engine) Snapshot(w io.Writer) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString(snapshotMagic); err != nil {
		return fmt.Errorf("cannot write correlation snapshot: %w", err)
	}
	h := snapHeader{Version: snapshotVersion, Groups: len(e.heap)}
	index := map[*ruleState]int{}
	for _, g := range e.heap {
		if _, ok := index[g.rs]; !ok {
			index[g.rs] = len(h.Rules)
			h.Rules = append(h.Rules, snapRule{Key: g.rs.key, Fingerprint: g.rs.fp, PosIDs: g.rs.posIDs})
		}
	}
	enc := gob.NewEncoder(bw)
	if err := enc.Encode(&h); err != nil {
		return fmt.Errorf("cannot write correlation snapshot: %w", err)
	}
	for _, g := range e.heap {
		sg := snapGroup{Rule: index[g.rs], Key: g.key, MaxT: g.maxT, Start: g.start, Mask: g.mask, Ents: g.ents}
		if len(g.ids) > 0 {
			sg.IDs, sg.IDTimes = make([]string, len(g.ids)), make([]int64, len(g.ids))
			for i, x := range g.ids {
				sg.IDs[i], sg.IDTimes[i] = x.id, x.t
			}
		}
		g.st.save(&sg)
		if err := enc.Encode(&sg); err != nil {
			return fmt.Errorf("cannot write correlation snapshot: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("cannot write correlation snapshot: %w", err)
	}
	return nil
}

// Restore replaces all group state with a snapshot's. Groups of rules
// that are no longer loaded, or whose definition changed, are dropped
// (counted in Stats.RestoreDropped). On error the current state is left
// as it was.
func (e *Engine) Restore(r io.Reader) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	br := bufio.NewReader(r)
	magic := make([]byte, len(snapshotMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != snapshotMagic {
		return fmt.Errorf("cannot restore correlation state: %w: not a correlation snapshot", ErrSnapshot)
	}
	dec := gob.NewDecoder(br)
	var h snapHeader
	if err := dec.Decode(&h); err != nil {
		return fmt.Errorf("cannot restore correlation state: %w: header: %v", ErrSnapshot, err)
	}
	if h.Version != snapshotVersion {
		return fmt.Errorf("cannot restore correlation state: %w: version %d, want %d", ErrSnapshot, h.Version, snapshotVersion)
	}
	if h.Groups < 0 {
		return fmt.Errorf("cannot restore correlation state: %w: negative group count", ErrSnapshot)
	}
	targets := make([]*ruleState, len(h.Rules))
	posIDs := make([][]string, len(h.Rules))
	for i, sr := range h.Rules {
		rs := e.rules[sr.Key]
		if rs != nil && rs.fp == sr.Fingerprint && len(sr.PosIDs) == len(rs.posIDs) {
			targets[i], posIDs[i] = rs, sr.PosIDs
		}
	}
	var groups []*group
	var dropped uint64
	seen := map[*ruleState]map[string]bool{}
	for n := 0; n < h.Groups; n++ {
		var sg snapGroup
		if err := dec.Decode(&sg); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("cannot restore correlation state: %w: group %d: %v", ErrSnapshot, n, err)
		}
		if sg.Rule < 0 || sg.Rule >= len(targets) {
			return fmt.Errorf("cannot restore correlation state: %w: group %d names rule %d of %d", ErrSnapshot, n, sg.Rule, len(targets))
		}
		rs := targets[sg.Rule]
		if rs == nil {
			dropped++
			continue
		}
		g, err := e.loadGroup(rs, &sg)
		if err != nil {
			return fmt.Errorf("cannot restore correlation state: group %d of rule %q: %w", n, rs.key, err)
		}
		if seen[rs] == nil {
			seen[rs] = map[string]bool{}
		}
		if seen[rs][g.key] {
			return fmt.Errorf("cannot restore correlation state: %w: group %d of rule %q appears twice", ErrSnapshot, n, rs.key)
		}
		seen[rs][g.key] = true
		groups = append(groups, g)
	}

	// Everything decoded: install it.
	for _, rs := range e.rules {
		rs.groups = map[string]*group{}
	}
	for i, rs := range targets {
		if rs == nil {
			continue
		}
		for pos, id := range posIDs[i] {
			if rs.posIDs[pos] == "" {
				rs.posIDs[pos] = id
			}
		}
	}
	e.heap = e.heap[:0]
	for _, g := range groups {
		g.rs.groups[g.key] = g
		g.hidx = len(e.heap)
		e.heap = append(e.heap, g)
	}
	heap.Init(&e.heap)
	for len(e.heap) > e.opts.MaxGroups {
		old := heap.Pop(&e.heap).(*group)
		delete(old.rs.groups, old.key)
		e.stats.Evicted++
	}
	e.stats.RestoreDropped += dropped
	return nil
}

// loadGroup checks and rebuilds one group from its record.
func (e *Engine) loadGroup(rs *ruleState, sg *snapGroup) (*group, error) {
	parts, ok := splitKey(sg.Key)
	if !ok || len(parts) != 1+len(rs.rule.Correlation.GroupBy) {
		return nil, fmt.Errorf("%w: malformed group key", ErrSnapshot)
	}
	lo, hi := minTime.UnixNano(), maxTime.UnixNano()
	if sg.MaxT < lo || sg.MaxT > hi || sg.Start < lo || sg.Start > hi {
		return nil, fmt.Errorf("%w: group time out of range", ErrSnapshot)
	}
	if n := len(rs.rule.Correlation.Rules); n < 64 && sg.Mask>>uint(n) != 0 {
		return nil, fmt.Errorf("%w: group names a rule position beyond %d", ErrSnapshot, n)
	}
	g := &group{key: sg.Key, rs: rs, st: e.newState(rs), maxT: sg.MaxT, start: sg.Start, mask: sg.Mask, hidx: -1}
	if len(sg.IDs) != len(sg.IDTimes) {
		return nil, fmt.Errorf("%w: event ids and their times differ in number", ErrSnapshot)
	}
	for i := range min(len(sg.IDs), e.opts.MaxEventIDs) {
		g.ids = append(g.ids, idAt{sg.IDTimes[i], sg.IDs[i]})
	}
	if err := checkEntities(sg.Ents); err != nil {
		return nil, err
	}
	// Entities past a lower limit than the saving engine's are
	// forgotten, not an error: they are a summary.
	if len(sg.Ents) > 0 && len(sg.Ents) <= e.opts.MaxEntityBytes {
		g.ents = sg.Ents
	}
	if err := g.st.load(sg); err != nil {
		return nil, err
	}
	if rs.sliding {
		g.dl = g.maxT + rs.span
	} else {
		g.dl = g.start + rs.span
	}
	return g, nil
}
