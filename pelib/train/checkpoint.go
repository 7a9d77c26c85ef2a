package train

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/pelab/pelab/internal/atomicfile"
	"github.com/pelab/pelab/pelib/model"
)

// Checkpoint file layout (little endian):
//
//	"PELABCK1" | uint32 n | n bytes of JSON header | tensor data | sha256 of all before
//
// The header holds the run's identity (see identity), its progress (step,
// epoch, members with their histories and alive flags) and the name, shape
// and dtype of every tensor that follows (parameters, then optimiser state),
// each stored as raw float32 or float64 values.
const ckMagic = "PELABCK1"

var errNoCheckpoint = errors.New("train: no checkpoint")

// Errors New wraps when Config.Checkpoint names a file it cannot resume
// from; test for them with errors.Is. A sweep sets such a file aside and
// trains the group afresh.
var (
	// ErrCheckpointCorrupt: the file is not a pelab checkpoint, or it is
	// truncated, modified or inconsistent with its own header.
	ErrCheckpointCorrupt = errors.New("corrupt checkpoint")
	// ErrCheckpointMismatch: the file is a valid checkpoint of another run
	// (different model, optimiser, members or training data).
	ErrCheckpointMismatch = errors.New("checkpoint of another run")
)

type ckTensor struct {
	Name  string `json:"name"`
	Dims  []int  `json:"dims"`
	DType string `json:"dtype"`
}

type ckHeader struct {
	Identity string        `json:"identity"`
	Step     int           `json:"step"`
	Epoch    int           `json:"epoch"`
	WallNS   int64         `json:"wall_ns"`
	Members  []MemberState `json:"members"`
	Tensors  []ckTensor    `json:"tensors"`
}

// identity is what a checkpoint must match to be resumed: everything that
// determines the trajectory except the number of epochs (a run may be
// extended).
func (r *Run) identity() string {
	type member struct {
		Seed int64
		PE   string
	}
	ms := make([]member, len(r.members))
	for i, m := range r.members {
		ms[i] = member{m.Seed, m.PE.String()}
	}
	mc := r.cfg.Model
	b, _ := json.Marshal(struct {
		Model        model.Config
		PE           string
		Optimizer    Optimizer
		Objective    Objective
		MaskRatio    float64
		BatchSize, N int
		Members      []member
		TrainSum     [32]byte
		LastBatch    string `json:",omitempty"` // empty by default: older checkpoints stay valid
	}{mc, mc.PE.String(), r.cfg.Optimizer, r.cfg.Objective, r.cfg.MaskRatio, r.cfg.BatchSize, r.train.N, ms, dataSum(r.train), lastBatchID(r)})
	s := sha256.Sum256(b)
	return fmt.Sprintf("%x", s[:16])
}

// lastBatchID is "keep" when the run keeps each epoch's last, smaller batch,
// else "" (the default, which leaves identities as they were before the option).
func lastBatchID(r *Run) string {
	if r.keepLast() {
		return LastBatchKeep
	}
	return ""
}

func dataSum(d *Data) [32]byte {
	h := sha256.New()
	_ = binary.Write(h, binary.LittleEndian, d.X)
	_ = binary.Write(h, binary.LittleEndian, d.Labels)
	_ = binary.Write(h, binary.LittleEndian, d.Targets)
	var s [32]byte
	copy(s[:], h.Sum(nil))
	return s
}

// SaveCheckpoint writes the run's complete state to path atomically (a
// temporary file in the same directory, synced, then renamed over path).
func (r *Run) SaveCheckpoint(path string) error {
	hdr := ckHeader{Identity: r.identity(), Step: r.step, Epoch: r.epoch, WallNS: int64(r.wall),
		Members: r.members} // the last step's losses (NaN for a frozen model) are display-only
	all := r.allTensors()
	names := r.tensorNames()
	for i, t := range all {
		hdr.Tensors = append(hdr.Tensors, ckTensor{Name: names[i], Dims: t.Shape().Dimensions, DType: t.DType().String()})
	}
	hj, err := json.Marshal(hdr)
	if err != nil {
		return fmt.Errorf("train: checkpoint header: %w", err)
	}
	var buf bytes.Buffer
	buf.WriteString(ckMagic)
	_ = binary.Write(&buf, binary.LittleEndian, uint32(len(hj)))
	buf.Write(hj)
	for _, t := range all {
		var werr error
		if err := t.ConstFlatData(func(flat any) { werr = binary.Write(&buf, binary.LittleEndian, flat) }); err != nil {
			return fmt.Errorf("train: checkpoint: %w", err)
		}
		if werr != nil {
			return fmt.Errorf("train: checkpoint: %w", werr)
		}
	}
	sum := sha256.Sum256(buf.Bytes())
	buf.Write(sum[:])
	return writeAtomic(path, buf.Bytes())
}

