package normalize

// Where the values of senders' keys go. aliasList is the one table of
// the names normalization maps; the JSON rules' field names
// (detect/jsonrule) and the search syntax (query/lucene) derive their
// lookups from it through these, so that a rule or a search on a key as
// sent finds the value where normalization put it.

// KeyAlias is a sender's key that normalization maps to ECS.
type KeyAlias struct {
	// Key is the name as sent: "sourceIp", "service".
	Key string
	// Fields are where its value may be, most likely first:
	// source.ip; service.name then labels.service.
	Fields []string
	// Dropped says that normalization does not keep the key: it is the
	// single value of an ECS object ("service":"billing"), which fills
	// the object's field (service.name), or labels.<Key> when the event
	// already has another value there (see SentKeyField).
	Dropped bool
}

// KeyAliases lists the keys normalization maps, in the order of its
// table (an earlier key wins when two fill the same field). The result
// is the caller's.
func KeyAliases() []KeyAlias {
	out := make([]KeyAlias, len(aliasList))
	for i, a := range aliasList {
		out[i] = KeyAlias{Key: a.name, Fields: append([]string(nil), aliasFields[i]...), Dropped: a.root}
	}
	return out
}

// SentKeyField returns the field of the normalized event f that holds
// what the sender gave under key, when key is one normalization drops
// (KeyAlias.Dropped): labels.<key> when the event had another value in
// the object's field, else that field, provided its value is one
// normalization would have put there ("agent" is user_agent.original or
// agent.name depending on the event and the value, see rootField). ok is
// false when key is kept as sent, or the event has no value for it.
func SentKeyField(f map[string]any, key string) (field string, ok bool) {
	i, known := aliasIndex[key]
	if !known || !aliasList[i].root {
		return "", false
	}
	if l := rootLabels[i]; l != "" {
		if _, set := f[l]; set {
			return l, true
		}
	}
	a := aliasList[i]
	for _, field := range aliasFields[i] {
		v, set := f[field]
		if !set || field == rootLabels[i] {
			continue
		}
		s, isStr := scalarString(v)
		if l, isList := v.([]string); isList && len(l) > 0 {
			s, isStr = l[0], true
		}
		if isStr && rootField(f, a, s) == field {
			return field, true
		}
	}
	return "", false
}

// aliasFields are, for each entry of aliasList, the fields its value may
// be in (KeyAlias.Fields).
var aliasFields = func() [][]string {
	out := make([][]string, len(aliasList))
	for i, a := range aliasList {
		var f []string
		switch a.kind {
		case aTransport:
			f = []string{"network.transport", "network.protocol"}
		case aSeverity:
			// A severity name fills log.level too.
			f = []string{a.field, "log.level"}
		case aAddr:
			f = []string{a.field, ipOfAddress(a.field)}
		case aAgent:
			// agent.name first: rootField puts a value there only when it
			// is no user agent, so SentKeyField cannot take a user agent
			// sent under user_agent for it.
			f = []string{"agent.name", "user_agent.original"}
		default:
			f = []string{a.field}
		}
		if rootLabels[i] != "" {
			f = append(f, rootLabels[i])
		}
		out[i] = f
	}
	return out
}()

// rootLabels are, for each entry of aliasList that normalization drops,
// the label that keeps its value when the object's field already holds
// another ("" for the others, and for objects kept as a label anyway).
var rootLabels = func() []string {
	out := make([]string, len(aliasList))
	for i, a := range aliasList {
		if a.root && a.kind != aLabel {
			out[i] = "labels." + a.name
		}
	}
	return out
}()
