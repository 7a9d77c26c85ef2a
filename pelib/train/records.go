package train

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/pelab/pelab/pelib/model"
	"github.com/pelab/pelab/pelib/results"
)

// Version is written into every result record.
const Version = "0.1.0"

// RecordInfo is what a caller adds to the run's own description when it
// turns models into result records.
type RecordInfo struct {
	Experiment string         // "lst", "netsim", "fmri", …
	Protocol   string         // e.g. "quick", "paper"
	Task       map[string]any // task parameters (data set, split seed, …)
	// Inputs fingerprint the files the task read (results.Inputs); their
	// Summary is part of the config and so of the ID. nil for a task that
	// reads no files: the config then has no results.InputsKey key.
	Inputs  results.Inputs
	Backend string // backend config, e.g. "onnx:cpu"
	Device  string
	Started time.Time
}

// RecordID returns the canonical JSON config of one model and the stable ID
// derived from it: the same (config, task, input files, condition, PE,
// seed) always gives the same ID, so sweeps can skip models already done
// before training them, and a changed input file gives a new ID.
func RecordID(cfg Config, info RecordInfo, condition string, m model.Member) (json.RawMessage, string, error) {
	cfg = cfg.withDefaults()
	mc := cfg.Model
	mc.PE = m.PE
	if n, err := mc.Normalize(); err == nil { // the same ID before and after New normalises the config
		mc = n
	}
	c := map[string]any{
		"experiment": info.Experiment,
		"protocol":   info.Protocol,
		"task":       info.Task,
		"condition":  condition,
		"model":      mc,
		"pe":         m.PE.String(),
		"optimizer":  cfg.Optimizer,
		"objective":  cfg.Objective,
		"mask_ratio": cfg.MaskRatio,
		"batch_size": cfg.BatchSize,
		"epochs":     cfg.Epochs,
		"eval_every": cfg.EvalEvery,
		"seed":       m.Seed,
	}
	if cfg.LastBatch == LastBatchKeep { // absent by default: older IDs stay
		c["last_batch"] = cfg.LastBatch
	}
	if len(info.Inputs) > 0 {
		c[results.InputsKey] = info.Inputs.Summary()
	}
	raw, err := results.Canonical(c)
	if err != nil {
		return nil, "", fmt.Errorf("train: record config: %w", err)
	}
	id, err := results.ConfigID(c)
	if err != nil {
		return nil, "", fmt.Errorf("train: record config: %w", err)
	}
	return raw, id, nil
}

// Records returns one result record per model: its full config, seed,
// history, final metrics (the last evaluation's), status, backend and wall
// time (the group's, shared by its models). The ID is derived from the
// config, so the same model trained again gets the same ID.
func (r *Run) Records(info RecordInfo, extraFinal []Metrics) ([]results.Record, error) {
	if extraFinal != nil && len(extraFinal) != r.M {
		return nil, fmt.Errorf("train: %d extra metric sets for %d models", len(extraFinal), r.M)
	}
	out := make([]results.Record, r.M)
	for m, mem := range r.members {
		cond := mem.Label
		if cond == "" {
			cond = mem.PE.String()
		}
		raw, id, err := RecordID(r.cfg, info, cond, mem.Member)
		if err != nil {
			return nil, err
		}
		final := map[string]float64{}
		if n := len(mem.History); n > 0 {
			for k, v := range mem.History[n-1].Metrics {
				final[k] = v
			}
		}
		if extraFinal != nil {
			for k, v := range extraFinal[m] {
				final[k] = v
			}
		}
		status := results.StatusOK
		if !mem.Alive {
			status = results.StatusDiverged
		}
		out[m] = results.Record{
			ID: id, Experiment: info.Experiment, Protocol: info.Protocol, Coords: r.cfg.Model.Layout.Coords, Condition: cond, Seed: mem.Seed,
			Params: map[string]float64{"sigma": mem.PE.Sigma}, Config: raw,
			History: mem.History, Final: final, Status: status, Error: mem.Stopped,
			Backend: info.Backend, Device: info.Device, Version: Version,
			WallSeconds: r.wall.Seconds(), Started: info.Started, Finished: time.Now(),
		}
	}
	return out, nil
}

// FailedRecord returns the record of a model that could not be trained or
// analysed: the same ID and config as Records would give it (so a sweep
// finds it again), status results.StatusFailed, the reason in Error, no
// history or metrics beyond those in history, and the time of failure as
// Finished. Use it when no Run exists (New failed) or a Run cannot be
// trusted; history may be nil.
func FailedRecord(cfg Config, info RecordInfo, m MemberState, reason string) (results.Record, error) {
	cond := m.Label
	if cond == "" {
		cond = m.PE.String()
	}
	raw, id, err := RecordID(cfg, info, cond, m.Member)
	if err != nil {
		return results.Record{}, err
	}
	final := map[string]float64{}
	if n := len(m.History); n > 0 {
		for k, v := range m.History[n-1].Metrics {
			final[k] = v
		}
	}
	if reason == "" {
		reason = "failed (no reason given)"
	}
	return results.Record{
		ID: id, Experiment: info.Experiment, Protocol: info.Protocol, Coords: cfg.Model.Layout.Coords, Condition: cond, Seed: m.Seed,
		Params: map[string]float64{"sigma": m.PE.Sigma}, Config: raw,
		History: m.History, Final: final, Status: results.StatusFailed, Error: reason,
		Backend: info.Backend, Device: info.Device, Version: Version,
		Started: info.Started, Finished: time.Now(),
	}, nil
}
