package plots

import "image/color"

// Categorical returns the i-th of the categorical colours every figure of
// this package gives its groups and series (cycling after 12), for views
// drawn elsewhere (package interactive) that should match them.
func Categorical(i int) color.RGBA { return colour(i) }
