package attest

import "seigarrena.dev/sei/confine"

// MaxEvidenceFile bounds what sei reads of one evidence file. The largest
// real bundle seen (the original engine's demo) is 128 KiB; 64 MiB leaves
// room for any honest artefact and stops a crafted one from taking memory.
const MaxEvidenceFile = 64 << 20

// ErrNotRegular is a path in the evidence that is a symlink, FIFO, device
// or socket (confine.ErrNotRegular).
var ErrNotRegular = confine.ErrNotRegular

// ReadRegular reads an evidence file: regular, not through a final
// symlink, never blocking on a FIFO, at most MaxEvidenceFile bytes.
func ReadRegular(path string) ([]byte, error) { return confine.ReadRegular(path, MaxEvidenceFile) }
