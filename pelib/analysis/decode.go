package analysis

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// DecodeConfig configures Decode. The zero value is 5-fold minimum-norm least
// squares with seed 0.
type DecodeConfig struct {
	// Folds is the number of cross-validation folds, 2 ≤ Folds ≤ S; 0 means
	// 5 (or S when S < 5). Folds = S is leave-one-out.
	Folds int
	// Ridge is the penalty λ ≥ 0 on ‖w‖² added to the squared error. λ = 0 is
	// the minimum-norm least-squares fit, which with D ≥ S interpolates the
	// training tokens.
	Ridge float64
	// Seed seeds the assignment of tokens to folds.
	Seed uint64
}

// Decoding is the cross-validated linear read-out of coordinates from a PE.
type Decoding struct {
	// R2[c] = 1 − Σ_s (y_sc − ŷ_sc)² / Σ_s (y_sc − ȳ_c)², with ŷ_sc predicted
	// by a model that did not see token s. It is ≈ 1 for a linear code and
	// ≈ 0 or negative when the PE carries no linear information on c.
	R2 []float64
	// MeanR2 is the mean of R2 over coordinates.
	MeanR2 float64
	// Predicted holds the (S, c) out-of-fold predictions ŷ.
	Predicted *mat.Dense
}

// Decode fits, for each of k folds, a linear map with intercept from the
// (S, D) table pe to the (S, c) coordinates on the other folds' tokens (ridge
// regression by SVD: W = V diag(σ/(σ²+λ)) Uᵀ Y on centred data) and predicts
// the held-out tokens; see Decoding. Tokens are shuffled into folds with
// cfg.Seed. A constant coordinate has no variance to explain and is an error.
func Decode(pe, coords mat.Matrix, cfg DecodeConfig) (*Decoding, error) {
	const fn = "Decode"
	s, d, err := checkTable(fn, "PE table", pe)
	if err != nil {
		return nil, err
	}
	sc, c, err := checkTable(fn, "coordinates", coords)
	if err != nil {
		return nil, err
	}
	if sc != s {
		return nil, fmt.Errorf("analysis: %s: PE has %d tokens, coordinates have %d: %w", fn, s, sc, ErrShape)
	}
	if cfg.Ridge < 0 {
		return nil, fmt.Errorf("analysis: %s: ridge penalty %g < 0: %w", fn, cfg.Ridge, ErrInvalid)
	}
	folds := cfg.Folds
	if folds == 0 {
		folds = min(5, s)
	}
	if folds < 2 || folds > s {
		return nil, fmt.Errorf("analysis: %s: %d folds for %d tokens, want 2 ≤ folds ≤ S: %w", fn, folds, s, ErrInvalid)
	}
	if s-(s+folds-1)/folds < 2 {
		return nil, fmt.Errorf("analysis: %s: %d folds leave fewer than 2 training tokens of %d: %w", fn, folds, s, ErrTooFew)
	}
	x, y := mat.DenseCopyOf(pe), mat.DenseCopyOf(coords)
	for j := 0; j < c; j++ {
		if isConstant(mat.Col(nil, j, y)) {
			return nil, fmt.Errorf("analysis: %s: coordinate %d is the same for every token: %w", fn, j, ErrConstant)
		}
	}
	order := rand.New(rand.NewPCG(cfg.Seed, 0xdec0de)).Perm(s)
	fold := make([]int, s)
	for i, t := range order {
		fold[t] = i % folds
	}
	pred := mat.NewDense(s, c, nil)
	for f := 0; f < folds; f++ {
		var train, test []int
		for t := 0; t < s; t++ {
			if fold[t] == f {
				test = append(test, t)
			} else {
				train = append(train, t)
			}
		}
		xtr, ytr := rows(x, train), rows(y, train)
		xc, xmean := centre(xtr)
		yc, ymean := centre(ytr)
		w, err := ridge(fn, xc, yc, cfg.Ridge)
		if err != nil {
			return nil, err
		}
		xte := rows(x, test)
		for i := range test {
			for j := 0; j < d; j++ {
				xte.Set(i, j, xte.At(i, j)-xmean[j])
			}
		}
		var yhat mat.Dense
		yhat.Mul(xte, w)
		for i, t := range test {
			for j := 0; j < c; j++ {
				pred.Set(t, j, yhat.At(i, j)+ymean[j])
			}
		}
	}
	r2 := make([]float64, c)
	var mean float64
	for j := 0; j < c; j++ {
		var ybar float64
		for t := 0; t < s; t++ {
			ybar += y.At(t, j)
		}
		ybar /= float64(s)
		var ssr, sst float64
		for t := 0; t < s; t++ {
			e := y.At(t, j) - pred.At(t, j)
			ssr += e * e
			v := y.At(t, j) - ybar
			sst += v * v
		}
		r2[j] = 1 - ssr/sst
		mean += r2[j]
	}
	return &Decoding{R2: r2, MeanR2: mean / float64(c), Predicted: pred}, nil
}

// rows returns a copy of the given rows of x.
func rows(x *mat.Dense, idx []int) *mat.Dense {
	_, d := x.Dims()
	out := mat.NewDense(len(idx), d, nil)
	for i, t := range idx {
		out.SetRow(i, x.RawRowView(t))
	}
	return out
}

// ridge returns the (D, c) weights W = V diag(σ/(σ²+λ)) Uᵀ Y for centred
// x = UΣVᵀ (n, D) and y (n, c). With λ = 0, singular values below a rank
// tolerance are dropped (pseudo-inverse).
func ridge(fn string, x, y *mat.Dense, lambda float64) (*mat.Dense, error) {
	var svd mat.SVD
	if !svd.Factorize(x, mat.SVDThin) {
		return nil, fmt.Errorf("analysis: %s: SVD of the training PE did not converge: %w", fn, ErrInvalid)
	}
	var u, v mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	sv := svd.Values(nil)
	n, d := x.Dims()
	tol := 0.0
	if len(sv) > 0 {
		tol = sv[0] * float64(max(n, d)) * 2.220446049250313e-16
	}
	f := make([]float64, len(sv))
	for i, sg := range sv {
		switch {
		case lambda > 0:
			f[i] = sg / (sg*sg + lambda)
		case sg > tol:
			f[i] = 1 / sg
		}
	}
	var uty mat.Dense
	uty.Mul(u.T(), y)
	for i := range f {
		row := uty.RawRowView(i)
		for j := range row {
			row[j] *= f[i]
		}
	}
	var w mat.Dense
	w.Mul(&v, &uty)
	return &w, nil
}
