package netsim

import (
	"testing"

	"github.com/pelab/pelab/pelib/masked"
)

// TestPEGeometryFigureCollapsed checks that a PE whose top axes hold the
// grid only through even functions of position (as the oracle sinusoid's
// wrapping channels) is reported collapsed and still drawn (as principal
// components, not one dot).
func TestPEGeometryFigureCollapsed(t *testing.T) {
	net, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	g, err := GeometryOf(net)
	if err != nil {
		t.Fatal(err)
	}
	S, _ := g.Coords.Dims()
	D := 4
	cx, cy := 0.0, 0.0
	for s := range S {
		cx += g.Coords.At(s, 0) / float64(S)
		cy += g.Coords.At(s, 1) / float64(S)
	}
	tb := make([]float64, S*D)
	for s := range S {
		x, y := g.Coords.At(s, 0)-cx, g.Coords.At(s, 1)-cy
		tb[s*D], tb[s*D+1], tb[s*D+2], tb[s*D+3] = x*x, y*y, x*x*y*y, 0.01*float64(s%3)
	}
	f, al, err := masked.PEGeometryFigure(tb, 1, S, D, 0, g, "even", masked.Words{})
	if err != nil {
		t.Fatal(err)
	}
	if !al.Collapsed() {
		t.Fatalf("spread %g: not collapsed", al.Spread)
	}
	if _, err := f.PNG(0, 0); err != nil {
		t.Fatal(err)
	}
}
