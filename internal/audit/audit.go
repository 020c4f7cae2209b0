// Package audit computes and verifies the hash chain that makes EventSec's
// audit log tamper-evident. Each entry's hash covers the previous entry's
// hash and every field of the entry, so altering, inserting or deleting a
// row breaks the chain from that row on.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/eventsec/eventsec/internal/store"
)

// Genesis is the PrevHash of an org's first entry.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Hash returns the hex SHA-256 of e's fields and e.PrevHash. Fields are
// length-prefixed so that no two different entries serialise alike.
func Hash(e store.AuditEntry) string {
	h := sha256.New()
	var n [8]byte
	writeStr := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	writeStr("eventsec-audit-v1")
	writeStr(e.PrevHash)
	binary.BigEndian.PutUint64(n[:], uint64(e.Seq))
	h.Write(n[:])
	binary.BigEndian.PutUint64(n[:], uint64(e.Time.UnixMilli()))
	h.Write(n[:])
	for _, s := range []string{e.OrgID, e.ActorID, e.ActorEmail, e.Action, e.TargetType, e.TargetID, e.Summary, e.ClientIP, e.RequestID} {
		writeStr(s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Result is the outcome of verifying one org's chain.
type Result struct {
	OrgID   string
	Entries int64
	OK      bool
	// BrokenAtSeq is the first entry whose link does not hold (when !OK).
	BrokenAtSeq int64
	Reason      string
}

var errStop = errors.New("stop")

// Verify walks an org's chain and reports the first broken link.
func Verify(ctx context.Context, s store.AuditStore, orgID string) (Result, error) {
	res := Result{OrgID: orgID, OK: true}
	prev := Genesis
	var want int64 = 1
	err := s.Walk(ctx, orgID, func(e store.AuditEntry) error {
		res.Entries++
		switch {
		case e.Seq != want:
			res.OK, res.BrokenAtSeq = false, want
			res.Reason = fmt.Sprintf("entry %d is missing (found %d next)", want, e.Seq)
		case e.PrevHash != prev:
			res.OK, res.BrokenAtSeq = false, e.Seq
			res.Reason = fmt.Sprintf("entry %d does not link to entry %d (previous hash differs)", e.Seq, e.Seq-1)
		case Hash(e) != e.Hash:
			res.OK, res.BrokenAtSeq = false, e.Seq
			res.Reason = fmt.Sprintf("entry %d was altered (its content does not match its hash)", e.Seq)
		}
		if !res.OK {
			return errStop
		}
		prev, want = e.Hash, e.Seq+1
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return res, fmt.Errorf("cannot walk audit chain of org %s: %w", orgID, err)
	}
	if !res.OK {
		return res, nil
	}
	headSeq, headHash, err := s.Head(ctx, orgID)
	if err != nil {
		return res, fmt.Errorf("cannot read audit chain head of org %s: %w", orgID, err)
	}
	if headSeq != want-1 || (headSeq > 0 && headHash != prev) {
		res.OK, res.BrokenAtSeq = false, want
		res.Reason = fmt.Sprintf("the chain ends at entry %d but its head records entry %d: entries were removed", want-1, headSeq)
	}
	return res, nil
}
