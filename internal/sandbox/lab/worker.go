package lab

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/eventsec/eventsec/internal/sandbox"
	"github.com/eventsec/eventsec/internal/sandbox/yara"
	"github.com/eventsec/eventsec/internal/store"
)

func (s *Service) enqueue(j jobRef) {
	s.mu.Lock()
	if !s.queued[j.id] {
		s.queued[j.id] = true
		s.queue = append(s.queue, j)
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// next blocks until a job is queued or ctx ends.
func (s *Service) next(ctx context.Context) (jobRef, bool) {
	for {
		s.mu.Lock()
		if len(s.queue) > 0 {
			j := s.queue[0]
			s.queue = s.queue[1:]
			delete(s.queued, j.id)
			more := len(s.queue) > 0
			s.mu.Unlock()
			if more {
				// Pass the wake-up on to another idle worker.
				select {
				case s.wake <- struct{}{}:
				default:
				}
			}
			return j, true
		}
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return jobRef{}, false
		case <-s.wake:
		}
	}
}

// Run resumes the submissions a previous run left queued or running, then
// analyses queued submissions with Options.Workers workers until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	pending, err := s.o.Store.Sandbox().Unfinished(ctx, 0)
	if err != nil {
		return fmt.Errorf("cannot resume sandbox jobs: %w", err)
	}
	for _, p := range pending {
		s.enqueue(jobRef{p.OrgID, p.ID})
	}
	if len(pending) > 0 {
		s.log.Info("resuming sandbox analyses", "count", len(pending))
	}
	var wg sync.WaitGroup
	for range s.o.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				j, ok := s.next(ctx)
				if !ok {
					return
				}
				s.process(ctx, j)
			}
		}()
	}
	wg.Wait()
	return nil
}

// process runs one analysis and records its outcome. A job cut short by
// shutdown stays running in the store and is resumed by the next Run.
func (s *Service) process(ctx context.Context, j jobRef) {
	repo := s.o.Store.Sandbox()
	sub, err := repo.GetSubmission(ctx, j.org, j.id)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) && ctx.Err() == nil {
			s.log.Warn("cannot load sandbox job", "id", j.id, "err", err)
		}
		return
	}
	if sub.Status != store.SandboxQueued && sub.Status != store.SandboxRunning {
		return
	}
	now := s.o.Now()
	sub.Status, sub.Stage, sub.Progress, sub.Error, sub.StartedAt, sub.FinishedAt, sub.UpdatedAt = store.SandboxRunning, "start", 0, "", &now, nil, now
	if !s.save(ctx, sub) {
		return
	}
	s.publish(j.org, EventProgress, sub)

	rep, ext, err := s.analyze(ctx, &sub)
	if ctx.Err() != nil {
		return
	}
	done := s.o.Now()
	sub.FinishedAt, sub.UpdatedAt = &done, done
	if err != nil {
		sub.Status, sub.Stage, sub.Error = store.SandboxFailed, "failed", truncate(err.Error(), 2000)
		s.log.Warn("sandbox analysis failed", "id", sub.ID, "kind", sub.Kind, "err", err)
	} else {
		body, mErr := json.Marshal(rep)
		if mErr != nil {
			sub.Status, sub.Stage, sub.Error = store.SandboxFailed, "failed", "cannot encode the report"
		} else {
			sub.Status, sub.Stage, sub.Progress = store.SandboxDone, "done", 100
			sub.Verdict, sub.Score, sub.Report = string(rep.Verdict), rep.Score, body
			sub.External = nil
			if len(ext) > 0 {
				sub.External, _ = json.Marshal(ext)
			}
		}
	}
	if !s.save(ctx, sub) {
		return
	}
	s.publish(j.org, EventDone, sub)
}

// save writes a job's state; false when the submission is gone (deleted
// while running) or the write failed.
func (s *Service) save(ctx context.Context, sub store.SandboxSubmission) bool {
	if err := s.o.Store.Sandbox().UpdateSubmission(ctx, sub); err != nil {
		if !errors.Is(err, store.ErrNotFound) && ctx.Err() == nil {
			s.log.Warn("cannot save sandbox job", "id", sub.ID, "err", err)
		}
		return false
	}
	return true
}