// writeAtomic writes data to path through a synced temporary file and a
// rename (see internal/atomicfile), so readers see the old file or the new
// one, never a part. It creates path's directory if needed.
func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("train: writing %s: %w", path, err)
	}
	if err := atomicfile.Write(path, data); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}

func (r *Run) allTensors() []*tensors.Tensor {
	return append(append([]*tensors.Tensor{}, r.params...), r.states...)
}

func (r *Run) tensorNames() []string {
	var names []string
	for _, s := range r.specs {
		names = append(names, "param:"+s.Name)
	}
	for _, s := range r.specs {
		if s.Trainable {
			for k := range r.statesPerParam() {
				names = append(names, fmt.Sprintf("state%d:%s", k, s.Name))
			}
		}
	}
	return names
}

// loadCheckpoint restores the run from path. It returns errNoCheckpoint when
// the file does not exist, and an error naming the file when it is corrupt
// or truncated (wrapping ErrCheckpointCorrupt) or belongs to a different run
// (wrapping ErrCheckpointMismatch).
func (r *Run) loadCheckpoint(path string) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return errNoCheckpoint
	}
	if err != nil {
		return fmt.Errorf("train: reading checkpoint: %w", err)
	}
	bad := func(what string) error {
		return fmt.Errorf("train: checkpoint %s is corrupt: %s (%w)", path, what, ErrCheckpointCorrupt)
	}
	if len(data) < len(ckMagic)+4+32 || string(data[:len(ckMagic)]) != ckMagic {
		return bad("not a pelab checkpoint or truncated")
	}
	body, sum := data[:len(data)-32], data[len(data)-32:]
	if s := sha256.Sum256(body); !bytes.Equal(s[:], sum) {
		return bad("checksum mismatch (truncated or modified)")
	}
	n := int(binary.LittleEndian.Uint32(body[len(ckMagic):]))
	off := len(ckMagic) + 4
	if off+n > len(body) {
		return bad("header length beyond end of file")
	}
	var hdr ckHeader
	if err := json.Unmarshal(body[off:off+n], &hdr); err != nil {
		return bad("header: " + err.Error())
	}
	if id := r.identity(); hdr.Identity != id {
		return fmt.Errorf("train: checkpoint %s belongs to another run (identity %s, this run %s): move it away or use another path (%w)", path, hdr.Identity, id, ErrCheckpointMismatch)
	}
	all := r.allTensors()
	names := r.tensorNames()
	if len(hdr.Tensors) != len(all) {
		return bad(fmt.Sprintf("%d tensors, want %d", len(hdr.Tensors), len(all)))
	}
	rd := bytes.NewReader(body[off+n:])
	loaded := make([]*tensors.Tensor, len(all))
	for i, t := range hdr.Tensors {
		if t.Name != names[i] || !slices.Equal(t.Dims, all[i].Shape().Dimensions) || t.DType != all[i].DType().String() {
			return bad(fmt.Sprintf("tensor %d is %s %v %s, want %s %v %s", i, t.Name, t.Dims, t.DType, names[i], all[i].Shape().Dimensions, all[i].DType()))
		}
		size := 1
		for _, d := range t.Dims {
			size *= d
		}
		if all[i].DType() == dtypes.Float64 {
			v := make([]float64, size)
			if err := binary.Read(rd, binary.LittleEndian, v); err != nil {
				return bad(err.Error())
			}
			loaded[i] = tensors.FromFlatDataAndDimensions(v, t.Dims...)
		} else {
			v := make([]float32, size)
			if err := binary.Read(rd, binary.LittleEndian, v); err != nil {
				return bad(err.Error())
			}
			loaded[i] = tensors.FromFlatDataAndDimensions(v, t.Dims...)
		}
	}
	if _, err := rd.ReadByte(); err != io.EOF {
		return bad("trailing data")
	}
	if len(hdr.Members) != r.M {
		return bad(fmt.Sprintf("%d members, want %d", len(hdr.Members), r.M))
	}
	for _, t := range r.allTensors() { // the initial values, replaced
		t.FinalizeAll()
	}
	copy(r.params, loaded[:len(r.params)])
	copy(r.states, loaded[len(r.params):])
	r.step, r.epoch, r.wall = hdr.Step, hdr.Epoch, durationNS(hdr.WallNS)
	for m := range r.members { // keep the caller's labels and specs (with InitFunc); restore progress
		r.members[m].Alive = hdr.Members[m].Alive
		r.members[m].Stopped = hdr.Members[m].Stopped
		r.members[m].History = hdr.Members[m].History
	}
	r.logf("resumed from %s at epoch %d (step %d)\n", path, r.epoch, r.step)
	return nil
}
