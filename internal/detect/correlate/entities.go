package correlate

import (
	"encoding/binary"
	"fmt"
)

// Entity is a thing an observed event is about: a host, a user, an
// address... Kind is the caller's name for its type (short names keep
// groups small: it is stored with every value).
type Entity struct {
	Kind, Value string
}

// DefaultMaxEntityBytes bounds the entities one group keeps, unless
// Options say otherwise: about ten host, user and address values. A
// group holds them as one byte slice of records (kind and value,
// length-prefixed, and the newest time the entity was seen, 8 bytes),
// so that an open group of one event with a host, a user and an address
// costs about 90 bytes more, and none without entities.
const DefaultMaxEntityBytes = 256

// entityRecord is the size of an entity's record in a group.
func entityRecord(en Entity) int {
	return uvarintLen(len(en.Kind)) + len(en.Kind) + uvarintLen(len(en.Value)) + len(en.Value) + 8
}

func uvarintLen(n int) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], uint64(n))
}

// entityAt decodes the record at b[i:]: the entity (its strings point
// into b: copy them before b changes), its time, and the next record's
// offset; next < 0 when the record is malformed.
func entityAt(b []byte, i int) (kind, value []byte, t int64, next int) {
	part := func() []byte {
		n, k := binary.Uvarint(b[i:])
		if k <= 0 || n > uint64(len(b)-i-k) {
			i = -1
			return nil
		}
		p := b[i+k : i+k+int(n)]
		i += k + int(n)
		return p
	}
	if kind = part(); i < 0 {
		return nil, nil, 0, -1
	}
	if value = part(); i < 0 || len(b)-i < 8 {
		return nil, nil, 0, -1
	}
	t = int64(binary.LittleEndian.Uint64(b[i:]))
	return kind, value, t, i + 8
}

// addEntities records the entities of an observation at time t in the
// group: a known one has its time moved forward, a new one is appended
// while the group's records fit in max bytes (else counted in
// Stats.EntitiesDropped). The slice is grown to its exact size: most
// groups hold few entities, and they are many.
func (e *Engine) addEntities(g *group, t int64, ents []Entity) {
	max := e.opts.MaxEntityBytes
	for _, en := range ents {
		if en.Value == "" {
			continue
		}
		found := false
		for i := 0; i < len(g.ents); {
			k, v, _, next := entityAt(g.ents, i)
			if next < 0 {
				break
			}
			if string(k) == en.Kind && string(v) == en.Value {
				if old := int64(binary.LittleEndian.Uint64(g.ents[next-8:])); t > old {
					binary.LittleEndian.PutUint64(g.ents[next-8:], uint64(t))
				}
				found = true
				break
			}
			i = next
		}
		if found {
			continue
		}
		n := entityRecord(en)
		if len(g.ents)+n > max {
			e.stats.EntitiesDropped++
			continue
		}
		b := make([]byte, len(g.ents), len(g.ents)+n)
		copy(b, g.ents)
		b = appendKeyPart(b, en.Kind)
		b = appendKeyPart(b, en.Value)
		g.ents = binary.LittleEndian.AppendUint64(b, uint64(t))
	}
}

// pruneEntities drops the entities last seen before lo (sliding mode:
// their events left the window).
func (g *group) pruneEntities(lo int64) {
	keep := 0
	drop := false
	for i := 0; i < len(g.ents); {
		_, _, t, next := entityAt(g.ents, i)
		if next < 0 {
			break
		}
		if t < lo {
			drop = true
		} else {
			keep += next - i
		}
		i = next
	}
	if !drop {
		return
	}
	if keep == 0 {
		g.ents = nil
		return
	}
	b := make([]byte, 0, keep)
	for i := 0; i < len(g.ents); {
		_, _, t, next := entityAt(g.ents, i)
		if next < 0 {
			break
		}
		if t >= lo {
			b = append(b, g.ents[i:next]...)
		}
		i = next
	}
	g.ents = b
}

// entities lists the group's entities seen at or after start.
func (g *group) entities(start int64) []Entity {
	var out []Entity
	for i := 0; i < len(g.ents); {
		k, v, t, next := entityAt(g.ents, i)
		if next < 0 {
			break
		}
		if t >= start {
			out = append(out, Entity{Kind: string(k), Value: string(v)})
		}
		i = next
	}
	return out
}

// checkEntities validates a snapshot's entity records.
func checkEntities(b []byte) error {
	for i := 0; i < len(b); {
		_, _, _, next := entityAt(b, i)
		if next < 0 {
			return fmt.Errorf("%w: malformed entity record", ErrSnapshot)
		}
		i = next
	}
	return nil
}
