package detect

import (
	"sync"
	"time"
)

// maxAlertEngines bounds the engines alertEngineCache keeps: an analyst
// pages through the events of a few alerts at a time.
const maxAlertEngines = 16

// alertEngineCache keeps, per org and rule, the compiled unit and the test
// engine AlertEvents evaluates it with. An entry is current while the
// rule's stored source and the org's live engine (its filters and
// placeholders, counted by orgEngine.gen) are those it was built from.
// Compiling a large rule (thousands of hashes) takes a good part of a
// second; the engines are only read once built.
type alertEngineCache struct {
	mu sync.Mutex
	m  map[string]*alertEngine
}

type alertEngine struct {
	format, source string
	gen            uint64
	unit           *Unit
	engine         *orgEngine
	used           time.Time
}

func (c *alertEngineCache) get(orgID, ruleID, format, source string, gen uint64) (*Unit, *orgEngine) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a := c.m[orgID+"\x00"+ruleID]
	if a == nil || a.format != format || a.source != source || a.gen != gen {
		return nil, nil
	}
	a.used = time.Now()
	return a.unit, a.engine
}

func (c *alertEngineCache) put(orgID, ruleID, format, source string, gen uint64, u *Unit, e *orgEngine) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*alertEngine{}
	}
	key := orgID + "\x00" + ruleID
	if _, ok := c.m[key]; !ok && len(c.m) >= maxAlertEngines {
		var oldest string
		var at time.Time
		for k, a := range c.m {
			if oldest == "" || a.used.Before(at) {
				oldest, at = k, a.used
			}
		}
		delete(c.m, oldest)
	}
	c.m[key] = &alertEngine{format: format, source: source, gen: gen, unit: u, engine: e, used: time.Now()}
}

// orgGen is the rebuild count of the org's live engine (0 without one).
func (s *Service) orgGen(orgID string) uint64 {
	org := s.engine(orgID, false)
	if org == nil {
		return 0
	}
	org.mu.RLock()
	defer org.mu.RUnlock()
	return org.gen
}
