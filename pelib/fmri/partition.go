package fmri

import (
	"bufio"
	"fmt"
	"image/color"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/pelab/pelab/internal/regular"
)

// File names of the Cole-Anticevic partition inside its folder (cabnp/).
const (
	NetworkLabelFile  = "network_labelfile.txt"
	NetworkAssignFile = "cortex_parcel_network_assignments.txt"
	PartitionLabelKey = "CortexSubcortex_ColeAnticevic_NetPartition_wSubcorGSR_parcels_LR_LabelKey.txt"
)

// Network is one functional network of a partition.
type Network struct {
	Key   int    // 1-based key, as in the partition files
	Name  string // e.g. "Visual1"
	Color color.RGBA
}

// Region is one cortical region (token).
type Region struct {
	Name       string // Glasser label name, e.g. "L_V1_ROI"
	Hemisphere string // "L" or "R"
	Network    int    // network key
}

// Partition assigns each region to a network.
type Partition struct {
	Regions  []Region  // in region (token) order
	Networks []Network // sorted by key
}

// Keys returns each region's network key, in region order.
func (p *Partition) Keys() []int {
	k := make([]int, len(p.Regions))
	for i, r := range p.Regions {
		k[i] = r.Network
	}
	return k
}

// Network returns the network with the given key.
func (p *Partition) Network(key int) (Network, bool) {
	i := sort.Search(len(p.Networks), func(i int) bool { return p.Networks[i].Key >= key })
	if i < len(p.Networks) && p.Networks[i].Key == key {
		return p.Networks[i], true
	}
	return Network{}, false
}

// Sizes returns the number of regions in each network, keyed by network key.
func (p *Partition) Sizes() map[int]int {
	s := map[int]int{}
	for _, r := range p.Regions {
		s[r.Network]++
	}
	return s
}

// ReadPartition reads the Cole-Anticevic partition of the first n regions
// (NumRegions for the Glasser cortex) from its folder: the network keys from
// NetworkAssignFile, region names and hemispheres from the first n data rows
// of PartitionLabelKey (whose NETWORKKEY column must agree), and network
// names and colours from NetworkLabelFile. A region count mismatch, a
// disagreement between the files, or a key with no network is an error.
func ReadPartition(dir string, n int) (*Partition, error) {
	nets, err := ReadNetworks(filepath.Join(dir, NetworkLabelFile))
	if err != nil {
		return nil, err
	}
	assignPath := filepath.Join(dir, NetworkAssignFile)
	keys, err := ReadAssignments(assignPath, n)
	if err != nil {
		return nil, err
	}
	known := map[int]bool{}
	for _, nw := range nets {
		known[nw.Key] = true
	}
	for i, k := range keys {
		if !known[k] {
			return nil, fmt.Errorf("fmri: %s line %d: unknown network key %d (keys in %s: %v)", assignPath, i+1, k, NetworkLabelFile, netKeys(nets))
		}
	}
	regions, err := ReadLabelKey(filepath.Join(dir, PartitionLabelKey), n)
	if err != nil {
		return nil, err
	}
	for i := range regions {
		if regions[i].Network != keys[i] {
			return nil, fmt.Errorf("fmri: %s: region %d (%s) has network key %d in %s but %d in %s",
				dir, i, regions[i].Name, regions[i].Network, PartitionLabelKey, keys[i], NetworkAssignFile)
		}
	}
	return &Partition{Regions: regions, Networks: nets}, nil
}

func netKeys(nets []Network) []int {
	k := make([]int, len(nets))
	for i, n := range nets {
		k[i] = n.Key
	}
	return k
}

