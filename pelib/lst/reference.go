package lst

// Reference is one row of the paper's results: 15-seed mean ± SD at epoch
// 4000, computed from the reference project's public per-seed result files
// (../shared/docs/paper-notes.md). Accuracies in percent.
type Reference struct {
	Val, ValSD       float64 // the 108 original puzzles
	Val1, Val2, Val3 float64 // by condition (1-, 2-, 3-vector)
	Test, TestSD     float64 // the 900 held-out generated puzzles
}

// References maps a condition name to its reference row.
func References() map[string]Reference {
	return map[string]Reference{
		"2d-fixed":  {97.65, 7.32, 99.07, 97.78, 96.11, 98.51, 3.10},
		"learn-0.1": {92.47, 8.33, 94.07, 92.59, 90.74, 96.99, 3.95},
		"learn-0.2": {95.56, 3.93, 98.33, 93.52, 94.81, 98.61, 1.03},
		"learn-0.3": {94.63, 2.19, 97.78, 90.74, 95.37, 98.73, 0.58},
		"learn-0.5": {94.63, 2.50, 97.59, 93.15, 93.15, 98.64, 0.62},
		"learn-0.7": {92.59, 2.69, 96.11, 90.19, 91.48, 98.52, 0.78},
		"learn-1":   {89.38, 4.27, 93.89, 86.30, 87.96, 98.07, 0.65},
		"learn-1.2": {75.56, 14.09, 80.00, 77.78, 68.89, 95.28, 2.88},
		"learn-1.4": {65.43, 16.14, 69.07, 71.48, 55.74, 92.40, 3.82},
		"learn-1.6": {58.21, 16.82, 62.41, 64.26, 47.96, 91.34, 4.88},
		"learn-1.8": {37.84, 15.27, 43.15, 38.70, 31.67, 84.72, 4.94},
		"learn-2":   {37.72, 17.07, 40.93, 43.15, 29.07, 84.66, 7.08},
	}
}
