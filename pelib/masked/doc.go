// Package masked is the core of every masked-token experiment —
// Experiment 2 (pelib/netsim, simulated networks), Experiment 3
// (pelib/fmri, HCP resting-state fMRI) and `pelab tokens` (pelib/tokens, a
// researcher's own tokens): S tokens with coordinates, recordings of them,
// a transformer trained to predict masked tokens, and the learned PE's
// geometry compared with the coordinates and with the data.
//
// Tokens and recordings. A recording is a [Series]: S tokens (rows) × L
// time points (columns), read by [ReadNPY] ([S, L], float64 or float32,
// C order), [ReadCSV] (S lines of L numbers, no header) or [ReadHDF5] (an
// S × L dataset, the file's structure checked against its length before
// it is read); every value must be finite and plausible
// ([CheckPlausible]: within [ReadOptions].MaxOutlierZ robust standard
// deviations of its row's median). Errors name the file and what was
// expected. [ZScore] standardises each token's series, [MakeWindows] cuts
// recordings into windows X[N, S, T] (window n, token s, point t; the T
// points are a token's features), [SplitSubjects] draws held-out
// recordings, and [GroupFC] is the mean over recordings of the S × S
// Pearson correlation matrix.
//
// The task. [Protocol] is the masked-token model and training every
// experiment embeds: a post-LN encoder of width [Protocol.WidthFor](c)
// (Width rounded up to a multiple of 2c·Heads for c coordinates), input
// features T+1 (the window and the mask flag), a per-token readout of the
// T values ([Protocol.ModelConfig]); a fraction MaskRatio of the tokens is
// zeroed and flagged, and the loss is the MSE on them. [Quick] and [Paper]
// are its presets, [PaperSigmas] and [QuickSigmas] the σ sweeps of the
// learned table PE (rows N(0, σ²)). A task's held-out windows are the
// evaluation set [EvalTest]; [HeldOutMetrics] adds [EvalTest90]_mse (the
// same windows at TestMaskRatio, 90 % by default) and train_mse, and
// [AddInterventions] the PE interventions of pelib/intervene (iv_*).
//
// The PE's geometry. A PE table is [L, S, D] (blocks, tokens, width; the
// sweep's artifacts/<id>.pe.npy). [PEMetrics] compares each block with the
// coordinates ([Geometry]: coordinates (S, c) and −distance (S, S)): rsa
// (Spearman ρ of the rows' cosine similarity with −distance), align_err
// (distance after Procrustes alignment of the top c principal axes),
// decode_r2 (cross-validated ridge decoding of the coordinates), eff_dim
// (participation ratio) and topk_explained, averaged over blocks, and
// mantel_r/mantel_p of the block-mean similarity. [Reference] compares
// the block-mean similarity ([Similarity], S × S) with the data: fc_rsa
// and fc_p against the recordings' FC and, with a partition of the tokens
// into networks, modularity and segregation with permutation nulls.
//
// Figures. [LayoutFigure] draws the true coordinates (2 or 3 of them),
// [PEGeometryFigure] a block of a PE aligned to them, [SweepFigure] a
// final metric against σ and [MSEPart] an experiment's report part.
package masked