// readLines returns the lines of a text file without line terminators
// (LF or CRLF), a UTF-8 byte order mark at the start skipped.
func readLines(path string) ([]string, error) {
	f, _, err := regular.Open(path)
	if err != nil {
		return nil, fmt.Errorf("fmri: %w", err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(regular.TextReader(f))
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		lines = append(lines, strings.TrimRight(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("fmri: %s: %w", path, err)
	}
	return lines, nil
}

// ReadNetworks reads a network label file: pairs of lines, a network name
// then "key R G B A" (0–255), in any key order. It returns the networks
// sorted by key; duplicate keys or names are an error.
func ReadNetworks(path string) ([]Network, error) {
	lines, err := readLines(path)
	if err != nil {
		return nil, err
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 || len(lines)%2 != 0 {
		return nil, fmt.Errorf("fmri: %s: %d lines, want pairs of lines (name, then \"key R G B A\")", path, len(lines))
	}
	var nets []Network
	seenKey, seenName := map[int]bool{}, map[string]bool{}
	for i := 0; i < len(lines); i += 2 {
		name := strings.TrimSpace(lines[i])
		f := strings.Fields(lines[i+1])
		if name == "" || len(f) != 5 {
			return nil, fmt.Errorf("fmri: %s line %d: want a name line then \"key R G B A\", got %q, %q", path, i+1, lines[i], lines[i+1])
		}
		var v [5]int
		for j, s := range f {
			x, err := strconv.Atoi(s)
			if err != nil || (j > 0 && (x < 0 || x > 255)) || (j == 0 && x < 1) {
				return nil, fmt.Errorf("fmri: %s line %d field %d: %q, want a positive key then colour values 0–255", path, i+2, j+1, s)
			}
			v[j] = x
		}
		if seenKey[v[0]] || seenName[name] {
			return nil, fmt.Errorf("fmri: %s line %d: network %q key %d appears twice", path, i+1, name, v[0])
		}
		seenKey[v[0]], seenName[name] = true, true
		nets = append(nets, Network{Key: v[0], Name: name, Color: color.RGBA{uint8(v[1]), uint8(v[2]), uint8(v[3]), uint8(v[4])}})
	}
	sort.Slice(nets, func(i, j int) bool { return nets[i].Key < nets[j].Key })
	return nets, nil
}

// ReadAssignments reads a network assignment file: one integer network key
// per line, exactly n lines (blank lines at the end are ignored).
func ReadAssignments(path string, n int) ([]int, error) {
	lines, err := readLines(path)
	if err != nil {
		return nil, err
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) != n {
		return nil, fmt.Errorf("fmri: %s: %d network assignments, want one per region (%d)", path, len(lines), n)
	}
	keys := make([]int, n)
	for i, l := range lines {
		k, err := strconv.Atoi(strings.TrimSpace(l))
		if err != nil {
			return nil, fmt.Errorf("fmri: %s line %d: want an integer network key: %w", path, i+1, err)
		}
		keys[i] = k
	}
	return keys, nil
}

// ReadLabelKey reads the first n data rows of a Cole-Anticevic LabelKey file
// (tab-separated, with a header naming the columns KEYVALUE, HEMISPHERE,
// NETWORKKEY and GLASSERLABELNAME). Row i must have KEYVALUE i+1.
func ReadLabelKey(path string, n int) ([]Region, error) {
	lines, err := readLines(path)
	if err != nil {
		return nil, err
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("fmri: %s: empty", path)
	}
	col := map[string]int{}
	for i, h := range strings.Split(lines[0], "\t") {
		col[strings.TrimSpace(h)] = i
	}
	for _, c := range []string{"KEYVALUE", "HEMISPHERE", "NETWORKKEY", "GLASSERLABELNAME"} {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("fmri: %s line 1: no column %s in header %q", path, c, lines[0])
		}
	}
	if len(lines)-1 < n {
		return nil, fmt.Errorf("fmri: %s: %d data rows, want at least %d (one per region)", path, len(lines)-1, n)
	}
	regions := make([]Region, n)
	for i := range n {
		f := strings.Split(lines[i+1], "\t")
		if len(f) < len(col) {
			return nil, fmt.Errorf("fmri: %s line %d: %d fields, want %d", path, i+2, len(f), len(col))
		}
		kv, err := strconv.Atoi(strings.TrimSpace(f[col["KEYVALUE"]]))
		if err != nil || kv != i+1 {
			return nil, fmt.Errorf("fmri: %s line %d: KEYVALUE %q, want %d (cortical regions in order first)", path, i+2, f[col["KEYVALUE"]], i+1)
		}
		key, err := strconv.Atoi(strings.TrimSpace(f[col["NETWORKKEY"]]))
		if err != nil {
			return nil, fmt.Errorf("fmri: %s line %d: NETWORKKEY: %w", path, i+2, err)
		}
		name := strings.TrimSpace(f[col["GLASSERLABELNAME"]])
		if name == "" || name == "NA" {
			return nil, fmt.Errorf("fmri: %s line %d: no GLASSERLABELNAME (%q)", path, i+2, name)
		}
		regions[i] = Region{Name: name, Hemisphere: strings.TrimSpace(f[col["HEMISPHERE"]]), Network: key}
	}
	return regions, nil
}
