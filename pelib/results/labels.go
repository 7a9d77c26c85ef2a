package results

import "strings"

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
