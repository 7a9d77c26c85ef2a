package experiment

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/train"
)

// proto is a protocol of the fake experiment: a sweep.Training and one
// field of its own.
type proto struct {
	sweep.Training
	Window int
}

var protos = sweep.Protocols[proto]{Experiment: "fake", List: []sweep.Named[proto]{
	{Name: "quick", New: func() proto {
		return proto{sweep.Training{Name: "quick", Objective: train.Masked, MaskRatio: 0.5, Seeds: sweep.ReferenceSeeds()[:2]}, 16}
	}},
	{Name: "cls", New: func() proto {
		return proto{sweep.Training{Name: "cls", Objective: train.Classify, Seeds: sweep.ReferenceSeeds()[:2]}, 16}
	}},
}}

type fake struct{ About }

func (fake) Build(Request) (*Built, error) { return nil, errors.New("unused") }
func (fake) Headline() Headline            { return Headline{} }
func (fake) Report([]results.Record, string, string) (ReportPart, error) {
	return ReportPart{}, nil
}

func fakeExp() fake {
	return fake{About{ID: "fake", Protos: protos.Names(),
		Vocab: func() sweep.Vocabulary {
			return sweep.Vocabulary{Experiment: "fake", Aliases: map[string]string{"none": "none"}}
		},
		Defaults: map[string]string{"": "learn-0.1,none", "cls": "none"},
		Opts:     []Option{{Key: "layout", Kind: String}}}}
}

// TestSetup checks what every experiment's Build does first.
func TestSetup(t *testing.T) {
	e := fakeExp()
	if d := e.DefaultConditions("quick"); d != "learn-0.1,none" {
		t.Errorf("defaults of quick (the \"\" list) = %q", d)
	}
	p, conds, err := Setup(e, Request{SeedCount: 3, MaskRatio: 0.75}, protos, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "quick" || p.Window != 16 || p.MaskRatio != 0.75 || !slices.Equal(p.Seeds, sweep.ReferenceSeeds()[:3]) {
		t.Errorf("protocol %+v; want quick, mask 0.75, the first 3 reference seeds", p)
	}
	if len(conds) != 2 || conds[0].Name != "learn-0.1" || conds[1].Name != "none" {
		t.Errorf("conditions %v, want the protocol's defaults", conds)
	}
	p, conds, err = Setup(e, Request{Protocol: "cls", Seeds: []int64{7, 9}}, protos, []int64{1, 2})
	if err != nil || p.Name != "cls" || !slices.Equal(p.Seeds, []int64{7, 9}) || len(conds) != 1 {
		t.Errorf("cls: %+v %v %v", p, conds, err)
	}
	for _, tc := range []struct {
		req         Request
		all         []int64
		field, want string
	}{
		{Request{Protocol: "slow"}, nil, "protocol", `fake: unknown protocol "slow" (want quick or cls)`},
		{Request{Options: map[string]any{"lay": "2d"}}, nil, "lay", `unknown option "lay"`},
		{Request{SeedCount: 3}, []int64{1, 2}, "seeds", "seed count 3"},
		{Request{Seeds: []int64{4, 4}}, nil, "seeds", "seed 4 appears twice"},
		{Request{Protocol: "cls", MaskRatio: 0.5}, nil, "mask_ratio", "fake: a classification task has no mask ratio"},
		{Request{Conditions: "sin9"}, nil, "conditions", "sin9"},
	} {
		_, _, err := Setup(e, tc.req, protos, tc.all)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err = %v, want a FieldError of %s containing %q", tc.req, err, tc.field, tc.want)
		}
	}
}
