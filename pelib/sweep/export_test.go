package sweep

// GroupCheckpoint exposes groupCheckpoint to the tests of package sweep_test.
var GroupCheckpoint = groupCheckpoint
