package pe_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/pelab/pelab/pelib/pe"
)

func ExampleParse() {
	for _, s := range []string{"learn-0.2", "2d-fixed", "relative", "t5,buckets=16", "learn:0.5,input,wd=0.01"} {
		spec, err := pe.Parse(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%-24s %-28s key %s\n", s, spec, spec.StructureKey())
	}
	// Output:
	// learn-0.2                learn:normal:0.2             key learn
	// 2d-fixed                 sin2d                        key sin2d
	// relative                 shaw:normal:1,causal,noout   key shaw,causal,noout
	// t5,buckets=16            t5:zeros,buckets=16          key t5,buckets=16
	// learn:0.5,input,wd=0.01  learn:normal:0.5,wd=0.01,input key learn,wd=0.01,input
}

func ExampleTable() {
	// The paper's LST: a 4×4 grid of tokens, width 160, 2d-fixed PE.
	spec, _ := pe.Parse("2d-fixed")
	tab, err := pe.Table(spec, pe.Grid(4, 4), 160, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Token 6 is (row 1, col 2): channel 0 = sin(col), channel 80 = sin(row).
	fmt.Printf("%d values; token 6: ch0 %.4f ch80 %.4f\n", len(tab), tab[6*160], tab[6*160+80])

	// A learned PE for each of 4 blocks, drawn from one seed.
	learn, _ := pe.Parse("learn:0.2")
	all, _ := pe.Tables(learn, pe.Grid(4, 4), 160, 4, rand.New(rand.NewPCG(2235, 0)))
	fmt.Println(len(all), "values for", learn.NumTables(4), "blocks")
	// Output:
	// 2560 values; token 6: ch0 0.9093 ch80 0.8415
	// 10240 values for 4 blocks
}

func ExampleParseList() {
	specs, err := pe.ParseList("learn:0.1..0.3/0.1; sin2d; nope")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range specs {
		fmt.Println(s)
	}
	// Output:
	// learn:normal:0.1
	// learn:normal:0.2
	// learn:normal:0.3
	// sin2d
	// none
}
