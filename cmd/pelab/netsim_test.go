package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestNetsimFlags checks that bad flags of pelab netsim fail before any
// simulation or training, naming the flag.
func TestNetsimFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"netsim", "-layout", "4d"}, "-layout"},
		{[]string{"netsim", "-protocol", "full"}, "-protocol"},
		{[]string{"netsim", "-pe", "learn-0"}, "-pe"},
		{[]string{"netsim", "-seeds", "x,y"}, "-seeds"},
	} {
		var out, errOut bytes.Buffer
		code := runMain(append(tc.args, "-out", t.TempDir()), &out, &errOut)
		if code != 2 || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 (usage) and a message naming %s", tc.args, code, errOut.String(), tc.want)
		}
	}
	var out, errOut bytes.Buffer
	if code := runMain([]string{"netsim", "-h"}, &out, &errOut); code != 0 {
		t.Errorf("netsim -h: exit %d", code)
	}
}
