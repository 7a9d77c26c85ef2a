package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"sort"
)

// shrinkPNG re-encodes a figure as a paletted PNG of at most 256 colours
// when that is smaller: exact when the figure has no more colours (most
// line plots), else the 256 most frequent colours at 5 bits a channel,
// each pixel mapped to the nearest (a heatmap's ramp loses shades finer
// than about 1/32 of a channel, which the eye does not tell apart). The
// rendered notebooks must stay under 2 MB with every figure in them.
func shrinkPNG(b []byte) []byte {
	src, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return b
	}
	r := src.Bounds()
	counts := map[color.RGBA]int{}
	exact := true
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := color.RGBAModel.Convert(src.At(x, y)).(color.RGBA)
			if exact {
				counts[c]++
				if len(counts) > 256 {
					exact = false
				}
			}
		}
	}
	var pal color.Palette
	if exact {
		for c := range counts {
			pal = append(pal, c)
		}
	} else {
		// Popularity over 5-bit bins; each bin's colour is the mean of
		// its pixels.
		type acc struct{ r, g, b, a, n int }
		bins := map[uint32]*acc{}
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				c := color.RGBAModel.Convert(src.At(x, y)).(color.RGBA)
				k := uint32(c.R>>3)<<15 | uint32(c.G>>3)<<10 | uint32(c.B>>3)<<5 | uint32(c.A>>3)
				a := bins[k]
				if a == nil {
					a = &acc{}
					bins[k] = a
				}
				a.r, a.g, a.b, a.a, a.n = a.r+int(c.R), a.g+int(c.G), a.b+int(c.B), a.a+int(c.A), a.n+1
			}
		}
		all := make([]*acc, 0, len(bins))
		for _, a := range bins {
			all = append(all, a)
		}
		sort.Slice(all, func(i, j int) bool { return all[i].n > all[j].n })
		for i := 0; i < len(all) && i < 256; i++ {
			a := all[i]
			pal = append(pal, color.RGBA{uint8(a.r / a.n), uint8(a.g / a.n), uint8(a.b / a.n), uint8(a.a / a.n)})
		}
	}
	dst := image.NewPaletted(r, pal)
	cache := map[color.RGBA]uint8{}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := color.RGBAModel.Convert(src.At(x, y)).(color.RGBA)
			i, ok := cache[c]
			if !ok {
				i = uint8(pal.Index(c))
				cache[c] = i
			}
			dst.SetColorIndex(x, y, i)
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, dst); err != nil || buf.Len() >= len(b) {
		return b
	}
	return buf.Bytes()
}

// drawnFraction is the fraction of the image's middle (the central half in
// each direction, where a plot's data are) whose pixels differ from its
// most common colour: 0 for a blank plot area (a 3D scene that WebGL did
// not draw).
func drawnFraction(b []byte) (float64, error) {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	r := img.Bounds()
	in := image.Rect(r.Min.X+r.Dx()/4, r.Min.Y+r.Dy()/4, r.Max.X-r.Dx()/4, r.Max.Y-r.Dy()/4)
	counts := map[color.RGBA]int{}
	for y := in.Min.Y; y < in.Max.Y; y++ {
		for x := in.Min.X; x < in.Max.X; x++ {
			counts[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
		}
	}
	most, total := 0, in.Dx()*in.Dy()
	for _, n := range counts {
		most = max(most, n)
	}
	if total == 0 {
		return 0, nil
	}
	return float64(total-most) / float64(total), nil
}
