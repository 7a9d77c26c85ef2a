// Package analysis holds the interpretability toolkit of pelab: it asks
// whether a learned positional encoding (PE) holds the true geometry of the
// tokens it encodes — grid cells, simulated nodes, brain regions — and how
// that geometry relates to generalisation across a sweep.
//
// # Conventions
//
// A PE table is a gonum matrix with one row per token and one column per
// width channel: shape (S, D), rows = tokens. A PE with one table per block,
// shape [L, S, D] in row-major flat storage, is split into L such tables with
// [Blocks]. Token coordinates are an (S, c) matrix, rows = tokens in the same
// order. Similarity and distance matrices are (S, S) and symmetric
// (*mat.SymDense). Functions that take a matrix accept any mat.Matrix.
// A partition of the tokens into networks is a []int of length S holding any
// integer label per token.
//
// Axis letters in doc comments: m model, b batch, s token, d width,
// c coordinate dimension, l block, n data item.
//
// # Errors
//
// Bad input never yields NaN or a panic: every function checks shapes, finite
// values, at least 3 tokens, and degenerate (constant or zero-norm) inputs,
// and returns an error wrapping one of [ErrShape], [ErrNonFinite],
// [ErrTooFew], [ErrConstant] or [ErrInvalid], so callers can test with
// errors.Is. Formulas that square their inputs (Pearson r and what uses it:
// Spearman ρ, RSA, Mantel; cosine similarity; Euclidean distances; the
// participation ratio) first rescale them by a power of two near their
// largest magnitude, so they hold at any finite scale (1e-300 or 1e300)
// instead of overflowing to 0 or underflowing to 1.
//
// # Contents and formulas
//
// Similarity (similarity.go): cosine S_ij = p_i·p_j / (‖p_i‖ ‖p_j‖) and
// Pearson correlation across the D channels of two tokens; per block and
// averaged over blocks. Distances (distance.go): Euclidean, Manhattan (grid)
// and shortest-path distances on a weighted graph (gonum/graph/path).
//
// RSA (correlate.go, rsa.go): Pearson, Spearman (Pearson of average ranks, so
// ties are handled) and Kendall τ_b = (n_c − n_d)/√((n_0 − n_1)(n_0 − n_2)) of
// the strict upper triangles of two symmetric matrices. The Mantel test
// permutes the tokens of one matrix (rows and columns together) and reports
// p = (1 + #{|r_π| ≥ |r|}) / (1 + N_perm) (one-sided variants available).
// Bootstrap intervals resample tokens with replacement and give percentile
// intervals. All randomness is seeded through the config structs.
//
// RDM comparators with rsatoolbox's reach (compare.go; a [Method] for RSA,
// Correlate and the bootstraps): besides Spearman, Pearson and τ_b, Kendall's
// τ_a = (n_c − n_d)/(n(n−1)/2), the uncentred cosine x·y/(‖x‖‖y‖) and the
// whitened cosine xᵀV⁻¹y/√(xᵀV⁻¹x·yᵀV⁻¹y), V = (CCᵀ)∘(CCᵀ) for the
// pairwise contrasts C, computed through Woodbury's identity in O(S²)
// (V = 2I + AAᵀ, A the pair–token incidence). The two cosines compare
// dissimilarities (RDMs: distances, 1 − similarity), whose zero means
// something. [NoiseCeilingOf] gives the lower (leave-one-subject-out) and
// upper (all subjects) bounds of Nili et al. (2014) for comparisons with
// RDMs measured in several subjects, pooling them on each method's scale.
// [BootstrapRSASeeds] resamples models (seeds) and tokens together. The
// numbers agree with scripts/rsa-oracle.py (numpy/scipy, the definitions
// computed independently) to 1e-12.
//
// Alignment (procrustes.go, decode.go): orthogonal Procrustes
// R* = argmin_{RᵀR=I} ‖PR − G‖_F = UVᵀ with UΣVᵀ = SVD(PᵀG), the raw distance
// ‖PR* − G‖_F, and the standardised disparity 1 − (Σσ_i)² of the centred,
// unit-Frobenius-norm tables (with optimal scale; this is the disparity of
// scipy.spatial.procrustes). [AlignToCoords] projects a PE on its top-k
// principal axes and aligns those scores, with optional scale, to centred
// k-D coordinates, reporting the mean position error in the coordinates'
// units. [Decode] gives k-fold cross-validated ridge (or minimum-norm least
// squares) R² of each coordinate predicted from the PE.
//
// Geometry (geometry.go): PCA with explained-variance ratios (gonum/stat),
// classical (Torgerson) MDS (gonum/stat/mds), and the participation ratio
// (Σλ)²/Σλ² of the covariance eigenvalues as effective dimensionality.
//
// Attention (attention.go): per-layer attention maps averaged over a data
// set given as flat row-major [N, L, S, S] batches, and the cosine
// similarity between two models' maps.
//
// Networks (network.go): Newman modularity
// Q = (1/2m) Σ_ij (w_ij − k_i k_j / 2m) δ(c_i, c_j) of non-negative weights,
// the signed form of Rubinov and Sporns (2011), within- and between-network
// means, and system segregation (Chan et al. 2014)
// (mean within − mean between) / mean within. Diagonals are ignored.
// Relabelling nulls (relabel.go): a partition statistic q against its
// values q_k on N random relabellings of the tokens (network sizes kept),
// Z = (q − mean q_k)/SD(q_k) and Pct = #{q_k < q}/N; [PartitionMetrics]
// gives modularity and segregation of max(similarity, 0) with theirs.
//
// Sweeps (sweep.go): Spearman ρ of a metric against generalisation with a
// two-sided p-value: exact (complete enumeration of permutations) for
// n ≤ 9, and from the t approximation t = ρ √((n−2)/(1−ρ²)) on n−2 degrees
// of freedom otherwise.
//
// The package uses no GoMLX: it works on plain gonum values so that notebooks,
// commands and tests can call it on tables read back from results.
package analysis
