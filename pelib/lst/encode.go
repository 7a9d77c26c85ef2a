package lst

import (
	"fmt"
	"math/rand/v2"
)

// Channels is the width of a token's one-hot feature: channels 0–3 for
// shapes 1–4, channel 4 for the query; a blank is all zeros.
const Channels = 5

// Encode returns the model's inputs and targets for ps:
//
//	x [N, 16, 5] float32, row-major: x[n, s, v-1] = 1 where cell s of puzzle n
//	  holds shape v, x[n, s, 4] = 1 where it holds the query, zeros elsewhere;
//	y [N] int32: y[n] = solution − 1, a class in 0–3.
func Encode(ps []Puzzle) (x []float32, y []int32) {
	x = make([]float32, len(ps)*Tokens*Channels)
	y = make([]int32, len(ps))
	for n := range ps {
		for s, v := range ps[n].Cells {
			if v >= 1 && v <= Query {
				x[(n*Tokens+s)*Channels+int(v)-1] = 1
			}
		}
		y[n] = int32(ps[n].Solution) - 1
	}
	return x, y
}

// Coords returns the grid position (row, col), each 0–3, of the 16 tokens:
// token s = 4·row + col.
func Coords() [Tokens][2]int {
	var c [Tokens][2]int
	for s := range Tokens {
		c[s] = [2]int{s / Side, s % Side}
	}
	return c
}

// JaccardDistance returns the Jaccard distance between the flattened 16×5
// one-hot encodings of two grids: 1 − |A ∩ B| / |A ∪ B|, where A and B are
// the sets of non-zero entries, i.e. the (cell, symbol) pairs of non-blank
// cells (shapes and the query). Two all-blank grids have distance 0.
func JaccardDistance(a, b *[Tokens]uint8) float64 {
	var na, nb, both int
	for i := range Tokens {
		if a[i] != Blank {
			na++
		}
		if b[i] != Blank {
			nb++
			if a[i] == b[i] {
				both++
			}
		}
	}
	union := na + nb - both
	if union == 0 {
		return 0
	}
	return 1 - float64(both)/float64(union)
}

// MinDistance returns the smallest Jaccard distance from grid a to any
// puzzle of set, and the index of that puzzle (-1 for an empty set, with
// distance 1).
func MinDistance(a *[Tokens]uint8, set []Puzzle) (float64, int) {
	best, at := 1.0, -1
	for i := range set {
		if d := JaccardDistance(a, &set[i].Cells); d < best || at < 0 {
			best, at = d, i
		}
	}
	return best, at
}

// Split divides ps into train and test sets, stratified by condition: for
// each condition, round(testFrac·n) of its n puzzles, chosen by a
// permutation seeded with seed, go to test. Both sets keep the order of ps.
// The reference protocol is Split(pool, 0.1, seed): 8,100 / 900.
func Split(ps []Puzzle, testFrac float64, seed uint64) (train, test []Puzzle, err error) {
	if !(testFrac >= 0 && testFrac <= 1) {
		return nil, nil, fmt.Errorf("lst: split: test fraction %v outside [0, 1]", testFrac)
	}
	rng := rand.New(rand.NewPCG(seed, 0x6c73742d73706c74)) // "lst-splt"
	inTest := make([]bool, len(ps))
	for _, c := range Conditions {
		var idx []int
		for i := range ps {
			if ps[i].Condition == c {
				idx = append(idx, i)
			}
		}
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		nTest := int(testFrac*float64(len(idx)) + 0.5)
		for _, i := range idx[:nTest] {
			inTest[i] = true
		}
	}
	for i := range ps {
		if !ps[i].Condition.Valid() {
			return nil, nil, fmt.Errorf("lst: split: puzzle %d (ID %d) has invalid condition %d", i, ps[i].ID, ps[i].Condition)
		}
		if inTest[i] {
			test = append(test, ps[i])
		} else {
			train = append(train, ps[i])
		}
	}
	return train, test, nil
}
