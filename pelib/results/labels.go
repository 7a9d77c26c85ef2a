package results

import (
	"math"
	"slices"
	"strings"
)

// metricLabels holds, for each metric key a figure may show, its
// description in words with its unit: the one place figure titles, axes
// and captions take metric names from.
var metricLabels = map[string]string{
	"val_acc":              "accuracy on the 108 original puzzles (%)",
	"val_acc_1vec":         "accuracy, 1-vector puzzles (%)",
	"val_acc_2vec":         "accuracy, 2-vector puzzles (%)",
	"val_acc_3vec":         "accuracy, 3-vector puzzles (%)",
	"val_acc_noise":        "accuracy on noisy puzzles (%)",
	"test_acc":             "accuracy on held-out puzzles (%)",
	"train_acc":            "training accuracy (%)",
	"test_mse":             "held-out MSE, 50 % of nodes masked",
	"test90_mse":           "held-out MSE, 90 % of nodes masked",
	"train_mse":            "training MSE",
	"procrustes":           "Procrustes distance of the PE to the grid",
	"procrustes_disparity": "Procrustes disparity of the PE to the grid",
	"rsa_grid":             "RSA of the PE with −grid distance (Spearman ρ)",
	"rsa_cos":              "RSA of the PE (cosine) with −distance (Spearman ρ)",
	"rsa_corr":             "RSA of the PE (correlation) with −distance (Spearman ρ)",
	"dist_rsa":             "RSA of the PE with −MNI distance (Spearman ρ)",
	"fc_rsa":               "RSA of the PE with the group FC (Spearman ρ)",
	"disparity":            "Procrustes disparity to the true coordinates",
	"align_err":            "alignment error to the true coordinates",
	"eff_dim":              "effective dimension of the PE",
	"norm":                 "PE norm",
	"attn_sim":             "attention similarity to the 2d-fixed model (cosine)",
}

// MetricLabel returns the metric key's description in words with its unit
// (e.g. "test90_mse" → "held-out MSE, 90 % of nodes masked"), or the key
// itself with underscores as spaces when it is not known.
func MetricLabel(key string) string {
	if l, ok := metricLabels[key]; ok {
		return l
	}
	return strings.ReplaceAll(key, "_", " ")
}

// MetricBounds returns the range [lo, hi] a metric's values can take, by its
// key (±Inf for an open side; the geometry prefix "geo_" and block suffixes
// "_b<l>", "_mean" do not change it), so that intervals and bands respect it
// (BoundedCI). values are the metric's values: an accuracy is a fraction in
// [0, 1], or a percentage in [0, 100] when any value exceeds 1 (reports show
// accuracies in percent).
//
//   - [0, 1] or [0, 100]: accuracies ("acc"); [−1, 1] or [−100, 100]: the
//     differences of accuracies of the PE interventions ("iv_d…acc"), other
//     intervention differences ("iv_d…") unbounded;
//   - [−1, 1]: correlations and cosines (RSA "rsa", "mantel_r", "attn_sim");
//   - [0, 1]: Procrustes disparities ("disparity"), p-values ("_p", "p_"),
//     explained fractions ("explained");
//   - (−∞, 1]: coefficients of determination ("r2");
//   - [0, ∞): errors, losses, distances and norms ("mse", "loss", "err",
//     "procrustes", "norm"); [1, ∞): effective dimensions ("eff_dim");
//   - (−∞, ∞): everything else (z-scores, modularity, segregation, …).
func MetricBounds(key string, values []float64) (lo, hi float64) {
	inf := math.Inf(1)
	k := strings.TrimPrefix(key, "geo_")
	has := func(parts ...string) bool {
		for _, p := range parts {
			if strings.Contains(k, p) {
				return true
			}
		}
		return false
	}
	diff := strings.HasPrefix(k, "iv_d") // an intervention's effect: a difference of two values
	switch {
	case diff && has("acc"):
		if len(values) > 0 && (slices.Max(values) > 1 || slices.Min(values) < -1) {
			return -100, 100
		}
		return -1, 1
	case diff:
		return -inf, inf
	case has("acc"):
		if len(values) > 0 && slices.Max(values) > 1 {
			return 0, 100
		}
		return 0, 1
	case has("rsa", "mantel_r", "attn_sim"):
		return -1, 1
	case has("disparity", "explained") || strings.HasSuffix(k, "_p") || strings.HasPrefix(k, "p_") || strings.Contains(k, "_p_"):
		return 0, 1
	case has("r2"):
		return -inf, 1
	case has("eff_dim"):
		return 1, inf
	case has("mse", "loss", "err", "procrustes", "norm"):
		return 0, inf
	}
	return -inf, inf
}