// analyze runs the local analysis and the external lookups.
func (s *Service) analyze(ctx context.Context, sub *store.SandboxSubmission) (*sandbox.Report, []ExternalVerdict, error) {
	a, yaraErr := s.analyzerFor(ctx, sub.OrgID)
	if a == nil {
		return nil, nil, yaraErr
	}
	defer a.Close()
	lastStage := ""
	progress := func(stage string, pct int) {
		// The file analysis is the first 90% of the job; the external
		// lookups the rest.
		pct = pct * 90 / 100
		if stage == lastStage || stage == "done" {
			return
		}
		lastStage = stage
		sub.Stage, sub.Progress, sub.UpdatedAt = stage, pct, s.o.Now()
		s.save(ctx, *sub)
		s.publish(sub.OrgID, EventProgress, *sub)
	}
	var rep *sandbox.Report
	var err error
	lookupKind, lookupValue := sub.Kind, sub.Target
	if sub.Kind == KindFile {
		var data []byte
		if data, err = s.samples.Get(sub.SHA256); err != nil {
			return nil, nil, err
		}
		rep, err = a.AnalyzeFile(ctx, sub.Target, bytes.NewReader(data), int64(len(data)), progress)
		lookupKind, lookupValue = KindHash, sub.SHA256
	} else {
		progress("analyse", 10)
		rep, err = s.analyzeValue(ctx, a, sub.Kind, sub.Target)
		if err == nil && rep.Hash != nil {
			lookupValue = rep.Hash.Value
		}
		if err == nil && rep.URL != nil && sub.Kind == KindURL && rep.URL.Normalized != "" {
			lookupValue = rep.URL.Normalized
		}
	}
	if err != nil {
		return nil, nil, err
	}
	if yaraErr != nil && rep.YARA == nil {
		rep.YARA = &sandbox.YARAResult{Enabled: sandbox.YARAEnabled(), Error: yaraErr.Error()}
	}
	progress("external", 95)
	ext := s.checkConfigured(ctx, sub.OrgID, lookupKind, lookupValue)
	return rep, ext, nil
}

// analyzeValue runs the analysis of a URL, domain, IP or hash; a is nil
// for validation only.
func (s *Service) analyzeValue(ctx context.Context, a *sandbox.Analyzer, kind, v string) (*sandbox.Report, error) {
	if a == nil {
		var err error
		if a, err = sandbox.New(s.baseOptions("")); err != nil {
			return nil, err
		}
		defer a.Close()
	}
	switch kind {
	case KindURL:
		return a.AnalyzeURL(ctx, v)
	case KindDomain:
		return a.AnalyzeDomain(ctx, v)
	case KindIP:
		return a.AnalyzeIP(ctx, v)
	case KindHash:
		return a.AnalyzeHash(ctx, v)
	}
	return nil, fmt.Errorf("cannot analyse kind %q", kind)
}

func (s *Service) baseOptions(rules string) sandbox.Options {
	o := s.o.Analyzer
	o.YARARules = rules
	return o
}

// analyzerFor builds an analyser with the org's enabled YARA rules. When
// they do not compile together (rules saved by a build without YARA), the
// analysis runs without them and the returned error is shown in the
// report.
func (s *Service) analyzerFor(ctx context.Context, orgID string) (*sandbox.Analyzer, error) {
	rules, err := s.o.Store.Sandbox().ListRules(ctx, orgID, true)
	if err != nil {
		return nil, err
	}
	src := concatRules(rules)
	a, err := sandbox.New(s.baseOptions(src))
	if err == nil {
		return a, nil
	}
	var ce *yara.CompileError
	if !errors.As(err, &ce) {
		return nil, err
	}
	a, err2 := sandbox.New(s.baseOptions(""))
	if err2 != nil {
		return nil, err2
	}
	return a, fmt.Errorf("the enabled YARA rules do not compile; analysed without them: %w", err)
}

// concatRules joins rule sources, each preceded by a comment naming it.
func concatRules(rules []store.SandboxRule) string {
	var b strings.Builder
	for _, r := range rules {
		if !r.Enabled {
			continue
		}
		fmt.Fprintf(&b, "// EventSec rule %q\n%s\n", r.Name, strings.TrimRight(r.Source, "\n"))
	}
	return b.String()
}
