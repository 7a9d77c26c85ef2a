package pe

import "math"

// MaskValue is the score added where attention is masked out. It is large
// and finite rather than −Inf, so masked entries vanish in the softmax
// (exp(−1e9) = 0 in float32 and float64) without Inf−Inf or 0·Inf giving NaN;
// it still exceeds the float16 range, where it becomes −Inf.
const MaskValue = -1e9

// CausalMask returns the [S, S] causal mask, entry (q, k) = 0 where k ≤ q and
// MaskValue where k > q, to be added to the attention scores. It returns nil
// unless S > 0.
func CausalMask(S int) []float64 {
	if S <= 0 {
		return nil
	}
	m := make([]float64, S*S)
	for q := range S {
		for k := q + 1; k < S; k++ {
			m[q*S+k] = MaskValue
		}
	}
	return m
}

// ShawIndex returns the relative-position index map of a shaw spec for S
// tokens: idx, [S, S], entry (q, k) an index into n learned relative
// embeddings (shape [n, dh], initial values from InitTable). With
// M = spec.MaxDist (0 means S−1):
//
//   - bidirectional: idx = clip(k−q, −M, M) + M, n = 2M+1;
//   - causal: idx = clip(k−q, −M, 0) + M, n = M+1; entries with k > q
//     share the index of offset 0 and must be masked (CausalMask).
//
// It returns nil, 0 unless spec is a valid shaw spec and S > 0.
func ShawIndex(spec Spec, S int) (idx []int, n int) {
	if spec.Kind != Shaw || spec.Validate() != nil || S <= 0 {
		return nil, 0
	}
	s := spec.Normalize()
	M := s.MaxDist
	if M == 0 {
		M = S - 1
	}
	hi := M
	n = 2*M + 1
	if s.Causal {
		hi, n = 0, M+1
	}
	idx = make([]int, S*S)
	for q := range S {
		for k := range S {
			idx[q*S+k] = min(max(k-q, -M), hi) + M
		}
	}
	return idx, n
}

// T5Index returns the bucket map of a t5 spec for S tokens: idx, [S, S],
// entry (q, k) the bucket of the offset r = k−q among n = spec.Buckets (one
// learned bias per bucket and head, shape [n, H]). With B buckets per
// direction, B = Buckets/2 when bidirectional and Buckets when causal, and
// E = B/2 exact buckets:
//
//   - bidirectional: a = |r|, and keys after the query (r > 0) use the
//     buckets B…2B−1; causal: a = max(−r, 0), so keys after the query
//     (masked, see CausalMask) share bucket 0 with r = 0;
//   - a < E is its own bucket a; a ≥ E goes to
//     min(E + ⌊log(a/E)/log(MaxDist/E)·(B−E)⌋, B−1), log-spaced buckets
//     whose last one also takes every a ≥ MaxDist.
//
// This is the bucketing of Raffel et al. (T5); the floor is of the exact
// real value (computed in base-2 logs with a 1e-9 tolerance so that boundary
// values such as a = 2E are not lost to rounding). It returns nil, 0 unless
// spec is a valid t5 spec and S > 0.
func T5Index(spec Spec, S int) (idx []int, n int) {
	if spec.Kind != T5 || spec.Validate() != nil || S <= 0 {
		return nil, 0
	}
	s := spec.Normalize()
	B, E := s.t5Exact()
	idx = make([]int, S*S)
	for q := range S {
		for k := range S {
			idx[q*S+k] = t5Bucket(k-q, s.Causal, B, E, s.MaxDist)
		}
	}
	return idx, s.Buckets
}

// t5Bucket returns the bucket of offset r = k−q (see T5Index).
func t5Bucket(r int, causal bool, B, E, maxDist int) int {
	offset := 0
	var a int
	if causal {
		a = max(-r, 0)
	} else {
		if r > 0 {
			offset = B
		}
		a = r
		if a < 0 {
			a = -a
		}
	}
	if a < E {
		return offset + a
	}
	f := math.Log2(float64(a)/float64(E)) / math.Log2(float64(maxDist)/float64(E)) * float64(B-E)
	b := E + int(math.Floor(f+1e-9))
	return offset + min(b, B-1)
}
